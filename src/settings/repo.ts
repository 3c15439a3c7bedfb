import { eq } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export async function findSetting(db: Db, key: string): Promise<unknown | undefined> {
  const [row] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, key))
  return row?.value
}

export async function upsertSetting(db: Db, key: string, value: unknown, now: number) {
  await db.insert(t.settings).values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: t.settings.key, set: { value, updatedAt: now } })
}

/** insertSettingOnce inserts `key` only if absent and says whether it did (a one-time latch). */
export async function insertSettingOnce(db: Db, key: string, value: unknown, now: number): Promise<boolean> {
  const rows = await db.insert(t.settings).values({ key, value, updatedAt: now }).onConflictDoNothing().returning({ key: t.settings.key })
  return rows.length === 1
}

export async function deleteSetting(db: Db, key: string) {
  await db.delete(t.settings).where(eq(t.settings.key, key))
}
