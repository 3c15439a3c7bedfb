// Queries for a device's inventory tables (hardware, disks, network, software, services).
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type HardwareRow = typeof t.deviceHardware.$inferSelect
export type DiskRow = typeof t.deviceDisks.$inferSelect
export type NetworkRow = typeof t.deviceNetwork.$inferSelect
export type SoftwareRow = typeof t.deviceSoftware.$inferSelect
export type ServiceRow = typeof t.deviceServices.$inferSelect

const chunked = async <T>(rows: T[], fn: (part: T[]) => Promise<unknown>) => {
  for (let i = 0; i < rows.length; i += 400) await fn(rows.slice(i, i + 400))
}

export async function findDevice(db: Db, id: string) {
  const [row] = await db.select().from(t.devices).where(eq(t.devices.id, id))
  return row
}

export async function findHardware(db: Db, deviceId: string): Promise<HardwareRow | undefined> {
  const [row] = await db.select().from(t.deviceHardware).where(eq(t.deviceHardware.deviceId, deviceId))
  return row
}

export async function upsertHardware(db: Db, row: HardwareRow) {
  const { deviceId: _id, ...rest } = row
  await db.insert(t.deviceHardware).values(row).onConflictDoUpdate({ target: t.deviceHardware.deviceId, set: rest })
}

export async function listNetwork(db: Db, deviceId: string): Promise<NetworkRow[]> {
  return db.select().from(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, deviceId))
}

export async function replaceDisks(db: Db, deviceId: string, rows: DiskRow[]) {
  await db.delete(t.deviceDisks).where(eq(t.deviceDisks.deviceId, deviceId))
  await chunked(rows, (part) => db.insert(t.deviceDisks).values(part))
}

export async function replaceNetwork(db: Db, deviceId: string, rows: NetworkRow[]) {
  await db.delete(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, deviceId))
  await chunked(rows, (part) => db.insert(t.deviceNetwork).values(part))
}

export async function listServiceRows(db: Db, deviceId: string): Promise<ServiceRow[]> {
  return db.select().from(t.deviceServices).where(eq(t.deviceServices.deviceId, deviceId))
}

/** updateServiceRow sets one service's state and start type (after a service action); false when the device has no such row. */
export async function updateServiceRow(db: Db, deviceId: string, name: string, patch: Pick<ServiceRow, 'state' | 'startMode' | 'updatedAt'>): Promise<boolean> {
  const rows = await db.update(t.deviceServices).set(patch).where(and(eq(t.deviceServices.deviceId, deviceId), eq(t.deviceServices.name, name))).returning({ id: t.deviceServices.id })
  return rows.length > 0
}

export async function insertServiceRow(db: Db, row: ServiceRow) {
  await db.insert(t.deviceServices).values(row)
}

export async function replaceServices(db: Db, deviceId: string, rows: ServiceRow[]) {
  await db.delete(t.deviceServices).where(eq(t.deviceServices.deviceId, deviceId))
  await chunked(rows, (part) => db.insert(t.deviceServices).values(part))
}

export async function listSoftware(db: Db, deviceId: string): Promise<SoftwareRow[]> {
  return db.select().from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, deviceId))
}

/** applySoftwareDiff inserts, deletes and updates software rows in chunks. */
export async function applySoftwareDiff(db: Db, diff: { insert: SoftwareRow[]; deleteIds: string[]; update: SoftwareRow[] }) {
  await chunked(diff.deleteIds, (ids) => db.delete(t.deviceSoftware).where(inArray(t.deviceSoftware.id, ids)))
  await chunked(diff.insert, (part) => db.insert(t.deviceSoftware).values(part))
  for (const row of diff.update) {
    const { id, ...rest } = row
    await db.update(t.deviceSoftware).set(rest).where(eq(t.deviceSoftware.id, id))
  }
}
