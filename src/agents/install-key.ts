// Checking an enrollment key before installing: /install.sh and /install.ps1 refuse to hand
// out an installer for an unusable key, and the installers ask install-check before they
// download ~100 MB. Refusals count against the caller's address like refused enrollments
// (the same limiter), so neither is a faster way to guess keys.
import type { AppContext } from '../context'
import { addressKey } from '../auth/rate-limit'
import { sha256Hex } from '../lib/crypto'
import { keyState } from './enrollment-keys'
import { enrollmentKeyPattern } from './install-scripts'
import { findEnrollmentKeyByHash, findOrgForEnrollment } from './keys-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'limits'>

export type InstallKeyCheck =
  | { ok: true; orgId: string; partnerId: string }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number }

const refusals = {
  key_malformed: [400, 'give the enrollment key from Add device (it starts with brz_) as ?key='],
  key_unknown: [403, 'this enrollment key was not issued by this server (check the key and the server URL)'],
  key_expired: [403, 'this enrollment key has expired; create a new one under Devices → Add device'],
  key_revoked: [403, 'this enrollment key was revoked'],
  key_exhausted: [403, 'this enrollment key has been used as many times as it allows'],
  org_inactive: [403, 'the organization of this enrollment key is not active'],
} as const

/** checkInstallKey says whether `key` would enroll a device now, without using it up. */
export async function checkInstallKey(ctx: Ctx, key: string | undefined, ip: string | null): Promise<InstallKeyCheck> {
  const refuse = (code: keyof typeof refusals): InstallKeyCheck => {
    const wait = ctx.limits.enrollRefusedByIp.hit(addressKey(ip))
    if (wait > 0) return { ok: false, status: 429, code: 'rate_limited', message: `too many refused enrollment keys from this address; try again in ${Math.ceil(wait / 60)} minutes`, retryAfterSeconds: wait }
    return { ok: false, status: refusals[code][0], code, message: refusals[code][1] }
  }
  if (!key || !enrollmentKeyPattern.test(key)) return refuse('key_malformed')
  const row = await findEnrollmentKeyByHash(ctx.db, sha256Hex(key))
  if (!row) return refuse('key_unknown')
  const state = keyState(row, ctx.clock.now())
  if (state !== 'active') return refuse(`key_${state}`)
  const org = await findOrgForEnrollment(ctx.db, row.orgId)
  if (!org || org.deletedAt || org.status === 'suspended' || org.status === 'churned') return refuse('org_inactive')
  return { ok: true, orgId: org.id, partnerId: org.partnerId }
}

/** partnerOfOrg is the partner whose public URL install commands for `orgId` name. */
export async function partnerOfOrg(ctx: Pick<AppContext, 'db'>, orgId: string): Promise<string | null> {
  return (await findOrgForEnrollment(ctx.db, orgId))?.partnerId ?? null
}
