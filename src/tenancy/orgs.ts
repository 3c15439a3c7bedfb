// Organizations (an MSP's customers).
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { CreateOrgInput, UpdateOrgInput } from './model'
import { countPartnerOrgs, findLiveOrg, findLivePartner, insertOrg, listOrgs as listOrgRows, orgSlugTaken, updateOrgRow, type Org } from './repo'
import { orgIdsWith, partnerIdsWith, requireOrg, requirePartner } from './scope'
import { slugify, uniqueSlug } from './slugs'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export type OrgListOptions = { search?: string; status?: Org['status']; partnerId?: string; page?: number; perPage?: number }

export async function listOrgs(ctx: Ctx, actor: UserActor, opts: OrgListOptions = {}) {
  const perPage = opts.perPage ?? 50
  const page = opts.page ?? 1
  const result = await listOrgRows(ctx.db, { orgIds: orgIdsWith(actor.scope, 'orgs:read'), search: opts.search, status: opts.status, partnerId: opts.partnerId, limit: perPage, offset: (page - 1) * perPage })
  return { ...result, page, perPage }
}

export async function getOrg(ctx: Ctx, actor: UserActor, id: string): Promise<Org> {
  requireOrg(actor.scope, id, 'orgs:read')
  const org = await findLiveOrg(ctx.db, id)
  if (!org) throw new NotFoundError('organization')
  return org
}

/** The partners where the actor may create organizations (for the form's partner picker). */
export function partnersForNewOrg(actor: UserActor): string[] {
  return partnerIdsWith(actor.scope, 'orgs:write')
}

export async function createOrg(ctx: Ctx, actor: UserActor, input: CreateOrgInput): Promise<Org> {
  const partnerId = input.partnerId ?? soleWritablePartner(actor)
  requirePartner(actor.scope, partnerId, 'orgs:write')
  checkContract(input.contractStart, input.contractEnd)
  return withTx(ctx.db, async (tx) => {
    const partner = await findLivePartner(tx, partnerId)
    if (!partner) throw new NotFoundError('partner')
    if (partner.maxOrganizations !== null && (await countPartnerOrgs(tx, partnerId)) >= partner.maxOrganizations) {
      throw new UnprocessableError(`this partner is limited to ${partner.maxOrganizations} organizations`)
    }
    if (input.slug && (await orgSlugTaken(tx, partnerId, input.slug))) throw new ConflictError(`an organization with slug "${input.slug}" already exists`, 'slug')
    const now = ctx.clock.now()
    const org: Org = {
      id: newId(), partnerId, name: input.name.trim(), slug: input.slug ?? (await uniqueSlug(slugify(input.name), (s) => orgSlugTaken(tx, partnerId, s))),
      type: input.type ?? 'customer', status: input.status ?? 'active', maxDevices: input.maxDevices ?? null, settings: input.settings ?? {},
      contractStart: input.contractStart ?? null, contractEnd: input.contractEnd ?? null, billingContact: input.billingContact ?? null,
      createdAt: now, updatedAt: now, deletedAt: null,
    }
    await insertOrg(tx, org)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'org.create', partnerId, orgId: org.id, resourceType: 'organization', resourceId: org.id, resourceName: org.name })
    return org
  })
}

function soleWritablePartner(actor: UserActor): string {
  const ids = partnersForNewOrg(actor)
  if (ids.length === 1) return ids[0]
  if (ids.length === 0) throw new NotFoundError('partner')
  throw new ValidationError('partnerId', 'partnerId is required: you belong to more than one partner')
}

function checkContract(start?: string | null, end?: string | null) {
  if (start && end && end < start) throw new ValidationError('contractEnd', 'contract end must not be before contract start')
}

export async function updateOrg(ctx: Ctx, actor: UserActor, id: string, patch: UpdateOrgInput): Promise<Org> {
  requireOrg(actor.scope, id, 'orgs:write')
  return withTx(ctx.db, async (tx) => {
    const org = await findLiveOrg(tx, id)
    if (!org) throw new NotFoundError('organization')
    checkContract(patch.contractStart === undefined ? org.contractStart : patch.contractStart, patch.contractEnd === undefined ? org.contractEnd : patch.contractEnd)
    if (patch.slug && patch.slug !== org.slug && (await orgSlugTaken(tx, org.partnerId, patch.slug, id))) throw new ConflictError(`an organization with slug "${patch.slug}" already exists`, 'slug')
    const changes = { ...patch, name: patch.name?.trim() ?? org.name, updatedAt: ctx.clock.now() }
    await updateOrgRow(tx, id, changes)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'org.update', partnerId: org.partnerId, orgId: id, resourceType: 'organization', resourceId: id, resourceName: org.name, details: { changes: patch } })
    return { ...org, ...changes }
  })
}

/** deleteOrg soft-deletes: the org vanishes from every view; its rows stay for the audit trail. */
export async function deleteOrg(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  requireOrg(actor.scope, id, 'orgs:delete')
  await withTx(ctx.db, async (tx) => {
    const org = await findLiveOrg(tx, id)
    if (!org) throw new NotFoundError('organization')
    await updateOrgRow(tx, id, { deletedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'org.delete', partnerId: org.partnerId, orgId: id, resourceType: 'organization', resourceId: id, resourceName: org.name })
  })
  ctx.events.emit('access.changed', { userId: null, reason: 'org.delete' })
}

