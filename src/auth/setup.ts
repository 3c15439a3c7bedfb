// First-run setup: creating the first partner and its Partner Admin. Until it is done the
// server prints a one-time setup link; afterwards the latch in settings makes every setup
// request a 404, whatever is posted.
import { recordAudit, systemActor } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken, safeEqual, sha256Hex } from '../lib/crypto'
import { NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { normalizePublicUrl, storePublicUrl } from '../settings/public-url'
import { deleteSetting, findSetting, insertSettingOnce, upsertSetting } from '../settings/repo'
import { createPartnerRow } from '../tenancy/partners'
import { findRoleByKey, insertUser, upsertPartnerMember, type User } from '../tenancy/users-repo'
import type { SetupInput } from './model'
import { checkPasswordStrength, hashPassword } from './passwords'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'config'>

export async function isInitialized(ctx: Pick<Ctx, 'db'>): Promise<boolean> {
  return (await findSetting(ctx.db, 'setup.completedAt')) !== undefined
}

/** issueSetupToken makes a new one-time setup token (printed to the log) while setup is pending. */
export async function issueSetupToken(ctx: Ctx): Promise<string | null> {
  if (await isInitialized(ctx)) return null
  const token = randomToken(18)
  await upsertSetting(ctx.db, 'setup.tokenHash', sha256Hex(token), ctx.clock.now())
  return token
}

export async function setupTokenValid(ctx: Pick<Ctx, 'db'>, token: string | undefined): Promise<boolean> {
  const stored = await findSetting(ctx.db, 'setup.tokenHash')
  return typeof stored === 'string' && !!token && safeEqual(stored, sha256Hex(token))
}

/**
 * completeSetup creates the first partner and its admin (a platform admin). `via` is 'web'
 * (the token must match) or 'cli' (whoever runs the binary on the host is trusted).
 */
export async function completeSetup(ctx: Ctx, input: SetupInput, via: 'web' | 'cli', who = systemActor): Promise<User> {
  if (via === 'web' && !(await setupTokenValid(ctx, input.token))) throw new NotFoundError('page')
  checkPasswordStrength(input.password, input.email)
  // The public URL the administrator confirmed; fixed by --public-url it is not asked for.
  const publicUrl = ctx.config.publicUrl ? null : input.publicUrl ? normalizePublicUrl(input.publicUrl) : null
  if (via === 'web' && !ctx.config.publicUrl && !publicUrl) throw new ValidationError('publicUrl', 'give the URL people and agents reach Breeze at')
  const passwordHash = await hashPassword(input.password)
  return withTx(ctx.db, async (tx) => {
    const c = { ...ctx, db: tx }
    const now = ctx.clock.now()
    // The latch: a second (even concurrent) setup finds the key taken and gets a 404.
    if (!(await insertSettingOnce(tx, 'setup.completedAt', now, now))) throw new NotFoundError('page')
    await deleteSetting(tx, 'setup.tokenHash')
    if (publicUrl) await storePublicUrl(tx, publicUrl, 'setup', now)
    const partner = await createPartnerRow(c, { name: input.partnerName })
    const user: User = {
      id: newId(), email: input.email.trim().toLowerCase(), name: input.name.trim(), passwordHash, status: 'active', isPlatformAdmin: true,
      mfaSecret: null, mfaEnabled: false, mfaLastStep: null, failedLoginCount: 0, lockedUntil: null, lastLoginAt: null, passwordChangedAt: now,
      createdAt: now, updatedAt: now,
    }
    await insertUser(tx, user)
    const role = await findRoleByKey(tx, 'partner_admin')
    if (!role) throw new Error('built-in roles missing; run migrations')
    await upsertPartnerMember(tx, { id: newId(), partnerId: partner.id, userId: user.id, roleId: role.id, orgAccess: 'all', orgIds: [], createdAt: now })
    await recordAudit(c, { ...who, type: 'user', id: user.id, email: user.email }, { action: 'setup.complete', partnerId: partner.id, resourceType: 'partner', resourceId: partner.id, resourceName: partner.name, details: { via, publicUrl: publicUrl ?? ctx.config.publicUrl } })
    return user
  })
}
