// Tickets: list with filters, new ticket, and one ticket (status, priority, assignee, comments,
// linked alerts).
import type { Alert } from '../../src/alerts/alerts-repo'
import type { Ticket, TicketComment } from '../../src/tickets/tickets-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination, Time } from '../components/common'
import { Csrf, Field, FormError, Input, Select, Textarea } from '../components/form'
import { AlertStatusBadge, SeverityBadge } from '../alerts/parts'
import { Layout } from '../layout'

type Option = { id: string; name: string }
export const ticketStatusLabels: Record<string, string> = { open: 'Open', in_progress: 'In progress', waiting: 'Waiting', resolved: 'Resolved', closed: 'Closed' }
const statusKinds: Record<string, string> = { open: 'bad', in_progress: 'info', waiting: 'warn', resolved: 'ok', closed: '' }
const priorityKinds: Record<string, string> = { urgent: 'bad', high: 'warn', normal: '', low: '' }

export function TicketStatus({ status }: { status: string }) {
  return <span class={`badge ${statusKinds[status] ?? ''}`} safe>{ticketStatusLabels[status] ?? status}</span>
}
export function Priority({ priority }: { priority: string }) {
  return <span class={`badge ${priorityKinds[priority] ?? ''}`} safe>{priority}</span>
}

export function TicketTabs({ current }: { current: 'list' | 'rules' }) {
  return (
    <nav class="tabs" aria-label="Tickets">
      <a href="/tickets" aria-current={current === 'list' ? 'page' : undefined}>Tickets</a>
      <a href="/tickets/rules" aria-current={current === 'rules' ? 'page' : undefined}>Ticket rules</a>
    </nav>
  )
}

function assigneeName(id: string | null, names: Record<string, string>): string {
  return id ? names[id] ?? 'someone' : 'unassigned'
}

export type TicketQuery = { status?: string; orgId?: string; assignee?: string; priority?: string; search?: string; page?: number }

