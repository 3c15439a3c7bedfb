// The active alerts dashboard: counts by severity, filters, grouping by org/device/rule, and a
// table that refreshes itself when an alert changes (live:alert.changed).
import type { Alert } from '../../src/alerts/alerts-repo'
import type { AlertNames } from '../../src/alerts/alerts'
import type { PageProps } from '../../src/web/page'
import { Ago } from '../devices/parts'
import { EmptyState, PageHeader, Pagination } from '../components/common'
import { PostButton } from '../components/form'
import { Layout } from '../layout'
import { AlertStatusBadge, AlertTabs, SeverityBadge, alertSubject, severityList } from './parts'

export type AlertQuery = { status?: string; severity?: string; orgId?: string; search?: string; groupBy?: string; ruleId?: string; deviceId?: string; page?: number }
export type AlertTableProps = {
  rows: Alert[]; total: number; page: number; limit: number; names: AlertNames; orgNames: Record<string, string>; query: AlertQuery
  counts: Record<string, number>; canWrite: boolean; csrf: string; now: number
}

export function alertsHref(q: AlertQuery, change: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries({ ...q, ...change })) if (v !== undefined && v !== '') params.set(k, String(v))
  const text = params.toString()
  return text ? `/alerts?${text}` : '/alerts'
}

function groupKey(a: Alert, by: string, p: AlertTableProps): string {
  if (by === 'org') return p.orgNames[a.orgId ?? ''] ?? 'Partner-wide'
  if (by === 'device') return a.deviceId ? p.names.devices[a.deviceId] ?? 'Device' : alertSubject(a, p.names)
  if (by === 'rule') return a.ruleId ? p.names.rules[a.ruleId] ?? 'Deleted rule' : a.kind === 'channel' ? 'Notification channels' : 'Other'
  return ''
}

function ruleName(a: Alert, p: AlertTableProps): string {
  return a.ruleId ? p.names.rules[a.ruleId] ?? '—' : '—'
}

function Row({ a, p }: { a: Alert; p: AlertTableProps }) {
  return (
    <tr data-alert-id={a.id} class={a.parentAlertId ? 'child' : undefined}>
      <td><SeverityBadge severity={a.severity} /></td>
      <td>
        <a href={`/alerts/${a.id}`} safe>{a.title}</a>
        {a.parentAlertId ? <div class="small muted">grouped under <a href={`/alerts/${a.parentAlertId}`}>another alert</a></div> : ''}
      </td>
      <td class="small">{a.deviceId ? <a href={`/devices/${a.deviceId}`} safe>{alertSubject(a, p.names)}</a> : <span safe>{alertSubject(a, p.names)}</span>}</td>
      <td class="small" safe>{p.orgNames[a.orgId ?? ''] ?? '—'}</td>
      <td class="small" safe>{ruleName(a, p)}</td>
      <td><AlertStatusBadge status={a.status} muted={a.muted} /></td>
      <td class="small nowrap"><Ago ms={a.triggeredAt} now={p.now} /></td>
      <td class="actions">
        {p.canWrite && (a.status === 'active' || a.status === 'suppressed') ? <PostButton action={`/alerts/${a.id}/acknowledge`} csrf={p.csrf} label="Acknowledge" small /> : ''}
      </td>
    </tr>
  )
}

/** AlertTable is the live fragment: severity counts, then the (grouped) table. */
export function AlertTable(p: AlertTableProps) {
  const by = p.query.groupBy ?? 'none'
  const groups = new Map<string, Alert[]>()
  for (const a of p.rows) {
    const k = groupKey(a, by, p)
    groups.set(k, [...(groups.get(k) ?? []), a])
  }
  return (
    <>
      <div class="grid-4 severity-counts">
        {severityList.map((s) => (
          <a class={`card stat sev-card sev-${s}`} href={alertsHref({ ...p.query, severity: s, page: undefined })}>
            <span class="value" data-count={s}>{p.counts[s] ?? 0}</span><span class="label" safe>{`${s} open`}</span>
          </a>
        ))}
      </div>
      <section class="card flush">
        {p.rows.length === 0
          ? <EmptyState title={p.query.status && p.query.status !== 'open' ? 'No alerts match' : 'No open alerts'} text="Alerts appear here the moment a rule fires. Rules and templates are under the Rules tab." />
          : (
            <div class="table-wrap">
              <table class="alerts">
                <thead><tr><th>Severity</th><th>Alert</th><th>Device</th><th>Organization</th><th>Rule</th><th>Status</th><th>Triggered</th><th></th></tr></thead>
                <tbody>
                  {[...groups.entries()].map(([name, list]) => (
                    <>
                      {by !== 'none' ? <tr class="group-row"><th colspan="8"><span safe>{name}</span> <span class="muted small">({list.length})</span></th></tr> : ''}
                      {list.map((a) => <Row a={a} p={p} />)}
                    </>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        <Pagination page={p.page} perPage={p.limit} total={p.total} href={(n) => alertsHref(p.query, { page: n })} />
      </section>
    </>
  )
}

export function AlertsDashboardPage({ page, table, query }: { page: PageProps; table: JSX.Element; query: AlertQuery }) {
  const select = (name: string, label: string, options: [string, string][], value: string | undefined) => (
    <div class="field"><label for={`f-${name}`} safe>{label}</label>
      <select id={`f-${name}`} name={name}>{options.map(([v, l]) => <option value={v} selected={(value ?? '') === v} safe>{l}</option>)}</select>
    </div>
  )
  return (
    <Layout page={page} title="Alerts">
      <PageHeader title="Alerts" subtitle="What needs attention now, across every organization you can see.">
        {page.can.includes('alerts:write') ? <a class="btn primary" href="/alerts/rules/new">New rule</a> : ''}
      </PageHeader>
      <AlertTabs current="active" can={page.can} />
      <form id="alert-filters" class="filters" method="get" action="/alerts" hx-get="/alerts" hx-target="#alert-table" hx-trigger="input delay:300ms, change" hx-push-url="true" hx-boost="false">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={query.search} placeholder="Title" /></div>
        {select('status', 'Status', [['open', 'Open'], ['active', 'Active'], ['acknowledged', 'Acknowledged'], ['suppressed', 'Suppressed'], ['resolved', 'Resolved'], ['all', 'All']], query.status ?? 'open')}
        {select('severity', 'Severity', [['', 'Any'], ...severityList.map((s): [string, string] => [s, s])], query.severity)}
        {page.orgs.length > 1 ? select('orgId', 'Organization', [['', 'All'], ...page.orgs.map((o): [string, string] => [o.id, o.name])], query.orgId) : ''}
        {select('groupBy', 'Group by', [['none', 'Nothing'], ['org', 'Organization'], ['device', 'Device'], ['rule', 'Rule']], query.groupBy ?? 'none')}
        <button type="submit" class="btn" formaction="/alerts/export.csv" id="alerts-export">Export CSV</button>
        <noscript><button class="btn" type="submit">Filter</button></noscript>
      </form>
      <div id="alert-table" hx-get="/alerts" hx-include="#alert-filters" hx-trigger="live:alert.changed from:body throttle:1s">{table}</div>
    </Layout>
  )
}
