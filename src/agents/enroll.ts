// Enrollment: an agent presents an enrollment key and its machine identity, and gets back a
// device, an agent id and a secret (the server keeps only the secret's hash) plus the
// server's public signing key to pin.
//
// A machine that is already a device of the org (same hardware id) never silently takes that
// device over: the key holder could be anyone who copied an install command. It re-attaches
// at once only when it proves it is the device's own agent (it presents the current
// credential) or when the device is offline beyond its window and the key allows re-attach;
// otherwise the enrollment waits as a request for a technician to approve (src/agents/
// approvals.ts) and the agent polls for the decision (pollEnrollment). The device and its
// agent are untouched until then.
import type { AuditActor } from '../audit/service'
import { auditEvent, recordAudit } from '../audit/service'
import { addressKey } from '../auth/rate-limit'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken, safeEqual, sha256Hex } from '../lib/crypto'
import { AppError, RateLimitError } from '../lib/errors'
import { newId } from '../lib/ids'
import { orgAudience, notifyUsers } from '../notifications/inbox'
import {
  capText, closeCodes, PROTOCOL_VERSION, type EnrollAnswer, type EnrollPending, type EnrollPollAnswer, type EnrollPollRequest, type EnrollRefusal, type EnrollRequest, type EnrollResponse,
} from '../protocol'
import { keyState } from './enrollment-keys'
import { addToStaticGroup, findCredentialByDeviceId, findSameMachine, insertDevice, insertDeviceChanges, replaceAgentIdentity, type DeviceRow } from './device-repo'
import { consumeKeyUse, findEnrollmentKeyByHash, findOrgForEnrollment, firstSiteOf, type EnrollmentKey } from './keys-repo'
import { countOpenRequestsOf, decideRequest, findEnrollmentRequest, insertEnrollmentRequest, touchRequestPolled, type EnrollmentRequest } from './requests-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'config' | 'agents' | 'limits' | 'live' | 'log'>

/** How long a request waits for a decision, how often the agent asks, how many may wait per device. */
export const requestLimits = { ttlMs: 24 * 3600_000, pollSeconds: 10, openPerDevice: 5 } as const

export class EnrollmentRefused extends AppError {
  constructor(code: EnrollRefusal, message: string, status = 403) { super(status, code, message) }
}

