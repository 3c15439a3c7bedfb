// Queries for patch management: the update catalogue, device states, approvals, scans, jobs.
// Every fleet list takes a DeviceVisibility (device_patches carries org and site for it).
import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds, tailText } from '../db/sql'
import { t } from '../db/tables'
import type { DeviceVisibility } from '../devices/visibility'
import { visibleDevices } from '../devices/repo'

export type Patch = typeof t.patches.$inferSelect
export type DevicePatch = typeof t.devicePatches.$inferSelect
export type PatchApproval = typeof t.patchApprovals.$inferSelect
export type DevicePatchStatus = typeof t.devicePatchStatus.$inferSelect
export type PatchJob = typeof t.patchJobs.$inferSelect
export type PatchJobDevice = typeof t.patchJobDevices.$inferSelect
export type PatchState = DevicePatch['state']

const chunks = <T>(list: T[], n: number) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n))

export function visiblePatchRows(v: DeviceVisibility): SQL {
  const parts: SQL[] = []
  if (v.orgIds.length) parts.push(inIds(t.devicePatches.orgId, v.orgIds))
  if (v.siteIds.length) parts.push(and(inIds(t.devicePatches.orgId, v.siteOrgIds), inIds(t.devicePatches.siteId, v.siteIds))!)
  return parts.length ? or(...parts)! : sql`1 = 0`
}

/** insertPatchesIfNew stores catalogue rows that are not there yet (same OS/source/id/version: kept). */
export async function insertPatchesIfNew(db: Db, rows: Patch[]) {
  for (const part of chunks(rows, 500)) await db.insert(t.patches).values(part).onConflictDoNothing()
}

/** findPatchesOf returns the catalogue rows of one OS with these external ids (any source, any version). */
export async function findPatchesOf(db: Db, os: Patch['os'], externalIds: string[]): Promise<Patch[]> {
  const out: Patch[] = []
  for (const part of chunks([...new Set(externalIds)], 5000)) out.push(...await db.select().from(t.patches).where(and(eq(t.patches.os, os), inIds(t.patches.externalId, part))))
  return out
}

export async function findPatches(db: Db, ids: string[]): Promise<Patch[]> {
  if (ids.length === 0) return []
  return db.select().from(t.patches).where(inIds(t.patches.id, ids))
}

export async function listDevicePatchRows(db: Db, deviceId: string): Promise<DevicePatch[]> {
  return db.select().from(t.devicePatches).where(eq(t.devicePatches.deviceId, deviceId))
}

export async function insertDevicePatches(db: Db, rows: DevicePatch[]) {
  for (const part of chunks(rows, 500)) await db.insert(t.devicePatches).values(part)
}

export async function updateDevicePatches(db: Db, ids: string[], patch: Partial<DevicePatch>) {
  for (const part of chunks(ids, 5000)) await db.update(t.devicePatches).set(patch).where(inIds(t.devicePatches.id, part))
}

/** setStateWhere moves device rows of an org and these patches from some states to another (approval changes). */
export async function setDeviceStates(db: Db, orgId: string, patchIds: string[], from: PatchState[], to: PatchState, now: number) {
  await db.update(t.devicePatches).set({ state: to, updatedAt: now })
    .where(and(eq(t.devicePatches.orgId, orgId), inIds(t.devicePatches.patchId, patchIds), inArray(t.devicePatches.state, from)))
}

export type DevicePatchView = DevicePatch & { patch: Patch; approval: PatchApproval['status'] | null }

/** listDevicePatchView: a device's updates with their catalogue rows and its org's decision, newest first. */
export async function listDevicePatchView(db: Db, deviceId: string, f: { state?: PatchState; severity?: Patch['severity']; source?: Patch['source'] } = {}): Promise<DevicePatchView[]> {
  const rows = await db.select({ dp: t.devicePatches, patch: t.patches, approval: t.patchApprovals.status }).from(t.devicePatches)
    .innerJoin(t.patches, eq(t.patches.id, t.devicePatches.patchId))
    .leftJoin(t.patchApprovals, and(eq(t.patchApprovals.patchId, t.devicePatches.patchId), eq(t.patchApprovals.orgId, t.devicePatches.orgId)))
    .where(and(eq(t.devicePatches.deviceId, deviceId), f.state ? eq(t.devicePatches.state, f.state) : undefined,
      f.severity ? eq(t.patches.severity, f.severity) : undefined, f.source ? eq(t.patches.source, f.source) : undefined))
    .orderBy(asc(t.devicePatches.state), asc(t.patches.externalId))
  return rows.map((r) => ({ ...r.dp, patch: r.patch, approval: r.approval ?? null }))
}

