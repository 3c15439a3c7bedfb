// The device's Event log tab: filters (log, level, source, text, time), a page of entries
// asked of the agent, Older to page on, and a CSV export of what the filters match (in the
// table's fragment, so it follows the filters).
import type { EventLogQueryResult } from '../../src/protocol'
import type { PageProps } from '../../src/web/page'
import { EmptyState, Time } from '../components/common'
import { DeviceLayout, type DeviceHeader } from '../devices/detail'

export type EventLogFilter = { log?: string; level?: string; source?: string; q?: string; since?: string; until?: string; limit: number }

const levels = [['', 'Any level'], ['critical', 'Critical'], ['error', 'Error and worse'], ['warning', 'Warning and worse'], ['info', 'Information and worse'], ['verbose', 'Everything (verbose)']] as const
const badge: Record<string, string> = { critical: 'bad', error: 'bad', warning: 'warn', info: 'info', verbose: '' }

const query = (f: EventLogFilter, extra: Record<string, string> = {}) =>
  new URLSearchParams(Object.entries({ ...f, limit: String(f.limit), ...extra }).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString()

/** EventLogTable is the fragment the filters and Older load: entries, or the agent's trouble in their place. */
export function EventLogTable({ deviceId, result, error, filter, cursor }: { deviceId: string; result?: EventLogQueryResult; error?: string; filter: EventLogFilter; cursor?: string }) {
  if (error) return <div class="callout warn" role="alert" safe>{error}</div>
  if (!result) return <p class="muted pad">Asking the agent for its event log…</p>
  const list = `/devices/${deviceId}/event-logs/list`
  return (
    <>
      {result.entries.length === 0
        ? <EmptyState title={cursor ? 'No older entries' : 'No entries match'} text="Widen the time range or clear a filter." />
        : (
          <div class="table-wrap">
            <table class="event-log">
              <thead><tr><th>Time</th><th>Level</th><th>Source</th><th>Event ID</th><th>Message</th></tr></thead>
              <tbody>{result.entries.map((e) => (
                <tr>
                  <td class="nowrap small"><Time ms={e.time} /></td>
                  <td>{e.level ? <span class={`badge ${badge[e.level] ?? ''}`}>{e.level}</span> : <span class="muted">—</span>}</td>
                  <td class="small" safe>{e.source ?? '—'}</td>
                  <td class="mono small" safe>{e.eventId === null ? '' : String(e.eventId)}</td>
                  <td class="event-message" safe>{e.message}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
      <div class="pagination small">
        <span class="muted" safe>{`${result.entries.length} entr${result.entries.length === 1 ? 'y' : 'ies'} from ${result.log}${cursor ? ' (older page)' : ''}${result.partial ? '; the agent read only the newest part of a large log' : ''}`}</span>
        {/* note: here, not in the filter form: the fragment is redrawn with each filter, so the export always matches what is shown. */}
        <a class="btn small" href={`/api/v1/devices/${deviceId}/event-logs/export?${query(filter)}`} hx-boost="false" download="">Export CSV</a>
        {cursor ? <a class="btn small" href={`/devices/${deviceId}/event-logs?${query(filter)}`} hx-get={`${list}?${query(filter)}`} hx-target="#event-log-table">Newest</a> : ''}
        {result.nextCursor ? <a class="btn small" href={`/devices/${deviceId}/event-logs?${query(filter, { cursor: result.nextCursor })}`} hx-get={`${list}?${query(filter, { cursor: result.nextCursor })}`} hx-target="#event-log-table">Older</a> : ''}
      </div>
    </>
  )
}

export function EventLogsTab({ page, h, filter, logs, cursor }: { page: PageProps; h: DeviceHeader; filter: EventLogFilter; logs: string[]; cursor?: string }) {
  const url = `/devices/${h.device.id}/event-logs`
  const online = h.device.status === 'online' || h.device.status === 'maintenance'
  const defaults = logs.length ? logs : h.device.osType === 'windows' ? ['System', 'Application', 'Security', 'Setup'] : h.device.osType === 'macos' ? ['unified'] : ['journal', 'syslog']
  return (
    <DeviceLayout page={page} h={h} tab="eventlogs">
      <form class="filters" id="event-log-filter" method="get" action={url} hx-get={`${url}/list`} hx-target="#event-log-table" hx-push-url={url}
        hx-trigger="change from:(#event-log-filter select), change from:(#event-log-filter input[type=datetime-local]), input changed delay:500ms from:(#event-log-filter input[type=search]), submit">
        <div class="field"><label for="el-log">Log</label>
          <select id="el-log" name="log"><option value="">Default</option>{defaults.map((l) => <option value={l} selected={filter.log === l} safe>{l}</option>)}</select>
        </div>
        <div class="field"><label for="el-level">Level</label>
          <select id="el-level" name="level">{levels.map(([v, label]) => <option value={v} selected={(filter.level ?? '') === v}>{label}</option>)}</select>
        </div>
        <div class="field"><label for="el-source">Source</label><input id="el-source" type="search" name="source" value={filter.source} maxlength="200" placeholder="sshd, Service Control Manager…" /></div>
        <div class="field"><label for="el-q">Text</label><input id="el-q" type="search" name="q" value={filter.q} maxlength="200" placeholder="Words in the message" /></div>
        <div class="field"><label for="el-since">From (UTC)</label><input id="el-since" type="datetime-local" name="since" value={filter.since} /></div>
        <div class="field"><label for="el-until">To (UTC)</label><input id="el-until" type="datetime-local" name="until" value={filter.until} /></div>
        <div class="field"><label for="el-limit">Per page</label>
          <select id="el-limit" name="limit">{[50, 100, 250, 500].map((n) => <option value={String(n)} selected={filter.limit === n}>{n}</option>)}</select>
        </div>
        <button class="btn" type="submit">Show</button>
      </form>
      <p class="small muted">Without a start, the last 24 hours. Asked of the agent when you open or filter; times in UTC.</p>
      {online ? '' : <div class="callout warn">The device is {h.device.status}: its event log can be read only while its agent is connected.</div>}
      <section class="card flush" id="event-log-table" hx-get={`${url}/list?${query(filter, cursor ? { cursor } : {})}`} hx-trigger="load">
        <p class="muted pad">Asking the agent for its event log…</p>
      </section>
    </DeviceLayout>
  )
}
