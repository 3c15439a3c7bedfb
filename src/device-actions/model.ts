// Input shapes of device actions and live tools (pages and JSON API alike).
import { t } from 'elysia'
import { epochMs, int, timeText } from '../web/model-types'
import { eventLevels, eventLogCursorPattern, processSorts, serviceNamePattern, serviceStartTypes } from '../protocol'

const lit = <T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })
const ids = t.Array(id, { maxItems: 10_000 })

export const deviceParams = t.Object({ id })
export const scheduledParams = t.Object({ id, jobId: id })

// ---- processes ----

export const processesQuery = t.Object({
  sortBy: t.Optional(lit(processSorts, 'sortBy must be cpu, memory, name or pid')),
  search: t.Optional(t.String({ maxLength: 200 })),
  limit: t.Optional(int({ minimum: 1, maximum: 500, error: 'limit must be between 1 and 500' })),
})
export type ProcessesQuery = typeof processesQuery.static

export const processParams = t.Object({ id, pid: int({ minimum: 1, maximum: 2 ** 31 - 1, error: 'pid must be a process id' }) })
export const killBody = t.Object({
  /** Kill the process's descendants too. */
  tree: t.Optional(t.Boolean()),
  /** The name shown when the technician chose it: the agent refuses if the PID now belongs to another program. */
  name: t.Optional(t.String({ maxLength: 255 })),
})
export type KillBody = typeof killBody.static

// ---- services ----

export const serviceParams = t.Object({ id, name: t.String({ minLength: 1, maxLength: 255, pattern: serviceNamePattern, error: 'not a service name' }) })
export const serviceVerbs = ['start', 'stop', 'restart'] as const
export const serviceActionParams = t.Object({ ...serviceParams.properties, action: lit(serviceVerbs, 'action must be start, stop or restart') })
export const startTypeBody = t.Object({ startType: lit(serviceStartTypes, 'startType must be auto, manual or disabled') })

// ---- event logs ----

export const eventLogQuery = t.Object({
  log: t.Optional(t.String({ maxLength: 128, pattern: '^[A-Za-z0-9 ._/-]*$', error: 'log is a log name such as System, journal or syslog' })),
  source: t.Optional(t.String({ maxLength: 200, error: 'source is at most 200 characters' })),
  level: t.Optional(t.Union([lit(eventLevels), t.Literal('')], { error: 'level must be critical, error, warning, info or verbose' })),
  /** ISO time or epoch ms; default: 24 hours ago. */
  since: t.Optional(t.Union([timeText(), t.Literal('')], { error: 'since must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch milliseconds' })),
  /** Entries at or before this (ISO or epoch ms). */
  until: t.Optional(t.Union([timeText(), t.Literal('')], { error: 'until must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch milliseconds' })),
  q: t.Optional(t.String({ maxLength: 200, error: 'q is at most 200 characters' })),
  limit: t.Optional(int({ minimum: 1, maximum: 500, error: 'limit must be between 1 and 500' })),
  /** The next page: nextCursor of the previous answer. */
  cursor: t.Optional(t.String({ maxLength: 32, pattern: eventLogCursorPattern, error: 'cursor is the nextCursor of a previous answer' })),
})
export type EventLogQuery = typeof eventLogQuery.static

// ---- power and other device actions ----

export const deviceActions = ['reboot', 'shutdown', 'wake', 'checkin'] as const
export type DeviceAction = (typeof deviceActions)[number]

const actionFields = {
  action: lit(deviceActions, 'action must be reboot, shutdown, wake or checkin'),
  /** reboot/shutdown at this time (ISO or epoch ms) instead of now. */
  at: t.Optional(t.Union([t.String({ maxLength: 40 }), epochMs()], { error: 'at is an ISO time or epoch milliseconds' })),
  /** reboot/shutdown: shown to the logged-in users. */
  message: t.Optional(t.String({ maxLength: 500, error: 'message is at most 500 characters' })),
  /** reboot/shutdown: warn, then act this many seconds later (default 60 with a message, else 0). */
  delaySeconds: t.Optional(int({ minimum: 0, maximum: 3600, error: 'delaySeconds must be between 0 and 3600' })),
  /** reboot only when the device reports a pending reboot. */
  onlyIfPending: t.Optional(t.Boolean()),
  /** The logged-in user may defer this many times (0–10, default 0) by deferMinutes each (default 60). */
  deferrals: t.Optional(int({ minimum: 0, maximum: 10, error: 'deferrals must be between 0 and 10' })),
  deferMinutes: t.Optional(int({ minimum: 1, maximum: 1440, error: 'deferMinutes must be between 1 and 1440' })),
}

export const actionBody = t.Object(actionFields)
export type ActionBody = typeof actionBody.static

export const bulkActionBody = t.Object({
  ...actionFields,
  deviceIds: t.Optional(ids),
  groupIds: t.Optional(ids),
  siteIds: t.Optional(ids),
  orgId: t.Optional(id),
  /** Required when the action reaches more than 50 devices: the number of devices. */
  confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })),
})
export type BulkActionBody = typeof bulkActionBody.static


/** The Kill / Kill tree buttons of the Processes tab (with the tab's filter, so the list comes back the same). */
export const killForm = t.Object({
  name: t.Optional(t.String({ maxLength: 255 })),
  tree: t.Optional(t.Literal('true')),
  ...processesQuery.properties,
})

/** One row's buttons on the Services tab. */
export const serviceControlForm = t.Object({
  name: serviceParams.properties.name,
  action: lit(['start', 'stop', 'restart', 'set_start_type'] as const, 'action must be start, stop, restart or set_start_type'),
  startType: t.Optional(lit(serviceStartTypes, 'startType must be auto, manual or disabled')),
})

/** The device header's Power menu. */
export const powerForm = t.Object({
  action: lit(['reboot', 'reboot_if_pending', 'shutdown', 'wake'] as const, 'action must be reboot, reboot_if_pending, shutdown or wake'),
  when: t.Optional(lit(['now', 'at'] as const, 'when must be now or at')),
  /** The browser's pick as an ISO instant (set by the page's script). */
  at: t.Optional(t.String({ maxLength: 40 })),
  /** The datetime-local value itself (read as UTC when the script did not run). */
  atLocal: t.Optional(t.String({ maxLength: 40 })),
  message: actionFields.message,
  /** Empty: the default (a minute with a message, none without). */
  delaySeconds: t.Optional(t.String({ maxLength: 4, pattern: '^\\d*$', error: 'delaySeconds must be a number of seconds' })),
  deferrals: actionFields.deferrals,
  deferMinutes: actionFields.deferMinutes,
})
