// The script library: list with filters, and the built-in template gallery.
import type { Script } from '../../src/scripts/repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Csrf, Select } from '../components/form'
import { Layout } from '../layout'

export type Owner = { value: string; label: string }

const osLabel: Record<string, string> = { linux: 'Linux', macos: 'macOS', windows: 'Windows' }
export function OsBadges({ os }: { os: string[] }) {
  return <>{os.map((o) => <span class="badge" safe>{osLabel[o] ?? o}</span>)}</>
}

export function ownerName(s: Script, names: Record<string, string>): string {
  if (s.isSystem) return 'Built-in'
  return s.orgId ? names[s.orgId] ?? 'organization' : `${names[s.partnerId ?? ''] ?? 'partner'} (all organizations)`
}

type ListQuery = { search?: string; category?: string; os?: string; language?: string; forDevice?: string }

export function ScriptsPage({ page, scripts, categories, names, query, canCreate }: {
  page: PageProps; scripts: Script[]; categories: string[]; names: Record<string, string>; query: ListQuery; canCreate: boolean
}) {
  const own = scripts.filter((s) => !s.isSystem)
  return (
    <Layout page={page} title="Scripts">
      <PageHeader title="Scripts" subtitle="Your script library: run on one device, a group, a site or a whole organization.">
        <a class="btn" href="/scripts/templates">Template gallery</a>
        {canCreate ? <a class="btn" href="/scripts/import">Import</a> : ''}
        {own.length ? <a class="btn" href={`/api/v1/scripts/export?ids=${own.map((s) => s.id).join(',')}`} hx-boost="false">Export</a> : ''}
        {canCreate ? <a class="btn primary" href="/scripts/new">New script</a> : ''}
      </PageHeader>
      {query.forDevice ? <div class="callout">Choose a script to run on the device: each has a <strong>Run</strong> link.</div> : ''}
      <form class="filters" method="get" action="/scripts">
        {query.forDevice ? <input type="hidden" name="forDevice" value={query.forDevice} /> : ''}
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={query.search} placeholder="Name or description" /></div>
        <div class="field"><label for="f-category">Category</label>
          <select id="f-category" name="category">
            <option value="">Any</option>
            {categories.map((c) => <option value={c} selected={query.category === c} safe>{c}</option>)}
          </select>
        </div>
        <div class="field"><label for="f-os">OS</label>
          <select id="f-os" name="os">
            <option value="">Any</option>
            {Object.entries(osLabel).map(([v, l]) => <option value={v} selected={query.os === v} safe>{l}</option>)}
          </select>
        </div>
        <div class="field"><label for="f-language">Language</label>
          <select id="f-language" name="language">
            <option value="">Any</option>
            {['bash', 'sh', 'powershell', 'cmd', 'python'].map((l) => <option value={l} selected={query.language === l} safe>{l}</option>)}
          </select>
        </div>
        <button class="btn" type="submit">Filter</button>
      </form>
      <section class="card flush">
        {scripts.length === 0
          ? <EmptyState title="No scripts match" text="Start from the template gallery, import scripts, or write a new one." action={canCreate ? { href: '/scripts/new', label: 'New script' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Script</th><th>Category</th><th>OS</th><th>Language</th><th>Owner</th><th>Version</th><th>Updated</th></tr></thead>
                <tbody>
                  {scripts.map((s) => (
                    <tr>
                      <td>
                        <a href={`/scripts/${s.id}`} safe>{s.name}</a>
                        {query.forDevice ? <> · <a class="btn small" href={`/scripts/${s.id}/run?deviceId=${encodeURIComponent(query.forDevice)}`}>Run</a></> : ''}
                        <div class="small muted" safe>{s.description}</div>
                      </td>
                      <td class="small" safe>{s.category}</td>
                      <td><OsBadges os={s.osTypes} /></td>
                      <td class="mono small">{s.language}</td>
                      <td class="small" safe>{ownerName(s, names)}</td>
                      <td>{s.version}</td>
                      <td><Time ms={s.updatedAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </Layout>
  )
}

export function TemplatesPage({ page, templates, owners }: { page: PageProps; templates: Script[]; owners: Owner[] }) {
  const byCategory = new Map<string, Script[]>()
  for (const t of templates) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t])
  return (
    <Layout page={page} title="Template gallery">
      <PageHeader title="Template gallery" subtitle={`${templates.length} ready-made scripts for Linux, macOS and Windows. Use one as is, or copy it to change it.`}>
        <a class="btn" href="/scripts">Library</a>
      </PageHeader>
      {[...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([category, list]) => (
        <section class="stack">
          <h2 safe>{category}</h2>
          <div class="grid-2">
            {list.map((t) => (
              <div class="card">
                <h3><a href={`/scripts/${t.id}`} safe>{t.name}</a></h3>
                <p class="small muted" safe>{t.description}</p>
                <p><OsBadges os={t.osTypes} /> <span class="badge">{t.language}</span>{t.parameters.length ? <span class="small muted"> · {t.parameters.length} parameters</span> : ''}</p>
                {owners.length
                  ? (
                    <form method="post" action={`/scripts/${t.id}/copy`} class="row">
                      <Csrf token={page.csrf} />
                      <select name="owner" aria-label="Copy to">{owners.map((o) => <option value={o.value} safe>{o.label}</option>)}</select>
                      <button class="btn small" type="submit">Use template</button>
                    </form>
                  )
                  : ''}
              </div>
            ))}
          </div>
        </section>
      ))}
    </Layout>
  )
}

export function ImportPage({ page, owners, error }: { page: PageProps; owners: Owner[]; error?: string }) {
  return (
    <Layout page={page} title="Import scripts">
      <PageHeader title="Import scripts" subtitle="Paste a Breeze script export (JSON). Every script is created, or none is." />
      <form class="card" method="post" action="/scripts/import">
        <Csrf token={page.csrf} />
        {error ? <div class="callout bad" safe>{error}</div> : ''}
        <Select name="owner" label="Import into" options={owners} />
        <div class="field">
          <label for="f-json">Export JSON</label>
          <textarea id="f-json" name="json" rows="16" required placeholder='{"format":"breeze-scripts","scripts":[…]}'></textarea>
        </div>
        <button class="btn primary" type="submit">Import</button>
      </form>
    </Layout>
  )
}
