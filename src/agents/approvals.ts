// Enrollment approvals: a technician decides on a re-enrollment of a machine that is already a
// device (src/agents/enroll.ts files them). Approve "replace": the new agent takes the device
// over (the old credential stops working, its socket is closed). Approve "keep both": the new
// agent becomes a separate device marked as a clone of the first. Reject: the machine is not
// enrolled. Requests nobody decides on expire (a job). Every decision is audited, in the same
// transaction as its change.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, NotFoundError } from '../lib/errors'
import { newId } from '../lib/ids'
import { closeCodes } from '../protocol'
import { can, orgIdsWith, requireOrg, siteVisible } from '../tenancy/scope'
import { addToStaticGroup, findDeviceRow, insertDevice, insertDeviceChanges, replaceAgentIdentity } from './device-repo'
import { expireRequest, newDeviceRow, notifyAbout } from './enroll'
import { keyState } from './enrollment-keys'
import { findEnrollmentKey } from './keys-repo'
import { decideRequest, dueToExpire, findEnrollmentRequest, listRequestsOf, purgeDecidedBefore, type EnrollmentRequest } from './requests-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'config' | 'agents' | 'live' | 'log'>

export type ApprovalMode = 'replace' | 'clone'

/** What the approvals page and API show about a request (never its token hash). */
export type EnrollmentRequestView = Omit<EnrollmentRequest, 'tokenHash' | 'agentId'> & {
  /** `pending` past its expiry reads as `expired` before the job gets to it. */
  state: EnrollmentRequest['status']
  orgName: string
  siteName: string | null
  keyName: string
  keyRevoked: boolean
  device: { id: string; name: string; status: string; lastSeenAt: number | null }
  decidedByName: string | null
  canDecide: boolean
}

type ListRow = Awaited<ReturnType<typeof listRequestsOf>>[number]

function view(actor: UserActor, r: ListRow, now: number): EnrollmentRequestView {
  const { tokenHash: _hash, agentId: _agent, ...rest } = r.request
  return {
    ...rest,
    state: r.request.status === 'pending' && r.request.expiresAt <= now ? 'expired' : r.request.status,
    orgName: r.orgName, siteName: r.siteName, keyName: r.keyName, keyRevoked: r.keyRevokedAt !== null,
    device: { id: r.request.deviceId, name: r.device.displayName ?? r.device.hostname, status: r.device.status, lastSeenAt: r.device.lastSeenAt },
    decidedByName: r.decidedByName,
    canDecide: can(actor.scope, 'enrollment:write', r.request.orgId),
  }
}

/** visible: may the actor see this request? It follows the device: the org's enrollment:read and the device's current site. */
function visible(actor: UserActor, r: ListRow): boolean {
  return can(actor.scope, 'enrollment:read', r.request.orgId) && siteVisible(actor.scope, r.request.orgId, r.device.siteId) && siteVisible(actor.scope, r.request.orgId, r.request.siteId)
}

/** listEnrollmentRequests: the requests the actor may see; `open` = only those still waiting. */
export async function listEnrollmentRequests(ctx: Ctx, actor: UserActor, opts: { orgId?: string; open?: boolean } = {}): Promise<EnrollmentRequestView[]> {
  const now = ctx.clock.now()
  const orgIds = orgIdsWith(actor.scope, 'enrollment:read').filter((id) => !opts.orgId || id === opts.orgId)
  return (await listRequestsOf(ctx.db, orgIds, { open: opts.open, now })).filter((r) => visible(actor, r)).map((r) => view(actor, r, now))
}

/** getEnrollmentRequest: one request, 404 outside the actor's scope. */
export async function getEnrollmentRequest(ctx: Ctx, actor: UserActor, id: string): Promise<EnrollmentRequestView> {
  const row = await findEnrollmentRequest(ctx.db, id)
  const listed = row && can(actor.scope, 'enrollment:read', row.orgId) ? (await listRequestsOf(ctx.db, [row.orgId], { now: ctx.clock.now(), limit: 10_000 })).find((r) => r.request.id === id) : undefined
  if (!listed || !visible(actor, listed)) throw new NotFoundError('enrollment request')
  return view(actor, listed, ctx.clock.now())
}