const refusalMessages: Record<'key_expired' | 'key_revoked' | 'key_exhausted' | 'org_inactive', string> = {
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

/** offlineWindowMs: how long a device may be silent before it counts as offline (the status job's rule). */
export function offlineWindowMs(ctx: Pick<AppContext, 'config'>, d: Pick<DeviceRow, 'heartbeatSeconds'>): number {
  return d.heartbeatSeconds * ctx.config.agents.offlineAfterMissed * 1000
}

/** liveness: why a device counts as alive now (its agent must not be replaced without approval), or null when it is offline beyond its window. */
export function liveness(ctx: Pick<AppContext, 'config' | 'agents'>, d: DeviceRow, now: number): 'online' | 'recently_seen' | null {
  if (ctx.agents.isConnected(d.id) || d.status === 'online') return 'online'
  if (d.lastSeenAt !== null && now - d.lastSeenAt < offlineWindowMs(ctx, d)) return 'recently_seen'
  return null
}

/** What the new agent reported about itself, as device columns. */
function reported(input: Pick<EnrollRequest, 'hostname' | 'osType' | 'osVersion' | 'osBuild' | 'architecture' | 'agentVersion'>) {
  return { hostname: capText(input.hostname)!, osType: input.osType, osVersion: input.osVersion, osBuild: input.osBuild ?? null, architecture: input.architecture, agentVersion: input.agentVersion }
}

/** newDeviceRow: a device for a machine seen for the first time (or approved as a clone of one). */
export function newDeviceRow(ctx: Pick<AppContext, 'config'>, o: {
  orgId: string; siteId: string; hardwareId: string; agentId: string; agentSecretHash: string; key: EnrollmentKey; now: number; ip: string | null
  reported: ReturnType<typeof reported>; cloneOf?: string | null; seen: boolean
}): DeviceRow {
  return {
    id: newId(), orgId: o.orgId, siteId: o.siteId, hardwareId: o.hardwareId, agentId: o.agentId, agentSecretHash: o.agentSecretHash, ...o.reported, displayName: null,
    status: o.seen ? 'online' : 'offline', lastSeenAt: o.seen ? o.now : null, lastHeartbeatAt: null, lastInventoryAt: null, bootTime: null, lastUser: null, loggedInUsers: [],
    pendingReboot: false, publicIp: o.ip, cpuPercent: null, ramPercent: null, diskPercent: null, tags: [], heartbeatSeconds: ctx.config.agents.heartbeatSeconds,
    cloneSuspectedAt: null, cloneOf: o.cloneOf ?? null, enrollmentKeyId: o.key.id, enrolledBy: o.key.createdBy, enrolledAt: o.now, decommissionedAt: null, createdAt: o.now, updatedAt: o.now,
  }
}

/** enrollAgent registers a new device, re-attaches a device, or files a request that waits for approval (answer status `pending`). */
export async function enrollAgent(ctx: Ctx, input: EnrollRequest, ip: string | null): Promise<EnrollAnswer> {
  const now = ctx.clock.now()
  const agentId = newId()
  const agentActor: AuditActor = { type: 'agent', id: agentId, email: null, ip, userAgent: `breeze-agent/${input.agentVersion}` }
  if (input.protocolVersion > PROTOCOL_VERSION) throw new AppError(400, 'protocol_version', `this server speaks agent protocol ${PROTOCOL_VERSION}; install the agent this server serves`)
  const key = await findEnrollmentKeyByHash(ctx.db, sha256Hex(input.enrollmentKey))
  if (!key) {
    countRefusal(ctx, ip)
    throw new EnrollmentRefused('key_unknown', 'this enrollment key was not issued by this server (check the key and the server URL)')
  }
  const org = await findOrgForEnrollment(ctx.db, key.orgId)
  const refuse = async (code: EnrollRefusal, message: string, status = 403): Promise<never> => {
    countRefusal(ctx, ip)
    await auditEvent(ctx, agentActor, { action: 'device.enroll', result: 'denied', partnerId: org?.partnerId, orgId: key.orgId, resourceType: 'enrollment_key', resourceId: key.id, resourceName: key.name, details: { reason: code, hostname: input.hostname } })
    throw new EnrollmentRefused(code, message, status)
  }
  const state = keyState(key, now)
  if (state !== 'active') await refuse(`key_${state}`, refusalMessages[`key_${state}`])
  if (!org || org.deletedAt || org.status === 'suspended' || org.status === 'churned') return refuse('org_inactive', refusalMessages.org_inactive)
  const partnerId = org.partnerId

  const matches = await findSameMachine(ctx.db, key.orgId, input.hardwareId)
  if (matches.length === 0) return enrollNew(ctx, { key, partnerId, input, ip, agentId, agentActor })
  // The device's own agent proves itself with the credential it holds: it may re-key at once.
  const cred = input.currentCredential
  const own = cred ? matches.find((d) => d.agentId === cred.agentId && safeEqual(sha256Hex(cred.secret), d.agentSecretHash)) : undefined
  if (own) return reattachNow(ctx, { key, partnerId, device: own, input, ip, agentId, agentActor, via: 'own_credential' })
  const alive = matches.map((d) => liveness(ctx, d, now)).find((l) => l !== null) ?? null
  if (!alive && key.allowReattach) return reattachNow(ctx, { key, partnerId, device: matches[0], input, ip, agentId, agentActor, via: 'offline_reattach_key' })
  if (input.protocolVersion < 2) {
    return refuse('approval_required', 'this machine is already enrolled in this organization; replacing its agent needs a technician\'s approval, which this agent version cannot wait for: install the agent this server serves', 409)
  }
  return requestApproval(ctx, { key, partnerId, device: matches[0], input, ip, agentId, agentActor, reason: alive ?? 'reattach_not_allowed' })
}

type Enrolling = { key: EnrollmentKey; partnerId: string; input: EnrollRequest; ip: string | null; agentId: string; agentActor: AuditActor }

async function enrollNew(ctx: Ctx, e: Enrolling): Promise<EnrollResponse> {
  const now = ctx.clock.now()
  const secret = randomToken(32)
  const device = await withTx(ctx.db, async (tx) => {
    if (!(await consumeKeyUse(tx, e.key.id, now))) throw new EnrollmentRefused('key_exhausted', refusalMessages.key_exhausted)
    const siteId = e.key.siteId ?? (await firstSiteOf(tx, e.key.orgId))
    if (!siteId) throw new EnrollmentRefused('no_site', 'the organization of this key has no site to put the device in')
    const device = newDeviceRow(ctx, { orgId: e.key.orgId, siteId, hardwareId: e.input.hardwareId, agentId: e.agentId, agentSecretHash: sha256Hex(secret), key: e.key, now, ip: e.ip, reported: reported(e.input), seen: true })
    await insertDevice(tx, device)
    if (e.key.groupId) await addToStaticGroup(tx, e.key.groupId, device.id, now)
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: device.id, at: now, kind: 'agent', action: 'enrolled', summary: `Enrolled with key "${e.key.name}"`, details: { enrollmentKeyId: e.key.id, agentVersion: e.input.agentVersion } }])
    await recordAudit({ ...ctx, db: tx }, e.agentActor, {
      action: 'device.enroll', partnerId: e.partnerId, orgId: e.key.orgId, resourceType: 'device', resourceId: device.id, resourceName: device.hostname,
      details: { enrollmentKeyId: e.key.id, hostname: device.hostname, os: `${e.input.osType} ${e.input.osVersion}` },
    })
    return device
  })
  ctx.events.emit('device.enrolled', { deviceId: device.id, orgId: device.orgId, siteId: device.siteId, reattached: false })
  return enrolledAnswer(ctx, device, e.agentId, secret, { reattached: false })
}

