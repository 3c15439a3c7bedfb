// Partners (MSPs): the top of the tenancy tree. Creating and deleting partners is for
// platform admins; partner admins edit their own partner.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { CreatePartnerInput } from './model'
import { findLivePartner, insertPartner, listLivePartners, partnerSlugTaken, updatePartnerRow, type Partner } from './repo'
import { partnerIdsWith, requirePartner } from './scope'
import { slugify, uniqueSlug } from './slugs'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export async function listPartners(ctx: Ctx, actor: UserActor): Promise<Partner[]> {
  return listLivePartners(ctx.db, partnerIdsWith(actor.scope, 'partners:read'))
}

export async function getPartner(ctx: Ctx, actor: UserActor, id: string): Promise<Partner> {
  requirePartner(actor.scope, id, 'partners:read')
  const partner = await findLivePartner(ctx.db, id)
  if (!partner) throw new NotFoundError('partner')
  return partner
}

/** createPartnerRow inserts a partner without permission checks (first-run setup, CLI). */
export async function createPartnerRow(ctx: Ctx, input: CreatePartnerInput): Promise<Partner> {
  const now = ctx.clock.now()
  if (input.slug && (await partnerSlugTaken(ctx.db, input.slug))) throw new ConflictError(`a partner with slug "${input.slug}" already exists`, 'slug')
  const partner: Partner = {
    id: newId(), name: input.name.trim(), slug: input.slug ?? (await uniqueSlug(slugify(input.name), (s) => partnerSlugTaken(ctx.db, s))),
    type: input.type ?? 'msp', plan: input.plan ?? 'unlimited', maxOrganizations: input.maxOrganizations ?? null, maxDevices: input.maxDevices ?? null,
    billingEmail: input.billingEmail ?? null, settings: {}, mfaRequired: input.mfaRequired ?? false, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await insertPartner(ctx.db, partner)
  return partner
}

export async function createPartner(ctx: Ctx, actor: UserActor, input: CreatePartnerInput): Promise<Partner> {
  if (!actor.scope.platformAdmin) throw new ForbiddenError('only platform administrators can create partners')
  return withTx(ctx.db, async (tx) => {
    const c = { ...ctx, db: tx }
    const partner = await createPartnerRow(c, input)
    await recordAudit(c, actor.audit, { action: 'partner.create', partnerId: partner.id, resourceType: 'partner', resourceId: partner.id, resourceName: partner.name })
    return partner
  })
}

export async function updatePartner(ctx: Ctx, actor: UserActor, id: string, patch: Partial<CreatePartnerInput>): Promise<Partner> {
  requirePartner(actor.scope, id, 'partners:write')
  return withTx(ctx.db, async (tx) => {
    const partner = await findLivePartner(tx, id)
    if (!partner) throw new NotFoundError('partner')
    if (patch.slug && patch.slug !== partner.slug && (await partnerSlugTaken(tx, patch.slug, id))) throw new ConflictError(`a partner with slug "${patch.slug}" already exists`, 'slug')
    const changes = { ...patch, updatedAt: ctx.clock.now() }
    await updatePartnerRow(tx, id, changes)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'partner.update', partnerId: id, resourceType: 'partner', resourceId: id, resourceName: partner.name, details: { changes: patch } })
    return { ...partner, ...changes }
  })
}

/** deletePartner soft-deletes a partner: it and its organizations disappear from every view. */
export async function deletePartner(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  if (!actor.scope.platformAdmin) {
    requirePartner(actor.scope, id, 'partners:read')
    throw new ForbiddenError('only platform administrators can delete partners')
  }
  await withTx(ctx.db, async (tx) => {
    const partner = await findLivePartner(tx, id)
    if (!partner) throw new NotFoundError('partner')
    await updatePartnerRow(tx, id, { deletedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'partner.delete', partnerId: id, resourceType: 'partner', resourceId: id, resourceName: partner.name })
  })
  ctx.events.emit('access.changed', { userId: null, reason: 'partner.delete' })
}
