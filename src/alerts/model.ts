// Input shapes of the alerting domain (forms and JSON API). A condition is one flat object whose
// fields are all checked here, so a bad operator or a negative duration is a 400 naming
// exactly that field; the per-kind required fields and metric names are checked in rules.ts.
import { t } from 'elysia'
import { alertStatuses, operators, patchSeverities, severities } from './types'
import { anyNumber, epochMs, int } from '../web/model-types'

const lit = <const T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })

export const conditionBody = t.Object({
  type: lit(['metric', 'offline', 'stale', 'software', 'service', 'process_not_running', 'process_cpu', 'patch_missing', 'patch_failed', 'pending_reboot', 'agent_outdated'], 'type must be one of metric, offline, stale, software, service, process_not_running, process_cpu, patch_missing, patch_failed, pending_reboot, agent_outdated'),
  metric: t.Optional(t.String({ minLength: 1, maxLength: 80 })),
  operator: t.Optional(lit(operators, 'operator must be one of gt, gte, lt, lte, eq, neq')),
  value: t.Optional(anyNumber()),
  durationMinutes: t.Optional(int({ minimum: 0, maximum: 7 * 24 * 60, error: 'duration must be between 0 and 10080 minutes' })),
  volume: t.Optional(t.String({ maxLength: 200 })),
  minutes: t.Optional(int({ minimum: 1, maximum: 90 * 24 * 60, error: 'minutes must be between 1 and 129600' })),
  event: t.Optional(lit(['installed', 'removed', 'present', 'absent'], 'event must be installed, removed, present or absent')),
  pattern: t.Optional(t.String({ minLength: 1, maxLength: 500 })),
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  percent: t.Optional(int({ minimum: 1, maximum: 100, error: 'percent must be between 1 and 100' })),
  severity: t.Optional(lit(patchSeverities, 'severity must be critical, important, security or any')),
  days: t.Optional(int({ minimum: 1, maximum: 365, error: 'days must be between 1 and 365' })),
  minVersion: t.Optional(t.String({ maxLength: 40, pattern: '^[0-9]+(\\.[0-9]+){0,3}([-+][0-9A-Za-z.-]+)?$', error: 'minVersion must look like 1.2.3' })),
})
export type ConditionInput = typeof conditionBody.static

export const conditionsBody = t.Object({
  match: lit(['all', 'any'], 'match must be all or any'),
  items: t.Array(conditionBody, { minItems: 1, maxItems: 10, error: 'give between 1 and 10 conditions' }),
})

export const targetsBody = t.Object({
  kind: lit(['all', 'sites', 'groups', 'devices'], 'targets kind must be all, sites, groups or devices'),
  ids: t.Optional(t.Array(id, { maxItems: 1000 })),
})

const ruleFields = {
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  enabled: t.Optional(t.Boolean()),
  severity: lit(severities, 'severity must be critical, high, medium, low or info'),
  targets: t.Optional(targetsBody),
  conditions: conditionsBody,
  cooldownMinutes: t.Optional(int({ minimum: 0, maximum: 7 * 24 * 60, error: 'cooldown must be between 0 and 10080 minutes' })),
  autoResolve: t.Optional(t.Boolean()),
  titleTemplate: t.Optional(t.String({ minLength: 1, maxLength: 300 })),
  messageTemplate: t.Optional(t.String({ maxLength: 4000 })),
  channelIds: t.Optional(t.Array(id, { maxItems: 50 })),
  escalationPolicyId: t.Optional(t.Union([id, t.Null()])),
  siteOfflineThreshold: t.Optional(t.Union([int({ minimum: 2, maximum: 10_000, error: 'site threshold must be at least 2 devices' }), t.Null()])),
}

export const createRuleBody = t.Object({
  ...ruleFields,
  /** Owner: one org, or (omit orgId, give partnerId) every org of the partner. */
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
  templateKey: t.Optional(t.String({ maxLength: 64 })),
})
export type CreateRuleInput = typeof createRuleBody.static

export const updateRuleBody = t.Partial(t.Object(ruleFields))
export type UpdateRuleInput = typeof updateRuleBody.static

export const fromTemplateBody = t.Object({
  templateKey: t.String({ minLength: 1, maxLength: 64 }),
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
  channelIds: t.Optional(t.Array(id, { maxItems: 50 })),
})

export const ruleListQuery = t.Object({
  orgId: t.Optional(t.String({ maxLength: 64 })),
  search: t.Optional(t.String({ maxLength: 200 })),
})

export const alertListQuery = t.Object({
  status: t.Optional(t.Union([lit(alertStatuses), t.Literal('open'), t.Literal('all')], { error: 'status must be open, all, active, acknowledged, resolved or suppressed' })),
  severity: t.Optional(lit(severities)),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  deviceId: t.Optional(t.String({ maxLength: 64 })),
  ruleId: t.Optional(t.String({ maxLength: 64 })),
  search: t.Optional(t.String({ maxLength: 200 })),
  groupBy: t.Optional(lit(['none', 'org', 'device', 'rule'])),
  from: t.Optional(epochMs()),
  to: t.Optional(epochMs()),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
  page: t.Optional(int({ minimum: 1, maximum: 10_000 })),
})
export type AlertListQuery = typeof alertListQuery.static

export const noteBody = t.Object({ note: t.Optional(t.String({ maxLength: 2000 })) })

export const suppressBody = t.Object({
  minutes: int({ minimum: 1, maximum: 30 * 24 * 60, error: 'minutes must be between 1 and 43200' }),
  note: t.Optional(t.String({ maxLength: 2000 })),
})

const windowFields = {
  name: t.String({ minLength: 1, maxLength: 200 }),
  targets: t.Optional(targetsBody),
  /** One-off windows: ISO date-times or epoch ms. */
  startsAt: t.Optional(t.Union([epochMs(), t.String({ maxLength: 40 })])),
  endsAt: t.Optional(t.Union([epochMs(), t.String({ maxLength: 40 })])),
  /** Recurring windows: a cron expression (minute hour day month weekday) read in `timezone`; '' = one-off. */
  cron: t.Optional(t.String({ maxLength: 120 })),
  durationMinutes: t.Optional(int({ minimum: 1, maximum: 7 * 24 * 60, error: 'duration must be between 1 and 10080 minutes' })),
  timezone: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  suppress: t.Optional(lit(['alerts', 'notifications'], 'suppress must be alerts or notifications')),
  enabled: t.Optional(t.Boolean()),
}

export const createWindowBody = t.Object({ ...windowFields, orgId: id })
export type CreateWindowInput = typeof createWindowBody.static
export const updateWindowBody = t.Partial(t.Object(windowFields))
export type UpdateWindowInput = typeof updateWindowBody.static