/** reattachNow gives an existing device the new agent: its own agent re-keying, or an offline device with a key that allows it. */
async function reattachNow(ctx: Ctx, e: Enrolling & { device: DeviceRow; via: 'own_credential' | 'offline_reattach_key' }): Promise<EnrollResponse> {
  const now = ctx.clock.now()
  const secret = randomToken(32)
  const siteId = e.key.siteId ?? e.device.siteId
  await withTx(ctx.db, async (tx) => {
    if (!(await consumeKeyUse(tx, e.key.id, now))) throw new EnrollmentRefused('key_exhausted', refusalMessages.key_exhausted)
    const patch = { ...reported(e.input), agentId: e.agentId, agentSecretHash: sha256Hex(secret), siteId, enrollmentKeyId: e.key.id, cloneSuspectedAt: null, updatedAt: now }
    if (!(await replaceAgentIdentity(tx, e.device.id, patch))) throw new AppError(409, 'conflict', 'this device was decommissioned meanwhile; enroll again')
    if (e.key.groupId) await addToStaticGroup(tx, e.key.groupId, e.device.id, now)
    const summary = e.via === 'own_credential'
      ? `Agent re-enrolled with key "${e.key.name}" (it presented the device's credential)`
      : `Agent re-attached with key "${e.key.name}": the device was offline and the key allows re-attach`
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: e.device.id, at: now, kind: 'agent', action: 'reattached', summary, details: { enrollmentKeyId: e.key.id, agentVersion: e.input.agentVersion, via: e.via, lastSeenAt: e.device.lastSeenAt } }])
    await recordAudit({ ...ctx, db: tx }, e.agentActor, {
      action: 'device.reattach', partnerId: e.partnerId, orgId: e.key.orgId, resourceType: 'device', resourceId: e.device.id, resourceName: e.device.hostname,
      details: { enrollmentKeyId: e.key.id, via: e.via, hostname: e.input.hostname, previousAgentId: e.device.agentId, lastSeenAt: e.device.lastSeenAt, os: `${e.input.osType} ${e.input.osVersion}` },
    })
  })
  // The previous agent identity is void: close its socket if it is still open.
  ctx.agents.disconnect(e.device.id, closeCodes.replaced, 'the agent re-enrolled')
  ctx.events.emit('device.enrolled', { deviceId: e.device.id, orgId: e.device.orgId, siteId, reattached: true })
  if (e.via === 'offline_reattach_key') {
    const name = e.device.displayName ?? e.device.hostname
    await notifyAbout(ctx, { orgId: e.device.orgId, partnerId: e.partnerId, siteId }, {
      title: `${name} was re-attached to a new agent`,
      body: `A machine with the hardware id of ${name} enrolled with key "${e.key.name}" while the device was offline, and the key allows re-attach: it now runs the new agent (from ${e.ip ?? 'an unknown address'}).`,
      link: `/devices/${e.device.id}`,
    })
  }
  return enrolledAnswer(ctx, { ...e.device, siteId }, e.agentId, secret, { reattached: true })
}

