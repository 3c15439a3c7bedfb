// Shapes stored in the automation tables' JSON columns (imported by both schema dialects and
// by the editor). The vocabulary is architecture-plan.md's: triggers, conditions, ordered
// action steps with nested condition branches. model.ts validates them.

export const triggerTypes = ['schedule', 'event', 'webhook', 'manual'] as const
export type TriggerType = (typeof triggerTypes)[number]

/** Events an automation can start on (the names of src/events.ts). */
export const triggerEvents = ['device.enrolled', 'device.offline', 'alert.triggered', 'script.completed', 'software.changed', 'patch.installed', 'patch.failed'] as const
export type TriggerEvent = (typeof triggerEvents)[number]

/** One trigger. Fields beyond `type` depend on it (and for events, on `event`). */
export type AutomationTrigger = {
  type: TriggerType
  /** schedule: five-field cron (or six with seconds) and an IANA time zone. */
  cron?: string
  timezone?: string
  event?: TriggerEvent
  /** device.offline: how long the device must have been offline. */
  durationMinutes?: number
  /** alert.triggered: only this alert rule (else any); only these severities (else any). */
  alertRuleId?: string
  severities?: string[]
  /** script.completed: only this script (else any); only this outcome. */
  scriptId?: string
  outcome?: 'any' | 'succeeded' | 'failed'
  /** software.changed: only changes whose software name contains this text; only this kind of change. */
  softwareName?: string
  change?: 'any' | 'installed' | 'removed' | 'updated'
}

/** When a triggered automation actually runs. */
export type AutomationConditions = {
  /** A device filter in the device-group rule language (docs/device-groups.md), e.g. `os = windows AND tag = servers`. */
  deviceFilter?: string
  /** Only inside this weekly window (in its time zone). */
  timeWindow?: { days: number[]; from: string; to: string; timezone: string }
}

/** Which devices a step acts on: the triggering device, and/or named devices, groups, sites, or the whole organization. */
export type StepTarget = { triggerDevice?: boolean; deviceIds?: string[]; groupIds?: string[]; siteIds?: string[]; wholeOrg?: boolean }

export const stepTypes = ['run_script', 'notify', 'update_device', 'run_automation', 'wait', 'condition', 'create_ticket'] as const
export type StepType = (typeof stepTypes)[number]

export const conditionOps = ['=', '!=', '>', '>=', '<', '<=', 'contains', 'not_contains'] as const
export type ConditionOp = (typeof conditionOps)[number]
export type ConditionClause = { field: string; op: ConditionOp; value: string | number | boolean }

export type ParameterValues = Record<string, string | number | boolean>

/** One action step; `id` is stable across edits (the editor makes it), fields depend on `type`. */
export type AutomationStep = {
  id: string
  type: StepType
  /** A label shown in the editor and run log instead of the generated summary. */
  label?: string
  // run_script
  scriptId?: string
  parameters?: ParameterValues
  target?: StepTarget
  /** run_script / run_automation: wait for the result before the next step (default true). */
  waitForResult?: boolean
  timeoutMinutes?: number
  // notify
  channelIds?: string[]
  title?: string
  message?: string
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical'
  // update_device
  addTags?: string[]
  removeTags?: string[]
  addToGroupId?: string
  removeFromGroupId?: string
  siteId?: string
  customFields?: Record<string, string | null>
  // run_automation
  automationId?: string
  // wait
  seconds?: number
  // condition
  match?: 'all' | 'any'
  clauses?: ConditionClause[]
  then?: AutomationStep[]
  else?: AutomationStep[]
  // create_ticket (title/description/priority)
  description?: string
  priority?: 'urgent' | 'high' | 'normal' | 'low'
}

export const onFailureModes = ['stop', 'continue', 'notify'] as const
export type OnFailure = (typeof onFailureModes)[number]

/** What a run executes: the automation's definition as it was when the run started. */
export type RunDefinition = { name: string; actions: AutomationStep[]; onFailure: OnFailure; notifyChannelIds: string[]; deviceFilter?: string }

export const runStatuses = ['queued', 'running', 'waiting', 'completed', 'failed', 'partial', 'cancelled', 'skipped'] as const
export type RunStatus = (typeof runStatuses)[number]
export const finishedRunStatuses: RunStatus[] = ['completed', 'failed', 'partial', 'cancelled', 'skipped']

export const stepStatuses = ['running', 'waiting', 'succeeded', 'failed', 'skipped', 'disabled'] as const
export type StepStatus = (typeof stepStatuses)[number]

/** The result of the last finished step, for conditions and message templates. */
export type StepResult = { status: StepStatus; exitCode: number | null; output: string; succeeded: number; failed: number; type: StepType }

/** The engine's position in a run: a stack of (step list, next index) frames. */
export type RunState = {
  frames: { list: string; index: number }[]
  /** The step being executed or waited on. */
  current: { seq: number; path: string; deadline: number | null } | null
  last: StepResult | null
  seq: number
  failures: number
  targeted: string[]
  failedDevices: string[]
}
