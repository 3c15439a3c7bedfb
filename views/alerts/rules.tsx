// Alert rules list and the built-in template gallery.
import type { AlertRule } from '../../src/alerts/rules-repo'
import type { AlertTemplate } from '../../src/alerts/templates'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Csrf } from '../components/form'
import { Layout } from '../layout'
import { AlertTabs, SeverityBadge } from './parts'

export type Owner = { value: string; label: string }

export function RulesPage({ page, rules, descriptions, ownerNames, editable }: {
  page: PageProps; rules: AlertRule[]; descriptions: Record<string, string>; ownerNames: Record<string, string>; editable: Set<string>
}) {
  return (
    <Layout page={page} title="Alert rules">
      <PageHeader title="Alert rules" subtitle="What fires an alert, for which devices, and who hears about it.">
        {page.can.includes('alerts:write') ? <a class="btn" href="/alerts/templates">From a template</a> : ''}
        {page.can.includes('alerts:write') ? <a class="btn primary" href="/alerts/rules/new">New rule</a> : ''}
      </PageHeader>
      <AlertTabs current="rules" can={page.can} />
      <section class="card flush">
        {rules.length === 0
          ? <EmptyState title="No alert rules yet" text="Start from a built-in template (high CPU, low disk, offline, antivirus…) or build your own." action={page.can.includes('alerts:write') ? { href: '/alerts/templates', label: 'Browse templates' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Rule</th><th>Severity</th><th>Conditions</th><th>Applies to</th><th>Status</th></tr></thead>
                <tbody>
                  {rules.map((r) => (
                    <tr>
                      <td><a href={`/alerts/rules/${r.id}`} safe>{r.name}</a>{editable.has(r.id) ? '' : <span class="badge">read only</span>}<div class="small muted" safe>{r.description}</div></td>
                      <td><SeverityBadge severity={r.severity} /></td>
                      <td class="small mono" safe>{descriptions[r.id]}</td>
                      <td class="small" safe>{r.orgId ? ownerNames[r.orgId] ?? 'organization' : `${ownerNames[r.partnerId] ?? 'partner'}: all organizations`}</td>
                      <td>{r.enabled ? <span class="badge ok">enabled</span> : <span class="badge">disabled</span>}</td>
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

export function TemplatesPage({ page, templates, descriptions, owners }: { page: PageProps; templates: AlertTemplate[]; descriptions: Record<string, string>; owners: Owner[] }) {
  const categories = [...new Set(templates.map((t) => t.category))]
  return (
    <Layout page={page} title="Alert templates">
      <PageHeader title="Alert templates" subtitle={`${templates.length} ready-made rules. Use one as is, or open it in the rule builder to adjust it first.`} />
      <AlertTabs current="templates" can={page.can} />
      {categories.map((category) => (
        <section class="stack">
          <h2>{category}</h2>
          <div class="grid-2">
            {templates.filter((t) => t.category === category).map((t) => (
              <div class="card">
                <h3 safe>{t.name}</h3>
                <p><SeverityBadge severity={t.severity} /> <span class="small mono" safe>{descriptions[t.key]}</span></p>
                <p class="small muted" safe>{t.description}</p>
                {owners.length
                  ? (
                    <div class="row">
                      <form method="post" action={`/alerts/templates/${t.key}`} class="row">
                        <Csrf token={page.csrf} />
                        <select name="owner" aria-label="Create for">{owners.map((o) => <option value={o.value} safe>{o.label}</option>)}</select>
                        <button class="btn small primary" type="submit">Use template</button>
                      </form>
                      <a class="btn small" href={`/alerts/rules/new?template=${t.key}`}>Customize</a>
                    </div>
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