/** requestApproval files the re-enrollment as a request; the device and its agent stay as they are. */
async function requestApproval(ctx: Ctx, e: Enrolling & { device: DeviceRow; reason: EnrollmentRequest['reason'] }): Promise<EnrollPending> {
  const now = ctx.clock.now()
  const token = randomToken(32)
  const request: EnrollmentRequest = {
    id: newId(), orgId: e.key.orgId, deviceId: e.device.id, siteId: e.device.siteId, enrollmentKeyId: e.key.id, agentId: e.agentId, tokenHash: sha256Hex(token),
    hardwareId: e.input.hardwareId, ...reported(e.input), ip: e.ip, reason: e.reason, status: 'pending', resultDeviceId: null, decidedBy: null, decidedAt: null,
    lastPolledAt: now, expiresAt: now + requestLimits.ttlMs, createdAt: now,
  }
  await withTx(ctx.db, async (tx) => {
    if ((await countOpenRequestsOf(tx, e.device.id, now)) >= requestLimits.openPerDevice) {
      throw new EnrollmentRefused('too_many_pending', `${requestLimits.openPerDevice} enrollments of this machine already wait for approval; ask a technician to decide on them first`, 429)
    }
    if (!(await consumeKeyUse(tx, e.key.id, now))) throw new EnrollmentRefused('key_exhausted', refusalMessages.key_exhausted)
    await insertEnrollmentRequest(tx, request)
    await insertDeviceChanges(tx, [{
      id: newId(), deviceId: e.device.id, at: now, kind: 'agent', action: 'enroll_requested',
      summary: `A machine with this device's hardware id asked to enroll with key "${e.key.name}"; it waits for approval`,
      details: { requestId: request.id, enrollmentKeyId: e.key.id, hostname: request.hostname, ip: e.ip, reason: e.reason },
    }])
    await recordAudit({ ...ctx, db: tx }, e.agentActor, {
      action: 'device.enroll_request', partnerId: e.partnerId, orgId: e.key.orgId, resourceType: 'device', resourceId: e.device.id, resourceName: e.device.hostname,
      details: { requestId: request.id, enrollmentKeyId: e.key.id, reason: e.reason, hostname: request.hostname, os: `${e.input.osType} ${e.input.osVersion}` },
    })
  })
  ctx.events.emit('enrollment.requested', { requestId: request.id, orgId: request.orgId, siteId: request.siteId, deviceId: e.device.id, hostname: request.hostname })
  const name = e.device.displayName ?? e.device.hostname
  await notifyAbout(ctx, { orgId: request.orgId, partnerId: e.partnerId, siteId: request.siteId }, {
    title: `Approve or reject: a new agent for ${name}`,
    body: `A machine with the hardware id of ${name} (${reasonText[e.reason]}) enrolled with key "${e.key.name}" from ${e.ip ?? 'an unknown address'}. It waits for a decision until ${new Date(request.expiresAt).toISOString()}: replace the device's agent, keep both devices, or reject.`,
    link: '/devices/approvals',
  })
  return pendingAnswer(request, token)
}

const reasonText: Record<EnrollmentRequest['reason'], string> = {
  online: 'the device is online',
  recently_seen: 'the device was seen recently',
  reattach_not_allowed: 'the device is offline, but the key does not allow re-attach',
}

function pendingAnswer(r: EnrollmentRequest, token?: string): EnrollPending {
  return {
    status: 'pending', requestId: r.id, ...(token ? { requestToken: token } : {}), pollSeconds: requestLimits.pollSeconds, expiresAt: r.expiresAt,
    message: `this machine is already enrolled in this organization, so a technician must approve this enrollment under Devices → Enrollment approvals (request ${r.id.slice(-8)}) before it expires at ${new Date(r.expiresAt).toISOString()}`,
  }
}

