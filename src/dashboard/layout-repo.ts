// A user's dashboard arrangement (one row per user).
import { eq } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type LayoutEntry = { key: string; visible: boolean }

export async function findLayout(db: Db, userId: string): Promise<LayoutEntry[] | null> {
  const [row] = await db.select({ widgets: t.dashboardLayouts.widgets }).from(t.dashboardLayouts).where(eq(t.dashboardLayouts.userId, userId))
  return row?.widgets ?? null
}

export async function upsertLayout(db: Db, userId: string, widgets: LayoutEntry[], now: number) {
  await db.insert(t.dashboardLayouts).values({ userId, widgets, updatedAt: now })
    .onConflictDoUpdate({ target: t.dashboardLayouts.userId, set: { widgets, updatedAt: now } })
}
