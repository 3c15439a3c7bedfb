// Step-up: a signed-in user proves the second factor again (a TOTP code, or one of their
// recovery codes) so that fleet-wide actions are allowed for the next N minutes in this
// browser session (src/auth/fleet-guard.ts). TOTP codes are single use across sign-in and
// step-up alike (the last accepted step is stored on the user); wrong codes are limited per
// session; every attempt is audited.
import { auditEvent, recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { AppError, RateLimitError, ValidationError } from '../lib/errors'
import { getFleetSettings } from '../settings/service'
import { primaryPartnerOf } from '../tenancy/users-repo'
import type { UserActor } from './actor'
import { acceptTotp } from './mfa'
import { useRecoveryCode } from './recovery-code-repo'
import { setSessionStepUp } from './session-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'secrets' | 'limits'>

export type StepUpResult = { stepUpAt: number; validUntil: number; validMinutes: number }

/** stepUp checks a TOTP or recovery code for the caller's browser session and marks the session stepped up. */
export async function stepUp(ctx: Ctx, actor: UserActor, code: string): Promise<StepUpResult> {
  if (actor.apiKey || !actor.session) throw new AppError(403, 'step_up_unavailable', 'only a browser session can step up; an API key needs the fleet scope for fleet-wide actions')
  if (!actor.user.mfaEnabled) throw new AppError(403, 'mfa_not_enrolled', 'set up two-factor authentication first (Account → Two-factor authentication, /account/mfa); fleet-wide actions need it')
  const session = actor.session
  const user = actor.user
  const now = ctx.clock.now()
  const partnerId = await primaryPartnerOf(ctx.db, user.id)
  const limiterKey = `step-up:${session.id}`
  const wait = ctx.limits.mfaBySession.hit(limiterKey)
  if (wait > 0) {
    await auditEvent(ctx, actor.audit, { action: 'auth.step_up', result: 'failure', partnerId, resourceType: 'user', resourceId: user.id, resourceName: user.email, errorMessage: 'too many wrong codes' })
    throw new RateLimitError(`too many wrong codes; try again in ${Math.ceil(wait / 60)} minutes`, wait)
  }
  const isTotp = /^\s*\d{3}\s?\d{3}\s*$/.test(code)
  const ok = isTotp ? await acceptTotp(ctx, user, code) : await useRecoveryCode(ctx.db, user.id, code, now)
  if (!ok) {
    await auditEvent(ctx, actor.audit, { action: 'auth.step_up', result: 'failure', partnerId, resourceType: 'user', resourceId: user.id, resourceName: user.email, errorMessage: isTotp ? 'wrong or reused code' : 'wrong or used recovery code' })
    throw new ValidationError('code', isTotp ? 'that code is wrong or was already used; wait for the next one' : 'that recovery code is wrong or was already used')
  }
  ctx.limits.mfaBySession.reset(limiterKey)
  const { stepUpMinutes } = await getFleetSettings(ctx)
  await withTx(ctx.db, async (tx) => {
    await setSessionStepUp(tx, session.id, now)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'auth.step_up', partnerId, resourceType: 'user', resourceId: user.id, resourceName: user.email, details: { secondFactor: isTotp ? 'totp' : 'recovery_code', validMinutes: stepUpMinutes } })
  })
  session.stepUpAt = now
  return { stepUpAt: now, validUntil: now + stepUpMinutes * 60_000, validMinutes: stepUpMinutes }
}
