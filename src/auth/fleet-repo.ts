// Fleet-wide actions counted for the per-tenant rate limit (src/auth/fleet-guard.ts).
import { and, asc, count, eq, gt, lt, min } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import { inIds } from '../db/sql'

export type FleetActionRow = typeof t.fleetActions.$inferSelect

/** countFleetActions: how many actions a tenant key started after `since`, and the oldest of them. */
export async function countFleetActions(db: Db, tenantKey: string, since: number): Promise<{ count: number; oldest: number | null }> {
  const [row] = await db.select({ n: count(), oldest: min(t.fleetActions.at) }).from(t.fleetActions)
    .where(and(eq(t.fleetActions.tenantKey, tenantKey), gt(t.fleetActions.at, since)))
  return { count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) }
}

/** insertFleetActions stores the rows of one action and drops those of the same tenants older than `prune`. */
export async function insertFleetActions(db: Db, rows: FleetActionRow[], prune: number) {
  if (rows.length === 0) return
  await db.delete(t.fleetActions).where(and(inIds(t.fleetActions.tenantKey, rows.map((r) => r.tenantKey)), lt(t.fleetActions.at, prune)))
  await db.insert(t.fleetActions).values(rows)
}

/** listFleetActions: the newest actions of a tenant key (tests and support). */
export async function listFleetActions(db: Db, tenantKey: string) {
  return db.select().from(t.fleetActions).where(eq(t.fleetActions.tenantKey, tenantKey)).orderBy(asc(t.fleetActions.at))
}
