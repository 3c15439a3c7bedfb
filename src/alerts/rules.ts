// Alert rules: who sees and edits them, checking a definition field by field, and making rules
// from the built-in templates.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { checkChannelIds, checkPolicyId } from '../notifications/owners'
import type { Permission } from '../tenancy/permissions'
import { can, canInPartner, orgIdsWith, partnerIdsWith, requireOrg, requirePartner, type Scope } from '../tenancy/scope'
import { deleteWatchesOfRule } from './alerts-repo'
import { isEventCondition, isKnownMetric } from './conditions'
import type { ConditionInput, CreateRuleInput, UpdateRuleInput } from './model'
import { ruleCacheOf } from './rule-cache'
import { findRule, insertRule, listVisibleRules, updateRuleRow, type AlertRule, type RuleVisibility } from './rules-repo'
import { checkTargets } from './targets'
import { alertTemplates, findTemplate, unknownVariables } from './templates'
import { builtinMetrics, type Condition, type RuleConditions } from './types'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** ruleVisibility: the orgs and partners whose rules the scope may see with `perm`. */
export function ruleVisibility(scope: Scope, perm: Permission = 'alerts:read'): RuleVisibility {
  const orgIds = orgIdsWith(scope, perm)
  const partnerIds = new Set(partnerIdsWith(scope, perm))
  // Org members see the partner-wide rules that apply to their org (read only).
  if (perm.endsWith(':read')) for (const id of orgIds) partnerIds.add(scope.orgs.get(id)!.partnerId)
  return { orgIds, partnerIds: [...partnerIds] }
}

export function canEditRule(scope: Scope, rule: Pick<AlertRule, 'orgId' | 'partnerId'>): boolean {
  return rule.orgId ? can(scope, 'alerts:write', rule.orgId) : canInPartner(scope, 'alerts:write', rule.partnerId)
}

/** resolveOwner: the org (or partner, for partner-wide) a new rule, channel or policy belongs to. */
export function resolveOwner(actor: UserActor, owner: { orgId?: string; partnerId?: string }, perm: Permission): { orgId: string | null; partnerId: string } {
  if (owner.orgId) return { orgId: owner.orgId, partnerId: requireOrg(actor.scope, owner.orgId, perm).partnerId }
  if (owner.partnerId) { requirePartner(actor.scope, owner.partnerId, perm); return { orgId: null, partnerId: owner.partnerId } }
  const orgs = orgIdsWith(actor.scope, perm)
  if (orgs.length === 1) return { orgId: orgs[0], partnerId: actor.scope.orgs.get(orgs[0])!.partnerId }
  throw new ValidationError('orgId', 'say which organization (orgId) this belongs to, or give partnerId for every organization of the partner')
}

const metricHint = `${builtinMetrics.join(', ')} or custom.<name>`

/** checkCondition keeps the fields a condition kind uses, requiring them, and names the bad one. */
function checkCondition(c: ConditionInput, path: string): Condition {
  const need = <K extends keyof ConditionInput>(k: K): NonNullable<ConditionInput[K]> => {
    if (c[k] === undefined || c[k] === null || c[k] === '') throw new ValidationError(`${path}/${k}`, `a ${c.type} condition needs ${k}`)
    return c[k] as NonNullable<ConditionInput[K]>
  }
  switch (c.type) {
    case 'metric': {
      const metric = need('metric')
      if (!isKnownMetric(metric)) throw new ValidationError(`${path}/metric`, `unknown metric "${metric}" (use ${metricHint})`)
      if (c.volume !== undefined && metric !== 'disk_volume_percent') throw new ValidationError(`${path}/volume`, 'volume applies to disk_volume_percent only')
      const value = need('value')
      if (/_percent$/.test(metric) && (value < 0 || value > 100)) throw new ValidationError(`${path}/value`, 'a percentage threshold is between 0 and 100')
      return { type: 'metric', metric, operator: need('operator'), value, ...(c.durationMinutes ? { durationMinutes: c.durationMinutes } : {}), ...(c.volume ? { volume: c.volume } : {}) }
    }
    case 'offline': return { type: 'offline', minutes: need('minutes') }
    case 'stale': return { type: 'stale', minutes: need('minutes') }
    case 'software': return { type: 'software', event: need('event'), pattern: need('pattern') }
    case 'service': return { type: 'service', name: need('name'), ...(c.durationMinutes ? { durationMinutes: c.durationMinutes } : {}) }
    case 'process_not_running': return { type: 'process_not_running', name: processName(need('name'), `${path}/name`) }
    case 'process_cpu': {
      if (c.minutes !== undefined && c.minutes > 24 * 60) throw new ValidationError(`${path}/minutes`, 'a process CPU window is at most 1440 minutes')
      return { type: 'process_cpu', name: processName(need('name'), `${path}/name`), percent: need('percent'), minutes: need('minutes') }
    }
    case 'patch_missing': return { type: 'patch_missing', severity: need('severity'), days: need('days') }
    case 'patch_failed': return { type: 'patch_failed' }
    case 'pending_reboot': return { type: 'pending_reboot', days: need('days') }
    case 'agent_outdated': return { type: 'agent_outdated', ...(c.minVersion ? { minVersion: c.minVersion } : {}) }
  }
}

