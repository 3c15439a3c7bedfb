// Shapes stored in the alerting tables' JSON columns (imported by both schema dialects and the
// engine). TypeBox schemas for the same shapes live in model.ts.

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const
export type Severity = (typeof severities)[number]

export const alertStatuses = ['active', 'acknowledged', 'resolved', 'suppressed'] as const
export type AlertStatus = (typeof alertStatuses)[number]

export const operators = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const
export type Operator = (typeof operators)[number]

/** Built-in metrics; `custom.<name>` metrics come from heartbeats (scripts report them). */
export const builtinMetrics = ['cpu_percent', 'ram_percent', 'disk_percent', 'disk_volume_percent', 'process_count', 'net_in_bytes', 'net_out_bytes'] as const
export type BuiltinMetric = (typeof builtinMetrics)[number]

export type MetricCondition = {
  type: 'metric'
  /** One of builtinMetrics or `custom.<name>`. */
  metric: string
  operator: Operator
  value: number
  /** The condition must hold this long before the alert fires (0 = at once). */
  durationMinutes?: number
  /** disk_volume_percent only: a glob of mounts/drive letters to watch (default every volume). */
  volume?: string
}
/** Nothing heard from the agent (socket or heartbeat) for `minutes`. */
export type OfflineCondition = { type: 'offline'; minutes: number }
/** The agent is heard from, but no heartbeat (metrics) arrived for `minutes`: stale data. */
export type StaleCondition = { type: 'stale'; minutes: number }
/**
 * installed/removed fire on a software change (an event, so they stand alone in a rule);
 * present/absent are states checked against the inventory.
 * `pattern`: case-insensitive globs (`*`, `?`), comma-separated alternatives.
 */
export type SoftwareCondition = { type: 'software'; event: 'installed' | 'removed' | 'present' | 'absent'; pattern: string }
/** A service (glob on name or display name) that exists and is not running. */
export type ServiceCondition = { type: 'service'; name: string; durationMinutes?: number }
/** No process whose name matches `name` (glob; a trailing .exe is optional) runs: the agent counts them every heartbeat. */
export type ProcessNotRunningCondition = { type: 'process_not_running'; name: string }
/** The processes matching `name` use more than `percent` % CPU together (capped at 100), in every heartbeat for `minutes`. */
export type ProcessCpuCondition = { type: 'process_cpu'; name: string; percent: number; minutes: number }
/** Patch severities a patch_missing condition can name: at least critical, at least important, security classification, or any. */
export const patchSeverities = ['critical', 'important', 'security', 'any'] as const
/**
 * The device misses an update (available, approved, installing or failed, not declined by its
 * org) of that severity which the device first reported more than `days` days ago.
 */
export type PatchMissingCondition = { type: 'patch_missing'; severity: (typeof patchSeverities)[number]; days: number }
/** The device's latest install of some update failed, and no later install of it succeeded (its state is failed). */
export type PatchFailedCondition = { type: 'patch_failed' }
export type PendingRebootCondition = { type: 'pending_reboot'; days: number }
/** The agent runs a version older than minVersion (default: this server's version). */
export type AgentOutdatedCondition = { type: 'agent_outdated'; minVersion?: string }

export type Condition = MetricCondition | OfflineCondition | StaleCondition | SoftwareCondition | ServiceCondition | ProcessNotRunningCondition | ProcessCpuCondition | PatchMissingCondition | PatchFailedCondition | PendingRebootCondition | AgentOutdatedCondition
export type ConditionType = Condition['type']

export type RuleConditions = { match: 'all' | 'any'; items: Condition[] }

export type RuleTargets = { kind: 'all' } | { kind: 'sites' | 'groups' | 'devices'; ids: string[] }

/** Values captured when an alert fires or resolves (for the timeline and templates). */
export type AlertValues = Record<string, number | string | boolean | null>

export type AlertKind = 'device' | 'site' | 'channel'

/** What a maintenance window silences: alerts (created suppressed) or only their notifications. */
export type MaintenanceSuppress = 'alerts' | 'notifications'

/** Recurrence of a maintenance window: a cron expression read in `timezone`, lasting durationMinutes. */
export type MaintenanceRecurrence = { cron: string; durationMinutes: number }
