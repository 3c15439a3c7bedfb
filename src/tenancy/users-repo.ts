// Queries for users, memberships and roles.
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'

export type User = typeof t.users.$inferSelect
export type Role = typeof t.roles.$inferSelect
export type PartnerMember = typeof t.partnerMembers.$inferSelect
export type OrgMember = typeof t.orgMembers.$inferSelect

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(t.users).where(eq(t.users.id, id))
  return row
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(t.users).where(eq(t.users.email, email.trim().toLowerCase()))
  return row
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(t.users)
  return row.n
}

export async function insertUser(db: Db, row: User) {
  await db.insert(t.users).values(row)
}

export async function updateUserRow(db: Db, id: string, patch: Partial<User>) {
  await db.update(t.users).set(patch).where(eq(t.users.id, id))
}

/** recordLoginFailure bumps the failure count and locks the account once it reaches `threshold`. */
export async function recordLoginFailure(db: Db, id: string, now: number, threshold: number, lockMs: number) {
  const [row] = await db.update(t.users).set({ failedLoginCount: sql`${t.users.failedLoginCount} + 1` }).where(eq(t.users.id, id)).returning({ n: t.users.failedLoginCount })
  if (row && row.n >= threshold) await db.update(t.users).set({ lockedUntil: now + lockMs, failedLoginCount: 0 }).where(eq(t.users.id, id))
  return row?.n ?? 0
}

/**
 * advanceMfaStep stores `step` as the last accepted TOTP step only if it is newer than the
 * stored one. Exactly one of two concurrent submissions of the same code wins.
 */
export async function advanceMfaStep(db: Db, id: string, step: number): Promise<boolean> {
  const rows = await db.update(t.users).set({ mfaLastStep: step })
    .where(and(eq(t.users.id, id), or(isNull(t.users.mfaLastStep), sql`${t.users.mfaLastStep} < ${step}`)))
    .returning({ id: t.users.id })
  return rows.length === 1
}

/** The ids of users who are members anywhere in the given partners or orgs. */
export async function memberUserIds(db: Db, partnerIds: string[], orgIds: string[]): Promise<string[]> {
  const ids = new Set<string>()
  if (partnerIds.length) for (const r of await db.select({ id: t.partnerMembers.userId }).from(t.partnerMembers).where(inIds(t.partnerMembers.partnerId, partnerIds))) ids.add(r.id)
  if (orgIds.length) for (const r of await db.select({ id: t.orgMembers.userId }).from(t.orgMembers).where(inIds(t.orgMembers.orgId, orgIds))) ids.add(r.id)
  return [...ids]
}

export async function listUsersByIds(db: Db, ids: string[], search?: string) {
  if (ids.length === 0) return []
  return db.select().from(t.users)
    .where(and(inIds(t.users.id, ids), search ? or(iContains(t.users.email, search), iContains(t.users.name, search)) : undefined))
    .orderBy(asc(t.users.email))
}

export async function listPartnerMemberships(db: Db, userIds: string[]) {
  if (userIds.length === 0) return []
  return db.select({ m: t.partnerMembers, roleName: t.roles.name, partnerName: t.partners.name }).from(t.partnerMembers)
    .innerJoin(t.roles, eq(t.roles.id, t.partnerMembers.roleId))
    .innerJoin(t.partners, eq(t.partners.id, t.partnerMembers.partnerId))
    .where(inArray(t.partnerMembers.userId, userIds))
}

export async function listOrgMemberships(db: Db, userIds: string[]) {
  if (userIds.length === 0) return []
  return db.select({ m: t.orgMembers, roleName: t.roles.name, orgName: t.organizations.name }).from(t.orgMembers)
    .innerJoin(t.roles, eq(t.roles.id, t.orgMembers.roleId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.orgMembers.orgId))
    .where(inArray(t.orgMembers.userId, userIds))
}

export async function upsertPartnerMember(db: Db, row: PartnerMember) {
  await db.insert(t.partnerMembers).values(row).onConflictDoUpdate({
    target: [t.partnerMembers.partnerId, t.partnerMembers.userId],
    set: { roleId: row.roleId, orgAccess: row.orgAccess, orgIds: row.orgIds },
  })
}

