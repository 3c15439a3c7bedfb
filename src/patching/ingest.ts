// Applying an agent's answers: a `patch.scan` result becomes catalogue rows and the device's
// update states; a `patch.install` result moves its job device and the updates it named. Both
// run in the transaction that ends the command (src/agents/commands.ts onResult), so a scan's
// rows, the device's states and the scan status commit together or not at all.
import type { CommandOutcome, CommandRow } from '../agents/commands'
import type { TxContext } from '../context'
import { afterCommit } from '../db/tx'
import { autoApproveJob } from './auto-approve'
import { newId } from '../lib/ids'
import type { PatchInstallResult, PatchScanResult, ScannedPatch } from '../protocol/patching'
import {
  findJobDeviceByCommand, findPatchDevice, findPatches, findPatchesOf, findScanStatus, insertDevicePatches, insertPatchesIfNew, jobDeviceStatusCounts, listApprovals, listDevicePatchRows,
  finishPatchJob, updateDevicePatches, updateJobDevice, upsertScanStatus, type DevicePatch, type Patch,
} from './repo'

const key = (p: { source: string; externalId: string; version: string }) => `${p.source}\u0000${p.externalId}\u0000${p.version}`


/** applyScan stores a scan's outcome for the device (only the scan it waits for, once). */
export async function applyScan(ctx: TxContext, command: CommandRow, outcome: CommandOutcome) {
  const now = ctx.clock.now()
  const status = await findScanStatus(ctx.db, command.deviceId)
  if (!status || status.scanCommandId !== command.id || status.scanStatus !== 'pending') return
  const device = await findPatchDevice(ctx.db, command.deviceId)
  if (!device) return
  const result = outcome.result as PatchScanResult | null
  if (outcome.status !== 'completed' || !result) {
    const why = result?.errors?.length ? result.errors.map((e) => `${e.source}: ${e.message}`).join('; ') : outcome.error ?? `the scan ${outcome.status}`
    await upsertScanStatus(ctx.db, { ...status, scanStatus: 'failed', scanError: why.slice(0, 4000), lastScanAt: now, providers: result?.providers ?? status.providers, updatedAt: now })
    announce(ctx, device.orgId, device.id)
    return
  }
  await ingestScan(ctx, device, result, now)
  // Automatic approval reads policies and writes its own audited decision: a job that commits with this scan.
  await ctx.jobs.enqueue(autoApproveJob, { deviceId: device.id }, { db: ctx.db, uniqueKey: `${autoApproveJob}:${command.id}` })
  await upsertScanStatus(ctx.db, {
    ...status, scanStatus: result.errors.length ? 'partial' : 'ok', scanError: result.errors.length ? result.errors.map((e) => `${e.source}: ${e.message}`).join('; ').slice(0, 4000) : null,
    lastScanAt: now, providers: result.providers, rebootRequired: result.rebootRequired, updatedAt: now,
  })
  announce(ctx, device.orgId, device.id)
  ctx.events.emit('patches.changed', { deviceId: device.id, orgId: device.orgId })
}

/**
 * ingestScan merges a device's scanned updates: new catalogue rows, new device rows (approved
 * when its org approved that update), rows seen again, and rows no longer offered — installed,
 * or superseded when the same package now offers another version. Only sources whose provider
 * answered are concluded on: a provider that failed (a held lock) says nothing about its updates.
 */
export async function ingestScan(ctx: TxContext, device: { id: string; orgId: string; siteId: string; osType: Patch['os'] }, result: PatchScanResult, now: number) {
  const scanned = new Map<string, ScannedPatch>()
  for (const p of result.patches) scanned.set(key(p), p)
  await insertPatchesIfNew(ctx.db, [...scanned.values()].map((p) => ({
    id: newId(), os: device.osType, source: p.source, externalId: p.externalId, version: p.version, title: p.title, severity: p.severity, classification: p.classification,
    rebootRequired: p.rebootRequired, sizeBytes: p.sizeBytes, releasedAt: p.releasedAt, origin: p.origin, supersedes: p.supersedes, firstSeenAt: now,
  })))
  const existing = await listDevicePatchRows(ctx.db, device.id)
  const existingPatches = await findPatches(ctx.db, existing.map((r) => r.patchId))
  const catalogue = new Map<string, Patch>()
  for (const p of [...await findPatchesOf(ctx.db, device.osType, [...scanned.values()].map((p) => p.externalId)), ...existingPatches]) catalogue.set(key(p), p)
  const byPatchId = new Map(existing.map((r) => [r.patchId, r]))
  const approvals = new Map((await listApprovals(ctx.db, device.orgId)).map((a) => [a.patchId, a.status]))
  const seenIds = new Set<string>()
  const fresh: DevicePatch[] = []
  const back: { ids: string[]; state: DevicePatch['state'] }[] = [{ ids: [], state: 'available' }, { ids: [], state: 'approved' }]
  const touched: string[] = []
  for (const p of scanned.values()) {
    const cat = catalogue.get(key(p))
    if (!cat) continue
    seenIds.add(cat.id)
    const row = byPatchId.get(cat.id)
    const approved = approvals.get(cat.id) === 'approved'
    if (!row) {
      fresh.push({ id: newId(), deviceId: device.id, orgId: device.orgId, siteId: device.siteId, patchId: cat.id, state: approved ? 'approved' : 'available', installedVersion: p.installedVersion,
        firstSeenAt: now, lastSeenAt: now, installedAt: null, lastJobId: null, lastError: null, updatedAt: now })
    } else if (row.state === 'installed' || row.state === 'superseded') {
      back[approved ? 1 : 0].ids.push(row.id)
    } else {
      touched.push(row.id)
    }
  }
  await insertDevicePatches(ctx.db, fresh)
  for (const b of back) if (b.ids.length) await updateDevicePatches(ctx.db, b.ids, { state: b.state, installedAt: null, lastSeenAt: now, updatedAt: now })
  if (touched.length) await updateDevicePatches(ctx.db, touched, { lastSeenAt: now })
  // Rows no longer offered, of the sources that answered.
  const answered = new Set(result.errors.length ? result.providers.filter((s) => !result.errors.some((e) => e.source === s)) : result.providers)
  const offeredPackages = new Set([...scanned.values()].map((p) => `${p.source}\u0000${p.externalId}`))
  const patchById = new Map(existingPatches.map((p) => [p.id, p]))
  const gone = { installed: [] as string[], superseded: [] as string[] }
  for (const row of existing) {
    if (seenIds.has(row.patchId) || !['available', 'approved', 'failed'].includes(row.state)) continue
    const p = patchById.get(row.patchId)
    if (!p || !answered.has(p.source)) continue
    ;(offeredPackages.has(`${p.source}\u0000${p.externalId}`) ? gone.superseded : gone.installed).push(row.id)
  }
  if (gone.installed.length) await updateDevicePatches(ctx.db, gone.installed, { state: 'installed', installedAt: now, updatedAt: now, lastError: null })
  if (gone.superseded.length) await updateDevicePatches(ctx.db, gone.superseded, { state: 'superseded', updatedAt: now })
}

