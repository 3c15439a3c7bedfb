// API key rows.
import { and, desc, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import type { ApiKey } from './actor'

export async function insertApiKey(db: Db, key: ApiKey) {
  await db.insert(t.apiKeys).values(key)
}

export async function listApiKeysOf(db: Db, userId: string): Promise<ApiKey[]> {
  return db.select().from(t.apiKeys).where(eq(t.apiKeys.userId, userId)).orderBy(desc(t.apiKeys.createdAt))
}

/** revokeOwnApiKey revokes a live key of `userId`; returns it, or undefined when there is none. */
export async function revokeOwnApiKey(db: Db, id: string, userId: string, now: number): Promise<ApiKey | undefined> {
  const [row] = await db.update(t.apiKeys).set({ revokedAt: now }).where(and(eq(t.apiKeys.id, id), eq(t.apiKeys.userId, userId), isNull(t.apiKeys.revokedAt))).returning()
  return row
}

export async function findApiKeyByHash(db: Db, keyHash: string): Promise<ApiKey | undefined> {
  const [row] = await db.select().from(t.apiKeys).where(eq(t.apiKeys.keyHash, keyHash))
  return row
}

export async function touchApiKey(db: Db, id: string, now: number) {
  await db.update(t.apiKeys).set({ lastUsedAt: now }).where(eq(t.apiKeys.id, id))
}

export async function findApiKeyById(db: Db, id: string): Promise<ApiKey | undefined> {
  const [row] = await db.select().from(t.apiKeys).where(eq(t.apiKeys.id, id))
  return row
}
