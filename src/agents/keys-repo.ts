// Queries for enrollment keys.
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type EnrollmentKey = typeof t.enrollmentKeys.$inferSelect

export async function insertEnrollmentKey(db: Db, row: EnrollmentKey) {
  await db.insert(t.enrollmentKeys).values(row)
}

export async function listEnrollmentKeysOf(db: Db, orgIds: string[]) {
  return db.select({ key: t.enrollmentKeys, orgName: t.organizations.name, siteName: t.sites.name }).from(t.enrollmentKeys)
    .innerJoin(t.organizations, eq(t.organizations.id, t.enrollmentKeys.orgId))
    .leftJoin(t.sites, eq(t.sites.id, t.enrollmentKeys.siteId))
    .where(inIds(t.enrollmentKeys.orgId, orgIds))
    .orderBy(desc(t.enrollmentKeys.createdAt))
}

export async function findEnrollmentKey(db: Db, id: string): Promise<EnrollmentKey | undefined> {
  const [row] = await db.select().from(t.enrollmentKeys).where(eq(t.enrollmentKeys.id, id))
  return row
}

export async function findEnrollmentKeyByHash(db: Db, keyHash: string): Promise<EnrollmentKey | undefined> {
  const [row] = await db.select().from(t.enrollmentKeys).where(eq(t.enrollmentKeys.keyHash, keyHash))
  return row
}

export async function revokeEnrollmentKeyRow(db: Db, id: string, now: number) {
  await db.update(t.enrollmentKeys).set({ revokedAt: now }).where(and(eq(t.enrollmentKeys.id, id), isNull(t.enrollmentKeys.revokedAt)))
}

/** consumeKeyUse counts one use if the key is still usable at `now`; false when it raced to exhaustion. */
export async function consumeKeyUse(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db.update(t.enrollmentKeys).set({ usedCount: sql`${t.enrollmentKeys.usedCount} + 1` }).where(and(
    eq(t.enrollmentKeys.id, id),
    isNull(t.enrollmentKeys.revokedAt),
    or(isNull(t.enrollmentKeys.expiresAt), gt(t.enrollmentKeys.expiresAt, now)),
    or(isNull(t.enrollmentKeys.maxUses), lt(t.enrollmentKeys.usedCount, t.enrollmentKeys.maxUses)),
  )).returning({ id: t.enrollmentKeys.id })
  return rows.length === 1
}

/** The org a key enrolls into, with what enrollment needs to know about it. */
export async function findOrgForEnrollment(db: Db, orgId: string) {
  const [row] = await db.select({ id: t.organizations.id, partnerId: t.organizations.partnerId, status: t.organizations.status, deletedAt: t.organizations.deletedAt })
    .from(t.organizations).where(eq(t.organizations.id, orgId))
  return row
}

/** firstSiteOf is where devices go when a key names no site: the org's oldest site. */
export async function firstSiteOf(db: Db, orgId: string): Promise<string | undefined> {
  const [row] = await db.select({ id: t.sites.id }).from(t.sites).where(eq(t.sites.orgId, orgId)).orderBy(t.sites.createdAt).limit(1)
  return row?.id
}

export async function findSiteOrg(db: Db, siteId: string): Promise<string | undefined> {
  const [row] = await db.select({ orgId: t.sites.orgId }).from(t.sites).where(eq(t.sites.id, siteId))
  return row?.orgId
}

/** findStaticGroupOrg: the org of a static device group (enrollment keys may name one). */
export async function findStaticGroupOrg(db: Db, groupId: string): Promise<string | undefined> {
  const [row] = await db.select({ orgId: t.deviceGroups.orgId }).from(t.deviceGroups).where(and(eq(t.deviceGroups.id, groupId), eq(t.deviceGroups.type, 'static')))
  return row?.orgId
}
