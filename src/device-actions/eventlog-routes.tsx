// The device's event log: GET /api/v1/devices/:id/event-logs (one page, live from the agent),
// its CSV export, and the Event log tab with its table fragment.
import { Elysia } from 'elysia'
import { EventLogsTab, EventLogTable, type EventLogFilter } from '../../views/device-actions/eventlogs'
import type { AppContext } from '../context'
import { deviceHeader } from '../devices/header'
import { AppError } from '../lib/errors'
import type { EventLogQueryResult } from '../protocol'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { csvFile } from '../web/api-doc'
import { streamDownload } from '../web/download'
import { pageProps } from '../web/page'
import { render } from '../web/render'
import { managedDevice } from './dispatch'
import { exportDeviceEventLog, queryDeviceEventLog } from './eventlogs'
import { deviceParams, eventLogQuery, type EventLogQuery } from './model'

const tags = ['device actions']
const filterOf = (q: EventLogQuery): EventLogFilter => ({ log: q.log || undefined, level: q.level || undefined, source: q.source?.trim() || undefined, q: q.q?.trim() || undefined, since: q.since || undefined, until: q.until || undefined, limit: Number(q.limit ?? 100) })

export function eventLogRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.device-actions.eventlogs' })
    .use(actorPlugin(ctx))
    .get('/devices/:id/event-logs', async (c) => {
      const actor = userOf(c.actor)
      await managedDevice(ctx, actor, c.params.id, 'devices:eventlogs')
      return render(c, <EventLogsTab page={await pageProps(ctx, c)} h={await deviceHeader(ctx, actor, c.params.id)} filter={filterOf(c.query)} logs={[]} cursor={c.query.cursor} />)
    }, { params: deviceParams, query: eventLogQuery })
    .get('/devices/:id/event-logs/list', async (c) => {
      const actor = userOf(c.actor)
      let result: EventLogQueryResult | undefined
      let error: string | undefined
      try {
        result = await queryDeviceEventLog(ctx, actor, c.params.id, c.query)
      } catch (err) {
        // The agent's trouble (offline, no answer, a tool that failed) is shown in place of the table.
        if (!(err instanceof AppError) || err.status === 400 || err.status === 401 || err.status === 403 || err.status === 404) throw err
        error = err.message
      }
      return render(c, <EventLogTable deviceId={c.params.id} result={result} error={error} filter={filterOf(c.query)} cursor={c.query.cursor} />)
    }, { params: deviceParams, query: eventLogQuery })

    // ---- API ----
    .get('/api/v1/devices/:id/event-logs', (c) => queryDeviceEventLog(ctx, userOf(c.actor), c.params.id, c.query), {
      params: deviceParams, query: eventLogQuery,
      detail: { summary: 'A page of the device\'s event log, read live by its agent (journald or syslog, Windows Event Log, macOS unified log), newest first: log, level (and worse), source, q (text), since/until (ISO or epoch ms; default the last 24 hours), limit ≤ 500, cursor = nextCursor for older entries; 409 when the device is not connected, 504 when the agent does not answer in 30 s', tags },
    })
    .get('/api/v1/devices/:id/event-logs/export', async (c) => {
      const { filename, chunks } = await exportDeviceEventLog(ctx, userOf(c.actor), c.params.id, c.query)
      return streamDownload(ctx.log, chunks, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` })
    }, { params: deviceParams, query: eventLogQuery, detail: { summary: 'The matching entries as CSV (time, level, source, event_id, message), newest first, at most 5,000', tags, ...csvFile } })
}
