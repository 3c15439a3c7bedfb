// Queries for device custom fields (device_custom_fields; automations' update_device step
// writes the same table).
import { and, asc, count, eq } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type CustomField = typeof t.deviceCustomFields.$inferSelect

export async function listCustomFields(db: Db, deviceId: string): Promise<CustomField[]> {
  return db.select().from(t.deviceCustomFields).where(eq(t.deviceCustomFields.deviceId, deviceId)).orderBy(asc(t.deviceCustomFields.name))
}

export async function countCustomFields(db: Db, deviceId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.deviceCustomFields).where(eq(t.deviceCustomFields.deviceId, deviceId))
  return Number(row.n)
}

export async function upsertCustomField(db: Db, row: CustomField) {
  await db.insert(t.deviceCustomFields).values(row).onConflictDoUpdate({
    target: [t.deviceCustomFields.deviceId, t.deviceCustomFields.name],
    set: { value: row.value, updatedAt: row.updatedAt, updatedByRun: row.updatedByRun },
  })
}

export async function deleteCustomField(db: Db, deviceId: string, name: string) {
  await db.delete(t.deviceCustomFields).where(and(eq(t.deviceCustomFields.deviceId, deviceId), eq(t.deviceCustomFields.name, name)))
}