/** processName: a process glob the agent can match (one name pattern, at most 100 characters, no path). */
function processName(name: string, path: string): string {
  const v = name.trim()
  if (!v || v.length > 100 || /[\\/\x00-\x1f]/.test(v)) throw new ValidationError(path, 'give a process name or glob (no path, at most 100 characters), like nginx or sql*')
  return v
}

export function checkConditions(input: { match: 'all' | 'any'; items: ConditionInput[] }): RuleConditions {
  const items = input.items.map((c, i) => checkCondition(c, `conditions/items/${i}`))
  const event = items.findIndex(isEventCondition)
  if (event >= 0 && items.length > 1) {
    throw new ValidationError(`conditions/items/${event}/event`, 'installed/removed fire on a change and cannot be combined with other conditions; use present/absent to combine')
  }
  return { match: input.match, items }
}

function checkTemplates(title: string, message: string) {
  for (const [field, text] of [['titleTemplate', title], ['messageTemplate', message]] as const) {
    const bad = unknownVariables(text)
    if (bad.length) throw new ValidationError(field, `unknown placeholder {{${bad[0]}}}`)
  }
}

export async function listRules(ctx: Ctx, actor: UserActor, filter: { orgId?: string; search?: string } = {}) {
  return listVisibleRules(ctx.db, ruleVisibility(actor.scope), filter)
}

export async function getRule(ctx: Ctx, actor: UserActor, id: string): Promise<AlertRule> {
  const rule = await findRule(ctx.db, id)
  const v = ruleVisibility(actor.scope)
  if (!rule || !(rule.orgId ? v.orgIds.includes(rule.orgId) : v.partnerIds.includes(rule.partnerId))) throw new NotFoundError('alert rule')
  return rule
}

type RuleFields = Omit<AlertRule, 'id' | 'partnerId' | 'orgId' | 'templateKey' | 'createdBy' | 'updatedBy' | 'createdAt' | 'updatedAt' | 'deletedAt'>

async function checkRule(ctx: Ctx, owner: { orgId: string | null; partnerId: string }, input: UpdateRuleInput, previous?: AlertRule): Promise<RuleFields> {
  const conditions = input.conditions ? checkConditions(input.conditions) : previous!.conditions
  const titleTemplate = input.titleTemplate ?? previous?.titleTemplate ?? `{{rule.name}} on {{device.name}}`
  const messageTemplate = input.messageTemplate ?? previous?.messageTemplate ?? `{{condition}} on {{device.name}} ({{org.name}}).`
  checkTemplates(titleTemplate, messageTemplate)
  const targets = input.targets ? await checkTargets(ctx, owner.orgId, input.targets) : previous?.targets ?? { kind: 'all' as const }
  const channelIds = input.channelIds ? await checkChannelIds(ctx, owner, input.channelIds, 'channelIds') : previous?.channelIds ?? []
  const escalationPolicyId = input.escalationPolicyId !== undefined ? await checkPolicyId(ctx, owner, input.escalationPolicyId, 'escalationPolicyId') : previous?.escalationPolicyId ?? null
  const siteOfflineThreshold = input.siteOfflineThreshold !== undefined ? input.siteOfflineThreshold : previous?.siteOfflineThreshold ?? null
  if (siteOfflineThreshold !== null && !conditions.items.some((c) => c.type === 'offline')) {
    throw new ValidationError('siteOfflineThreshold', 'the site threshold applies to rules with an offline condition')
  }
  return {
    name: (input.name ?? previous!.name).trim(), description: input.description ?? previous?.description ?? '', enabled: input.enabled ?? previous?.enabled ?? true,
    severity: input.severity ?? previous!.severity, targets, conditions, cooldownMinutes: input.cooldownMinutes ?? previous?.cooldownMinutes ?? 15,
    autoResolve: input.autoResolve ?? previous?.autoResolve ?? !conditions.items.some(isEventCondition), titleTemplate, messageTemplate, channelIds, escalationPolicyId,
    siteOfflineThreshold,
  }
}

