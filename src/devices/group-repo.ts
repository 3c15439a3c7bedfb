// Queries for device groups and their members.
import { and, asc, count, eq, inArray, ne, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'
import { visibleDevices } from './repo'
import type { DeviceVisibility } from './visibility'

export type DeviceGroup = typeof t.deviceGroups.$inferSelect
export type GroupMember = typeof t.deviceGroupMembers.$inferSelect

export async function findGroup(db: Db, id: string): Promise<DeviceGroup | undefined> {
  const [row] = await db.select().from(t.deviceGroups).where(eq(t.deviceGroups.id, id))
  return row
}

/** listGroupsOfOrgs returns every group of the given orgs (groups per org are few: hundreds at most). */
export async function listGroupsOfOrgs(db: Db, orgIds: string[]): Promise<DeviceGroup[]> {
  if (orgIds.length === 0) return []
  return db.select().from(t.deviceGroups).where(inIds(t.deviceGroups.orgId, orgIds)).orderBy(asc(t.deviceGroups.name))
}

export async function listDynamicGroups(db: Db, orgIds?: string[]): Promise<DeviceGroup[]> {
  return db.select().from(t.deviceGroups).where(and(eq(t.deviceGroups.type, 'dynamic'), orgIds ? inIds(t.deviceGroups.orgId, orgIds) : undefined))
}

export async function groupNameTaken(db: Db, orgId: string, name: string, exceptId?: string): Promise<boolean> {
  const rows = await db.select({ id: t.deviceGroups.id }).from(t.deviceGroups).where(and(eq(t.deviceGroups.orgId, orgId), sql`lower(${t.deviceGroups.name}) = ${name.toLowerCase()}`))
  return rows.some((r) => r.id !== exceptId)
}

export async function insertGroup(db: Db, row: DeviceGroup) {
  await db.insert(t.deviceGroups).values(row)
}

export async function updateGroupRow(db: Db, id: string, patch: Partial<DeviceGroup>) {
  await db.update(t.deviceGroups).set(patch).where(eq(t.deviceGroups.id, id))
}

/** deleteGroupRow removes a group and its memberships; children move up to its parent. */
export async function deleteGroupRow(db: Db, group: DeviceGroup) {
  await db.update(t.deviceGroups).set({ parentId: group.parentId }).where(eq(t.deviceGroups.parentId, group.id))
  await db.delete(t.deviceGroupMembers).where(eq(t.deviceGroupMembers.groupId, group.id))
  await db.delete(t.deviceGroups).where(eq(t.deviceGroups.id, group.id))
}

/** memberCounts: visible member devices per group (non-decommissioned). */
export async function memberCounts(db: Db, v: DeviceVisibility, groupIds: string[]): Promise<Record<string, number>> {
  if (groupIds.length === 0) return {}
  const rows = await db.select({ groupId: t.deviceGroupMembers.groupId, n: count() }).from(t.deviceGroupMembers)
    .innerJoin(t.devices, eq(t.devices.id, t.deviceGroupMembers.deviceId))
    .where(and(inIds(t.deviceGroupMembers.groupId, groupIds), visibleDevices(v), ne(t.devices.status, 'decommissioned')))
    .groupBy(t.deviceGroupMembers.groupId)
  return Object.fromEntries(rows.map((r) => [r.groupId, Number(r.n)]))
}

/** memberDeviceIds: the distinct devices in any of the groups. */
export async function memberDeviceIds(db: Db, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return []
  const rows = await db.selectDistinct({ id: t.deviceGroupMembers.deviceId }).from(t.deviceGroupMembers).where(inIds(t.deviceGroupMembers.groupId, groupIds))
  return rows.map((r) => r.id)
}

/** groupsOfDevice: the groups a device belongs to. */
export async function groupsOfDevice(db: Db, deviceId: string) {
  return db.select({ id: t.deviceGroups.id, name: t.deviceGroups.name, type: t.deviceGroups.type, addedBy: t.deviceGroupMembers.addedBy, addedAt: t.deviceGroupMembers.addedAt })
    .from(t.deviceGroupMembers).innerJoin(t.deviceGroups, eq(t.deviceGroups.id, t.deviceGroupMembers.groupId))
    .where(eq(t.deviceGroupMembers.deviceId, deviceId)).orderBy(asc(t.deviceGroups.name))
}

export async function addMembers(db: Db, rows: GroupMember[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(t.deviceGroupMembers).values(rows.slice(i, i + 500)).onConflictDoNothing()
}

export async function removeMembers(db: Db, groupId: string, deviceIds: string[]) {
  if (deviceIds.length === 0) return
  await db.delete(t.deviceGroupMembers).where(and(eq(t.deviceGroupMembers.groupId, groupId), inIds(t.deviceGroupMembers.deviceId, deviceIds)))
}

/** removeMembersOutsideSite drops members of a group that are not in `siteId` (a group narrowed to one site). */
export async function removeMembersOutsideSite(db: Db, groupId: string, siteId: string) {
  await db.delete(t.deviceGroupMembers).where(and(eq(t.deviceGroupMembers.groupId, groupId),
    notInArray(t.deviceGroupMembers.deviceId, db.select({ id: t.devices.id }).from(t.devices).where(eq(t.devices.siteId, siteId)))))
}

/** removeFromOtherSiteGroups drops memberships of the devices in groups bound to a site other than `siteId` (after a move). */
export async function removeFromOtherSiteGroups(db: Db, deviceIds: string[], siteId: string) {
  if (deviceIds.length === 0) return
  await db.delete(t.deviceGroupMembers).where(and(
    inIds(t.deviceGroupMembers.deviceId, deviceIds),
    inArray(t.deviceGroupMembers.groupId, db.select({ id: t.deviceGroups.id }).from(t.deviceGroups).where(and(sql`${t.deviceGroups.siteId} IS NOT NULL`, ne(t.deviceGroups.siteId, siteId)))),
  ))
}

/** memberIdsOf: current members of one group (optionally only among `deviceIds`). */
export async function memberIdsOf(db: Db, groupId: string, deviceIds?: string[]): Promise<string[]> {
  const rows = await db.select({ id: t.deviceGroupMembers.deviceId }).from(t.deviceGroupMembers)
    .where(and(eq(t.deviceGroupMembers.groupId, groupId), deviceIds ? inIds(t.deviceGroupMembers.deviceId, deviceIds) : undefined))
  return rows.map((r) => r.id)
}

/** childGroups: the direct children of a group. */
export async function childGroups(db: Db, parentId: string): Promise<DeviceGroup[]> {
  return db.select().from(t.deviceGroups).where(eq(t.deviceGroups.parentId, parentId))
}
