// Test fixtures, made through the services (fast, no HTTP) with a precomputed password hash.
import { Secret, TOTP } from 'otpauth'
import { newTotpSecret } from '../auth/mfa'
import { completeSetup } from '../auth/setup'
import type { AppContext } from '../context'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { createPartnerRow } from '../tenancy/partners'
import { findLiveOrg, insertOrg, insertSite, type Org } from '../tenancy/repo'
import { findRoleByKey, insertUser, updateUserRow, upsertOrgMember, upsertPartnerMember, type User } from '../tenancy/users-repo'
import type { BuiltinRoleKey } from '../tenancy/permissions'

export const testPassword = 'correct horse battery'
let hashOnce: Promise<string> | null = null
const passwordHash = () => (hashOnce ??= Bun.password.hash(testPassword, { algorithm: 'argon2id' }))

/** setupAdmin completes first-run setup: a partner and its platform-admin Partner Admin. */
export async function setupAdmin(ctx: AppContext, email = 'admin@example.com') {
  const user = await completeSetup(ctx, { email, password: testPassword, name: 'Admin', partnerName: 'Acme IT' }, 'cli')
  const [partner] = await ctx.db.select({ id: t.partners.id }).from(t.partners).limit(1)
  return { user, partnerId: partner.id, email, password: testPassword }
}

export async function makePartner(ctx: AppContext, name: string) {
  return createPartnerRow(ctx, { name })
}

export async function makeOrg(ctx: AppContext, partnerId: string, name: string): Promise<Org> {
  const now = ctx.clock.now()
  const org: Org = { id: newId(), partnerId, name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), type: 'customer', status: 'active', maxDevices: null, settings: {}, contractStart: null, contractEnd: null, billingContact: null, createdAt: now, updatedAt: now, deletedAt: null }
  await insertOrg(ctx.db, org)
  return org
}

export async function makeSite(ctx: AppContext, orgId: string, name: string) {
  const now = ctx.clock.now()
  const site = { id: newId(), orgId, name, timezone: 'UTC', address: null, contact: null, settings: {}, createdAt: now, updatedAt: now }
  await insertSite(ctx.db, site)
  return site
}

/** makeUser creates an active user with one built-in role, in a partner or an org. */
export async function makeUser(ctx: AppContext, email: string, role: BuiltinRoleKey, where: { partnerId: string; orgAccess?: 'all' | 'selected' | 'none'; orgIds?: string[] } | { orgId: string; siteIds?: string[] | null }): Promise<User> {
  const now = ctx.clock.now()
  const user: User = {
    id: newId(), email, name: email.split('@')[0], passwordHash: await passwordHash(), status: 'active', isPlatformAdmin: false, mfaSecret: null, mfaEnabled: false,
    mfaLastStep: null, failedLoginCount: 0, lockedUntil: null, lastLoginAt: null, passwordChangedAt: now, createdAt: now, updatedAt: now,
  }
  await insertUser(ctx.db, user)
  const roleRow = await findRoleByKey(ctx.db, role)
  if ('partnerId' in where) {
    await upsertPartnerMember(ctx.db, { id: newId(), partnerId: where.partnerId, userId: user.id, roleId: roleRow!.id, orgAccess: where.orgAccess ?? 'all', orgIds: where.orgIds ?? [], createdAt: now })
  } else {
    if (!(await findLiveOrg(ctx.db, where.orgId))) throw new Error('no such org')
    await upsertOrgMember(ctx.db, { id: newId(), orgId: where.orgId, userId: user.id, roleId: roleRow!.id, siteIds: where.siteIds ?? null, deviceGroupIds: null, createdAt: now })
  }
  return user
}

/**
 * enableTestMfa turns TOTP on for a user (as if enrolled) and returns a code maker: `code()`
 * is the code for the clock's current time. Codes are single use per 30 s step, so advance the
 * clock 30 s between two uses.
 */
export async function enableTestMfa(ctx: AppContext, userId: string) {
  const secret = newTotpSecret()
  await updateUserRow(ctx.db, userId, { mfaSecret: ctx.secrets.seal(secret), mfaEnabled: true, mfaLastStep: null })
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) })
  return { secret, code: () => totp.generate({ timestamp: ctx.clock.now() }) }
}
