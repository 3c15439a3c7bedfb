// What signed-in users do to their own account: profile, password, MFA.
import { auditEvent, recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, ForbiddenError, ValidationError } from '../lib/errors'
import { getSecuritySettings } from '../settings/service'
import { findUserById, mfaRequiredFor, updateUserRow } from '../tenancy/users-repo'
import type { UserActor } from './actor'
import { enrolmentDetails, newTotpSecret, totpStep } from './mfa'
import { deleteRecoveryCodes, replaceRecoveryCodes } from './recovery-code-repo'
import { checkPasswordStrength, hashPassword, verifyPassword } from './passwords'
import { createSession, deleteSession, deleteUserSessions, sessionMaxAgeMs } from './session-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'secrets' | 'limits'>

async function requirePassword(ctx: Ctx, actor: UserActor, password: string, field = 'password') {
  const user = await findUserById(ctx.db, actor.user.id)
  if (!user?.passwordHash || !(await verifyPassword(password, user.passwordHash))) {
    await auditEvent(ctx, actor.audit, { action: 'auth.reauthenticate', result: 'failure', resourceType: 'user', resourceId: actor.user.id, errorMessage: 'wrong password' })
    throw new ValidationError(field, 'your current password is wrong')
  }
  return user
}

export async function updateProfile(ctx: Ctx, actor: UserActor, name: string) {
  await withTx(ctx.db, async (tx) => {
    await updateUserRow(tx, actor.user.id, { name: name.trim(), updatedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'user.profile.update', resourceType: 'user', resourceId: actor.user.id, resourceName: actor.user.email })
  })
}

/**
 * changePassword sets a new password and ends every session of the user; when the change comes
 * from a browser session, that session is replaced by a fresh one whose token is returned.
 */
export async function changePassword(ctx: Ctx, actor: UserActor, current: string, next: string): Promise<{ token: string | null }> {
  checkPasswordStrength(next, actor.user.email, 'newPassword')
  await requirePassword(ctx, actor, current, 'currentPassword')
  const hash = await hashPassword(next)
  const now = ctx.clock.now()
  const policy = await getSecuritySettings(ctx)
  const changed = await withTx(ctx.db, async (tx) => {
    await updateUserRow(tx, actor.user.id, { passwordHash: hash, passwordChangedAt: now, updatedAt: now })
    await deleteUserSessions(tx, actor.user.id)
    let token: string | null = null
    if (actor.session) {
      token = (await createSession(tx, now, { userId: actor.user.id, stage: 'full', ip: actor.audit.ip, userAgent: actor.audit.userAgent, activeOrgId: actor.session.activeOrgId, maxAgeMs: sessionMaxAgeMs('full', policy) })).token
    }
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'auth.password.change', resourceType: 'user', resourceId: actor.user.id, resourceName: actor.user.email })
    return { token }
  })
  ctx.events.emit('access.changed', { userId: actor.user.id, reason: 'auth.password.change' })
  return changed
}

/** startMfaSetup stores a new pending TOTP secret and returns what the user scans. */
export async function startMfaSetup(ctx: Ctx, actor: UserActor) {
  if (actor.user.mfaEnabled) throw new ConflictError('two-factor authentication is already on; turn it off first to enrol a new device')
  const secret = newTotpSecret()
  await updateUserRow(ctx.db, actor.user.id, { mfaSecret: ctx.secrets.seal(secret), mfaLastStep: null, updatedAt: ctx.clock.now() })
  return enrolmentDetails(actor.user, secret)
}

/** pendingMfaSetup re-shows the secret being enrolled (page reloads), or null. */
export async function pendingMfaSetup(ctx: Ctx, actor: UserActor) {
  const user = await findUserById(ctx.db, actor.user.id)
  if (!user?.mfaSecret || user.mfaEnabled) return null
  return enrolmentDetails(user, ctx.secrets.open(user.mfaSecret))
}

/**
 * enableMfa turns MFA on once the user proves their authenticator works; returns the ten
 * recovery codes (shown once) and a rotated session token.
 */
export async function enableMfa(ctx: Ctx, actor: UserActor, code: string, password: string): Promise<{ recoveryCodes: string[]; token: string | null; sessionId: string | null }> {
  // note: the password too: otherwise a stolen session of a user without MFA could enrol its
  // own authenticator and then pass every step-up (fleet-wide actions, src/auth/fleet-guard.ts).
  await requirePassword(ctx, actor, password)
  const user = await findUserById(ctx.db, actor.user.id)
  if (!user?.mfaSecret || user.mfaEnabled) throw new ConflictError('start the setup first')
  const step = totpStep(user, ctx.secrets.open(user.mfaSecret), code, ctx.clock.now())
  if (step === null) throw new ValidationError('code', 'that code is not right; check the time on your phone and try the current code')
  const now = ctx.clock.now()
  const policy = await getSecuritySettings(ctx)
  return withTx(ctx.db, async (tx) => {
    await updateUserRow(tx, user.id, { mfaEnabled: true, mfaLastStep: step, updatedAt: now })
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id, now)
    let rotated: { token: string; session: { id: string } } | null = null
    if (actor.session) {
      await deleteSession(tx, actor.session.id)
      rotated = await createSession(tx, now, { userId: user.id, stage: 'full', ip: actor.audit.ip, userAgent: actor.audit.userAgent, activeOrgId: actor.session.activeOrgId, maxAgeMs: sessionMaxAgeMs('full', policy) })
    }
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'auth.mfa.enable', resourceType: 'user', resourceId: user.id, resourceName: user.email })
    return { recoveryCodes, token: rotated?.token ?? null, sessionId: rotated?.session.id ?? null }
  })
}

/** disableMfa needs the password again; refused when a partner of the user requires MFA. */
export async function disableMfa(ctx: Ctx, actor: UserActor, password: string) {
  const user = await requirePassword(ctx, actor, password)
  if (!user.mfaEnabled) throw new ConflictError('two-factor authentication is not on')
  if (await mfaRequiredFor(ctx.db, user.id)) throw new ForbiddenError('your organization requires two-factor authentication, so it cannot be turned off')
  await withTx(ctx.db, async (tx) => {
    await updateUserRow(tx, user.id, { mfaEnabled: false, mfaSecret: null, mfaLastStep: null, updatedAt: ctx.clock.now() })
    await deleteRecoveryCodes(tx, user.id)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'auth.mfa.disable', resourceType: 'user', resourceId: user.id, resourceName: user.email })
  })
}

export async function regenerateRecoveryCodes(ctx: Ctx, actor: UserActor, password: string): Promise<string[]> {
  const user = await requirePassword(ctx, actor, password)
  if (!user.mfaEnabled) throw new ConflictError('two-factor authentication is not on')
  return withTx(ctx.db, async (tx) => {
    const codes = await replaceRecoveryCodes(tx, user.id, ctx.clock.now())
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'auth.mfa.recovery_codes', resourceType: 'user', resourceId: user.id, resourceName: user.email })
    return codes
  })
}

