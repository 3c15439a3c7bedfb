// TOTP (RFC 6238) second factor: enrolment with a QR code, verification with a ±1 step window
// and replay protection, and ten single-use recovery codes.
import { Secret, TOTP } from 'otpauth'
import type { AppContext } from '../context'
import { advanceMfaStep, type User } from '../tenancy/users-repo'

const periodMs = 30_000

function totpFor(user: Pick<User, 'email'>, base32: string) {
  return new TOTP({ issuer: 'Breeze', label: user.email, algorithm: 'SHA1', digits: 6, period: periodMs / 1000, secret: Secret.fromBase32(base32) })
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** enrolmentDetails is what the enrolment page shows: the otpauth URI as a QR code and the key. */
export async function enrolmentDetails(user: Pick<User, 'email'>, base32: string) {
  const uri = totpFor(user, base32).toString()
  const QRCode = (await import('qrcode')).default // loaded on first use (startup time)
  const qrDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 })
  return { secret: base32, uri, qrDataUrl }
}

/** totpStep returns the time step a code is valid for (now ± 1 step), or null. */
export function totpStep(user: Pick<User, 'email'>, base32: string, code: string, now: number): number | null {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const delta = totpFor(user, base32).validate({ token, timestamp: now, window: 1 })
  return delta === null ? null : Math.floor(now / periodMs) + delta
}

/**
 * acceptTotp accepts a code once: the step it belongs to must be newer than the last accepted
 * step, and storing it is a single conditional update, so a replay — even a concurrent one — fails.
 */
export async function acceptTotp(ctx: Pick<AppContext, 'db' | 'clock' | 'secrets'>, user: User, code: string): Promise<boolean> {
  if (!user.mfaSecret) return false
  const step = totpStep(user, ctx.secrets.open(user.mfaSecret), code, ctx.clock.now())
  return step !== null && (await advanceMfaStep(ctx.db, user.id, step))
}
