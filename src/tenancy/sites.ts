// Sites: the locations of an organization.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { CreateSiteInput, UpdateSiteInput } from './model'
import { deleteSiteRow, findSite, insertSite, listSites as listSiteRows, updateSiteRow, type Site } from './repo'
import { orgIdsWith, requireOrg, siteVisible } from './scope'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export function isTimezone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true } catch { return false }
}

function checkTimezone(tz: string | undefined) {
  if (tz !== undefined && !isTimezone(tz)) throw new ValidationError('timezone', `unknown time zone "${tz}"; use an IANA name such as Europe/Berlin`)
}

/** listSites lists visible sites, optionally of one org; site-scoped members see only theirs. */
export async function listSites(ctx: Ctx, actor: UserActor, opts: { orgId?: string; search?: string } = {}) {
  let orgIds = orgIdsWith(actor.scope, 'sites:read')
  if (opts.orgId) orgIds = orgIds.filter((id) => id === opts.orgId)
  const rows = await listSiteRows(ctx.db, orgIds, { search: opts.search })
  return rows.filter((r) => siteVisible(actor.scope, r.site.orgId, r.site.id))
}

export async function getSite(ctx: Ctx, actor: UserActor, id: string): Promise<Site> {
  const site = await findSite(ctx.db, id)
  if (!site || !siteVisible(actor.scope, site.orgId, site.id)) throw new NotFoundError('site')
  requireOrg(actor.scope, site.orgId, 'sites:read', 'site')
  return site
}

export async function createSite(ctx: Ctx, actor: UserActor, input: CreateSiteInput): Promise<Site> {
  const grant = requireOrg(actor.scope, input.orgId, 'sites:write')
  if (grant.siteIds !== null) throw new NotFoundError('organization') // site-scoped members cannot add sites
  checkTimezone(input.timezone)
  const now = ctx.clock.now()
  const site: Site = {
    id: newId(), orgId: input.orgId, name: input.name.trim(), timezone: input.timezone ?? 'UTC', address: input.address ?? null,
    contact: input.contact ?? null, settings: input.settings ?? {}, createdAt: now, updatedAt: now,
  }
  await withTx(ctx.db, async (tx) => {
    await insertSite(tx, site)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'site.create', partnerId: grant.partnerId, orgId: site.orgId, resourceType: 'site', resourceId: site.id, resourceName: site.name })
  })
  return site
}

export async function updateSite(ctx: Ctx, actor: UserActor, id: string, patch: UpdateSiteInput): Promise<Site> {
  const site = await getSite(ctx, actor, id)
  const grant = requireOrg(actor.scope, site.orgId, 'sites:write', 'site')
  checkTimezone(patch.timezone)
  const changes = { ...patch, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateSiteRow(tx, id, changes)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'site.update', partnerId: grant.partnerId, orgId: site.orgId, resourceType: 'site', resourceId: id, resourceName: site.name, details: { changes: patch } })
  })
  return { ...site, ...changes }
}

export async function deleteSite(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  const site = await getSite(ctx, actor, id)
  const grant = requireOrg(actor.scope, site.orgId, 'sites:delete', 'site')
  await withTx(ctx.db, async (tx) => {
    await deleteSiteRow(tx, id)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'site.delete', partnerId: grant.partnerId, orgId: site.orgId, resourceType: 'site', resourceId: id, resourceName: site.name })
  })
  ctx.events.emit('access.changed', { userId: null, reason: 'site.delete' })
}
