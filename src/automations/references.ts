// What a definition points at must exist and be usable by its owner and by the person saving
// it: scripts (usable in the org, and the saver may run scripts there), notification channels,
// other automations, alert rules, and devices, groups and sites of the org. Each problem names
// the path and the id, so the API answers 400 naming it and the editor marks the field.
import type { UserActor } from '../auth/actor'
import { getRule } from '../alerts/rules'
import type { AppContext } from '../context'
import { getGroup } from '../devices/groups'
import { parseRule, RuleError } from '../devices/rules'
import { getDevice } from '../devices/service'
import { resolveTargetDevices } from '../devices/targets'
import { channelsByIds } from '../notifications/dispatch'
import { usableBy } from '../notifications/owners'
import { getScript, scriptUsableIn } from '../scripts/library'
import { can, canInPartner, narrowScope, type Scope } from '../tenancy/scope'
import { allSteps, type Definition, type Problem } from './model'
import { findAutomationsByIds } from './repo'
import type { AutomationStep, StepTarget } from './types'

type Ctx = AppContext
export type Owner = { orgId: string | null; partnerId: string }

/** The script a run_script step uses is gone: the step is disabled at run time, and this says why. */
export const deletedScriptReason = (id: string) => `the script ${id} was deleted or is no longer available: this step is skipped until you choose another script`

function allowed(scope: Scope, owner: Owner, perm: Parameters<typeof can>[1]): boolean {
  return owner.orgId ? can(scope, perm, owner.orgId) : canInPartner(scope, perm, owner.partnerId)
}

/** checkReferences lists every reference of `def` the owner or the actor may not use. */
export async function checkReferences(ctx: Ctx, actor: UserActor, owner: Owner, def: Definition, selfId?: string): Promise<Problem[]> {
  const problems: Problem[] = []
  const steps = allSteps(def.actions)

  // Scripts: trigger filter and run_script steps.
  const scriptRefs: { path: string; id: string }[] = steps.filter((s) => s.step.type === 'run_script' && s.step.scriptId).map((s) => ({ path: `actions.${s.path}.scriptId`, id: s.step.scriptId! }))
  if (def.trigger.scriptId) scriptRefs.push({ path: 'trigger.scriptId', id: def.trigger.scriptId })
  for (const ref of scriptRefs) {
    const script = await getScript(ctx, actor, ref.id).catch(() => null)
    const usable = script && (owner.orgId ? scriptUsableIn(script, owner.orgId, owner.partnerId) : script.isSystem || (script.orgId === null && script.partnerId === owner.partnerId))
    if (!usable) problems.push({ path: ref.path, message: `script ${ref.id} does not exist or is not available to ${owner.orgId ? 'this organization' : 'this partner'}` })
  }
  if (steps.some((s) => s.step.type === 'run_script') && !allowed(actor.scope, owner, 'scripts:execute')) {
    problems.push({ path: 'actions', message: 'you need the scripts:execute permission to make an automation run scripts here' })
  }
  if (steps.some((s) => s.step.type === 'update_device') && !allowed(actor.scope, owner, 'devices:write')) {
    problems.push({ path: 'actions', message: 'you need the devices:write permission to make an automation change devices here' })
  }
  if (steps.some((s) => s.step.type === 'create_ticket') && !allowed(actor.scope, owner, 'tickets:write')) {
    problems.push({ path: 'actions', message: 'you need the tickets:write permission to make an automation open tickets here' })
  }

  // Notification channels.
  const channelRefs = [
    ...def.notifyChannelIds.map((id, i) => ({ path: `notifyChannelIds.${i}`, id })),
    ...steps.flatMap((s) => (s.step.channelIds ?? []).map((id, i) => ({ path: `actions.${s.path}.channelIds.${i}`, id }))),
  ]
  const channels = await channelsByIds(ctx, [...new Set(channelRefs.map((r) => r.id))])
  for (const ref of channelRefs) {
    const ch = channels.find((c) => c.id === ref.id)
    if (!ch || !usableBy(owner, ch)) problems.push({ path: ref.path, message: `notification channel ${ref.id} does not exist, is disabled, or is not available to ${owner.orgId ? 'this organization' : 'this partner'}` })
  }

  // Other automations.
  const autoRefs = steps.filter((s) => s.step.type === 'run_automation' && s.step.automationId).map((s) => ({ path: `actions.${s.path}.automationId`, id: s.step.automationId! }))
  const autos = await findAutomationsByIds(ctx.db, autoRefs.map((r) => r.id))
  for (const ref of autoRefs) {
    const a = autos.find((x) => x.id === ref.id)
    if (ref.id === selfId) { problems.push({ path: ref.path, message: 'an automation cannot run itself' }); continue }
    const usable = a && a.partnerId === owner.partnerId && (a.orgId === null || a.orgId === owner.orgId)
    if (!usable) problems.push({ path: ref.path, message: `automation ${ref.id} does not exist or is not available to ${owner.orgId ? 'this organization' : 'this partner'}` })
  }

  // Alert rule of an alert.triggered trigger.
  if (def.trigger.alertRuleId) {
    const rule = await getRule(ctx, actor, def.trigger.alertRuleId).catch(() => null)
    if (!rule || !usableBy(owner, rule)) problems.push({ path: 'trigger.alertRuleId', message: `alert rule ${def.trigger.alertRuleId} does not exist or is not available here` })
  }

  // Device filter (the group rule language).
  if (def.conditions.deviceFilter?.trim()) {
    try { parseRule(def.conditions.deviceFilter) } catch (err) {
      if (err instanceof RuleError) problems.push({ path: 'conditions.deviceFilter', message: err.message })
      else throw err
    }
  }

  // Devices, groups and sites: only inside the owner org.
  for (const { step, path } of steps) problems.push(...await placeProblems(ctx, actor, owner, step, `actions.${path}`))
  return problems
}

