// Signing in: password (with per-IP rate limit and per-account lockout), then the TOTP or
// recovery code when MFA is on. Every attempt is audited.
import { auditEvent, recordAudit, type AuditActor } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { AppError, RateLimitError, UnauthorizedError } from '../lib/errors'
import { getSecuritySettings } from '../settings/service'
import { findUserByEmail, findUserById, primaryPartnerOf, recordLoginFailure, updateUserRow, type User } from '../tenancy/users-repo'
import { acceptTotp } from './mfa'
import { useRecoveryCode } from './recovery-code-repo'
import { verifyAgainstNothing, verifyPassword } from './passwords'
import { addressKey } from './rate-limit'
import { createSession, deleteSession, sessionMaxAgeMs, type Session } from './session-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'secrets' | 'limits'>

export type LoginResult = { stage: 'full' | 'mfa'; token: string; session: Session; user: User }

const wrongCredentials = 'wrong email or password'

export class AccountLockedError extends AppError {
  constructor(minutes: number) { super(429, 'account_locked', `this account is locked after too many failed sign-in attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'} or reset your password`, { retryAfterSeconds: minutes * 60 }) }
}

/** login checks email and password and opens a session: full, or `mfa` awaiting the second factor. */
export async function login(ctx: Ctx, who: AuditActor, email: string, password: string): Promise<LoginResult> {
  const now = ctx.clock.now()
  const normalized = email.trim().toLowerCase()
  const fail = async (user: User | undefined, reason: string) => {
    await auditEvent(ctx, { ...who, type: 'user', id: user?.id ?? null, email: normalized }, { action: 'auth.login', result: 'failure', partnerId: user ? await primaryPartnerOf(ctx.db, user.id) : null, resourceType: 'user', resourceId: user?.id, resourceName: normalized, errorMessage: reason })
  }
  // note: every attempt is counted on arrival and a successful one refunded, so the limit
  // counts failures only (an office behind one NAT address signs in all day) while a burst
  // of concurrent guesses cannot slip past the check.
  const ipKey = addressKey(who.ip)
  const wait = ctx.limits.loginByIp.hit(ipKey)
  if (wait > 0) {
    await fail(undefined, 'rate limited by IP')
    throw new RateLimitError(`too many sign-in attempts from your address; try again in ${Math.ceil(wait / 60)} minutes`, wait)
  }
  const policy = await getSecuritySettings(ctx)
  const user = await findUserByEmail(ctx.db, normalized)
  if (!user || !user.passwordHash || user.status !== 'active') {
    await verifyAgainstNothing(password)
    await fail(user, user ? `account is ${user.status}` : 'no such account')
    throw new UnauthorizedError(wrongCredentials)
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    await fail(user, 'account locked')
    throw new AccountLockedError(Math.ceil((user.lockedUntil - now) / 60_000))
  }
  if (!(await verifyPassword(password, user.passwordHash))) {
    const failures = await recordLoginFailure(ctx.db, user.id, now, policy.lockoutThreshold, policy.lockoutMinutes * 60_000)
    await fail(user, 'wrong password')
    if (failures >= policy.lockoutThreshold) throw new AccountLockedError(policy.lockoutMinutes)
    throw new UnauthorizedError(wrongCredentials)
  }
  const result = await withTx(ctx.db, async (tx): Promise<LoginResult> => {
    await updateUserRow(tx, user.id, { failedLoginCount: 0, lockedUntil: null, ...(user.mfaEnabled ? {} : { lastLoginAt: now }) })
    const stage = user.mfaEnabled ? 'mfa' : 'full'
    const { token, session } = await createSession(tx, now, { userId: user.id, stage, ip: who.ip, userAgent: who.userAgent, maxAgeMs: sessionMaxAgeMs(stage, policy) })
    await recordAudit({ ...ctx, db: tx }, { ...who, type: 'user', id: user.id, email: user.email }, { action: stage === 'mfa' ? 'auth.login.password' : 'auth.login', partnerId: await primaryPartnerOf(tx, user.id), resourceType: 'user', resourceId: user.id, resourceName: user.email })
    return { stage, token, session, user }
  })
  ctx.limits.loginByIp.refund(ipKey)
  return result
}

/**
 * completeMfaLogin checks the second factor for an `mfa` session. On success the pending
 * session is replaced by a new full one (a new token: the privilege changed).
 */
export async function completeMfaLogin(ctx: Ctx, who: AuditActor, pending: Session, code: string): Promise<LoginResult> {
  const now = ctx.clock.now()
  const user = await findUserById(ctx.db, pending.userId)
  if (!user || user.status !== 'active' || !user.mfaEnabled) throw new UnauthorizedError('sign in again')
  const audit = { ...who, type: 'user' as const, id: user.id, email: user.email }
  const partnerId = await primaryPartnerOf(ctx.db, user.id)
  const wait = ctx.limits.mfaBySession.hit(pending.id)
  if (wait > 0) {
    await withTx(ctx.db, async (tx) => {
      await deleteSession(tx, pending.id)
      await recordAudit({ ...ctx, db: tx }, audit, { action: 'auth.mfa', result: 'failure', partnerId, resourceType: 'user', resourceId: user.id, errorMessage: 'too many wrong codes' })
    })
    throw new RateLimitError('too many wrong codes; sign in again', wait)
  }
  const isTotp = /^\s*\d{3}\s?\d{3}\s*$/.test(code)
  const ok = isTotp ? await acceptTotp(ctx, user, code) : await useRecoveryCode(ctx.db, user.id, code, now)
  if (!ok) {
    await auditEvent(ctx, audit, { action: 'auth.mfa', result: 'failure', partnerId, resourceType: 'user', resourceId: user.id, errorMessage: isTotp ? 'wrong or reused code' : 'wrong or used recovery code' })
    throw new UnauthorizedError(isTotp ? 'that code is wrong or was already used; wait for the next one' : 'that recovery code is wrong or was already used')
  }
  const policy = await getSecuritySettings(ctx)
  return withTx(ctx.db, async (tx) => {
    await deleteSession(tx, pending.id)
    // The second factor was just proved: that counts as a step-up (fleet-wide actions, src/auth/fleet-guard.ts).
    const { token, session } = await createSession(tx, now, { userId: user.id, stage: 'full', ip: who.ip, userAgent: who.userAgent, maxAgeMs: sessionMaxAgeMs('full', policy), stepUpAt: now })
    await updateUserRow(tx, user.id, { lastLoginAt: now })
    await recordAudit({ ...ctx, db: tx }, audit, { action: 'auth.login', partnerId, resourceType: 'user', resourceId: user.id, resourceName: user.email, details: { secondFactor: isTotp ? 'totp' : 'recovery_code' } })
    return { stage: 'full', token, session, user }
  })
}

export async function logout(ctx: Ctx, who: AuditActor, session: Session) {
  await withTx(ctx.db, async (tx) => {
    await deleteSession(tx, session.id)
    await recordAudit({ ...ctx, db: tx }, who, { action: 'auth.logout', resourceType: 'user', resourceId: session.userId })
  })
  ctx.events.emit('access.changed', { userId: session.userId, reason: 'auth.logout' })
}
