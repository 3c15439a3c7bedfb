// Getting into an account without a session: password reset by emailed link, and accepting
// an invitation.
import { auditEvent, recordAudit, type AuditActor } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { NotFoundError, RateLimitError } from '../lib/errors'
import { publicLink } from '../settings/public-url'
import { getSecuritySettings, isMailConfigured, sendMail } from '../settings/service'
import { findUserByEmail, findUserById, primaryPartnerOf, updateUserRow } from '../tenancy/users-repo'
import { checkPasswordStrength, hashPassword } from './passwords'
import { addressKey } from './rate-limit'
import { createSession, deleteUserSessions, sessionMaxAgeMs } from './session-repo'
import { consumeUserToken, issueUserToken, peekUserToken } from './token-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'secrets' | 'limits' | 'config'>

const resetTtlMs = 60 * 60_000

/**
 * requestPasswordReset emails a one-hour reset link if the address belongs to an active
 * account. It answers the same either way, so it cannot be used to find accounts.
 */
export async function requestPasswordReset(ctx: Ctx, who: AuditActor, email: string): Promise<void> {
  const wait = ctx.limits.resetByIp.hit(addressKey(who.ip))
  if (wait > 0) throw new RateLimitError(`too many reset requests from your address; try again in ${Math.ceil(wait / 60)} minutes`, wait)
  const user = await findUserByEmail(ctx.db, email)
  const audit = { ...who, type: 'user' as const, id: user?.id ?? null, email: email.trim().toLowerCase() }
  if (!user || user.status !== 'active') {
    await auditEvent(ctx, audit, { action: 'auth.password.reset_request', result: 'failure', errorMessage: user ? `account is ${user.status}` : 'no such account' })
    return
  }
  if (!(await isMailConfigured(ctx))) {
    await auditEvent(ctx, audit, { action: 'auth.password.reset_request', result: 'failure', resourceType: 'user', resourceId: user.id, errorMessage: 'email is not configured' })
    return
  }
  const partnerId = await primaryPartnerOf(ctx.db, user.id)
  // The reset link and its audit row commit together; the email goes after the commit.
  const token = await withTx(ctx.db, async (tx) => {
    const issued = await issueUserToken(tx, ctx.clock.now(), user.id, 'reset', resetTtlMs)
    await recordAudit({ ...ctx, db: tx }, audit, { action: 'auth.password.reset_request', partnerId, resourceType: 'user', resourceId: user.id })
    return issued
  })
  const link = await publicLink(ctx, `/reset-password?token=${token}`, partnerId)
  try {
    await sendMail(ctx, { to: user.email, subject: 'Reset your Breeze password', text: `Someone (hopefully you) asked to reset the password of ${user.email}.\n\nChoose a new password here (the link works once, for one hour):\n${link}\n\nIf it was not you, ignore this email; your password stays as it is.\n` })
  } catch (err) {
    await auditEvent(ctx, audit, { action: 'auth.password.reset_email', result: 'failure', partnerId, resourceType: 'user', resourceId: user.id, errorMessage: (err as Error).message })
  }
}

/** resetPassword sets a new password from a reset link, unlocks the account and ends all its sessions. */
export async function resetPassword(ctx: Ctx, who: AuditActor, token: string, password: string): Promise<void> {
  const userId = await peekUserToken(ctx.db, ctx.clock.now(), token, 'reset')
  const user = userId ? await findUserById(ctx.db, userId) : undefined
  if (!user) throw new NotFoundError('reset link (it may have expired or been used already)')
  checkPasswordStrength(password, user.email)
  const hash = await hashPassword(password)
  await withTx(ctx.db, async (tx) => {
    const now = ctx.clock.now()
    if ((await consumeUserToken(tx, now, token, 'reset')) !== user.id) throw new NotFoundError('reset link (it may have expired or been used already)')
    await updateUserRow(tx, user.id, { passwordHash: hash, passwordChangedAt: now, failedLoginCount: 0, lockedUntil: null, updatedAt: now })
    await deleteUserSessions(tx, user.id)
    await recordAudit({ ...ctx, db: tx }, { ...who, type: 'user', id: user.id, email: user.email }, { action: 'auth.password.reset', partnerId: await primaryPartnerOf(tx, user.id), resourceType: 'user', resourceId: user.id })
  })
  ctx.events.emit('access.changed', { userId: user.id, reason: 'auth.password.reset' })
}

/** invitationFor returns the invited user behind a link, for the accept page. */
export async function invitationFor(ctx: Ctx, token: string) {
  const userId = await peekUserToken(ctx.db, ctx.clock.now(), token, 'invite')
  const user = userId ? await findUserById(ctx.db, userId) : undefined
  if (!user || user.status !== 'invited') throw new NotFoundError('invitation (it may have expired or been used already)')
  return user
}

/** acceptInvite activates an invited account with a name and password, and signs it in. */
export async function acceptInvite(ctx: Ctx, who: AuditActor, token: string, name: string, password: string) {
  const user = await invitationFor(ctx, token)
  checkPasswordStrength(password, user.email)
  const hash = await hashPassword(password)
  const policy = await getSecuritySettings(ctx)
  return withTx(ctx.db, async (tx) => {
    const now = ctx.clock.now()
    if ((await consumeUserToken(tx, now, token, 'invite')) !== user.id) throw new NotFoundError('invitation (it may have expired or been used already)')
    await updateUserRow(tx, user.id, { name: name.trim(), passwordHash: hash, passwordChangedAt: now, status: 'active', lastLoginAt: now, updatedAt: now })
    const created = await createSession(tx, now, { userId: user.id, stage: 'full', ip: who.ip, userAgent: who.userAgent, maxAgeMs: sessionMaxAgeMs('full', policy) })
    await recordAudit({ ...ctx, db: tx }, { ...who, type: 'user', id: user.id, email: user.email }, { action: 'user.invite.accept', partnerId: await primaryPartnerOf(tx, user.id), resourceType: 'user', resourceId: user.id, resourceName: user.email })
    return created
  })
}

