// Queries for the in-app notification center, and for who may be told about an org's events.
import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type InboxNotification = typeof t.notifications.$inferSelect

export async function insertNotifications(db: Db, rows: InboxNotification[]) {
  if (rows.length) await db.insert(t.notifications).values(rows)
}

export async function listNotifications(db: Db, userId: string, opts: { unreadOnly?: boolean; limit: number }): Promise<InboxNotification[]> {
  return db.select().from(t.notifications).where(and(eq(t.notifications.userId, userId), opts.unreadOnly ? isNull(t.notifications.readAt) : undefined))
    .orderBy(desc(t.notifications.createdAt)).limit(opts.limit)
}

export async function countUnread(db: Db, userId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(t.notifications).where(and(eq(t.notifications.userId, userId), isNull(t.notifications.readAt)))
  return Number(n)
}

export async function markRead(db: Db, userId: string, ids: string[] | 'all', at: number) {
  await db.update(t.notifications).set({ readAt: at }).where(and(
    eq(t.notifications.userId, userId), isNull(t.notifications.readAt), ids === 'all' ? undefined : inArray(t.notifications.id, ids.length ? ids : ['-']),
  ))
}

export async function listPlatformAdminIds(db: Db): Promise<string[]> {
  const rows = await db.select({ id: t.users.id }).from(t.users).where(and(eq(t.users.isPlatformAdmin, true), eq(t.users.status, 'active')))
  return rows.map((r) => r.id)
}

export async function activeUsersByIds(db: Db, ids: string[]) {
  if (ids.length === 0) return []
  return db.select({ id: t.users.id, isPlatformAdmin: t.users.isPlatformAdmin, name: t.users.name, email: t.users.email }).from(t.users)
    .where(and(inArray(t.users.id, [...new Set(ids)]), eq(t.users.status, 'active')))
}