export type FleetPatchRow = Patch & { counts: Partial<Record<PatchState, number>>; devices: number }

/** listFleetPatches: one row per update seen on a visible device, with device counts per state. */
export async function listFleetPatches(db: Db, v: DeviceVisibility, f: { state?: PatchState; severity?: Patch['severity']; source?: Patch['source']; orgId?: string; search?: string }, limit: number, offset: number): Promise<{ rows: FleetPatchRow[]; total: number }> {
  const where = and(visiblePatchRows(v), f.orgId ? eq(t.devicePatches.orgId, f.orgId) : undefined, f.state ? eq(t.devicePatches.state, f.state) : undefined,
    f.severity ? eq(t.patches.severity, f.severity) : undefined, f.source ? eq(t.patches.source, f.source) : undefined,
    f.search ? or(iContains(t.patches.externalId, f.search), iContains(t.patches.title, f.search)) : undefined)
  const ids = await db.select({ id: t.devicePatches.patchId, n: count() }).from(t.devicePatches).innerJoin(t.patches, eq(t.patches.id, t.devicePatches.patchId))
    .where(where).groupBy(t.devicePatches.patchId)
  const total = ids.length
  const page = await db.select({ patch: t.patches, n: count() }).from(t.devicePatches).innerJoin(t.patches, eq(t.patches.id, t.devicePatches.patchId))
    .where(where).groupBy(t.patches.id).orderBy(
      sql`case ${t.patches.severity} when 'critical' then 0 when 'important' then 1 when 'moderate' then 2 when 'low' then 3 else 4 end`,
      sql`case when ${t.patches.classification} = 'security' then 0 else 1 end`, desc(count()), asc(t.patches.externalId), asc(t.patches.id))
    .limit(limit).offset(offset)
  const patchIds = page.map((r) => r.patch.id)
  const states = patchIds.length ? await db.select({ patchId: t.devicePatches.patchId, state: t.devicePatches.state, n: count() }).from(t.devicePatches)
    .where(and(visiblePatchRows(v), f.orgId ? eq(t.devicePatches.orgId, f.orgId) : undefined, inIds(t.devicePatches.patchId, patchIds))).groupBy(t.devicePatches.patchId, t.devicePatches.state) : []
  const rows = page.map((r) => {
    const counts: Partial<Record<PatchState, number>> = {}
    let devices = 0
    for (const s of states) if (s.patchId === r.patch.id) { counts[s.state] = Number(s.n); devices += Number(s.n) }
    return { ...r.patch, counts, devices }
  })
  return { rows, total }
}

/** fleetStateCounts: device-update rows per state over what is visible (the page's summary). */
export async function fleetStateCounts(db: Db, v: DeviceVisibility, orgId?: string): Promise<Partial<Record<PatchState, number>>> {
  const rows = await db.select({ state: t.devicePatches.state, n: count() }).from(t.devicePatches)
    .where(and(visiblePatchRows(v), orgId ? eq(t.devicePatches.orgId, orgId) : undefined)).groupBy(t.devicePatches.state)
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
}

export async function listApprovals(db: Db, orgId: string, patchIds?: string[]): Promise<PatchApproval[]> {
  return db.select().from(t.patchApprovals).where(and(eq(t.patchApprovals.orgId, orgId), patchIds ? inIds(t.patchApprovals.patchId, patchIds) : undefined))
}

export async function upsertApprovals(db: Db, rows: PatchApproval[]) {
  for (const part of chunks(rows, 500)) {
    await db.insert(t.patchApprovals).values(part).onConflictDoUpdate({
      target: [t.patchApprovals.orgId, t.patchApprovals.patchId],
      set: { status: sql`excluded.status`, reason: sql`excluded.reason`, decidedBy: sql`excluded.decided_by`, decidedAt: sql`excluded.decided_at` },
    })
  }
}

