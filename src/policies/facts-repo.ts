// Reads of device data policy evaluation needs (the devices domain owns these tables; policies
// only read them): the devices of an org, group membership, and the software and services
// named by rules, in bulk so one policy is checked across thousands of devices in a few queries.
import { and, eq, ne, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds, iStartsWith } from '../db/sql'
import { t } from '../db/tables'

export type PolicyDevice = {
  id: string; orgId: string; siteId: string; hostname: string; displayName: string | null; osType: string; status: string
  heartbeatSeconds: number; lastHeartbeatAt: number | null; cpuPercent: number | null; lastInventoryAt: number | null
}

const deviceColumns = () => ({
  id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, hostname: t.devices.hostname, displayName: t.devices.displayName, osType: t.devices.osType,
  status: t.devices.status, heartbeatSeconds: t.devices.heartbeatSeconds, lastHeartbeatAt: t.devices.lastHeartbeatAt, cpuPercent: t.devices.cpuPercent, lastInventoryAt: t.devices.lastInventoryAt,
})

/** Live (not decommissioned) devices of an org. */
export async function listOrgDevices(db: Db, orgId: string): Promise<PolicyDevice[]> {
  return db.select(deviceColumns()).from(t.devices).where(and(eq(t.devices.orgId, orgId), ne(t.devices.status, 'decommissioned')))
}

export async function findPolicyDevice(db: Db, id: string): Promise<PolicyDevice | undefined> {
  const [row] = await db.select(deviceColumns()).from(t.devices).where(eq(t.devices.id, id))
  return row
}

/** The org's groups (id, parent) and their static/dynamic members (of `deviceIds` only, when given). */
export async function orgGroupMembership(db: Db, orgId: string, deviceIds?: string[]): Promise<{ groups: { id: string; parentId: string | null; name: string }[]; members: { groupId: string; deviceId: string }[] }> {
  const groups = await db.select({ id: t.deviceGroups.id, parentId: t.deviceGroups.parentId, name: t.deviceGroups.name }).from(t.deviceGroups).where(eq(t.deviceGroups.orgId, orgId))
  if (groups.length === 0 || deviceIds?.length === 0) return { groups, members: [] }
  const members = await db.select({ groupId: t.deviceGroupMembers.groupId, deviceId: t.deviceGroupMembers.deviceId }).from(t.deviceGroupMembers)
    .where(and(inIds(t.deviceGroupMembers.groupId, groups.map((g) => g.id)), deviceIds ? inIds(t.deviceGroupMembers.deviceId, deviceIds) : undefined))
  return { groups, members }
}

/** Live devices of an org among `ids`. */
export async function findOrgDevices(db: Db, orgId: string, ids: string[]): Promise<PolicyDevice[]> {
  if (ids.length === 0) return []
  return db.select(deviceColumns()).from(t.devices).where(and(eq(t.devices.orgId, orgId), inIds(t.devices.id, ids), ne(t.devices.status, 'decommissioned')))
}

export async function siteNames(db: Db, orgId: string): Promise<Map<string, string>> {
  const rows = await db.select({ id: t.sites.id, name: t.sites.name }).from(t.sites).where(eq(t.sites.orgId, orgId))
  return new Map(rows.map((r) => [r.id, r.name]))
}

function anyPrefix(column: Parameters<typeof iStartsWith>[0], names: string[]): SQL | undefined {
  return names.length ? or(...names.map((n) => iStartsWith(column, n))) : undefined
}

/** Software of `deviceIds` whose name starts with one of `names` (case-insensitive). */
export async function softwareNamed(db: Db, deviceIds: string[], names: string[]): Promise<{ deviceId: string; name: string; version: string | null }[]> {
  if (deviceIds.length === 0 || names.length === 0) return []
  const out: { deviceId: string; name: string; version: string | null }[] = []
  for (let i = 0; i < deviceIds.length; i += 2000) {
    out.push(...await db.select({ deviceId: t.deviceSoftware.deviceId, name: t.deviceSoftware.name, version: t.deviceSoftware.version }).from(t.deviceSoftware)
      .where(and(inIds(t.deviceSoftware.deviceId, deviceIds.slice(i, i + 2000)), anyPrefix(t.deviceSoftware.name, names))))
  }
  return out
}

/** Services of `deviceIds` whose name starts with one of `names` (case-insensitive). */
export async function servicesNamed(db: Db, deviceIds: string[], names: string[]): Promise<{ deviceId: string; name: string; state: string }[]> {
  if (deviceIds.length === 0 || names.length === 0) return []
  const out: { deviceId: string; name: string; state: string }[] = []
  for (let i = 0; i < deviceIds.length; i += 2000) {
    out.push(...await db.select({ deviceId: t.deviceServices.deviceId, name: t.deviceServices.name, state: t.deviceServices.state }).from(t.deviceServices)
      .where(and(inIds(t.deviceServices.deviceId, deviceIds.slice(i, i + 2000)), anyPrefix(t.deviceServices.name, names))))
  }
  return out
}