export function TicketsPage({ page, rows, total, pageNo, limit, query, orgNames, userNames, deviceNames, canWrite }: {
  page: PageProps; rows: Ticket[]; total: number; pageNo: number; limit: number; query: TicketQuery; orgNames: Record<string, string>
  userNames: Record<string, string>; deviceNames: Record<string, string>; canWrite: boolean
}) {
  const href = (n: number) => `/tickets?${new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)])), page: String(n) })}`
  return (
    <Layout page={page} title="Tickets">
      <PageHeader title="Tickets" subtitle="Work that came out of alerts, or that someone asked for.">
        {canWrite ? <a class="btn primary" href="/tickets/new">New ticket</a> : ''}
      </PageHeader>
      <TicketTabs current="list" />
      <form class="filters" method="get" action="/tickets" hx-get="/tickets" hx-target="body" hx-trigger="change, input delay:400ms" hx-push-url="true" hx-boost="false">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={query.search} /></div>
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status" name="status">{[['open', 'Open (not done)'], ['closed', 'Done'], ['all', 'All'], ...Object.entries(ticketStatusLabels)].map(([v, l]) => <option value={v} selected={(query.status ?? 'open') === v} safe>{l}</option>)}</select>
        </div>
        <div class="field"><label for="f-assignee">Assignee</label>
          <select id="f-assignee" name="assignee"><option value="">Anyone</option><option value="me" selected={query.assignee === 'me'}>Me</option></select>
        </div>
        <div class="field"><label for="f-priority">Priority</label>
          <select id="f-priority" name="priority"><option value="">Any</option>{['urgent', 'high', 'normal', 'low'].map((p) => <option value={p} selected={query.priority === p} safe>{p}</option>)}</select>
        </div>
        <button type="submit" class="btn" formaction="/tickets/export.csv" id="tickets-export">Export CSV</button>
        <noscript><button class="btn" type="submit">Filter</button></noscript>
      </form>
      <section class="card flush">
        {rows.length === 0
          ? <EmptyState title="No tickets" text="Tickets appear when you open one from an alert, a ticket rule opens one, or you create one." />
          : (
            <table>
              <thead><tr><th>#</th><th>Ticket</th><th>Organization</th><th>Device</th><th>Priority</th><th>Status</th><th>Assignee</th><th>Updated</th></tr></thead>
              <tbody>
                {rows.map((t) => (
                  <tr>
                    <td class="mono">{t.number}</td>
                    <td><a href={`/tickets/${t.id}`} safe>{t.title}</a></td>
                    <td class="small" safe>{orgNames[t.orgId] ?? ''}</td>
                    <td class="small">{t.deviceId ? <a href={`/devices/${t.deviceId}`} safe>{deviceNames[t.deviceId] ?? 'device'}</a> : '—'}</td>
                    <td><Priority priority={t.priority} /></td>
                    <td><TicketStatus status={t.status} /></td>
                    <td class="small" safe>{assigneeName(t.assigneeId, userNames)}</td>
                    <td class="small"><Time ms={t.updatedAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        <Pagination page={pageNo} perPage={limit} total={total} href={href} />
      </section>
    </Layout>
  )
}

export function NewTicketPage({ page, values, errors, orgs, users }: { page: PageProps; values: FormValues; errors?: FieldErrors; orgs: Option[]; users: Option[] }) {
  return (
    <Layout page={page} title="New ticket">
      <PageHeader title="New ticket" />
      <TicketTabs current="list" />
      <form method="post" action="/tickets" class="card stack form-narrow">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Select name="orgId" label="Organization" options={orgs.map((o) => ({ value: o.id, label: o.name }))} values={values} errors={errors} />
        <Input name="title" label="Title" values={values} errors={errors} required />
        <Textarea name="description" label="Description" values={values} errors={errors} rows={6} />
        <Select name="priority" label="Priority" options={['normal', 'urgent', 'high', 'low'].map((p) => ({ value: p, label: p }))} values={values} errors={errors} />
        <Select name="assigneeId" label="Assignee" options={[{ value: '', label: 'Unassigned' }, ...users.map((u) => ({ value: u.id, label: u.name }))]} values={values} errors={errors} />
        <div class="row"><button class="btn primary" type="submit">Create ticket</button><a class="btn" href="/tickets">Cancel</a></div>
      </form>
    </Layout>
  )
}

export function TicketPage({ page, ticket, comments, alerts, orgName, deviceNames, users, canWrite, errors }: {
  page: PageProps; ticket: Ticket; comments: TicketComment[]; alerts: Alert[]; orgName: string; deviceNames: Record<string, string>; users: Option[]; canWrite: boolean; errors?: FieldErrors
}) {
  const assignee = users.find((u) => u.id === ticket.assigneeId)?.name
  return (
    <Layout page={page} title={`#${ticket.number} ${ticket.title}`}>
      <PageHeader title={`#${ticket.number} ${ticket.title}`} subtitle={orgName}>
        <a class="btn" href="/tickets">All tickets</a>
      </PageHeader>
      <div class="grid-2" id="ticket-live" hx-get={`/tickets/${ticket.id}`} hx-trigger="live:ticket.changed from:body throttle:1s" hx-select="#ticket-live" hx-swap="outerHTML">
        <section class="card stack">
          <dl class="props">
            <dt>Status</dt><dd><TicketStatus status={ticket.status} /></dd>
            <dt>Priority</dt><dd><Priority priority={ticket.priority} /></dd>
            <dt>Assignee</dt><dd safe>{assignee ?? (ticket.assigneeId ? 'someone' : 'unassigned')}</dd>
            <dt>Device</dt><dd>{ticket.deviceId ? <a href={`/devices/${ticket.deviceId}`} safe>{deviceNames[ticket.deviceId] ?? 'device'}</a> : '—'}</dd>
            <dt>Opened</dt><dd><Time ms={ticket.createdAt} /> <span class="small muted">{ticket.source === 'rule' ? 'by a ticket rule' : ticket.source === 'alert' ? 'from an alert' : 'by hand'}</span></dd>
            {ticket.closedAt ? <><dt>Closed</dt><dd><Time ms={ticket.closedAt} /></dd></> : ''}
          </dl>
          {ticket.description ? <div class="ticket-description" safe>{ticket.description}</div> : ''}
          <h2>Linked alerts</h2>
          {alerts.length === 0
            ? <p class="muted small">No alerts linked.</p>
            : <ul class="plain">{alerts.map((a) => <li><SeverityBadge severity={a.severity} /> <a href={`/alerts/${a.id}`} safe>{a.title}</a> <AlertStatusBadge status={a.status} /></li>)}</ul>}
        </section>
        <section class="card stack">
          <h2>Activity</h2>
          <ol class="timeline">
            {comments.map((c) => (
              <li class={c.kind}>
                <div class="row"><strong safe>{c.kind === 'system' ? (c.authorName ?? 'Breeze') : (c.authorName ?? 'someone')}</strong><span class="small muted"><Time ms={c.createdAt} /></span></div>
                <div class={c.kind === 'system' ? 'small muted' : 'comment'} safe>{c.body}</div>
              </li>
            ))}
          </ol>
        </section>
      </div>
      {canWrite
        ? (
          <div class="grid-2">
            <form method="post" action={`/tickets/${ticket.id}/comments`} class="card stack">
              <Csrf token={page.csrf} />
              <Textarea name="body" label="Comment" errors={errors} rows={3} />
              <button class="btn primary" type="submit">Add comment</button>
            </form>
            <form method="post" action={`/tickets/${ticket.id}`} class="card stack">
              <Csrf token={page.csrf} />
              <FormError errors={errors} />
              <div class="grid-2">
                <Select name="status" label="Status" options={Object.entries(ticketStatusLabels).map(([value, label]) => ({ value, label }))} value={ticket.status} errors={errors} />
                <Select name="priority" label="Priority" options={['urgent', 'high', 'normal', 'low'].map((p) => ({ value: p, label: p }))} value={ticket.priority} errors={errors} />
              </div>
              <Select name="assigneeId" label="Assignee" options={[{ value: '', label: 'Unassigned' }, ...users.map((u) => ({ value: u.id, label: u.name }))]} value={ticket.assigneeId ?? ''} errors={errors} />
              <Field name="alertId" label="Link an alert (id)" errors={errors}><input id="f-alertId" name="alertId" type="text" placeholder="Alert id from its page" /></Field>
              <button class="btn" type="submit">Update</button>
            </form>
          </div>
        )
        : ''}
    </Layout>
  )
}
