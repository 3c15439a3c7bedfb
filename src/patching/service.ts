// Patch management use cases: scan a device, read its updates and the fleet's, approve or
// decline updates for an organization, run patch jobs and read their progress. Takes the
// actor explicitly; every read and write goes through its scope (404 outside it).
import { commandRows, insertCommands, sendCommands } from '../agents/commands'
import { recordAudit } from '../audit/service'
import type { UserActor } from '../auth/actor'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { deviceName, getDevice } from '../devices/service'
import { resolveTargetDevices } from '../devices/targets'
import { canSeeDevice, deviceVisibility, isEmptyVisibility } from '../devices/visibility'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { PatchInstallItem } from '../protocol/patching'
import { orgIdsWith, requireOrg } from '../tenancy/scope'
import {
  findPatches, findPatchJob, findScanStatus, fleetStateCounts, insertPatchJob, listApprovals, listDevicePatchView, listFleetPatches, listPatchJobDevices,
  patchCompliance, setDeviceStates, upsertApprovals, upsertScanStatus, type DevicePatch, type Patch, type PatchJob, type PatchJobDevice,
} from './repo'
import type { ApproveBody, ComplianceQuery, CreateJobBody, FleetQuery, DevicePatchesQuery } from './model'

type Ctx = AppContext

/** requestScan sends `patch.scan` to a device (delivered when it is next online) and marks its scan pending; audited. */
export async function requestScan(ctx: Ctx, actor: UserActor, deviceId: string, opts: { refresh?: boolean } = {}) {
  const device = await getDevice(ctx, actor, deviceId, 'patches:install')
  if (device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned')
  const now = ctx.clock.now()
  const [row] = commandRows(ctx, [{ deviceId, type: 'patch.scan', payload: { refresh: opts.refresh ?? true }, expiresAt: now + 24 * 3600_000, timeoutMs: 30 * 60_000, sourceType: 'patch_scan', createdBy: actor.user.id }])
  const previous = await findScanStatus(ctx.db, deviceId)
  await withTx(ctx.db, async (tx) => {
    await insertCommands(tx, [row])
    await upsertScanStatus(tx, {
      id: previous?.id ?? newId(), deviceId, orgId: device.orgId, scanStatus: 'pending', scanError: null, scanCommandId: row.id, lastScanAt: previous?.lastScanAt ?? null,
      providers: previous?.providers ?? [], rebootRequired: previous?.rebootRequired ?? false, updatedAt: now,
    })
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'patch.scan_requested', partnerId: actor.scope.orgs.get(device.orgId)?.partnerId, orgId: device.orgId, resourceType: 'device', resourceId: deviceId, resourceName: deviceName(device), details: { commandId: row.id } })
  })
  await sendCommands(ctx, [row])
  return { commandId: row.id, status: 'pending' as const }
}

/** devicePatches: a device's updates and its last scan. */
export async function devicePatches(ctx: Ctx, actor: UserActor, deviceId: string, q: DevicePatchesQuery = {}) {
  const device = await getDevice(ctx, actor, deviceId, 'patches:read')
  const [patches, scan] = await Promise.all([listDevicePatchView(ctx.db, deviceId, q), findScanStatus(ctx.db, deviceId)])
  return { device, patches, scan: scan ?? null }
}

/** fleetPatches: updates on the devices the actor sees with patches:read, with per-state device counts. */
export async function fleetPatches(ctx: Ctx, actor: UserActor, q: FleetQuery) {
  const v = deviceVisibility(actor.scope, 'patches:read')
  if (q.orgId && !v.orgIds.includes(q.orgId) && !v.siteOrgIds.includes(q.orgId)) throw new NotFoundError('organization')
  const limit = q.limit ?? 100
  const offset = q.offset ?? 0
  if (isEmptyVisibility(v)) return { data: [], total: 0, counts: {}, limit, offset }
  const [{ rows, total }, counts] = await Promise.all([listFleetPatches(ctx.db, v, q, limit, offset), fleetStateCounts(ctx.db, v, q.orgId)])
  return { data: rows, total, counts, limit, offset }
}

