// Queries for device maintenance mode: the device_maintenance row and the status transitions
// into and out of 'maintenance' (guarded by the current status, so they never race the
// online/offline tracking in src/agents, which moves only 'online' and 'offline' devices).
import { and, eq, inArray, lte, ne, or } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type Maintenance = typeof t.deviceMaintenance.$inferSelect

/** A maintenance as shown: the row and the email of who started it. */
export type MaintenanceView = Maintenance & { startedByEmail: string | null }

export async function findMaintenance(db: Db, deviceId: string): Promise<MaintenanceView | undefined> {
  const [row] = await db.select({ m: t.deviceMaintenance, email: t.users.email }).from(t.deviceMaintenance)
    .leftJoin(t.users, eq(t.users.id, t.deviceMaintenance.startedBy)).where(eq(t.deviceMaintenance.deviceId, deviceId))
  return row ? { ...row.m, startedByEmail: row.email } : undefined
}

export async function listMaintenance(db: Db, deviceIds: string[]): Promise<Maintenance[]> {
  if (deviceIds.length === 0) return []
  return db.select().from(t.deviceMaintenance).where(inIds(t.deviceMaintenance.deviceId, deviceIds))
}

/** saveMaintenance inserts or replaces a device's maintenance row. */
export async function saveMaintenance(db: Db, row: Maintenance) {
  await db.insert(t.deviceMaintenance).values(row).onConflictDoUpdate({
    target: t.deviceMaintenance.deviceId,
    set: { startedAt: row.startedAt, endsAt: row.endsAt, reason: row.reason, startedBy: row.startedBy },
  })
}

export async function deleteMaintenance(db: Db, deviceIds: string[]) {
  if (deviceIds.length === 0) return
  await db.delete(t.deviceMaintenance).where(inIds(t.deviceMaintenance.deviceId, deviceIds))
}

/** enterMaintenance sets status 'maintenance' on live devices (online, offline or already in maintenance); returns those set. */
export async function enterMaintenance(db: Db, ids: string[], now: number): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db.update(t.devices).set({ status: 'maintenance', updatedAt: now })
    .where(and(inIds(t.devices.id, ids), inArray(t.devices.status, ['online', 'offline', 'maintenance']))).returning({ id: t.devices.id })
  return rows.map((r) => r.id)
}

/** leaveMaintenance moves a device out of maintenance to `status`; false when it was not in maintenance. */
export async function leaveMaintenance(db: Db, id: string, status: 'online' | 'offline', now: number): Promise<boolean> {
  const rows = await db.update(t.devices).set({ status, updatedAt: now }).where(and(eq(t.devices.id, id), eq(t.devices.status, 'maintenance'))).returning({ id: t.devices.id })
  return rows.length > 0
}

/**
 * dueMaintenance: maintenance rows to close: their time ran out, or the device left maintenance
 * another way (decommissioned). With the device and its org's partner for the audit entry.
 */
export async function dueMaintenance(db: Db, now: number, limit: number) {
  return db.select({
    deviceId: t.deviceMaintenance.deviceId, endsAt: t.deviceMaintenance.endsAt, reason: t.deviceMaintenance.reason,
    orgId: t.devices.orgId, partnerId: t.organizations.partnerId, status: t.devices.status, hostname: t.devices.hostname, displayName: t.devices.displayName,
    lastSeenAt: t.devices.lastSeenAt, heartbeatSeconds: t.devices.heartbeatSeconds,
  }).from(t.deviceMaintenance)
    .innerJoin(t.devices, eq(t.devices.id, t.deviceMaintenance.deviceId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .where(or(lte(t.deviceMaintenance.endsAt, now), ne(t.devices.status, 'maintenance')))
    .limit(limit)
}
