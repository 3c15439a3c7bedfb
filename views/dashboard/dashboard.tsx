// The home page: widgets in the user's order, for everything the user sees, one partner or one
// organization (the scope switch). Each widget can be hidden; Customize orders and shows them.
import type { LoadedWidget } from '../../src/dashboard/service'
import type { WidgetDef } from '../../src/dashboard/registry'
import type { LayoutEntry } from '../../src/dashboard/layout-repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Csrf, PostButton } from '../components/form'
import { Layout } from '../layout'

export type ScopeChoice = { value: string; label: string }

function ScopeSwitch({ choices, current }: { choices: ScopeChoice[]; current: string }) {
  if (choices.length <= 1) return ''
  return (
    <form method="get" action="/" class="dash-scope" aria-label="Dashboard scope">
      <label for="dash-scope" class="small muted">Show</label>
      <select id="dash-scope" name="scope">
        {choices.map((c) => <option value={c.value} selected={c.value === current} safe>{c.label}</option>)}
      </select>
      <button type="submit" class="btn small">Go</button>
    </form>
  )
}

export function DashboardPage({ page, widgets, hidden, choices, scope, subtitle, now, orgId, noDevices, canEnroll }: {
  page: PageProps; widgets: LoadedWidget[]; hidden: WidgetDef[]; choices: ScopeChoice[]; scope: string; subtitle: string; now: number; orgId: string | undefined; noDevices: boolean; canEnroll: boolean
}) {
  const back = `/?scope=${encodeURIComponent(scope)}`
  return (
    <Layout page={page} title="Dashboard">
      <PageHeader title="Dashboard" subtitle={subtitle}>
        <ScopeSwitch choices={choices} current={scope} />
        <a class="btn" href="/dashboard/customize">Customize</a>
        {canEnroll ? <a class="btn primary" href="/devices/add">Add device</a> : ''}
      </PageHeader>
      {noDevices
        ? <section class="card"><EmptyState title="No devices yet" text="Install the Breeze agent on a computer: it appears here within seconds, with its hardware, software and live metrics." action={canEnroll ? { href: '/devices/add', label: 'Add device' } : undefined} /></section>
        : ''}
      <div id="dashboard" hx-get={back} hx-trigger="live:device.status from:body throttle:10s, live:device.enrolled from:body throttle:10s" hx-select="#dashboard" hx-target="#dashboard" hx-swap="outerHTML">
        {widgets.length === 0
          ? <section class="card"><EmptyState title="Every widget is hidden" text="Choose the widgets to show under Customize." action={{ href: '/dashboard/customize', label: 'Customize' }} /></section>
          : (
            <div class="widgets">
              {widgets.map((w) => (
                <section class={`card widget${w.def.size === 'full' ? ' widget-full' : ''}`} data-widget={w.def.key} aria-label={w.def.title}>
                  <div class="widget-head">
                    <h3 safe>{w.def.title}</h3>
                    <PostButton action={`/dashboard/widgets/${w.def.key}/hide`} csrf={page.csrf} label="Hide" small fields={{ back }} />
                  </div>
                  {w.error ? <p class="small muted" safe>{w.error}</p> : w.def.view(w.data, { now, orgId, csrf: page.csrf })}
                </section>
              ))}
            </div>
          )}
        {hidden.length > 0 ? <p class="small muted">{hidden.length} hidden widget{hidden.length === 1 ? '' : 's'}: <a href="/dashboard/customize">show them</a></p> : ''}
      </div>
    </Layout>
  )
}

/** CustomizePage: show/hide each widget and move it up or down; one form, saved per user. */
export function CustomizePage({ page, layout, defs }: { page: PageProps; layout: LayoutEntry[]; defs: Record<string, WidgetDef> }) {
  return (
    <Layout page={page} title="Customize dashboard">
      <PageHeader title="Customize dashboard" subtitle="Choose which widgets your dashboard shows and in which order. This is yours only." />
      <form method="post" action="/dashboard/layout" class="card">
        <Csrf token={page.csrf} />
        <ol class="layout-list">
          {layout.map((e, i) => {
            const d = defs[e.key]
            return (
              <li data-widget={e.key}>
                <input type="hidden" name="order" value={e.key} />
                <input type="checkbox" id={`w-${e.key}`} name="visible" value={e.key} checked={e.visible} />
                <label class="grow" for={`w-${e.key}`}><strong safe>{d.title}</strong><div class="small muted" safe>{d.description}</div></label>
                <button type="submit" class="btn small" name="move" value={`${e.key}:up`} disabled={i === 0} aria-label={`Move ${d.title} up`}>Up</button>
                <button type="submit" class="btn small" name="move" value={`${e.key}:down`} disabled={i === layout.length - 1} aria-label={`Move ${d.title} down`}>Down</button>
              </li>
            )
          })}
        </ol>
        <div class="row"><button type="submit" class="btn primary">Save</button><a class="btn" href="/">Cancel</a></div>
      </form>
    </Layout>
  )
}
