// One alert: what fired and why, the actions (acknowledge, resolve, suppress, ticket), the
// timeline of state changes and values, grouped alerts, and every notification sent.
import type { Alert, AlertEvent } from '../../src/alerts/alerts-repo'
import type { AlertNames } from '../../src/alerts/alerts'
import type { PageProps } from '../../src/web/page'
import { PageHeader, Time } from '../components/common'
import { Csrf } from '../components/form'
import { Ago } from '../devices/parts'
import { Layout } from '../layout'
import { AlertStatusBadge, SeverityBadge, alertSubject, span, valuesText } from './parts'

type Attempt = { id: string; at: number; ok: boolean; statusCode: number | null; error: string | null; durationMs: number }
export type DeliveryRow = {
  id: string; channelId: string; channelName: string; channelType: string; transition: string; status: string; attempts: number
  lastStatusCode: number | null; lastError: string | null; createdAt: number; sentAt: number | null; attemptLog: Attempt[]
}
export type AlertDetailProps = {
  alert: Alert; events: AlertEvent[]; children: Alert[]; parent: Alert | null; deliveries: DeliveryRow[]
  names: AlertNames; orgName: string | null; ticket: { id: string; number: number; title: string; status: string } | null
  canWrite: boolean; canTicket: boolean; csrf: string; now: number
}

const eventLabels: Record<string, string> = {
  triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved', suppressed: 'Suppressed', released: 'Active again', escalated: 'Escalated',
  correlated: 'Grouped', matched: 'Matched again', note: 'Note',
}

function transitionLabel(t: string) {
  return t.startsWith('escalation:') ? `escalation step ${Number(t.slice(11)) + 1}` : t
}

function Actions({ p }: { p: AlertDetailProps }) {
  const a = p.alert
  if (a.status === 'resolved') return ''
  return (
    <section class="card stack">
      <h2>Work this alert</h2>
      <div class="grid-2">
        {a.status === 'active' || a.status === 'suppressed'
          ? (
            <form method="post" action={`/alerts/${a.id}/acknowledge`} class="stack">
              <Csrf token={p.csrf} />
              <div class="field"><label for="ack-note">Acknowledge (stops escalation)</label><input id="ack-note" type="text" name="note" maxlength="2000" placeholder="Optional note: who is on it, what next" /></div>
              <button class="btn primary" type="submit">Acknowledge</button>
            </form>
          )
          : ''}
        <form method="post" action={`/alerts/${a.id}/resolve`} class="stack">
          <Csrf token={p.csrf} />
          <div class="field"><label for="resolve-note">Resolve</label><input id="resolve-note" type="text" name="note" maxlength="2000" placeholder="What fixed it" /></div>
          <button class="btn" type="submit">Resolve</button>
        </form>
        <form method="post" action={`/alerts/${a.id}/suppress`} class="stack">
          <Csrf token={p.csrf} />
          <div class="field"><label for="suppress-minutes">Suppress for</label>
            <select id="suppress-minutes" name="minutes">
              {[[15, '15 minutes'], [60, '1 hour'], [240, '4 hours'], [1440, '1 day'], [10080, '1 week']].map(([v, l]) => <option value={String(v)} safe>{String(l)}</option>)}
            </select>
          </div>
          <input type="text" name="note" maxlength="2000" placeholder="Why (optional)" aria-label="Why" />
          <button class="btn" type="submit">Suppress</button>
        </form>
        {p.canTicket && !p.ticket
          ? (
            <form method="post" action={`/alerts/${a.id}/ticket`} class="stack">
              <Csrf token={p.csrf} />
              <div class="field"><label>Ticket</label><p class="small muted">Open a ticket for this alert; later alerts can be linked to it.</p></div>
              <button class="btn" type="submit">Create ticket</button>
            </form>
          )
          : ''}
      </div>
    </section>
  )
}