export async function createRule(ctx: Ctx, actor: UserActor, input: CreateRuleInput): Promise<AlertRule> {
  const owner = resolveOwner(actor, input, 'alerts:write')
  const fields = await checkRule(ctx, owner, input)
  const now = ctx.clock.now()
  const rule: AlertRule = { id: newId(), ...owner, ...fields, templateKey: input.templateKey ?? null, createdBy: actor.user.id, updatedBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null }
  await withTx(ctx.db, async (tx) => {
    await insertRule(tx, rule)
    if (rule.enabled) ctx.events.inTx(tx).emit('alert_rule.saved', { ruleId: rule.id, orgId: rule.orgId, partnerId: rule.partnerId })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'alert_rule.create', partnerId: rule.partnerId, orgId: rule.orgId, resourceType: 'alert_rule', resourceId: rule.id, resourceName: rule.name, details: { severity: rule.severity, conditions: rule.conditions } })
  })
  ruleCacheOf(ctx).invalidate()
  return rule
}

export async function updateRule(ctx: Ctx, actor: UserActor, id: string, input: UpdateRuleInput): Promise<AlertRule> {
  const rule = await getRule(ctx, actor, id)
  if (!canEditRule(actor.scope, rule)) throw new ForbiddenError('you need the alerts:write permission for this rule', 'alerts:write')
  const fields = await checkRule(ctx, rule, input, rule)
  const next: AlertRule = { ...rule, ...fields, updatedBy: actor.user.id, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateRuleRow(tx, id, next)
    // New conditions start from a clean slate (open alerts stay until they resolve or are closed).
    if (input.conditions) await deleteWatchesOfRule(tx, id)
    // Only what can change the outcome is evaluated again (new conditions, targets, or switched on).
    const outcomeChanged = !!input.conditions || !!input.targets || (input.enabled === true && !rule.enabled)
    if (next.enabled && outcomeChanged) ctx.events.inTx(tx).emit('alert_rule.saved', { ruleId: id, orgId: rule.orgId, partnerId: rule.partnerId })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'alert_rule.update', partnerId: rule.partnerId, orgId: rule.orgId, resourceType: 'alert_rule', resourceId: id, resourceName: next.name, details: { fields: Object.keys(input) } })
  })
  ruleCacheOf(ctx).invalidate()
  return next
}

export async function deleteRule(ctx: Ctx, actor: UserActor, id: string) {
  const rule = await getRule(ctx, actor, id)
  if (!canEditRule(actor.scope, rule)) throw new ForbiddenError('you need the alerts:write permission for this rule', 'alerts:write')
  await withTx(ctx.db, async (tx) => {
    await updateRuleRow(tx, id, { deletedAt: ctx.clock.now(), enabled: false })
    await deleteWatchesOfRule(tx, id)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'alert_rule.delete', partnerId: rule.partnerId, orgId: rule.orgId, resourceType: 'alert_rule', resourceId: id, resourceName: rule.name })
  })
  ruleCacheOf(ctx).invalidate()
}

export function listTemplates() {
  return alertTemplates
}

/** createRuleFromTemplate makes an enabled rule from a built-in template. */
export async function createRuleFromTemplate(ctx: Ctx, actor: UserActor, input: { templateKey: string; orgId?: string; partnerId?: string; channelIds?: string[] }): Promise<AlertRule> {
  const tpl = findTemplate(input.templateKey)
  if (!tpl) throw new ValidationError('templateKey', `no built-in template "${input.templateKey}"`)
  return createRule(ctx, actor, {
    name: tpl.name, description: tpl.description, severity: tpl.severity, conditions: tpl.conditions as CreateRuleInput['conditions'], cooldownMinutes: tpl.cooldownMinutes,
    autoResolve: tpl.autoResolve, titleTemplate: tpl.titleTemplate, messageTemplate: tpl.messageTemplate, siteOfflineThreshold: tpl.siteOfflineThreshold ?? null,
    channelIds: input.channelIds, orgId: input.orgId, partnerId: input.partnerId, templateKey: tpl.key,
  })
}
