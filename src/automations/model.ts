// Input shapes of the automation domain. One schema per part of a definition (trigger,
// conditions, a step); the JSON API validates bodies with them, and checkDefinition runs the
// same schemas plus the rules a schema cannot say (a schedule needs a cron, a run_script step
// needs a script…), collecting every problem with its path so the editor can show each one
// next to its field while the user types.
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { t } from 'elysia'
import { severities } from '../alerts/types'
import { customFieldsPatch } from '../devices/model'
import { ticketPriorities } from '../tickets/types'
import { checkCron, isTimeZone } from './schedule'
import { anyNumber, int } from '../web/model-types'
import {
  conditionOps, onFailureModes, stepTypes, triggerEvents, triggerTypes,
  type AutomationConditions, type AutomationStep, type AutomationTrigger, type OnFailure,
} from './types'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))
const id = t.String({ minLength: 1, maxLength: 64 })
const ids = (max: number) => t.Array(id, { maxItems: max })
const tag = t.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,49}$', error: 'tags are letters, digits, spaces and - _ . : / (at most 50)' })

export const triggerSchema = t.Object({
  type: lit(triggerTypes),
  cron: t.Optional(t.String({ maxLength: 120 })),
  timezone: t.Optional(t.String({ maxLength: 64 })),
  event: t.Optional(lit(triggerEvents)),
  durationMinutes: t.Optional(int({ minimum: 1, maximum: 30 * 24 * 60 })),
  alertRuleId: t.Optional(id),
  severities: t.Optional(t.Array(lit(severities), { maxItems: 5 })),
  scriptId: t.Optional(id),
  outcome: t.Optional(lit(['any', 'succeeded', 'failed'] as const)),
  softwareName: t.Optional(t.String({ maxLength: 200 })),
  change: t.Optional(lit(['any', 'installed', 'removed', 'updated'] as const)),
}, { additionalProperties: false })

const hhmm = t.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', error: 'times are HH:MM (24-hour)' })