export function AlertDetail(p: AlertDetailProps) {
  const a = p.alert
  const openFor = (a.resolvedAt ?? p.now) - a.triggeredAt
  return (
    <>
      <div class="grid-2">
        <section class="card">
          <h2>Summary</h2>
          <dl class="props">
            <dt>Status</dt><dd><AlertStatusBadge status={a.status} muted={a.muted} />{a.suppressedUntil ? <span class="small muted"> until <Time ms={a.suppressedUntil} /></span> : ''}</dd>
            <dt>Severity</dt><dd><SeverityBadge severity={a.severity} /></dd>
            <dt>About</dt><dd>{a.deviceId ? <a href={`/devices/${a.deviceId}`} safe>{alertSubject(a, p.names)}</a> : <span safe>{alertSubject(a, p.names)}</span>}</dd>
            <dt>Organization</dt><dd safe>{p.orgName ?? 'Partner-wide'}</dd>
            {a.siteId ? <><dt>Site</dt><dd safe>{p.names.sites[a.siteId] ?? '—'}</dd></> : ''}
            <dt>Rule</dt><dd>{a.ruleId ? <a href={`/alerts/rules/${a.ruleId}`} safe>{p.names.rules[a.ruleId] ?? 'rule'}</a> : '—'}</dd>
            <dt>Triggered</dt><dd><Time ms={a.triggeredAt} /> <span class="muted small" safe>{`(open ${span(openFor)})`}</span></dd>
            {a.acknowledgedAt ? <><dt>Acknowledged</dt><dd><Time ms={a.acknowledgedAt} /> <span class="muted small" safe>{`after ${span(a.acknowledgedAt - a.triggeredAt)}`}</span></dd></> : ''}
            {a.resolvedAt ? <><dt>Resolved</dt><dd><Time ms={a.resolvedAt} /> <span class="muted small">{a.resolvedBy ? 'by hand' : 'automatically'}</span></dd></> : ''}
            <dt>Values</dt><dd class="mono small" safe>{valuesText(a.context) || '—'}</dd>
            {a.resolvingValues ? <><dt>Resolved with</dt><dd class="mono small" safe>{valuesText(a.resolvingValues)}</dd></> : ''}
            {a.resolutionNote ? <><dt>Resolution note</dt><dd safe>{a.resolutionNote}</dd></> : ''}
            <dt>Ticket</dt><dd>{p.ticket ? <a href={`/tickets/${p.ticket.id}`} safe>{`#${p.ticket.number} ${p.ticket.title} (${p.ticket.status})`}</a> : <span class="muted">none</span>}</dd>
          </dl>
          {a.message ? <p class="alert-message" safe>{a.message}</p> : ''}
        </section>
        <section class="card">
          <h2>Timeline</h2>
          <ol class="timeline">
            {p.events.map((e) => (
              <li>
                <div class="row"><strong safe>{eventLabels[e.kind] ?? e.kind}</strong><span class="small muted"><Time ms={e.at} /></span>{e.actorName ? <span class="small" safe>{`by ${e.actorName}`}</span> : ''}</div>
                {e.note ? <div class="small" safe>{e.note}</div> : ''}
                {e.values ? <div class="small mono muted" safe>{valuesText(e.values)}</div> : ''}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {p.parent ? <section class="card"><h2>Grouped under</h2><p><SeverityBadge severity={p.parent.severity} /> <a href={`/alerts/${p.parent.id}`} safe>{p.parent.title}</a> <AlertStatusBadge status={p.parent.status} /></p></section> : ''}
      {p.children.length
        ? (
          <section class="card flush">
            <h2 class="card-title">Grouped alerts ({p.children.length})</h2>
            <table>
              <thead><tr><th>Alert</th><th>Status</th><th>Triggered</th></tr></thead>
              <tbody>{p.children.map((c) => <tr><td><a href={`/alerts/${c.id}`} safe>{c.title}</a></td><td><AlertStatusBadge status={c.status} /></td><td class="small"><Ago ms={c.triggeredAt} now={p.now} /></td></tr>)}</tbody>
            </table>
          </section>
        )
        : ''}
      <section class="card flush">
        <h2 class="card-title">Notifications</h2>
        {p.deliveries.length === 0
          ? <p class="muted card-body">No notifications were sent for this alert{a.muted ? ' (it is grouped under another alert)' : a.suppressReason ? ' (suppressed)' : ''}.</p>
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Channel</th><th>For</th><th>Result</th><th>Attempts</th><th>Response</th><th>Sent</th></tr></thead>
                <tbody>
                  {p.deliveries.map((d) => (
                    <tr>
                      <td><a href={`/notifications/channels/${d.channelId}`} safe>{d.channelName}</a> <span class="badge" safe>{d.channelType}</span></td>
                      <td class="small" safe>{transitionLabel(d.transition)}</td>
                      <td><span class={`badge ${d.status === 'sent' ? 'ok' : d.status === 'failed' ? 'bad' : 'info'}`} safe>{d.status}</span></td>
                      <td>
                        <details><summary>{d.attempts}</summary>
                          <ul class="small">{d.attemptLog.map((t) => <li><Time ms={t.at} /> <span safe>{`${t.ok ? 'ok' : 'failed'}${t.statusCode ? ` (${t.statusCode})` : ''} in ${t.durationMs} ms${t.error ? `: ${t.error}` : ''}`}</span></li>)}</ul>
                        </details>
                      </td>
                      <td class="small mono" safe>{d.lastStatusCode ? String(d.lastStatusCode) : d.lastError ? d.lastError.slice(0, 120) : '—'}</td>
                      <td class="small"><Time ms={d.sentAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </>
  )
}

export function AlertDetailPage({ page, detail }: { page: PageProps; detail: AlertDetailProps }) {
  return (
    <Layout page={page} title={detail.alert.title}>
      <PageHeader title={detail.alert.title}>
        <a class="btn" href="/alerts">All alerts</a>
      </PageHeader>
      <div id="alert-detail" hx-get={`/alerts/${detail.alert.id}`} hx-trigger="live:alert.changed from:body throttle:1s">
        <AlertDetail {...detail} />
      </div>
      {/* Outside the live area, so a refresh never wipes a note being typed. */}
      {detail.canWrite ? <Actions p={detail} /> : ''}
    </Layout>
  )
}