async function placeProblems(ctx: Ctx, actor: UserActor, owner: Owner, step: AutomationStep, path: string): Promise<Problem[]> {
  const out: Problem[] = []
  const tg: StepTarget = step.type === 'run_script' || step.type === 'update_device' ? step.target ?? {} : {}
  const named = [
    ...(tg.deviceIds ?? []).map((id, i) => ({ kind: 'device' as const, id, path: `${path}.target.deviceIds.${i}` })),
    ...(tg.groupIds ?? []).map((id, i) => ({ kind: 'group' as const, id, path: `${path}.target.groupIds.${i}` })),
    ...(tg.siteIds ?? []).map((id, i) => ({ kind: 'site' as const, id, path: `${path}.target.siteIds.${i}` })),
    ...(step.type === 'update_device' && step.addToGroupId ? [{ kind: 'group' as const, id: step.addToGroupId, path: `${path}.addToGroupId` }] : []),
    ...(step.type === 'update_device' && step.removeFromGroupId ? [{ kind: 'group' as const, id: step.removeFromGroupId, path: `${path}.removeFromGroupId` }] : []),
    ...(step.type === 'update_device' && step.siteId ? [{ kind: 'site' as const, id: step.siteId, path: `${path}.siteId` }] : []),
  ]
  if (!owner.orgId) {
    for (const n of named) out.push({ path: n.path, message: 'a partner-wide automation cannot name devices, groups or sites of one organization: use the triggering device or whole organizations' })
    return out
  }
  // The actor's scope, narrowed to the owner org: anything elsewhere is "not found".
  const scope = narrowScope(actor.scope, ['devices:read', 'devices:write'], [owner.orgId])
  const inOrg = { ...actor, scope }
  for (const n of named.slice(0, 200)) {
    const ok = n.kind === 'device' ? await getDevice(ctx, inOrg, n.id).then(() => true, () => false)
      : n.kind === 'group' ? await getGroup(ctx, inOrg, n.id).then(() => true, () => false)
        : await resolveTargetDevices(ctx, inOrg, { siteIds: [n.id] }, { permission: 'devices:read' }).then(() => true, () => false)
    if (!ok) out.push({ path: n.path, message: `${n.kind} ${n.id} does not exist in this organization or is not visible to you` })
  }
  return out
}
