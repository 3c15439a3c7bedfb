// Reads of device data the alert engine evaluates (the devices domain owns these tables; the
// engine only reads them, one narrow query per fact it needs).
import { and, eq, inArray, isNotNull, isNull, lt, lte, ne, or } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type AlertDevice = {
  id: string; orgId: string; siteId: string; hostname: string; displayName: string | null; osType: string; status: string
  agentVersion: string; lastSeenAt: number | null; lastHeartbeatAt: number | null; pendingReboot: boolean
  cpuPercent: number | null; ramPercent: number | null; diskPercent: number | null
}

/** Columns read at call time: `t` points at the dialect only once the database is open. */
const deviceColumns = () => ({
  id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, hostname: t.devices.hostname, displayName: t.devices.displayName,
  osType: t.devices.osType, status: t.devices.status, agentVersion: t.devices.agentVersion, lastSeenAt: t.devices.lastSeenAt,
  lastHeartbeatAt: t.devices.lastHeartbeatAt, pendingReboot: t.devices.pendingReboot, cpuPercent: t.devices.cpuPercent,
  ramPercent: t.devices.ramPercent, diskPercent: t.devices.diskPercent,
})

export async function findAlertDevice(db: Db, id: string): Promise<AlertDevice | undefined> {
  const [row] = await db.select(deviceColumns()).from(t.devices).where(eq(t.devices.id, id))
  return row
}

export async function listAlertDevices(db: Db, ids: string[]): Promise<AlertDevice[]> {
  if (ids.length === 0) return []
  return db.select(deviceColumns()).from(t.devices).where(inIds(t.devices.id, ids))
}

/** devicesSilentSince: live devices of `orgIds` not heard from (seen or heartbeat) since `cutoff`. */
export async function devicesSilentSince(db: Db, orgIds: string[], cutoff: number): Promise<AlertDevice[]> {
  if (orgIds.length === 0) return []
  return db.select(deviceColumns()).from(t.devices).where(and(
    inIds(t.devices.orgId, orgIds),
    ne(t.devices.status, 'decommissioned'),
    or(lte(t.devices.lastSeenAt, cutoff), lte(t.devices.lastHeartbeatAt, cutoff)),
    isNotNull(t.devices.lastSeenAt),
  ))
}

/** deviceMaintenanceEnd: when a device's maintenance mode ends (null: until turned off); undefined when not in maintenance. */
export async function deviceMaintenanceEnd(db: Db, deviceId: string): Promise<number | null | undefined> {
  const [row] = await db.select({ endsAt: t.deviceMaintenance.endsAt }).from(t.deviceMaintenance).where(eq(t.deviceMaintenance.deviceId, deviceId))
  return row?.endsAt
}

export async function deviceGroupIds(db: Db, deviceId: string): Promise<string[]> {
  const rows = await db.select({ id: t.deviceGroupMembers.groupId }).from(t.deviceGroupMembers).where(eq(t.deviceGroupMembers.deviceId, deviceId))
  return rows.map((r) => r.id)
}

export async function deviceServices(db: Db, deviceId: string) {
  return db.select({ name: t.deviceServices.name, displayName: t.deviceServices.displayName, state: t.deviceServices.state }).from(t.deviceServices).where(eq(t.deviceServices.deviceId, deviceId))
}

export async function deviceSoftwareNames(db: Db, deviceId: string) {
  return db.select({ name: t.deviceSoftware.name }).from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, deviceId))
}

/** The device-patch states that mean "not done" (as the compliance figures count them). */
const openPatchStates = ['available', 'approved', 'installing', 'failed'] as const
const notDeclined = () => or(isNull(t.patchApprovals.status), ne(t.patchApprovals.status, 'declined'))

/** deviceOpenPatches: the device's updates not done and not declined by its org (patch conditions). */
export async function deviceOpenPatches(db: Db, deviceId: string) {
  return db.select({ severity: t.patches.severity, classification: t.patches.classification, state: t.devicePatches.state, firstSeenAt: t.devicePatches.firstSeenAt })
    .from(t.devicePatches).innerJoin(t.patches, eq(t.patches.id, t.devicePatches.patchId))
    .leftJoin(t.patchApprovals, and(eq(t.patchApprovals.orgId, t.devicePatches.orgId), eq(t.patchApprovals.patchId, t.devicePatches.patchId)))
    .where(and(eq(t.devicePatches.deviceId, deviceId), inArray(t.devicePatches.state, [...openPatchStates]), notDeclined()))
}

