// The app shell: sidebar navigation, top bar with org switcher and user menu, flash area.
import type { Children } from '@kitajs/html'
import type { BareProps, PageProps } from '../src/web/page'
import { FlashMessage } from './components/flash'
import { Csrf } from './components/form'
import { Icon } from './components/icons'

type NavItem = { href: string; label: string; icon: string; perm?: string; platformAdmin?: boolean }

/** The product areas; an item shows only when its page exists and the user may open it. */
const nav: { section: string; items: NavItem[] }[] = [
  {
    section: 'Overview',
    items: [
      { href: '/', label: 'Dashboard', icon: 'home' },
      { href: '/search', label: 'Search', icon: 'search' },
      { href: '/reports', label: 'Reports', icon: 'chart', perm: 'reports:read' },
    ],
  },
  {
    section: 'Customers',
    items: [
      { href: '/orgs', label: 'Organizations', icon: 'building', perm: 'orgs:read' },
      { href: '/sites', label: 'Sites', icon: 'map', perm: 'sites:read' },
    ],
  },
  {
    section: 'Fleet',
    items: [
      { href: '/devices', label: 'Devices', icon: 'monitor', perm: 'devices:read' },
      { href: '/groups', label: 'Groups', icon: 'layers', perm: 'devices:read' },
      { href: '/devices/approvals', label: 'Enrollment approvals', icon: 'shield', perm: 'enrollment:read' },
      { href: '/software', label: 'Software', icon: 'package', perm: 'devices:read' },
      { href: '/patches', label: 'Patches', icon: 'shield', perm: 'patches:read' },
      { href: '/remote/sessions', label: 'Remote sessions', icon: 'terminal', perm: 'remote:access' },
    ],
  },
  {
    section: 'Monitoring',
    items: [
      { href: '/alerts', label: 'Alerts', icon: 'bell', perm: 'alerts:read' },
      { href: '/notifications/channels', label: 'Notifications', icon: 'zap', perm: 'notifications:read' },
      { href: '/tickets', label: 'Tickets', icon: 'ticket', perm: 'tickets:read' },
    ],
  },
  {
    section: 'Automation',
    items: [
      { href: '/scripts', label: 'Scripts', icon: 'code', perm: 'scripts:read' },
      { href: '/automations', label: 'Automations', icon: 'zap', perm: 'automations:read' },
      { href: '/policies', label: 'Policies', icon: 'layers', perm: 'policies:read' },
      { href: '/compliance', label: 'Compliance', icon: 'check', perm: 'policies:read' },
      { href: '/executions', label: 'Script runs', icon: 'list', perm: 'scripts:read' },
    ],
  },
  {
    section: 'Administration',
    items: [
      { href: '/users', label: 'Users', icon: 'users', perm: 'users:read' },
      { href: '/roles', label: 'Roles', icon: 'shield', perm: 'roles:read' },
      { href: '/enrollment-keys', label: 'Enrollment keys', icon: 'key', perm: 'enrollment:read' },
      { href: '/audit', label: 'Audit log', icon: 'list', perm: 'audit:read' },
      { href: '/partners', label: 'Partners', icon: 'briefcase', perm: 'partners:read' },
      { href: '/settings', label: 'Settings', icon: 'settings', platformAdmin: true },
    ],
  },
]

function Head({ title, assets, csrf }: { title: string; assets: Record<string, string>; csrf: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content={csrf} />
      <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
      <title safe>{title + ' · Breeze'}</title>
      <link rel="icon" href={assets['favicon.svg']} type="image/svg+xml" />
      <link rel="stylesheet" href={assets['app.css']} />
      <script src={assets['htmx.js']} defer></script>
      <script src={assets['ansi.js']} defer></script>
      <script src={assets['app.js']} defer></script>
      <script src={assets['devices.js']} defer></script>
      <script src={assets['automations.js']} defer></script>
      <script src={assets['remote.js']} defer></script>
      <script src={assets['alpine.js']} defer></script>
    </head>
  )
}

