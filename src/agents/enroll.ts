// Enrollment: an agent presents an enrollment key and its machine identity, and gets back a
// device, an agent id and a secret (the server keeps only the secret's hash) plus the
// server's public signing key to pin. The same machine (same hardware id) enrolling again
// into the same org re-attaches its existing device instead of creating a duplicate.
import type { AuditActor } from '../audit/service'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken, sha256Hex } from '../lib/crypto'
import { addressKey } from '../auth/rate-limit'
import { AppError, RateLimitError } from '../lib/errors'
import { newId } from '../lib/ids'
import { capText, closeCodes, PROTOCOL_VERSION, type EnrollRefusal, type EnrollRequest, type EnrollResponse } from '../protocol'
import { keyState } from './enrollment-keys'
import { addToStaticGroup, findReattachable, insertDevice, insertDeviceChanges, updateDeviceRow, type DeviceRow } from './device-repo'
import { consumeKeyUse, findEnrollmentKeyByHash, findOrgForEnrollment, firstSiteOf } from './keys-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'config' | 'agents' | 'limits'>

export class EnrollmentRefused extends AppError {
  constructor(code: EnrollRefusal, message: string) { super(403, code, message) }
}

const refusalMessages: Record<Exclude<EnrollRefusal, 'key_unknown' | 'no_site'>, string> = {
  key_expired: 'this enrollment key has expired; create a new one under Devices → Enrollment keys',
  key_revoked: 'this enrollment key was revoked',
  key_exhausted: 'this enrollment key has been used as many times as it allows',
  org_inactive: 'the organization of this enrollment key is not active',
}

/**
 * countRefusal counts a refused enrollment against the caller's address and answers 429 (with
 * Retry-After) past the limit, before anything is written. Valid keys are never counted.
 */
function countRefusal(ctx: Ctx, ip: string | null) {
  const wait = ctx.limits.enrollRefusedByIp.hit(addressKey(ip))
  if (wait > 0) throw new RateLimitError(`too many refused enrollments from this address; try again in ${Math.ceil(wait / 60)} minutes (check the enrollment key and the server URL)`, wait)
}

/** enrollAgent registers (or re-attaches) a device for a valid enrollment key. */
export async function enrollAgent(ctx: Ctx, input: EnrollRequest, ip: string | null): Promise<EnrollResponse> {
  const now = ctx.clock.now()
  const agentId = newId()
  const secret = randomToken(32)
  const agentActor: AuditActor = { type: 'agent', id: agentId, email: null, ip, userAgent: `breeze-agent/${input.agentVersion}` }
  if (input.protocolVersion > PROTOCOL_VERSION) throw new AppError(400, 'protocol_version', `this server speaks agent protocol ${PROTOCOL_VERSION}; install the agent this server serves`)
  const key = await findEnrollmentKeyByHash(ctx.db, sha256Hex(input.enrollmentKey))
  if (!key) {
    countRefusal(ctx, ip)
    throw new EnrollmentRefused('key_unknown', 'this enrollment key was not issued by this server (check the key and the server URL)')
  }
  const org = await findOrgForEnrollment(ctx.db, key.orgId)
  const refuse = async (code: Exclude<EnrollRefusal, 'key_unknown' | 'no_site'>): Promise<never> => {
    countRefusal(ctx, ip)
    await recordAudit(ctx, agentActor, { action: 'device.enroll', result: 'denied', partnerId: org?.partnerId, orgId: key.orgId, resourceType: 'enrollment_key', resourceId: key.id, resourceName: key.name, details: { reason: code, hostname: input.hostname } })
    throw new EnrollmentRefused(code, refusalMessages[code])
  }
  const state = keyState(key, now)
  if (state !== 'active') await refuse(`key_${state}` as 'key_expired' | 'key_revoked' | 'key_exhausted')
  if (!org || org.deletedAt || org.status === 'suspended' || org.status === 'churned') await refuse('org_inactive')

  const { device, reattached } = await withTx(ctx.db, async (tx) => {
    if (!(await consumeKeyUse(tx, key.id, now))) throw new EnrollmentRefused('key_exhausted', refusalMessages.key_exhausted)
    const siteId = key.siteId ?? (await firstSiteOf(tx, key.orgId))
    if (!siteId) throw new EnrollmentRefused('no_site', 'the organization of this key has no site to put the device in')
    const identity = {
      agentId, agentSecretHash: sha256Hex(secret), hostname: capText(input.hostname)!, osType: input.osType, osVersion: input.osVersion, osBuild: input.osBuild ?? null,
      architecture: input.architecture, agentVersion: input.agentVersion, enrollmentKeyId: key.id, cloneSuspectedAt: null, updatedAt: now,
    }
    const existing = await findReattachable(tx, key.orgId, input.hardwareId)
    let device: DeviceRow
    if (existing) {
      device = { ...existing, ...identity, siteId: key.siteId ?? existing.siteId }
      await updateDeviceRow(tx, existing.id, { ...identity, siteId: device.siteId })
    } else {
      device = {
        id: newId(), orgId: key.orgId, siteId, hardwareId: input.hardwareId, displayName: null, status: 'online', lastSeenAt: now, lastHeartbeatAt: null,
        lastInventoryAt: null, bootTime: null, lastUser: null, loggedInUsers: [], pendingReboot: false, publicIp: ip, cpuPercent: null, ramPercent: null,
        diskPercent: null, tags: [], heartbeatSeconds: ctx.config.agents.heartbeatSeconds, enrolledBy: key.createdBy, enrolledAt: now, decommissionedAt: null,
        createdAt: now, ...identity,
      }
      await insertDevice(tx, device)
    }
    if (key.groupId) await addToStaticGroup(tx, key.groupId, device.id, now)
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: device.id, at: now, kind: 'agent', action: existing ? 'reattached' : 'enrolled', summary: existing ? `Agent re-enrolled with key "${key.name}"` : `Enrolled with key "${key.name}"`, details: { enrollmentKeyId: key.id, agentVersion: input.agentVersion } }])
    await recordAudit({ ...ctx, db: tx }, agentActor, {
      action: existing ? 'device.reattach' : 'device.enroll', partnerId: org!.partnerId, orgId: key.orgId, resourceType: 'device', resourceId: device.id, resourceName: device.hostname,
      details: { enrollmentKeyId: key.id, hostname: device.hostname, os: `${input.osType} ${input.osVersion}` },
    })
    return { device, reattached: !!existing }
  })
  // A re-attached device's previous agent identity is void: close its socket if it is still open.
  if (reattached) ctx.agents.disconnect(device.id, closeCodes.replaced, 'the agent re-enrolled')
  ctx.events.emit('device.enrolled', { deviceId: device.id, orgId: device.orgId, siteId: device.siteId, reattached })
  return {
    deviceId: device.id, agentId, agentSecret: secret, serverPublicKey: ctx.keys.publicKeyB64, heartbeatSeconds: device.heartbeatSeconds,
    orgId: device.orgId, siteId: device.siteId, reattached, serverTime: now,
  }
}
