// The devices domain's own rows in the appliance settings table: metric retention and the
// roll-up job's progress.
import { eq } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

const keys = { retention: 'devices.metrics.retention', rollup: 'devices.metrics.rollup' } as const

export async function readDeviceSetting<T>(db: Db, key: keyof typeof keys): Promise<Partial<T> | undefined> {
  const [row] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, keys[key]))
  return row?.value as Partial<T> | undefined
}

export async function writeDeviceSetting(db: Db, key: keyof typeof keys, value: unknown, now: number) {
  await db.insert(t.settings).values({ key: keys[key], value, updatedAt: now })
    .onConflictDoUpdate({ target: t.settings.key, set: { value, updatedAt: now } })
}