/** decidePatches approves or declines updates for one org (bulk); the org's devices follow; audited. */
export async function decidePatches(ctx: Ctx, actor: UserActor, decision: 'approved' | 'declined', body: ApproveBody) {
  const grant = requireOrg(actor.scope, body.orgId, 'patches:approve')
  const ids = [...new Set(body.patchIds)]
  const patches = await findPatches(ctx.db, ids)
  const missing = ids.filter((id) => !patches.some((p) => p.id === id))
  if (missing.length) throw new NotFoundError('patch')
  const now = ctx.clock.now()
  const reason = body.reason?.trim() || null
  await withTx(ctx.db, async (tx) => {
    await upsertApprovals(tx, ids.map((patchId) => ({ id: newId(), orgId: body.orgId, patchId, status: decision, reason, decidedBy: actor.user.id, decidedAt: now })))
    if (decision === 'approved') await setDeviceStates(tx, body.orgId, ids, ['available'], 'approved', now)
    else await setDeviceStates(tx, body.orgId, ids, ['approved'], 'available', now)
    await recordAudit(withDb(ctx, tx), actor.audit, {
      action: decision === 'approved' ? 'patch.approved' : 'patch.declined', partnerId: grant.partnerId, orgId: body.orgId, resourceType: 'patch', resourceId: ids.length === 1 ? ids[0] : undefined,
      resourceName: patches.length === 1 ? `${patches[0].externalId} ${patches[0].version}` : `${patches.length} updates`, details: { patchIds: ids, reason, titles: patches.slice(0, 20).map((p) => `${p.externalId} ${p.version}`) },
    })
  })
  ctx.live.publish({ orgId: body.orgId, perm: 'patches:read' }, 'patches.changed', {})
  return { orgId: body.orgId, decision, patchIds: ids }
}

/**
 * createPatchJob installs approved updates on the named devices: per device, the updates it
 * misses that are approved for its org (or only those named, which must be approved), one
 * `patch.install` command each. Devices with nothing to install are listed as skipped. The job,
 * its device rows, the commands and the audit row commit together; commands go out after.
 */
export async function createPatchJob(ctx: Ctx, actor: UserActor, body: CreateJobBody) {
  const selector = { deviceIds: body.deviceIds, groupIds: body.groupIds, siteIds: body.siteIds, orgIds: body.orgId ? [body.orgId] : [] }
  if (!selector.deviceIds?.length && !selector.groupIds?.length && !selector.siteIds?.length && !body.orgId) throw new ValidationError('deviceIds', 'name devices, groups, sites or an organization')
  // note: a caller who may read these devices but not patch anything gets 403, not 404.
  if (orgIdsWith(actor.scope, 'patches:install').length === 0) {
    await resolveTargetDevices(ctx, actor, selector, { permission: 'devices:read' })
    throw new ForbiddenError('you need the patches:install permission', 'patches:install')
  }
  const devices = await resolveTargetDevices(ctx, actor, selector, { permission: 'patches:install' })
  if (devices.length === 0) throw new ValidationError('deviceIds', 'no devices to patch')
  const orgIds = [...new Set(devices.map((d) => d.orgId))]
  if (orgIds.length > 1) throw new ValidationError('deviceIds', 'a patch job covers one organization; these devices belong to several')
  const orgId = orgIds[0]
  const grant = requireOrg(actor.scope, orgId, 'patches:install')
  const approved = new Set((await listApprovals(ctx.db, orgId)).filter((a) => a.status === 'approved').map((a) => a.patchId))
  const named = body.patchIds ? [...new Set(body.patchIds)] : null
  if (named) {
    const found = await findPatches(ctx.db, named)
    if (found.length !== named.length) throw new NotFoundError('patch')
    const notApproved = found.filter((p) => !approved.has(p.id))
    if (notApproved.length) throw new ValidationError('patchIds', `not approved for this organization: ${notApproved.slice(0, 5).map((p) => `${p.externalId} ${p.version}`).join(', ')}`)
  }
  const now = ctx.clock.now()
  const job: PatchJob = { id: newId(), orgId, status: 'running', patchIds: named, deviceCount: devices.length, createdBy: actor.user.id, createdAt: now, completedAt: null }
  const jobDevices: PatchJobDevice[] = []
  const commands: Parameters<typeof commandRows>[1] = []
  const installing: string[] = []
  for (const d of devices) {
    const rows = (await listDevicePatchView(ctx.db, d.id)).filter((r) => (r.state === 'approved' || r.state === 'failed' || r.state === 'available') && approved.has(r.patchId) && (!named || named.includes(r.patchId)))
    const jd: PatchJobDevice = { id: newId(), jobId: job.id, deviceId: d.id, orgId, status: rows.length ? 'pending' : 'skipped', commandId: null, patchIds: rows.map((r) => r.patchId), output: '', error: rows.length ? null : 'nothing approved to install', rebootRequired: false, startedAt: null, completedAt: rows.length ? null : now }
    if (rows.length) {
      const items: PatchInstallItem[] = rows.map((r) => ({ source: r.patch.source, externalId: r.patch.externalId, version: r.patch.version }))
      const commandId = newId()
      jd.commandId = commandId
      commands.push({ id: commandId, deviceId: d.id, type: 'patch.install', payload: { patches: items }, expiresAt: now + 24 * 3600_000, timeoutMs: 2 * 3600_000, sourceType: 'patch_job', sourceId: job.id, createdBy: actor.user.id })
      installing.push(...rows.map((r) => r.id))
    }
    jobDevices.push(jd)
  }
  if (commands.length === 0) job.status = 'completed', job.completedAt = now
  const rows = commandRows(ctx, commands)
  await withTx(ctx.db, async (tx) => {
    await insertPatchJob(tx, job, jobDevices)
    await insertCommands(tx, rows)
    await recordAudit(withDb(ctx, tx), actor.audit, {
      action: 'patch.job_created', partnerId: grant.partnerId, orgId, resourceType: 'patch_job', resourceId: job.id, resourceName: `${devices.length} device${devices.length === 1 ? '' : 's'}`,
      details: { deviceIds: devices.map((d) => d.id).slice(0, 100), patchIds: named, commands: rows.length },
    })
  })
  await sendCommands(ctx, rows)
  return getPatchJob(ctx, actor, job.id)
}

