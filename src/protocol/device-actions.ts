// Device actions and live system tools (issue 17): kill a process, control a service, read the
// event log, power actions, wake-on-LAN. Each is a signed command; the payloads are what the
// agent checks before it acts, the results what it reports. Imported by the server
// (src/device-actions) and the agent (agent/src/commands, agent/src/system-tools).
import { t } from './schema'
import { caps } from './limits'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))

// ---- processes ----

export const processKillPayload = t.Object({
  pid: t.Integer({ minimum: 1 }),
  /** The name the technician saw: the agent refuses when the PID now belongs to another program (PID reuse). */
  name: t.Optional(t.String({ maxLength: caps.name })),
  /** Kill its descendants too. */
  tree: t.Boolean(),
})
export type ProcessKillPayload = typeof processKillPayload.static

export const processKillResult = t.Object({
  pid: t.Integer(),
  name: t.Nullable(t.String({ maxLength: caps.name })),
  /** Every process signalled (the process and, for a tree, its descendants). */
  killed: t.Array(t.Integer(), { maxItems: 10_000 }),
  /** Still alive after the grace period and SIGKILL (should be empty). */
  survivors: t.Array(t.Integer(), { maxItems: 10_000 }),
})
export type ProcessKillResult = typeof processKillResult.static

// ---- services ----

export const serviceActions = ['start', 'stop', 'restart', 'set_start_type'] as const
export type ServiceAction = (typeof serviceActions)[number]
/** Start types in one vocabulary; each system maps them (systemd enable/disable, SCM auto/demand/disabled, launchd enable/disable). */
export const serviceStartTypes = ['auto', 'manual', 'disabled'] as const
export type ServiceStartType = (typeof serviceStartTypes)[number]

/** A service name as the systems spell them (systemd units with @ and \x escapes, launchd labels, Windows service names). */
export const serviceNamePattern = '^[A-Za-z0-9_][A-Za-z0-9_.@:\\\\+~$# -]{0,254}$'

export const serviceControlPayload = t.Object({
  name: t.String({ minLength: 1, maxLength: caps.name, pattern: serviceNamePattern }),
  action: lit(serviceActions),
  startType: t.Optional(lit(serviceStartTypes)),
})
export type ServiceControlPayload = typeof serviceControlPayload.static

export const serviceControlResult = t.Object({
  name: t.String({ maxLength: caps.name }),
  /** The state after the action (normalised like the inventory: running, stopped, failed…). */
  state: t.String({ maxLength: 32 }),
  startMode: t.Nullable(t.String({ maxLength: 32 })),
  /** What the service manager printed (its error on failure). */
  output: t.String({ maxLength: caps.long }),
})
export type ServiceControlResult = typeof serviceControlResult.static

// ---- event logs ----

export const eventLevels = ['critical', 'error', 'warning', 'info', 'verbose'] as const
export type EventLevel = (typeof eventLevels)[number]

/** Where a page of entries ended: `<time ms>.<entries at that time already shown>` (entries are newest first). */
export const eventLogCursorPattern = '^\\d{1,15}\\.\\d{1,6}$'

export const eventLogQueryPayload = t.Object({
  /** Which log: a Windows log name (System, Application, Security…), `journal` or `syslog` on Linux, `unified` on macOS. Default: the system's main log. */
  log: t.Optional(t.String({ maxLength: 128, pattern: '^[A-Za-z0-9 ._/-]+$' })),
  /** A provider (Windows), syslog identifier (journald, syslog) or process/subsystem (macOS). */
  source: t.Optional(t.String({ maxLength: 200 })),
  /** This level and worse. */
  level: t.Optional(lit(eventLevels)),
  since: t.Optional(t.Number()),
  /** Entries at or before this (epoch ms). */
  until: t.Optional(t.Number()),
  /** Case-insensitive text in the message. */
  q: t.Optional(t.String({ maxLength: 200 })),
  limit: t.Integer({ minimum: 1, maximum: 500 }),
  /** The next page: the previous result's nextCursor. */
  cursor: t.Optional(t.String({ maxLength: 32, pattern: eventLogCursorPattern })),
})
export type EventLogQueryPayload = typeof eventLogQueryPayload.static

