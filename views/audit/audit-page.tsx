// The audit log: filters, newest-first table, keyset "older" paging, exports.
import type { Children } from '@kitajs/html'
import type { AuditQuery } from '../../src/audit/model'
import type { AuditRow } from '../../src/audit/repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Layout } from '../layout'

function qs(q: AuditQuery, extra: Record<string, string | number> = {}) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v !== undefined && v !== '' && k !== 'limit') params.set(k, String(v))
  return params.toString()
}

export function AuditTable({ rows, nextBefore, query }: { rows: AuditRow[]; nextBefore: number | null; query: AuditQuery }) {
  if (rows.length === 0) return <EmptyState title="No entries" text="Nothing matches these filters. Every sign-in and every change is recorded here." />
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Resource</th><th>Result</th><th>Address</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td class="nowrap"><Time ms={r.at} /></td>
                <td><span safe>{r.actorEmail ?? r.actorType}</span>{r.actorType === 'api_key' ? <span class="badge">API key</span> : ''}</td>
                <td class="mono small" safe>{r.action}</td>
                <td><span safe>{r.resourceName ?? r.resourceId ?? ''}</span> <span class="small muted" safe>{r.resourceType ?? ''}</span></td>
                <td><StatusBadge status={r.result} />{r.errorMessage ? <div class="small muted" safe>{r.errorMessage}</div> : ''}</td>
                <td class="small muted" safe>{r.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="pagination">
        <span class="muted small">Newest first</span>
        {nextBefore ? <a class="btn small" href={`/audit?${qs(query, { before: nextBefore })}`}>Older entries</a> : <span class="muted small">End of log</span>}
      </div>
    </>
  )
}

export function AuditPage({ page, table, query, canExport, orgs }: { page: PageProps; table: Children; query: AuditQuery; canExport: boolean; orgs: { id: string; name: string }[] }) {
  const exportQs = qs({ ...query, before: undefined })
  return (
    <Layout page={page} title="Audit log">
      <PageHeader title="Audit log" subtitle="Every change and security event, hash-chained so tampering shows.">
        {canExport ? <a class="btn" href={`/api/v1/audit/logs/export?format=csv&${exportQs}`} hx-boost="false">Export CSV</a> : ''}
        {canExport ? <a class="btn" href={`/api/v1/audit/logs/export?format=json&${exportQs}`} hx-boost="false">Export JSON</a> : ''}
      </PageHeader>
      <form class="filters" method="get" action="/audit" hx-get="/audit" hx-target="#audit-table" hx-push-url="true" hx-trigger="submit, change">
        <div class="field"><label for="f-from">From</label><input id="f-from" type="date" name="from" value={query.from} /></div>
        <div class="field"><label for="f-to">To</label><input id="f-to" type="date" name="to" value={query.to} /></div>
        <div class="field"><label for="f-actor">Actor</label><input id="f-actor" type="search" name="actor" value={query.actor} placeholder="email" /></div>
        <div class="field"><label for="f-action">Action</label><input id="f-action" type="search" name="action" value={query.action} placeholder="e.g. auth. or org.create" /></div>
        <div class="field"><label for="f-rt">Resource type</label><input id="f-rt" type="search" name="resourceType" value={query.resourceType} placeholder="user, organization…" /></div>
        <div class="field"><label for="f-result">Result</label>
          <select id="f-result" name="result">
            <option value="">Any</option>
            {['success', 'failure', 'denied'].map((r) => <option value={r} selected={query.result === r} safe>{r}</option>)}
          </select>
        </div>
        {orgs.length > 1
          ? (
            <div class="field"><label for="f-org">Organization</label>
              <select id="f-org" name="orgId">
                <option value="">All</option>
                {orgs.map((o) => <option value={o.id} selected={query.orgId === o.id} safe>{o.name}</option>)}
              </select>
            </div>
          )
          : ''}
        <button class="btn" type="submit">Filter</button>
      </form>
      <section class="card flush" id="audit-table">{table}</section>
    </Layout>
  )
}