export async function findScanStatus(db: Db, deviceId: string): Promise<DevicePatchStatus | undefined> {
  const [row] = await db.select().from(t.devicePatchStatus).where(eq(t.devicePatchStatus.deviceId, deviceId))
  return row
}

export async function upsertScanStatus(db: Db, row: DevicePatchStatus) {
  await db.insert(t.devicePatchStatus).values(row).onConflictDoUpdate({
    target: t.devicePatchStatus.deviceId,
    set: { orgId: row.orgId, scanStatus: row.scanStatus, scanError: row.scanError, scanCommandId: row.scanCommandId, lastScanAt: row.lastScanAt, providers: row.providers, rebootRequired: row.rebootRequired, updatedAt: row.updatedAt },
  })
}

export async function insertPatchJob(db: Db, job: PatchJob, devices: PatchJobDevice[]) {
  await db.insert(t.patchJobs).values(job)
  for (const part of chunks(devices, 500)) await db.insert(t.patchJobDevices).values(part)
}

export async function findPatchJob(db: Db, id: string): Promise<PatchJob | undefined> {
  const [row] = await db.select().from(t.patchJobs).where(eq(t.patchJobs.id, id))
  return row
}

export async function listPatchJobDevices(db: Db, jobId: string): Promise<(PatchJobDevice & { hostname: string; displayName: string | null; siteId: string })[]> {
  const rows = await db.select({ d: t.patchJobDevices, hostname: t.devices.hostname, displayName: t.devices.displayName, siteId: t.devices.siteId }).from(t.patchJobDevices)
    .innerJoin(t.devices, eq(t.devices.id, t.patchJobDevices.deviceId)).where(eq(t.patchJobDevices.jobId, jobId)).orderBy(asc(t.devices.hostname))
  return rows.map((r) => ({ ...r.d, hostname: r.hostname, displayName: r.displayName, siteId: r.siteId }))
}

export async function findJobDeviceByCommand(db: Db, commandId: string): Promise<PatchJobDevice | undefined> {
  const [row] = await db.select().from(t.patchJobDevices).where(eq(t.patchJobDevices.commandId, commandId))
  return row
}

/** updateJobDevice changes a job device row if its status is one of `from` (compare-and-set); the row after, or undefined. */
export async function updateJobDevice(db: Db, id: string, from: PatchJobDevice['status'][], patch: Partial<PatchJobDevice>): Promise<PatchJobDevice | undefined> {
  const [row] = await db.update(t.patchJobDevices).set(patch).where(and(eq(t.patchJobDevices.id, id), inArray(t.patchJobDevices.status, from))).returning()
  return row
}

export async function appendJobDeviceOutput(db: Db, id: string, text: string) {
  await db.update(t.patchJobDevices).set({ output: tailText(sql`${t.patchJobDevices.output} || ${text}`, 65536) }).where(and(eq(t.patchJobDevices.id, id), inArray(t.patchJobDevices.status, ['pending', 'installing'])))
}

export async function jobDeviceStatusCounts(db: Db, jobId: string): Promise<Partial<Record<PatchJobDevice['status'], number>>> {
  const rows = await db.select({ status: t.patchJobDevices.status, n: count() }).from(t.patchJobDevices).where(eq(t.patchJobDevices.jobId, jobId)).groupBy(t.patchJobDevices.status)
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

export async function finishPatchJob(db: Db, id: string, status: PatchJob['status'], at: number): Promise<PatchJob | undefined> {
  const [row] = await db.update(t.patchJobs).set({ status, completedAt: at }).where(and(eq(t.patchJobs.id, id), eq(t.patchJobs.status, 'running'))).returning()
  return row
}

export async function listPatchJobs(db: Db, orgIds: string[], limit: number): Promise<PatchJob[]> {
  return db.select().from(t.patchJobs).where(inIds(t.patchJobs.orgId, orgIds)).orderBy(desc(t.patchJobs.createdAt)).limit(limit)
}

/** findPatchDevice: what a scan needs of its device (org, site, OS). */
export async function findPatchDevice(db: Db, id: string): Promise<{ id: string; orgId: string; siteId: string; osType: Patch['os'] } | undefined> {
  const [d] = await db.select({ id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, osType: t.devices.osType }).from(t.devices).where(eq(t.devices.id, id))
  return d
}

export async function findOrgPartner(db: Db, orgId: string): Promise<string | null> {
  const [o] = await db.select({ partnerId: t.organizations.partnerId }).from(t.organizations).where(eq(t.organizations.id, orgId))
  return o?.partnerId ?? null
}

/** listOrgsWithPatchingPolicies: orgs with an active policy of type patching (auto-approval may apply). */
export async function listOrgsWithPatchingPolicies(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ orgId: t.policies.orgId }).from(t.policies).where(and(eq(t.policies.type, 'patching'), eq(t.policies.status, 'active'), sql`${t.policies.deletedAt} is null`))
  return rows.map((r) => r.orgId)
}