/** applyInstall ends a job device from its install command, and moves the updates it named. */
export async function applyInstall(ctx: TxContext, command: CommandRow, outcome: CommandOutcome) {
  const jd = await findJobDeviceByCommand(ctx.db, command.id)
  if (!jd || (jd.status !== 'pending' && jd.status !== 'installing')) return
  const now = ctx.clock.now()
  const result = outcome.result as PatchInstallResult | null
  const patches = await findPatches(ctx.db, jd.patchIds)
  const rows = (await listDevicePatchRows(ctx.db, jd.deviceId)).filter((r) => jd.patchIds.includes(r.patchId))
  const installed: string[] = []
  const failed: { rowId: string; patch: Patch; message: string }[] = []
  for (const row of rows) {
    const p = patches.find((x) => x.id === row.patchId)!
    const r = result?.results.find((x) => x.source === p.source && x.externalId === p.externalId && x.version === p.version)
    if (r?.status === 'installed') installed.push(row.id)
    else failed.push({ rowId: row.id, patch: p, message: r?.message ?? outcome.error ?? `the install ${outcome.status}` })
  }
  if (installed.length) await updateDevicePatches(ctx.db, installed, { state: 'installed', installedAt: now, lastError: null, updatedAt: now, lastJobId: jd.jobId })
  for (const f of failed) await updateDevicePatches(ctx.db, [f.rowId], { state: 'failed', lastError: f.message.slice(0, 2000), updatedAt: now, lastJobId: jd.jobId })
  const ok = failed.length === 0 && outcome.status === 'completed'
  const error = ok ? null : (outcome.error ?? failed.map((f) => `${f.patch.externalId}: ${f.message}`).join('; ')).slice(0, 4000)
  await updateJobDevice(ctx.db, jd.id, ['pending', 'installing'], {
    status: ok ? 'installed' : 'failed', error, rebootRequired: result?.rebootRequired ?? false, completedAt: now, startedAt: jd.startedAt ?? command.startedAt ?? now,
    // note: the streamed output is what was stored chunk by chunk; an agent whose output did not arrive still leaves its tail.
    ...(jd.output === '' && result?.outputTail ? { output: result.outputTail } : {}),
  })
  if (result?.rebootRequired) {
    const status = await findScanStatus(ctx.db, jd.deviceId)
    if (status) await upsertScanStatus(ctx.db, { ...status, rebootRequired: true, updatedAt: now })
  }
  for (const p of patches) {
    const done = installed.some((id) => rows.find((r) => r.id === id)?.patchId === p.id)
    const f = failed.find((x) => x.patch.id === p.id)
    if (done) ctx.events.emit('patch.installed', { deviceId: jd.deviceId, orgId: jd.orgId, jobId: jd.jobId, patchId: p.id, source: p.source, externalId: p.externalId, version: p.version, severity: p.severity, rebootRequired: result?.rebootRequired ?? false })
    else if (f) ctx.events.emit('patch.failed', { deviceId: jd.deviceId, orgId: jd.orgId, jobId: jd.jobId, patchId: p.id, source: p.source, externalId: p.externalId, version: p.version, severity: p.severity, error: f.message.slice(0, 1000) })
  }
  const counts = await jobDeviceStatusCounts(ctx.db, jd.jobId)
  if (!counts.pending && !counts.installing) {
    const failedN = (counts.failed ?? 0)
    const doneN = (counts.installed ?? 0)
    await finishPatchJob(ctx.db, jd.jobId, failedN === 0 ? 'completed' : doneN === 0 ? 'failed' : 'completed_with_errors', now)
  }
  announce(ctx, jd.orgId, jd.deviceId, jd.jobId)
  ctx.events.emit('patches.changed', { deviceId: jd.deviceId, orgId: jd.orgId })
}

/** announce tells open pages (device Patches tab, fleet view, job page) after the commit. */
export function announce(ctx: TxContext, orgId: string, deviceId: string, jobId?: string) {
  afterCommit(ctx.db, () => ctx.live.publish({ orgId, perm: 'patches:read' }, 'patches.changed', { deviceId, ...(jobId ? { jobId } : {}) }))
}
