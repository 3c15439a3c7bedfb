// Saved device-list views: each user's own, by name.
import { and, asc, count, eq, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type SavedView = typeof t.deviceSavedViews.$inferSelect

/** listSavedViewsOf: a user's views, by name. */
export async function listSavedViewsOf(db: Db, userId: string): Promise<SavedView[]> {
  return db.select().from(t.deviceSavedViews).where(eq(t.deviceSavedViews.userId, userId)).orderBy(sql`lower(${t.deviceSavedViews.name})`, asc(t.deviceSavedViews.id))
}

/** findSavedViewOf: one view, only if it is this user's. */
export async function findSavedViewOf(db: Db, userId: string, id: string): Promise<SavedView | undefined> {
  const [row] = await db.select().from(t.deviceSavedViews).where(and(eq(t.deviceSavedViews.id, id), eq(t.deviceSavedViews.userId, userId)))
  return row
}

/** findSavedViewByName: a user's view of that name (names are unique per user, as typed). */
export async function findSavedViewByName(db: Db, userId: string, name: string): Promise<SavedView | undefined> {
  const [row] = await db.select().from(t.deviceSavedViews).where(and(eq(t.deviceSavedViews.userId, userId), eq(t.deviceSavedViews.name, name)))
  return row
}

export async function countSavedViewsOf(db: Db, userId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(t.deviceSavedViews).where(eq(t.deviceSavedViews.userId, userId))
  return Number(n)
}

export async function insertSavedView(db: Db, row: SavedView) {
  await db.insert(t.deviceSavedViews).values(row)
}

export async function updateSavedViewRow(db: Db, id: string, patch: Partial<Omit<SavedView, 'id' | 'userId' | 'createdAt'>>) {
  await db.update(t.deviceSavedViews).set(patch).where(eq(t.deviceSavedViews.id, id))
}

export async function deleteSavedViewRow(db: Db, id: string) {
  await db.delete(t.deviceSavedViews).where(eq(t.deviceSavedViews.id, id))
}