export const conditionsSchema = t.Object({
  deviceFilter: t.Optional(t.String({ maxLength: 4000 })),
  timeWindow: t.Optional(t.Object({
    days: t.Array(int({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, error: 'choose at least one day (0 = Sunday … 6 = Saturday)' }),
    from: hhmm,
    to: hhmm,
    timezone: t.String({ maxLength: 64 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

const targetSchema = t.Object({
  triggerDevice: t.Optional(t.Boolean()),
  deviceIds: t.Optional(ids(10_000)),
  groupIds: t.Optional(ids(500)),
  siteIds: t.Optional(ids(500)),
  wholeOrg: t.Optional(t.Boolean()),
}, { additionalProperties: false })

const clauseSchema = t.Object({
  field: t.String({ minLength: 1, maxLength: 100, pattern: '^(last_step|device|trigger)\\.[a-z_]+(\\.[A-Za-z0-9_.-]+)?$', error: 'a field is last_step.x, device.x or trigger.x' }),
  op: lit(conditionOps),
  value: t.Union([t.String({ maxLength: 500 }), anyNumber(), t.Boolean()]),
}, { additionalProperties: false })

const parameterValues = t.Record(t.String({ maxLength: 64 }), t.Union([t.String({ maxLength: 10_000 }), anyNumber(), t.Boolean()]))

/** Every field any step type may have; which ones a type needs is checked by checkDefinition. */
const stepFields = {
  id: t.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', error: 'a step id is 1–40 letters, digits, - or _' }),
  type: lit(stepTypes),
  label: t.Optional(t.String({ maxLength: 200 })),
  scriptId: t.Optional(id),
  parameters: t.Optional(parameterValues),
  target: t.Optional(targetSchema),
  waitForResult: t.Optional(t.Boolean()),
  timeoutMinutes: t.Optional(int({ minimum: 1, maximum: 7 * 24 * 60 })),
  channelIds: t.Optional(ids(20)),
  title: t.Optional(t.String({ maxLength: 300 })),
  message: t.Optional(t.String({ maxLength: 5000 })),
  severity: t.Optional(lit(severities)),
  addTags: t.Optional(t.Array(tag, { maxItems: 20 })),
  removeTags: t.Optional(t.Array(tag, { maxItems: 20 })),
  addToGroupId: t.Optional(id),
  removeFromGroupId: t.Optional(id),
  siteId: t.Optional(id),
  customFields: t.Optional(customFieldsPatch),
  automationId: t.Optional(id),
  seconds: t.Optional(int({ minimum: 1, maximum: 30 * 24 * 3600, error: 'wait between 1 second and 30 days' })),
  match: t.Optional(lit(['all', 'any'] as const)),
  clauses: t.Optional(t.Array(clauseSchema, { maxItems: 20 })),
  description: t.Optional(t.String({ maxLength: 10_000 })),
  priority: t.Optional(lit(ticketPriorities)),
}

/** A step: branches (then/else) hold steps again, up to maxDepth levels. */
export const stepSchema = t.Recursive((Self) => t.Object({
  ...stepFields,
  then: t.Optional(t.Array(Self, { maxItems: 100 })),
  else: t.Optional(t.Array(Self, { maxItems: 100 })),
}, { additionalProperties: false }), { $id: 'AutomationStep' })

export const limits = { maxSteps: 100, maxDepth: 5 }

const definitionFields = {
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the automation a name' }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  enabled: t.Optional(t.Boolean()),
  trigger: triggerSchema,
  conditions: t.Optional(conditionsSchema),
  actions: t.Array(stepSchema, { maxItems: 100 }),
  onFailure: t.Optional(lit(onFailureModes)),
  notifyChannelIds: t.Optional(ids(20)),
}

export const createAutomationBody = t.Object({
  ...definitionFields,
  /** Owner: one org, or (omit orgId, give partnerId) every org of the partner. */
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
})
export type CreateAutomationInput = typeof createAutomationBody.static

export const updateAutomationBody = t.Partial(t.Object(definitionFields))
export type UpdateAutomationInput = typeof updateAutomationBody.static

/** The editor's live check: a whole definition, possibly invalid, for one owner. */
export const validateBody = t.Object({
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
  automationId: t.Optional(id),
  definition: t.Unknown(),
})

export const runBody = t.Object({
  /** The device the run is about (the "triggering device" of its steps). */
  deviceId: t.Optional(id),
  /** A test run: limited to deviceId, waits shortened, messages marked [TEST]. */
  test: t.Optional(t.Boolean()),
  /** For partner-wide automations: the organization to run in. */
  orgId: t.Optional(id),
})

export const listQuery = t.Object({
  orgId: t.Optional(id),
  search: t.Optional(t.String({ maxLength: 200 })),
  trigger: t.Optional(lit(triggerTypes)),
})

export const runsQuery = t.Object({
  status: t.Optional(t.String({ maxLength: 20 })),
  before: t.Optional(t.String({ maxLength: 100, pattern: '^\\d+\\.[A-Za-z0-9-]+$' })),
  limit: t.Optional(int({ minimum: 1, maximum: 200 })),
})

export const cronQuery = t.Object({ cron: t.String({ maxLength: 120 }), timezone: t.Optional(t.String({ maxLength: 64 })) })

export type Definition = {
  name: string
  description: string
  enabled: boolean
  trigger: AutomationTrigger
  conditions: AutomationConditions
  actions: AutomationStep[]
  onFailure: OnFailure
  notifyChannelIds: string[]
}

/** A problem with a definition: dotted path (`actions.2.then.0.scriptId`) and message. */
export type Problem = { path: string; message: string }

function schemaProblems(schema: TSchema, value: unknown, prefix: string, refs: TSchema[] = []): Problem[] {
  const out: Problem[] = []
  for (const e of Value.Errors(schema, refs, value)) {
    const path = [prefix, e.path.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.')
    if (out.some((p) => p.path === path)) continue
    const custom = (e.schema as { error?: unknown }).error
    out.push({ path: path || 'definition', message: typeof custom === 'string' ? custom : e.message })
    if (out.length >= 50) break
  }
  return out
}

const topLevelSchema = t.Object({
  name: definitionFields.name, description: definitionFields.description, enabled: definitionFields.enabled,
  onFailure: definitionFields.onFailure, notifyChannelIds: definitionFields.notifyChannelIds,
})
/** One step without its branches (they are checked step by step, so one bad step does not hide the rest). */
const shallowStepSchema = t.Object({ ...stepFields, then: t.Optional(t.Array(t.Unknown(), { maxItems: 100 })), else: t.Optional(t.Array(t.Unknown(), { maxItems: 100 })) }, { additionalProperties: false })

/**
 * checkDefinition validates a whole definition without the database: shapes (the schemas
 * above), what each trigger and step type needs, cron and time zones, ids, depth and size.
 * Every problem is collected. `definition` is the well-formed part (steps with a bad shape
 * left out), so references can still be checked while the user types; it is only safe to
 * save when there are no problems.
 */
export function checkDefinition(input: unknown): { problems: Problem[]; definition: Definition } {
  const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>
  const problems: Problem[] = schemaProblems(topLevelSchema, Object.fromEntries(Object.keys(topLevelSchema.properties).filter((k) => k in body).map((k) => [k, body[k]])), '')
  const triggerBad = schemaProblems(triggerSchema, body.trigger, 'trigger')
  problems.push(...triggerBad.map((p) => (p.path === 'trigger' ? { path: 'trigger.type', message: 'choose a trigger' } : p)))
  const trigger = (triggerBad.length ? { type: 'manual' } : body.trigger) as AutomationTrigger
  if (!triggerBad.length) problems.push(...triggerProblems(trigger))
  const conditionsBad = body.conditions === undefined ? [] : schemaProblems(conditionsSchema, body.conditions, 'conditions')
  problems.push(...conditionsBad)
  const conditions = (conditionsBad.length ? {} : body.conditions ?? {}) as AutomationConditions
  if (!conditionsBad.length) problems.push(...conditionProblems(conditions))
  const name = typeof body.name === 'string' ? body.name.trim() : ''
  if (!name && !problems.some((p) => p.path === 'name')) problems.push({ path: 'name', message: 'give the automation a name' })

  const seen = new Set<string>()
  let count = 0
  const walk = (raw: unknown, prefix: string, depth: number): AutomationStep[] => {
    if (!Array.isArray(raw)) { problems.push({ path: prefix, message: 'expected a list of steps' }); return [] }
    const kept: AutomationStep[] = []
    raw.forEach((item, i) => {
      const path = `${prefix}.${i}`
      count++
      const bad = schemaProblems(shallowStepSchema, item, path)
      // note: a malformed step keeps its place as an inert placeholder, so the paths of the
      // steps after it (and of their reference problems) stay right.
      if (bad.length) { problems.push(...bad); kept.push({ id: `invalid-${path}`, type: 'wait', seconds: 1 }); return }
      const s = item as AutomationStep
      if (seen.has(s.id)) problems.push({ path: `${path}.id`, message: `step id "${s.id}" is used twice` })
      seen.add(s.id)
      problems.push(...stepProblems(s, path, trigger))
      if (s.type === 'condition') {
        if (depth >= limits.maxDepth) { problems.push({ path, message: `conditions nest at most ${limits.maxDepth} levels deep` }); return }
        kept.push({ ...s, then: walk(s.then ?? [], `${path}.then`, depth + 1), else: walk(s.else ?? [], `${path}.else`, depth + 1) })
      } else {
        if (s.then?.length || s.else?.length) problems.push({ path, message: 'only a condition step has then/else branches' })
        kept.push(s)
      }
    })
    return kept
  }
  const actions = walk(body.actions ?? [], 'actions', 0)
  if (Array.isArray(body.actions) && body.actions.length === 0) problems.push({ path: 'actions', message: 'add at least one step' })
  if (count > limits.maxSteps) problems.push({ path: 'actions', message: `an automation has at most ${limits.maxSteps} steps (this one has ${count})` })
  const notifyChannelIds = Array.isArray(body.notifyChannelIds) ? body.notifyChannelIds.filter((x): x is string => typeof x === 'string') : []
  const onFailure = (body.onFailure as OnFailure | undefined) ?? 'stop'
  if (onFailure === 'notify' && notifyChannelIds.length === 0) problems.push({ path: 'notifyChannelIds', message: 'choose the channels to notify when a run fails' })
  const definition: Definition = {
    name, description: typeof body.description === 'string' ? body.description : '', enabled: typeof body.enabled === 'boolean' ? body.enabled : true,
    trigger, conditions, actions, onFailure, notifyChannelIds,
  }
  return { problems, definition }
}

function triggerProblems(tr: AutomationTrigger): Problem[] {
  const out: Problem[] = []
  if (tr.type === 'schedule') {
    if (!tr.cron) out.push({ path: 'trigger.cron', message: 'a schedule needs a cron expression, e.g. 0 2 * * * (every day at 02:00)' })
    else {
      const err = checkCron(tr.cron)
      if (err) out.push({ path: 'trigger.cron', message: err })
    }
    if (!tr.timezone) out.push({ path: 'trigger.timezone', message: 'choose the time zone the schedule runs in' })
    else if (!isTimeZone(tr.timezone)) out.push({ path: 'trigger.timezone', message: `"${tr.timezone}" is not a time zone (use an IANA name such as Europe/London or America/New_York)` })
  }
  if (tr.type === 'event') {
    if (!tr.event) out.push({ path: 'trigger.event', message: 'choose the event that starts the automation' })
    if (tr.event === 'device.offline' && !tr.durationMinutes) out.push({ path: 'trigger.durationMinutes', message: 'say for how many minutes the device must be offline' })
  }
  return out
}

function conditionProblems(c: AutomationConditions): Problem[] {
  const w = c.timeWindow
  if (w && !isTimeZone(w.timezone)) return [{ path: 'conditions.timeWindow.timezone', message: `"${w.timezone}" is not a time zone` }]
  if (w && w.from === w.to) return [{ path: 'conditions.timeWindow.to', message: 'the window ends when it starts; give different times' }]
  return []
}

/** Triggers that come with a device: device events, and manual/webhook runs that name one. */
export function triggerHasDevice(tr: AutomationTrigger): 'always' | 'maybe' | 'never' {
  if (tr.type === 'schedule') return 'never'
  if (tr.type === 'event') return tr.event === 'alert.triggered' ? 'maybe' : 'always'
  return 'maybe'
}

function targetProblems(s: AutomationStep, path: string, tr: AutomationTrigger, required: boolean): Problem[] {
  const tg = s.target ?? { triggerDevice: true }
  const named = !!(tg.deviceIds?.length || tg.groupIds?.length || tg.siteIds?.length || tg.wholeOrg)
  if (!tg.triggerDevice && !named) return required ? [{ path: `${path}.target`, message: 'choose the devices: the triggering device, or devices, groups, sites or the whole organization' }] : []
  if (tg.triggerDevice && !named && triggerHasDevice(tr) === 'never') {
    return [{ path: `${path}.target`, message: 'a scheduled automation has no triggering device: choose devices, groups, sites or the whole organization' }]
  }
  return []
}

function stepProblems(s: AutomationStep, path: string, tr: AutomationTrigger): Problem[] {
  const need = (field: keyof AutomationStep, message: string): Problem[] => {
    const v = s[field]
    return v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? [{ path: `${path}.${field}`, message }] : []
  }
  switch (s.type) {
    case 'run_script': return [...need('scriptId', 'choose a script'), ...targetProblems(s, path, tr, true)]
    case 'notify': return [...need('channelIds', 'choose at least one channel'), ...need('title', 'give the message a title')]
    case 'update_device': {
      const any = s.addTags?.length || s.removeTags?.length || s.addToGroupId || s.removeFromGroupId || s.siteId || Object.keys(s.customFields ?? {}).length
      return [...(any ? [] : [{ path, message: 'say what to change: tags, group, site or custom fields' }]), ...targetProblems(s, path, tr, true)]
    }
    case 'run_automation': return need('automationId', 'choose the automation to run')
    case 'wait': return need('seconds', 'say how many seconds to wait')
    case 'condition': return need('clauses', 'add at least one condition')
    case 'create_ticket': return need('title', 'give the ticket a title')
  }
}

/** allSteps lists every step of a definition with its path, depth first. */
export function allSteps(steps: AutomationStep[], prefix = ''): { step: AutomationStep; path: string }[] {
  return steps.flatMap((step, i) => {
    const path = prefix ? `${prefix}.${i}` : String(i)
    return [{ step, path }, ...allSteps(step.then ?? [], `${path}.then`), ...allSteps(step.else ?? [], `${path}.else`)]
  })
}
