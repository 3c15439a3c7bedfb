// Queries for enrollment requests (re-enrollments of known machines waiting for approval).
import { and, desc, eq, gt, inArray, lte, ne, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type EnrollmentRequest = typeof t.enrollmentRequests.$inferSelect
export type RequestStatus = EnrollmentRequest['status']

export async function insertEnrollmentRequest(db: Db, row: EnrollmentRequest) {
  await db.insert(t.enrollmentRequests).values(row)
}

export async function findEnrollmentRequest(db: Db, id: string): Promise<EnrollmentRequest | undefined> {
  const [row] = await db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, id))
  return row
}

/** countOpenRequestsOf: requests for this device still waiting (pending and not expired). */
export async function countOpenRequestsOf(db: Db, deviceId: string, now: number): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(t.enrollmentRequests)
    .where(and(eq(t.enrollmentRequests.deviceId, deviceId), eq(t.enrollmentRequests.status, 'pending'), gt(t.enrollmentRequests.expiresAt, now)))
  return row?.n ?? 0
}

/**
 * decideRequest moves a request out of `pending` (compare-and-set: still pending and, for an
 * approval or rejection, not expired); false when another decision or the expiry came first.
 */
export async function decideRequest(db: Db, id: string, to: Exclude<RequestStatus, 'pending'>, now: number, patch: Partial<EnrollmentRequest> = {}): Promise<boolean> {
  const rows = await db.update(t.enrollmentRequests).set({ ...patch, status: to }).where(and(
    eq(t.enrollmentRequests.id, id),
    eq(t.enrollmentRequests.status, 'pending'),
    to === 'expired' ? lte(t.enrollmentRequests.expiresAt, now) : gt(t.enrollmentRequests.expiresAt, now),
  )).returning({ id: t.enrollmentRequests.id })
  return rows.length === 1
}

export async function touchRequestPolled(db: Db, id: string, now: number) {
  await db.update(t.enrollmentRequests).set({ lastPolledAt: now }).where(eq(t.enrollmentRequests.id, id))
}

/** listRequestsOf: the requests of these orgs (newest first), with what a list shows about their device, key, org and site. */
export async function listRequestsOf(db: Db, orgIds: string[], opts: { open?: boolean; now: number; limit?: number }) {
  return db.select({
    request: t.enrollmentRequests,
    orgName: t.organizations.name,
    siteName: t.sites.name,
    keyName: t.enrollmentKeys.name,
    keyRevokedAt: t.enrollmentKeys.revokedAt,
    device: { hostname: t.devices.hostname, displayName: t.devices.displayName, status: t.devices.status, lastSeenAt: t.devices.lastSeenAt, siteId: t.devices.siteId },
    decidedByName: t.users.name,
  }).from(t.enrollmentRequests)
    .innerJoin(t.organizations, eq(t.organizations.id, t.enrollmentRequests.orgId))
    .innerJoin(t.devices, eq(t.devices.id, t.enrollmentRequests.deviceId))
    .innerJoin(t.enrollmentKeys, eq(t.enrollmentKeys.id, t.enrollmentRequests.enrollmentKeyId))
    .leftJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .leftJoin(t.users, eq(t.users.id, t.enrollmentRequests.decidedBy))
    .where(and(
      inIds(t.enrollmentRequests.orgId, orgIds),
      opts.open ? and(eq(t.enrollmentRequests.status, 'pending'), gt(t.enrollmentRequests.expiresAt, opts.now)) : undefined,
    ))
    .orderBy(desc(t.enrollmentRequests.createdAt))
    .limit(opts.limit ?? 200)
}

/** dueToExpire: pending requests past their expiry (the expiry job's batch). */
export async function dueToExpire(db: Db, now: number, limit = 500): Promise<EnrollmentRequest[]> {
  return db.select().from(t.enrollmentRequests)
    .where(and(eq(t.enrollmentRequests.status, 'pending'), lte(t.enrollmentRequests.expiresAt, now))).limit(limit)
}

/** purgeDecidedBefore deletes decided and expired requests created before `before` (their audit rows stay). */
export async function purgeDecidedBefore(db: Db, before: number) {
  await db.delete(t.enrollmentRequests).where(and(ne(t.enrollmentRequests.status, 'pending'), lte(t.enrollmentRequests.createdAt, before)))
}

/** openRequestIdsOfDevices: which of these devices have a request waiting (device lists). */
export async function devicesWithOpenRequests(db: Db, deviceIds: string[], now: number): Promise<Set<string>> {
  if (deviceIds.length === 0) return new Set()
  const rows = await db.selectDistinct({ id: t.enrollmentRequests.deviceId }).from(t.enrollmentRequests)
    .where(and(inArray(t.enrollmentRequests.deviceId, deviceIds), eq(t.enrollmentRequests.status, 'pending'), gt(t.enrollmentRequests.expiresAt, now)))
  return new Set(rows.map((r) => r.id))
}