/** getPatchJob: a job and its devices' progress (404 outside the scope). */
export async function getPatchJob(ctx: Ctx, actor: UserActor, id: string) {
  const job = await findPatchJob(ctx.db, id)
  if (!job || !actor.scope.orgs.get(job.orgId)?.permissions.has('patches:read')) throw new NotFoundError('patch job')
  const v = deviceVisibility(actor.scope, 'patches:read')
  const devices = (await listPatchJobDevices(ctx.db, id)).filter((d) => canSeeDevice(v, d))
  const patches = await findPatches(ctx.db, [...new Set(devices.flatMap((d) => d.patchIds))])
  const counts: Partial<Record<PatchJobDevice['status'], number>> = {}
  for (const d of devices) counts[d.status] = (counts[d.status] ?? 0) + 1
  return { ...job, counts, devices, patches: patches.map(patchSummary) }
}

/** complianceOf: % of scanned devices missing nothing, and per device what it misses (worst first). */
export async function complianceOf(ctx: Ctx, actor: UserActor, q: ComplianceQuery) {
  const v = deviceVisibility(actor.scope, 'patches:read')
  if (q.orgId && !v.orgIds.includes(q.orgId) && !v.siteOrgIds.includes(q.orgId)) throw new NotFoundError('organization')
  const overdueDays = q.overdueDays ?? 7
  const rows = isEmptyVisibility(v) ? [] : await patchCompliance(ctx.db, v, q.orgId, ctx.clock.now() - overdueDays * 24 * 3600_000)
  const patched = rows.filter((r) => r.missing === 0).length
  rows.sort((a, b) => b.overdueCritical - a.overdueCritical || b.missingCritical - a.missingCritical || b.missing - a.missing || a.hostname.localeCompare(b.hostname))
  return {
    orgId: q.orgId ?? null, overdueDays, devicesScanned: rows.length, devicesPatched: patched,
    percentPatched: rows.length ? Math.round((patched / rows.length) * 1000) / 10 : null,
    missing: rows.reduce((n, r) => n + r.missing, 0), missingCritical: rows.reduce((n, r) => n + r.missingCritical, 0),
    devicesWithOverdueCritical: rows.filter((r) => r.overdueCritical > 0).length, rebootPending: rows.filter((r) => r.rebootRequired).length,
    devices: rows.slice(0, q.limit ?? 100),
  }
}

export const patchSummary = (p: Patch) => ({ id: p.id, source: p.source, externalId: p.externalId, version: p.version, title: p.title, severity: p.severity, classification: p.classification })
export type { DevicePatch }