export function Layout({ page, title, children }: { page: PageProps; title: string; children: Children }) {
  const visible = (i: NavItem) => (i.platformAdmin ? page.user.isPlatformAdmin : !i.perm || page.can.includes(i.perm))
  const current = (href: string) => (page.path === href || page.path.startsWith(href + '/') ? 'page' : undefined)
  return (
    <>
      {'<!doctype html>'}
      <html lang="en" data-theme={page.theme === 'system' ? undefined : page.theme}>
        <Head title={title} assets={page.assets} csrf={page.csrf} />
        <body hx-boost="true" data-live="on">
          <a class="skip-link" href="#content">Skip to content</a>
          <div class="shell" x-data="shell">
            <aside class="sidebar" x-bind:class="navOpen ? 'open' : ''">
              <a class="brand" href="/"><img src={page.assets['favicon.svg']} alt="" /> Breeze</a>
              {nav.map((s) => {
                const items = s.items.filter(visible)
                if (items.length === 0) return ''
                return (
                  <nav class="nav" aria-label={s.section}>
                    <div class="nav-section" safe>{s.section}</div>
                    {items.map((i) => (
                      <a href={i.href} aria-current={current(i.href)}><Icon name={i.icon} /> <span safe>{i.label}</span></a>
                    ))}
                  </nav>
                )
              })}
            </aside>
            <div class="main">
              <header class="topbar">
                <button type="button" class="icon-btn menu-toggle" aria-label="Menu" x-on:click="toggleNav"><Icon name="menu" /></button>
                <OrgSwitcher page={page} />
                <span class="grow"></span>
                <SearchBox />
                <a class="icon-btn" href="/notifications" aria-label="Notifications"><span class="bell" hx-get="/notifications/bell" hx-trigger="load, live:notification.created from:body" hx-swap="innerHTML"><Icon name="bell" /></span></a>
                <button type="button" class="icon-btn" x-data="themeToggle" x-on:click="cycle" title={`Theme: ${page.theme}`} aria-label="Switch theme"><Icon name="sun" /></button>
                <div class="dropdown" x-data="dropdown" {...{ 'x-on:click.outside': 'close' }}>
                  <button type="button" class="btn user-menu" x-on:click="toggle" aria-haspopup="menu" aria-label="Account menu"><Icon name="user" /> <span class="user-name" safe>{page.user.name}</span></button>
                  <div class="dropdown-menu" x-show="open" x-cloak role="menu">
                    <div class="small muted" safe>{page.user.email}</div>
                    <hr />
                    <a href="/account">Account</a>
                    <a href="/account/mfa">Two-factor authentication</a>
                    <a href="/account/api-keys">API keys</a>
                    <hr />
                    <form method="post" action="/logout" hx-boost="false">
                      <Csrf token={page.csrf} />
                      <button type="submit">Sign out</button>
                    </form>
                  </div>
                </div>
              </header>
              <div id="flash"><FlashMessage flash={page.flash} /></div>
              <main class="content" id="content" tabindex="-1">{children}</main>
            </div>
          </div>
        </body>
      </html>
    </>
  )
}

/**
 * SearchBox is the global search (Ctrl+K or the button): a dialog whose input fetches
 * /search's result list as you type; arrows move through the results, Enter opens one.
 * Without scripts the button is a link to the /search page.
 */
function SearchBox() {
  return (
    <div class="global-search" x-data="globalSearch">
      <a class="search-trigger" href="/search" {...{ 'x-on:click.prevent': 'open' }} aria-keyshortcuts="Control+K" aria-haspopup="dialog">
        <Icon name="search" /> <span class="search-trigger-text">Search</span> <kbd class="search-trigger-key">Ctrl K</kbd>
      </a>
      <dialog class="search-dialog" aria-label="Search">
        <div x-data="searchBox">
          <form role="search" method="get" action="/search" hx-get="/search" hx-target="#search-results" hx-trigger="input changed delay:200ms from:(#search-q)" hx-boost="false">
            <label for="search-q" class="sr-only">Search devices, organizations, scripts, alerts and tickets</label>
            <input id="search-q" type="search" name="q" autocomplete="off" placeholder="Search devices, organizations, scripts, alerts, tickets…" role="combobox" aria-expanded="true" aria-controls="search-results" aria-autocomplete="list" />
          </form>
          <div id="search-results" class="search-results"><p class="search-hint muted small">Type at least 2 characters. ↑ ↓ to move, Enter to open, Esc to close.</p></div>
        </div>
      </dialog>
    </div>
  )
}

function OrgSwitcher({ page }: { page: PageProps }) {
  if (page.orgs.length === 0) return ''
  return (
    <form class="org-switcher" method="post" action="/session/org" hx-post="/session/org" hx-trigger="change">
      <Csrf token={page.csrf} />
      <label class="sr-only" for="org-switch">Organization</label>
      <select id="org-switch" name="orgId">
        <option value="" selected={!page.activeOrgId}>All organizations</option>
        {page.orgs.map((o) => <option value={o.id} selected={o.id === page.activeOrgId} safe>{o.name}</option>)}
      </select>
      <noscript><button class="btn small" type="submit">Switch</button></noscript>
    </form>
  )
}

/** BareLayout is for pages outside the app (sign-in, setup, errors). */
export function BareLayout({ page, title, children }: { page: BareProps; title: string; children: Children }) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en" data-theme={page.theme === 'system' ? undefined : page.theme}>
        <Head title={title} assets={page.assets} csrf={page.csrf} />
        <body>
          <div class="auth-wrap">
            <div class="auth-card">
              <div class="brand"><img src={page.assets['favicon.svg']} alt="" /> Breeze</div>
              <FlashMessage flash={page.flash} />
              <div class="card">{children}</div>
            </div>
          </div>
        </body>
      </html>
    </>
  )
}