/** approveEnrollmentRequest: replace the device's agent with the new one, or keep both (the new one as a clone). */
export async function approveEnrollmentRequest(ctx: Ctx, actor: UserActor, id: string, mode: ApprovalMode): Promise<EnrollmentRequestView> {
  const shown = await getEnrollmentRequest(ctx, actor, id)
  const grant = requireOrg(actor.scope, shown.orgId, 'enrollment:write', 'enrollment request')
  if (shown.state !== 'pending') throw new ConflictError(`this request is ${shown.state.replace('_', ' ')} already`)
  const row = (await findEnrollmentRequest(ctx.db, id))!
  const key = await findEnrollmentKey(ctx.db, row.enrollmentKeyId)
  if (!key || keyState(key, 0) === 'revoked') throw new ConflictError('the enrollment key of this request was revoked since; reject the request (the machine can enroll again with a valid key)')
  const device = await findDeviceRow(ctx.db, row.deviceId)
  if (!device || device.status === 'decommissioned') {
    if (mode === 'replace') throw new ConflictError('the device was decommissioned since: approve as a separate device, or reject')
  }
  const now = ctx.clock.now()
  const name = device ? device.displayName ?? device.hostname : row.hostname
  let resultDeviceId = row.deviceId
  await withTx(ctx.db, async (tx) => {
    if (mode === 'replace') {
      const patch = {
        agentId: row.agentId, agentSecretHash: row.tokenHash, hostname: row.hostname, osType: row.osType, osVersion: row.osVersion, osBuild: row.osBuild,
        architecture: row.architecture, agentVersion: row.agentVersion, enrollmentKeyId: row.enrollmentKeyId, cloneSuspectedAt: null, updatedAt: now,
      }
      if (!(await decideRequest(tx, id, 'approved_replace', now, { decidedBy: actor.user.id, decidedAt: now, resultDeviceId }))) throw new ConflictError('this request was decided or expired meanwhile')
      if (!(await replaceAgentIdentity(tx, row.deviceId, patch))) throw new ConflictError('the device was decommissioned meanwhile: approve as a separate device, or reject')
      await insertDeviceChanges(tx, [{
        id: newId(), deviceId: row.deviceId, at: now, kind: 'agent', action: 'reattached',
        summary: `Agent replaced: ${actor.user.name} approved the enrollment of a new agent (key "${key.name}")`, details: { requestId: id, enrollmentKeyId: key.id, previousAgentId: device!.agentId, ip: row.ip },
      }])
    } else {
      const clone = newDeviceRow(ctx, {
        orgId: row.orgId, siteId: key.siteId ?? device?.siteId ?? row.siteId, hardwareId: row.hardwareId, agentId: row.agentId, agentSecretHash: row.tokenHash, key, now, ip: row.ip,
        reported: { hostname: row.hostname, osType: row.osType, osVersion: row.osVersion, osBuild: row.osBuild, architecture: row.architecture, agentVersion: row.agentVersion },
        cloneOf: row.deviceId, seen: false,
      })
      resultDeviceId = clone.id
      if (!(await decideRequest(tx, id, 'approved_clone', now, { decidedBy: actor.user.id, decidedAt: now, resultDeviceId }))) throw new ConflictError('this request was decided or expired meanwhile')
      await insertDevice(tx, clone)
      if (key.groupId) await addToStaticGroup(tx, key.groupId, clone.id, now)
      await insertDeviceChanges(tx, [
        { id: newId(), deviceId: clone.id, at: now, kind: 'agent', action: 'enrolled', summary: `Enrolled as a second device of ${name} (same hardware id): ${actor.user.name} approved keeping both`, details: { requestId: id, cloneOf: row.deviceId, enrollmentKeyId: key.id } },
        { id: newId(), deviceId: row.deviceId, at: now, kind: 'agent', action: 'clone_enrolled', summary: `A machine with this device's hardware id was enrolled as a separate device (approved by ${actor.user.name})`, details: { requestId: id, cloneId: clone.id } },
      ])
    }
    await recordAudit({ ...ctx, db: tx }, actor.audit, {
      action: 'enrollment_request.approve', partnerId: grant.partnerId, orgId: row.orgId, resourceType: 'device', resourceId: resultDeviceId, resourceName: mode === 'replace' ? name : row.hostname,
      details: { requestId: id, mode, deviceId: row.deviceId, enrollmentKeyId: key.id, hostname: row.hostname, ip: row.ip },
    })
  })
  if (mode === 'replace') {
    // The old agent's credential no longer exists: close its socket here (other processes' sweeps on device.updated).
    ctx.agents.disconnect(row.deviceId, closeCodes.replaced, 'a technician approved a new agent for this device')
    ctx.events.emit('device.updated', { deviceId: row.deviceId, orgId: row.orgId, fields: ['agentId'] })
  }
  ctx.events.emit('device.enrolled', { deviceId: resultDeviceId, orgId: row.orgId, siteId: device?.siteId ?? row.siteId, reattached: mode === 'replace' })
  ctx.events.emit('enrollment.decided', { requestId: id, orgId: row.orgId, deviceId: row.deviceId, decision: mode === 'replace' ? 'approved_replace' : 'approved_clone', resultDeviceId })
  await notifyAbout(ctx, { orgId: row.orgId, partnerId: grant.partnerId, siteId: row.siteId }, {
    title: mode === 'replace' ? `${name} now runs a new agent` : `${row.hostname} was enrolled as a second device of ${name}`,
    body: `${actor.user.name} approved the enrollment request from ${row.ip ?? 'an unknown address'} (${mode === 'replace' ? 'replace the agent' : 'keep both devices'}).`,
    link: `/devices/${resultDeviceId}`,
  })
  return getEnrollmentRequest(ctx, actor, id)
}