export async function upsertOrgMember(db: Db, row: OrgMember) {
  await db.insert(t.orgMembers).values(row).onConflictDoUpdate({
    target: [t.orgMembers.orgId, t.orgMembers.userId],
    set: { roleId: row.roleId, siteIds: row.siteIds, deviceGroupIds: row.deviceGroupIds },
  })
}

export async function deletePartnerMember(db: Db, partnerId: string, userId: string) {
  await db.delete(t.partnerMembers).where(and(eq(t.partnerMembers.partnerId, partnerId), eq(t.partnerMembers.userId, userId)))
}

export async function deleteOrgMember(db: Db, orgId: string, userId: string) {
  await db.delete(t.orgMembers).where(and(eq(t.orgMembers.orgId, orgId), eq(t.orgMembers.userId, userId)))
}

/** The first partner a user belongs to (directly or through an org), for attributing their events. */
export async function primaryPartnerOf(db: Db, userId: string): Promise<string | null> {
  const [p] = await db.select({ id: t.partnerMembers.partnerId }).from(t.partnerMembers).where(eq(t.partnerMembers.userId, userId)).limit(1)
  if (p) return p.id
  const [o] = await db.select({ id: t.organizations.partnerId }).from(t.orgMembers).innerJoin(t.organizations, eq(t.organizations.id, t.orgMembers.orgId)).where(eq(t.orgMembers.userId, userId)).limit(1)
  return o?.id ?? null
}

/** Whether a partner the user belongs to (directly or through an org) requires MFA. */
export async function mfaRequiredFor(db: Db, userId: string): Promise<boolean> {
  const direct = await db.select({ req: t.partners.mfaRequired }).from(t.partnerMembers)
    .innerJoin(t.partners, eq(t.partners.id, t.partnerMembers.partnerId))
    .where(and(eq(t.partnerMembers.userId, userId), isNull(t.partners.deletedAt)))
  const viaOrg = await db.select({ req: t.partners.mfaRequired }).from(t.orgMembers)
    .innerJoin(t.organizations, eq(t.organizations.id, t.orgMembers.orgId))
    .innerJoin(t.partners, eq(t.partners.id, t.organizations.partnerId))
    .where(and(eq(t.orgMembers.userId, userId), isNull(t.partners.deletedAt)))
  return [...direct, ...viaOrg].some((r) => r.req)
}

export async function findRole(db: Db, id: string): Promise<Role | undefined> {
  const [row] = await db.select().from(t.roles).where(eq(t.roles.id, id))
  return row
}

export async function findRoleByKey(db: Db, key: string): Promise<Role | undefined> {
  const [row] = await db.select().from(t.roles).where(eq(t.roles.key, key))
  return row
}

/** listRoles returns the system roles plus custom roles of the given partners and orgs. */
export async function listRoles(db: Db, partnerIds: string[], orgIds: string[]) {
  return db.select().from(t.roles).where(or(
    eq(t.roles.isSystem, true),
    partnerIds.length ? inIds(t.roles.partnerId, partnerIds) : undefined,
    orgIds.length ? inIds(t.roles.orgId, orgIds) : undefined,
  )).orderBy(asc(t.roles.isSystem), asc(t.roles.name))
}

export async function upsertSystemRole(db: Db, row: Role) {
  await db.insert(t.roles).values(row).onConflictDoUpdate({
    target: t.roles.key,
    set: { name: row.name, description: row.description, permissions: row.permissions, scope: row.scope, updatedAt: row.updatedAt },
  })
}

export async function insertRole(db: Db, row: Role) {
  await db.insert(t.roles).values(row)
}

export async function updateRoleRow(db: Db, id: string, patch: Partial<Role>) {
  await db.update(t.roles).set(patch).where(eq(t.roles.id, id))
}

export async function deleteRoleRow(db: Db, id: string) {
  await db.delete(t.roles).where(eq(t.roles.id, id))
}

export async function roleInUse(db: Db, id: string): Promise<boolean> {
  const a = await db.select({ id: t.partnerMembers.id }).from(t.partnerMembers).where(eq(t.partnerMembers.roleId, id)).limit(1)
  const b = await db.select({ id: t.orgMembers.id }).from(t.orgMembers).where(eq(t.orgMembers.roleId, id)).limit(1)
  return a.length + b.length > 0
}
