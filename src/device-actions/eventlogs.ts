// Reading a device's event log (journald, syslog, Windows Event Log, macOS unified log): asked of
// the agent live, one page at a time, on devices the caller may read event logs on
// (devices:eventlogs). Nothing is stored but the audit row of each query or export.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { registerCommandType, requestFromAgent } from '../agents/commands'
import { csvLine } from '../audit/query'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { deviceName } from '../devices/service'
import { ValidationError } from '../lib/errors'
import type { EventLogEntry, EventLogQueryPayload, EventLogQueryResult } from '../protocol'
import { managedDevice } from './dispatch'
import type { EventLogQuery } from './model'

// note: a read; nothing follows its result (requestFromAgent hands it to the caller).
registerCommandType('eventlog.query', {})

/** How long the agent has to answer one page (its tools stop at 20 s). */
const answerMs = 30_000
/** An export reads at most this many pages of 500. */
const exportPages = 10
export const defaultWindowMs = 24 * 3_600_000

/** parseTime reads ISO text (a zone-less time counts as UTC) or epoch milliseconds. */
function parseTime(value: string | undefined, field: string): number | undefined {
  if (!value) return undefined
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value)
  if (!Number.isFinite(ms)) throw new ValidationError(field, `${field} must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch milliseconds`)
  return ms
}

/** payloadOf turns the query into the agent's payload (default window: the last 24 hours). */
export function payloadOf(q: EventLogQuery, now: number, limit = q.limit ?? 100): EventLogQueryPayload {
  const since = parseTime(q.since, 'since') ?? now - defaultWindowMs
  const until = parseTime(q.until, 'until')
  if (until !== undefined && until < since) throw new ValidationError('until', 'until is before since')
  return {
    limit, since, ...(until !== undefined ? { until } : {}), ...(q.log ? { log: q.log } : {}), ...(q.source?.trim() ? { source: q.source.trim() } : {}),
    ...(q.level ? { level: q.level } : {}), ...(q.q?.trim() ? { q: q.q.trim() } : {}), ...(q.cursor ? { cursor: q.cursor } : {}),
  }
}

async function audit(ctx: AppContext, actor: UserActor, device: Awaited<ReturnType<typeof managedDevice>>, action: string, details: Record<string, unknown>) {
  await withTx(ctx.db, async (tx) => recordAudit(withDb(ctx, tx), actor.audit, {
    action, partnerId: device.partnerId, orgId: device.device.orgId, resourceType: 'device', resourceId: device.device.id, resourceName: deviceName(device.device), details,
  }))
}

const filtersOf = (p: EventLogQueryPayload) => ({ log: p.log ?? null, source: p.source ?? null, level: p.level ?? null, since: p.since ?? null, until: p.until ?? null, q: p.q ?? null })

/** queryDeviceEventLog asks the agent for one page of its event log (409 when it is not connected, 504 when it does not answer in time). */
export async function queryDeviceEventLog(ctx: AppContext, actor: UserActor, id: string, q: EventLogQuery): Promise<EventLogQueryResult> {
  const device = await managedDevice(ctx, actor, id, 'devices:eventlogs')
  const payload = payloadOf(q, ctx.clock.now())
  const result = await requestFromAgent<EventLogQueryResult>(ctx, device.device.id, 'eventlog.query', payload, answerMs)
  await audit(ctx, actor, device, 'device.eventlog_query', { ...filtersOf(payload), cursor: payload.cursor ?? null, entries: result.entries.length })
  return result
}

export const csvHeader = () => csvLine(['time', 'level', 'source', 'event_id', 'message'])
export const csvEntry = (e: EventLogEntry) => csvLine([new Date(e.time).toISOString(), e.level ?? '', e.source ?? '', e.eventId ?? '', e.message])

/**
 * exportDeviceEventLog reads up to 5,000 matching entries (ten pages of 500, newest first) as
 * CSV. The first page is asked before anything is sent, so an offline device is an error answer.
 */
export async function exportDeviceEventLog(ctx: AppContext, actor: UserActor, id: string, q: EventLogQuery): Promise<{ filename: string; chunks: AsyncIterable<string> }> {
  const device = await managedDevice(ctx, actor, id, 'devices:eventlogs')
  const payload = payloadOf(q, ctx.clock.now(), 500)
  const first = await requestFromAgent<EventLogQueryResult>(ctx, device.device.id, 'eventlog.query', payload, answerMs)
  await audit(ctx, actor, device, 'device.eventlog_export', { ...filtersOf(payload), log: first.log })
  async function* chunks() {
    let page = first
    yield csvHeader() + page.entries.map(csvEntry).join('')
    for (let i = 1; i < exportPages && page.nextCursor; i++) {
      page = await requestFromAgent<EventLogQueryResult>(ctx, device.device.id, 'eventlog.query', { ...payload, cursor: page.nextCursor }, answerMs)
      yield page.entries.map(csvEntry).join('')
    }
  }
  const name = (device.device.hostname || 'device').replace(/[^A-Za-z0-9._-]/g, '_')
  return { filename: `event-log-${name}-${first.log.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`, chunks: chunks() }
}