function enrolledAnswer(ctx: Ctx, d: Pick<DeviceRow, 'id' | 'heartbeatSeconds' | 'orgId' | 'siteId'>, agentId: string, secret: string, o: { reattached: boolean; clone?: boolean }): EnrollResponse {
  return {
    status: 'enrolled', deviceId: d.id, agentId, agentSecret: secret, serverPublicKey: ctx.keys.publicKeyB64, heartbeatSeconds: d.heartbeatSeconds,
    orgId: d.orgId, siteId: d.siteId, reattached: o.reattached, ...(o.clone ? { clone: true } : {}), serverTime: ctx.clock.now(),
  }
}

/** notifyAbout tells the people who may approve enrollments in the org (and see the site) in the app. */
export async function notifyAbout(ctx: Pick<AppContext, 'db' | 'clock' | 'live' | 'log'>, where: { orgId: string; partnerId: string; siteId: string }, n: { title: string; body: string; link: string }) {
  try {
    const users = await orgAudience(ctx, { ...where, perm: 'enrollment:write' })
    await notifyUsers(ctx, users, { kind: 'enrollment', orgId: where.orgId, ...n })
  } catch (err) {
    ctx.log.error('enrollment notification failed', { orgId: where.orgId, err })
  }
}

/**
 * pollEnrollment answers an agent waiting for approval: still pending (202), approved (its
 * identity; the request token is its secret), or refused (rejected, expired, unknown).
 */
export async function pollEnrollment(ctx: Ctx, input: EnrollPollRequest, ip: string | null): Promise<{ status: 200 | 202; body: EnrollPollAnswer }> {
  const now = ctx.clock.now()
  const row = await findEnrollmentRequest(ctx.db, input.requestId)
  if (!row || !safeEqual(sha256Hex(input.requestToken), row.tokenHash)) {
    countRefusal(ctx, ip)
    throw new EnrollmentRefused('enrollment_request_unknown', 'this server knows no such enrollment request (wrong id or token): enroll again', 404)
  }
  let status = row.status
  if (status === 'pending' && row.expiresAt <= now) {
    await expireRequest(ctx, row)
    status = 'expired'
  }
  switch (status) {
    case 'pending':
      if (row.lastPolledAt === null || now - row.lastPolledAt >= 30_000) await touchRequestPolled(ctx.db, row.id, now)
      return { status: 202, body: pendingAnswer(row) }
    case 'expired':
      throw new EnrollmentRefused('enrollment_expired', 'nobody approved this enrollment before it expired; run the enrollment again and ask a technician to approve it')
    case 'rejected':
      throw new EnrollmentRefused('enrollment_rejected', 'a technician rejected this enrollment: this machine is not enrolled')
    case 'approved_replace':
    case 'approved_clone': {
      const device = row.resultDeviceId ? await findCredentialByDeviceId(ctx.db, row.resultDeviceId) : undefined
      if (!device || device.agentId !== row.agentId || device.status === 'decommissioned') {
        throw new EnrollmentRefused('enrollment_rejected', 'this enrollment was approved, but the device has since been given another agent or decommissioned: enroll again')
      }
      const { agentSecret: _none, ...answer } = enrolledAnswer(ctx, device, row.agentId, '', { reattached: status === 'approved_replace', clone: status === 'approved_clone' })
      return { status: 200, body: answer }
    }
  }
}

/** expireRequest ends a request nobody decided on (compare-and-set, audited). */
export async function expireRequest(ctx: Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>, row: EnrollmentRequest) {
  const now = ctx.clock.now()
  const moved = await withTx(ctx.db, async (tx) => {
    if (!(await decideRequest(tx, row.id, 'expired', now, { decidedAt: now }))) return false
    const org = await findOrgForEnrollment(tx, row.orgId)
    await recordAudit({ ...ctx, db: tx }, { type: 'system', id: null, email: null, ip: null, userAgent: null }, {
      action: 'enrollment_request.expire', partnerId: org?.partnerId, orgId: row.orgId, resourceType: 'device', resourceId: row.deviceId, resourceName: row.hostname,
      details: { requestId: row.id },
    })
    return true
  })
  if (moved) ctx.events.emit('enrollment.decided', { requestId: row.id, orgId: row.orgId, deviceId: row.deviceId, decision: 'expired', resultDeviceId: null })
}
