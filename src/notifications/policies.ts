// Escalation policies: ordered steps, each after a delay from when the alert fired, notifying
// channels and people. The alert engine walks them (src/alerts/escalation.ts).
import type { UserActor } from '../auth/actor'
import { resolveOwner } from '../alerts/rules'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { can, canInPartner } from '../tenancy/scope'
import { memberUserIds } from '../tenancy/users-repo'
import { findPolicy, insertPolicy, listVisiblePolicies, updatePolicyRow, type EscalationPolicy } from './channels-repo'
import type { CreatePolicyInput, UpdatePolicyInput } from './model'
import { canSeeOwned, checkChannelIds, ownerVisibility, type Owner } from './owners'
import type { EscalationStep } from './types'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

async function checkSteps(ctx: Ctx, owner: Owner, steps: CreatePolicyInput['steps']): Promise<EscalationStep[]> {
  const members = new Set(await memberUserIds(ctx.db, [owner.partnerId], owner.orgId ? [owner.orgId] : []))
  const out: EscalationStep[] = []
  for (const [i, s] of steps.entries()) {
    if (i > 0 && s.delayMinutes < steps[i - 1].delayMinutes) throw new ValidationError(`steps/${i}/delayMinutes`, 'each step comes at or after the one before (delays count from when the alert fired)')
    const channelIds = await checkChannelIds(ctx, owner, s.channelIds ?? [], `steps/${i}/channelIds`)
    const userIds = [...new Set(s.userIds ?? [])]
    userIds.forEach((u, j) => { if (!members.has(u)) throw new ValidationError(`steps/${i}/userIds/${j}`, `user ${u} is not a member of this ${owner.orgId ? 'organization or its partner' : 'partner'}`) })
    if (channelIds.length === 0 && userIds.length === 0) throw new ValidationError(`steps/${i}/channelIds`, 'a step notifies at least one channel or user')
    out.push({ delayMinutes: s.delayMinutes, channelIds, userIds })
  }
  return out
}

function canEdit(actor: UserActor, p: Pick<EscalationPolicy, 'orgId' | 'partnerId'>) {
  return p.orgId ? can(actor.scope, 'notifications:write', p.orgId) : canInPartner(actor.scope, 'notifications:write', p.partnerId)
}

export async function listPolicies(ctx: Ctx, actor: UserActor): Promise<EscalationPolicy[]> {
  return listVisiblePolicies(ctx.db, ownerVisibility(actor.scope, 'notifications:read'))
}

export async function getPolicy(ctx: Ctx, actor: UserActor, id: string): Promise<EscalationPolicy> {
  const p = await findPolicy(ctx.db, id)
  if (!p || !canSeeOwned(ownerVisibility(actor.scope, 'notifications:read'), p)) throw new NotFoundError('escalation policy')
  return p
}

export async function createPolicy(ctx: Ctx, actor: UserActor, input: CreatePolicyInput): Promise<EscalationPolicy> {
  const owner = resolveOwner(actor, input, 'notifications:write')
  const steps = await checkSteps(ctx, owner, input.steps)
  const now = ctx.clock.now()
  const row: EscalationPolicy = { id: newId(), ...owner, name: input.name.trim(), description: input.description ?? '', steps, createdBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null }
  await withTx(ctx.db, async (tx) => {
    await insertPolicy(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'escalation_policy.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'escalation_policy', resourceId: row.id, resourceName: row.name, details: { steps } })
  })
  return row
}

export async function updatePolicy(ctx: Ctx, actor: UserActor, id: string, input: UpdatePolicyInput): Promise<EscalationPolicy> {
  const p = await getPolicy(ctx, actor, id)
  if (!canEdit(actor, p)) throw new ForbiddenError('you need the notifications:write permission for this policy', 'notifications:write')
  const steps = input.steps ? await checkSteps(ctx, p, input.steps) : p.steps
  const next: EscalationPolicy = { ...p, name: input.name?.trim() ?? p.name, description: input.description ?? p.description, steps, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updatePolicyRow(tx, id, next)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'escalation_policy.update', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'escalation_policy', resourceId: id, resourceName: next.name, details: { steps } })
  })
  return next
}

export async function deletePolicy(ctx: Ctx, actor: UserActor, id: string) {
  const p = await getPolicy(ctx, actor, id)
  if (!canEdit(actor, p)) throw new ForbiddenError('you need the notifications:write permission for this policy', 'notifications:write')
  await withTx(ctx.db, async (tx) => {
    await updatePolicyRow(tx, id, { deletedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'escalation_policy.delete', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'escalation_policy', resourceId: id, resourceName: p.name })
  })
}
