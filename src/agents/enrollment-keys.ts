// Enrollment keys: an admin creates one per org (optionally a site and a group), with an
// expiry and a use limit; the install one-liner carries it. Only its hash is stored; the key
// itself is shown once.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken, sha256Hex } from '../lib/crypto'
import { NotFoundError, UnprocessableError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { orgIdsWith, requireOrg, siteVisible } from '../tenancy/scope'
import {
  findEnrollmentKey, findSiteOrg, findStaticGroupOrg, firstSiteOf, insertEnrollmentKey, listEnrollmentKeysOf, revokeEnrollmentKeyRow, type EnrollmentKey,
} from './keys-repo'
import type { CreateEnrollmentKeyInput } from './model'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export const keyPrefix = 'brz_'

/** What an API/page shows about a key (never its hash). */
export type EnrollmentKeyView = Omit<EnrollmentKey, 'keyHash'> & { orgName: string; siteName: string | null; state: 'active' | 'expired' | 'revoked' | 'exhausted' }

export function keyState(k: EnrollmentKey, now: number): EnrollmentKeyView['state'] {
  if (k.revokedAt) return 'revoked'
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired'
  if (k.maxUses !== null && k.usedCount >= k.maxUses) return 'exhausted'
  return 'active'
}

function view(row: { key: EnrollmentKey; orgName: string; siteName: string | null }, now: number): EnrollmentKeyView {
  const { keyHash: _hash, ...rest } = row.key
  return { ...rest, orgName: row.orgName, siteName: row.siteName, state: keyState(row.key, now) }
}

export async function listEnrollmentKeys(ctx: Ctx, actor: UserActor, opts: { orgId?: string } = {}): Promise<EnrollmentKeyView[]> {
  const orgIds = orgIdsWith(actor.scope, 'enrollment:read').filter((id) => !opts.orgId || id === opts.orgId)
  const now = ctx.clock.now()
  return (await listEnrollmentKeysOf(ctx.db, orgIds))
    .filter((r) => !r.key.siteId || siteVisible(actor.scope, r.key.orgId, r.key.siteId))
    .map((r) => view(r, now))
}

function parseExpiry(value: number | string | undefined, now: number): number | null {
  if (value === undefined || value === '') return null
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) throw new ValidationError('expiresAt', 'expiry is not a valid date')
  if (ms <= now) throw new ValidationError('expiresAt', 'expiry must be in the future')
  return ms
}

/** createEnrollmentKey returns the stored key and the secret key text, which is never shown again. */
export async function createEnrollmentKey(ctx: Ctx, actor: UserActor, input: CreateEnrollmentKeyInput): Promise<{ key: EnrollmentKeyView; secret: string }> {
  const grant = requireOrg(actor.scope, input.orgId, 'enrollment:write')
  const now = ctx.clock.now()
  const expiresAt = parseExpiry(input.expiresAt, now)
  if (input.siteId) {
    if ((await findSiteOrg(ctx.db, input.siteId)) !== input.orgId || !siteVisible(actor.scope, input.orgId, input.siteId)) throw new ValidationError('siteId', 'no such site in this organization')
  } else {
    if (grant.siteIds !== null) throw new ValidationError('siteId', 'choose one of your sites')
    if (!(await firstSiteOf(ctx.db, input.orgId))) throw new UnprocessableError('this organization has no site yet: create a site first, devices belong to a site', { field: 'siteId' })
  }
  if (input.groupId && (await findStaticGroupOrg(ctx.db, input.groupId)) !== input.orgId) throw new ValidationError('groupId', 'no such static group in this organization')
  const secret = keyPrefix + randomToken(24)
  const row: EnrollmentKey = {
    id: newId(), orgId: input.orgId, siteId: input.siteId ?? null, groupId: input.groupId ?? null, name: input.name.trim(), prefix: secret.slice(0, keyPrefix.length + 6),
    keyHash: sha256Hex(secret), expiresAt, maxUses: input.maxUses ?? null, usedCount: 0, revokedAt: null, allowReattach: input.allowReattach ?? false,
    createdBy: actor.user.id, createdAt: now,
  }
  await withTx(ctx.db, async (tx) => {
    await insertEnrollmentKey(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, {
      action: 'enrollment_key.create', partnerId: grant.partnerId, orgId: row.orgId, resourceType: 'enrollment_key', resourceId: row.id, resourceName: row.name,
      details: { siteId: row.siteId, expiresAt, maxUses: row.maxUses, allowReattach: row.allowReattach },
    })
  })
  const [listed] = (await listEnrollmentKeys(ctx, actor, { orgId: row.orgId })).filter((k) => k.id === row.id)
  return { key: listed, secret }
}

export async function getEnrollmentKey(ctx: Ctx, actor: UserActor, id: string): Promise<EnrollmentKey> {
  const key = await findEnrollmentKey(ctx.db, id)
  if (!key || !actor.scope.orgs.get(key.orgId)?.permissions.has('enrollment:read') || (key.siteId && !siteVisible(actor.scope, key.orgId, key.siteId))) throw new NotFoundError('enrollment key')
  return key
}

/** revokeEnrollmentKey stops a key from enrolling more devices (devices it enrolled stay). */
export async function revokeEnrollmentKey(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  const key = await getEnrollmentKey(ctx, actor, id)
  const grant = requireOrg(actor.scope, key.orgId, 'enrollment:write', 'enrollment key')
  if (key.revokedAt) return
  await withTx(ctx.db, async (tx) => {
    await revokeEnrollmentKeyRow(tx, id, ctx.clock.now())
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'enrollment_key.revoke', partnerId: grant.partnerId, orgId: key.orgId, resourceType: 'enrollment_key', resourceId: id, resourceName: key.name })
  })
}
