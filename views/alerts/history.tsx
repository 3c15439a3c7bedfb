// Alert history and statistics: how many alerts per rule, organization and severity over a
// period, with mean time to acknowledge (MTTA) and to resolve (MTTR), and the alerts themselves.
import type { Alert } from '../../src/alerts/alerts-repo'
import type { AlertNames } from '../../src/alerts/alerts'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination, Time } from '../components/common'
import { Layout } from '../layout'
import { AlertStatusBadge, AlertTabs, SeverityBadge, alertSubject, span } from './parts'

type StatRow = { total: number; open: number; mtta: number | null; mttr: number | null }
export type AlertStats = {
  byRule: (StatRow & { ruleId: string | null })[]
  byOrg: (StatRow & { orgId: string | null })[]
  bySeverity: { severity: string; total: number }[]
}

function StatTable({ title, rows, name }: { title: string; rows: (StatRow & { key: string | null })[]; name: (k: string | null) => string }) {
  return (
    <section class="card flush">
      <h2 class="card-title" safe>{title}</h2>
      <table>
        <thead><tr><th></th><th class="right">Alerts</th><th class="right">Open</th><th class="right">MTTA</th><th class="right">MTTR</th></tr></thead>
        <tbody>
          {rows.sort((a, b) => b.total - a.total).map((r) => (
            <tr><td safe>{name(r.key)}</td><td class="right">{r.total}</td><td class="right">{r.open}</td><td class="right" safe>{span(r.mtta)}</td><td class="right" safe>{span(r.mttr)}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

const openText = (): string => 'still open'

export function AlertHistoryPage({ page, days, stats, names, orgNames, recent, total, pageNo, limit }: {
  page: PageProps; days: number; stats: AlertStats; names: AlertNames; orgNames: Record<string, string>; recent: Alert[]; total: number; pageNo: number; limit: number
}) {
  const all = stats.bySeverity.reduce((n, s) => n + s.total, 0)
  return (
    <Layout page={page} title="Alert history">
      <PageHeader title="Alert history" subtitle={`Alerts triggered in the last ${days} days: ${all} in all.`} />
      <AlertTabs current="history" can={page.can} />
      <form class="filters" method="get" action="/alerts/history">
        <div class="field"><label for="f-days">Period</label>
          <select id="f-days" name="days" hx-get="/alerts/history" hx-trigger="change" hx-target="body" hx-push-url="true">
            {[[1, 'Last day'], [7, 'Last 7 days'], [30, 'Last 30 days'], [90, 'Last 90 days']].map(([v, l]) => <option value={String(v)} selected={days === v} safe>{String(l)}</option>)}
          </select>
        </div>
        <noscript><button class="btn" type="submit">Show</button></noscript>
      </form>
      {all === 0
        ? <EmptyState title="No alerts in this period" text="Nothing fired. Rules and templates are under the Rules tab." />
        : (
          <>
            <div class="grid-4">
              {stats.bySeverity.map((s) => <div class="card stat"><span class="value">{s.total}</span><span class="label" safe>{s.severity}</span></div>)}
            </div>
            <div class="grid-2">
              <StatTable title="By rule" rows={stats.byRule.map((r) => ({ ...r, key: r.ruleId }))} name={(k) => (k ? names.rules[k] ?? 'Deleted rule' : 'Channel and system alerts')} />
              <StatTable title="By organization" rows={stats.byOrg.map((r) => ({ ...r, key: r.orgId }))} name={(k) => (k ? orgNames[k] ?? 'Organization' : 'Partner-wide')} />
            </div>
            <section class="card flush">
              <h2 class="card-title">Alerts</h2>
              <table>
                <thead><tr><th>Severity</th><th>Alert</th><th>About</th><th>Status</th><th>Triggered</th><th class="right">Acknowledged after</th><th class="right">Open for</th></tr></thead>
                <tbody>
                  {recent.map((a) => (
                    <tr>
                      <td><SeverityBadge severity={a.severity} /></td>
                      <td><a href={`/alerts/${a.id}`} safe>{a.title}</a></td>
                      <td class="small" safe>{alertSubject(a, names)}</td>
                      <td><AlertStatusBadge status={a.status} /></td>
                      <td class="small"><Time ms={a.triggeredAt} /></td>
                      <td class="right small" safe>{span(a.acknowledgedAt ? a.acknowledgedAt - a.triggeredAt : null)}</td>
                      <td class="right small" safe>{a.resolvedAt ? span(a.resolvedAt - a.triggeredAt) : openText()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pagination page={pageNo} perPage={limit} total={total} href={(n) => `/alerts/history?days=${days}&page=${n}`} />
            </section>
          </>
        )}
    </Layout>
  )
}