export async function listDevicesWithOpenPatches(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ deviceId: t.devicePatches.deviceId }).from(t.devicePatches).where(and(eq(t.devicePatches.orgId, orgId), eq(t.devicePatches.state, 'available')))
  return rows.map((r) => r.deviceId)
}

export type DeviceCompliance = { deviceId: string; hostname: string; displayName: string | null; orgId: string; lastScanAt: number | null; rebootRequired: boolean; missing: number; missingCritical: number; missingSecurity: number; overdueCritical: number }

/**
 * patchCompliance: per scanned, visible device, the updates it misses (available, approved,
 * installing or failed, and not declined by its org), how many are critical or security, and
 * how many critical or security ones are older than `overdueBefore` (released, else first seen).
 */
export async function patchCompliance(db: Db, v: DeviceVisibility, orgId: string | undefined, overdueBefore: number): Promise<DeviceCompliance[]> {
  const scanned = await db.select({ deviceId: t.devicePatchStatus.deviceId, hostname: t.devices.hostname, displayName: t.devices.displayName, orgId: t.devices.orgId, lastScanAt: t.devicePatchStatus.lastScanAt, rebootRequired: t.devicePatchStatus.rebootRequired })
    .from(t.devicePatchStatus).innerJoin(t.devices, eq(t.devices.id, t.devicePatchStatus.deviceId))
    .where(and(visibleDevices(v), orgId ? eq(t.devices.orgId, orgId) : undefined, sql`${t.devicePatchStatus.lastScanAt} is not null`, sql`${t.devices.status} <> 'decommissioned'`))
  const severe = sql`(${t.patches.severity} = 'critical' or ${t.patches.classification} = 'security')`
  const missing = await db.select({
    deviceId: t.devicePatches.deviceId,
    missing: count(),
    critical: sql<number>`sum(case when ${t.patches.severity} = 'critical' then 1 else 0 end)`,
    security: sql<number>`sum(case when ${t.patches.classification} = 'security' then 1 else 0 end)`,
    overdue: sql<number>`sum(case when ${severe} and coalesce(${t.patches.releasedAt}, ${t.devicePatches.firstSeenAt}) < ${overdueBefore} then 1 else 0 end)`,
  }).from(t.devicePatches).innerJoin(t.patches, eq(t.patches.id, t.devicePatches.patchId))
    .leftJoin(t.patchApprovals, and(eq(t.patchApprovals.orgId, t.devicePatches.orgId), eq(t.patchApprovals.patchId, t.devicePatches.patchId)))
    .where(and(visiblePatchRows(v), orgId ? eq(t.devicePatches.orgId, orgId) : undefined, inArray(t.devicePatches.state, ['available', 'approved', 'installing', 'failed']),
      sql`(${t.patchApprovals.status} is null or ${t.patchApprovals.status} <> 'declined')`))
    .groupBy(t.devicePatches.deviceId)
  const byDevice = new Map(missing.map((m) => [m.deviceId, m]))
  return scanned.map((d) => {
    const m = byDevice.get(d.deviceId)
    return { ...d, missing: Number(m?.missing ?? 0), missingCritical: Number(m?.critical ?? 0), missingSecurity: Number(m?.security ?? 0), overdueCritical: Number(m?.overdue ?? 0) }
  })
}