/** rejectEnrollmentRequest: the machine is not enrolled; its agent is told so at its next poll. */
export async function rejectEnrollmentRequest(ctx: Ctx, actor: UserActor, id: string): Promise<EnrollmentRequestView> {
  const shown = await getEnrollmentRequest(ctx, actor, id)
  const grant = requireOrg(actor.scope, shown.orgId, 'enrollment:write', 'enrollment request')
  if (shown.state !== 'pending') throw new ConflictError(`this request is ${shown.state.replace('_', ' ')} already`)
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    if (!(await decideRequest(tx, id, 'rejected', now, { decidedBy: actor.user.id, decidedAt: now }))) throw new ConflictError('this request was decided or expired meanwhile')
    await insertDeviceChanges(tx, [{
      id: newId(), deviceId: shown.deviceId, at: now, kind: 'agent', action: 'enroll_rejected',
      summary: `${actor.user.name} rejected the enrollment of another agent for this device`, details: { requestId: id, hostname: shown.hostname, ip: shown.ip },
    }])
    await recordAudit({ ...ctx, db: tx }, actor.audit, {
      action: 'enrollment_request.reject', partnerId: grant.partnerId, orgId: shown.orgId, resourceType: 'device', resourceId: shown.deviceId, resourceName: shown.device.name,
      details: { requestId: id, hostname: shown.hostname, ip: shown.ip, enrollmentKeyId: shown.enrollmentKeyId },
    })
  })
  ctx.events.emit('enrollment.decided', { requestId: id, orgId: shown.orgId, deviceId: shown.deviceId, decision: 'rejected', resultDeviceId: null })
  return getEnrollmentRequest(ctx, actor, id)
}

/** expireEnrollmentRequests (job): requests nobody decided on before their expiry; old decided ones are purged after 30 days. */
export async function expireEnrollmentRequests(ctx: Ctx): Promise<number> {
  const due = await dueToExpire(ctx.db, ctx.clock.now())
  for (const row of due) await expireRequest(ctx, row)
  await purgeDecidedBefore(ctx.db, ctx.clock.now() - 30 * 24 * 3600_000)
  return due.length
}

/** countOpenRequests: how many requests the actor could decide on now (nav badge, devices page). */
export async function countOpenRequests(ctx: Ctx, actor: UserActor): Promise<number> {
  if (orgIdsWith(actor.scope, 'enrollment:read').length === 0) return 0
  return (await listEnrollmentRequests(ctx, actor, { open: true })).length
}