export const eventLogEntry = t.Object({
  time: t.Number(),
  level: t.Nullable(lit(eventLevels)),
  source: t.Nullable(t.String({ maxLength: caps.name })),
  eventId: t.Nullable(t.Integer()),
  message: t.String({ maxLength: 4096 }),
})
export type EventLogEntry = typeof eventLogEntry.static

export const eventLogQueryResult = t.Object({
  log: t.String({ maxLength: 128 }),
  /** The logs this device offers (for the log picker). */
  logs: t.Array(t.String({ maxLength: 128 }), { maxItems: 64 }),
  entries: t.Array(eventLogEntry, { maxItems: 500 }),
  /** More entries may match: ask again with this cursor. */
  nextCursor: t.Nullable(t.String({ maxLength: 32, pattern: eventLogCursorPattern })),
  /** The agent stopped reading at its size or time budget: older matching entries may exist beyond what it read. */
  partial: t.Boolean(),
})
export type EventLogQueryResult = typeof eventLogQueryResult.static

// ---- power ----

/** `power.reboot` and `power.shutdown` take the same payload. */
export const powerActions = ['reboot', 'shutdown'] as const
export type PowerAction = (typeof powerActions)[number]

export const powerPayload = t.Object({
  /** Shown to the logged-in users (wall on Linux, msg on Windows, a notification on macOS); empty: no message. */
  message: t.String({ maxLength: 500 }),
  /** Warn first, act this many seconds later (0: at once). */
  delaySeconds: t.Integer({ minimum: 0, maximum: 3600 }),
  /** Only when the machine reports a pending reboot ("reboot if pending"). */
  onlyIfPending: t.Boolean(),
  /** The logged-in user may defer: how many more times, and by how long. 0: no choice. */
  deferralsLeft: t.Integer({ minimum: 0, maximum: 10 }),
  deferMinutes: t.Integer({ minimum: 1, maximum: 1440 }),
  /** How long the user has to answer the prompt before the action goes ahead. */
  promptSeconds: t.Integer({ minimum: 10, maximum: 3600 }),
})
export type PowerPayload = typeof powerPayload.static

/** done: the power command runs right after this report; deferred: the user asked for later; not_needed: no reboot pending. */
export const powerOutcomes = ['done', 'deferred', 'not_needed'] as const
export type PowerOutcome = (typeof powerOutcomes)[number]
export const powerResult = t.Object({
  outcome: lit(powerOutcomes),
  /** The command the agent runs (from its configuration, or the OS's own). */
  command: t.Array(t.String({ maxLength: caps.long }), { maxItems: 64 }),
  /** Logged-in users when the action ran (who saw the message). */
  users: t.Array(t.String({ maxLength: caps.name }), { maxItems: caps.users }),
  /** What the message and prompt tools printed (their errors, if any). */
  output: t.String({ maxLength: caps.long * 4 }),
})
export type PowerResult = typeof powerResult.static

// ---- wake-on-LAN ----

export const macPattern = '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'
export const ipv4Pattern = '^\\d{1,3}(\\.\\d{1,3}){3}$'

export const wakePayload = t.Object({
  /** MAC addresses to wake (lower case, colon-separated). */
  macs: t.Array(t.String({ pattern: macPattern }), { minItems: 1, maxItems: 16 }),
  /** The directed broadcast address of a subnet this agent is on (the agent refuses any other). */
  broadcast: t.String({ maxLength: 15, pattern: ipv4Pattern }),
  port: t.Integer({ minimum: 1, maximum: 65535 }),
})
export type WakePayload = typeof wakePayload.static

export const wakeResult = t.Object({
  /** Magic packets sent (one per MAC). */
  sent: t.Integer({ minimum: 0 }),
  broadcast: t.String({ maxLength: 15 }),
  /** The interface whose subnet the broadcast address belongs to. */
  interface: t.Nullable(t.String({ maxLength: caps.name })),
})
export type WakeResult = typeof wakeResult.static

// ---- check-in ----

/** `agent.checkin`: a heartbeat now and a full inventory ("force check-in"). */
export const checkinPayload = t.Object({})
export const checkinResult = t.Object({ sections: t.Array(t.String({ maxLength: 32 }), { maxItems: 16 }) })
export type CheckinResult = typeof checkinResult.static