/** devicesMissingPatchesSince: live devices of `orgIds` missing an update (not failed, not declined) they first reported before `cutoff` (the periodic pass of patch_missing rules). */
export async function devicesMissingPatchesSince(db: Db, orgIds: string[], cutoff: number): Promise<AlertDevice[]> {
  if (orgIds.length === 0) return []
  const rows = await db.selectDistinct({ id: t.devicePatches.deviceId }).from(t.devicePatches)
    .leftJoin(t.patchApprovals, and(eq(t.patchApprovals.orgId, t.devicePatches.orgId), eq(t.patchApprovals.patchId, t.devicePatches.patchId)))
    .where(and(inIds(t.devicePatches.orgId, orgIds), inArray(t.devicePatches.state, ['available', 'approved', 'installing']), lt(t.devicePatches.firstSeenAt, cutoff), notDeclined()))
  return (await listAlertDevices(db, rows.map((r) => r.id))).filter((d) => d.status !== 'decommissioned')
}

/** deviceVolumes: percent used per mount, from the last inventory. */
export async function deviceVolumes(db: Db, deviceId: string): Promise<Record<string, number>> {
  const rows = await db.select({ mount: t.deviceDisks.mount, total: t.deviceDisks.totalBytes, used: t.deviceDisks.usedBytes }).from(t.deviceDisks).where(eq(t.deviceDisks.deviceId, deviceId))
  return Object.fromEntries(rows.filter((r) => r.total > 0).map((r) => [r.mount, Math.round((r.used / r.total) * 1000) / 10]))
}

export async function siteName(db: Db, siteId: string): Promise<string | null> {
  const [row] = await db.select({ name: t.sites.name }).from(t.sites).where(eq(t.sites.id, siteId))
  return row?.name ?? null
}

export async function siteNames(db: Db, ids: string[]): Promise<Record<string, string>> {
  if (ids.length === 0) return {}
  const rows = await db.select({ id: t.sites.id, name: t.sites.name }).from(t.sites).where(inArray(t.sites.id, [...new Set(ids)]))
  return Object.fromEntries(rows.map((r) => [r.id, r.name]))
}

export async function deviceNames(db: Db, ids: string[]): Promise<Record<string, string>> {
  if (ids.length === 0) return {}
  const rows = await db.select({ id: t.devices.id, hostname: t.devices.hostname, displayName: t.devices.displayName }).from(t.devices).where(inIds(t.devices.id, [...new Set(ids)]))
  return Object.fromEntries(rows.map((r) => [r.id, r.displayName ?? r.hostname]))
}

/** groupsOfOrgs / devicesOfOrgs: pickers in the rule and window editors. */
export async function groupsOfOrgs(db: Db, orgIds: string[]) {
  if (orgIds.length === 0) return []
  return db.select({ id: t.deviceGroups.id, orgId: t.deviceGroups.orgId, name: t.deviceGroups.name }).from(t.deviceGroups).where(inIds(t.deviceGroups.orgId, orgIds))
}

export async function devicesOfOrgs(db: Db, orgIds: string[], limit = 2000) {
  if (orgIds.length === 0) return []
  return db.select({ id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, name: t.devices.hostname, heartbeatSeconds: t.devices.heartbeatSeconds }).from(t.devices)
    .where(and(inIds(t.devices.orgId, orgIds), ne(t.devices.status, 'decommissioned'))).limit(limit)
}

/** idsInOrg: which of `ids` are sites / device groups / devices of `orgId` (target validation). */
export async function idsInOrg(db: Db, kind: 'sites' | 'groups' | 'devices', ids: string[], orgId: string): Promise<string[]> {
  if (ids.length === 0) return []
  const table = kind === 'sites' ? t.sites : kind === 'groups' ? t.deviceGroups : t.devices
  const rows = await db.select({ id: table.id }).from(table).where(and(inIds(table.id, ids), eq(table.orgId, orgId)))
  return rows.map((r) => r.id)
}
