// Queries for maintenance windows.
import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type MaintenanceWindow = typeof t.maintenanceWindows.$inferSelect

export async function listWindows(db: Db, orgIds: string[]): Promise<MaintenanceWindow[]> {
  return db.select().from(t.maintenanceWindows).where(and(isNull(t.maintenanceWindows.deletedAt), inIds(t.maintenanceWindows.orgId, orgIds)))
    .orderBy(asc(t.maintenanceWindows.name))
}

export async function listEnabledWindowsOfOrg(db: Db, orgId: string): Promise<MaintenanceWindow[]> {
  return db.select().from(t.maintenanceWindows).where(and(isNull(t.maintenanceWindows.deletedAt), eq(t.maintenanceWindows.enabled, true), eq(t.maintenanceWindows.orgId, orgId)))
}

export async function findWindow(db: Db, id: string): Promise<MaintenanceWindow | undefined> {
  const [row] = await db.select().from(t.maintenanceWindows).where(and(eq(t.maintenanceWindows.id, id), isNull(t.maintenanceWindows.deletedAt)))
  return row
}

export async function insertWindow(db: Db, row: MaintenanceWindow) {
  await db.insert(t.maintenanceWindows).values(row)
}

export async function updateWindowRow(db: Db, id: string, patch: Partial<MaintenanceWindow>) {
  await db.update(t.maintenanceWindows).set(patch).where(eq(t.maintenanceWindows.id, id))
}
