// Queries for policies, their versions and their assignments.
import { and, asc, desc, eq, isNull, lte, or } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'

export type Policy = typeof t.policies.$inferSelect
export type PolicyVersion = typeof t.policyVersions.$inferSelect
export type Assignment = typeof t.policyAssignments.$inferSelect

export type PolicyFilter = { orgId?: string; type?: string; status?: string; search?: string }

export async function listPolicies(db: Db, orgIds: string[], f: PolicyFilter = {}): Promise<Policy[]> {
  return db.select().from(t.policies).where(and(
    isNull(t.policies.deletedAt),
    inIds(t.policies.orgId, orgIds),
    f.orgId ? eq(t.policies.orgId, f.orgId) : undefined,
    f.type ? eq(t.policies.type, f.type as Policy['type']) : undefined,
    f.status ? eq(t.policies.status, f.status as Policy['status']) : undefined,
    f.search ? iContains(t.policies.name, f.search) : undefined,
  )).orderBy(desc(t.policies.priority), asc(t.policies.name))
}

export async function findPolicy(db: Db, id: string): Promise<Policy | undefined> {
  const [row] = await db.select().from(t.policies).where(and(eq(t.policies.id, id), isNull(t.policies.deletedAt)))
  return row
}

/** Active policies of one org (their assignments decide where they apply). */
export async function listActivePolicies(db: Db, orgId: string): Promise<Policy[]> {
  return db.select().from(t.policies).where(and(eq(t.policies.orgId, orgId), eq(t.policies.status, 'active'), isNull(t.policies.deletedAt)))
}

/** Active policies whose next check is due. */
export async function listDuePolicies(db: Db, now: number, limit = 50): Promise<Policy[]> {
  return db.select().from(t.policies).where(and(
    eq(t.policies.status, 'active'), isNull(t.policies.deletedAt),
    or(isNull(t.policies.nextCheckAt), lte(t.policies.nextCheckAt, now)),
  )).orderBy(asc(t.policies.nextCheckAt)).limit(limit)
}

export async function insertPolicy(db: Db, row: Policy) {
  await db.insert(t.policies).values(row)
}

export async function updatePolicyRow(db: Db, id: string, patch: Partial<Policy>) {
  await db.update(t.policies).set(patch).where(eq(t.policies.id, id))
}

export async function insertPolicyVersion(db: Db, row: PolicyVersion) {
  await db.insert(t.policyVersions).values(row)
}

export async function listPolicyVersions(db: Db, policyId: string): Promise<PolicyVersion[]> {
  return db.select().from(t.policyVersions).where(eq(t.policyVersions.policyId, policyId)).orderBy(desc(t.policyVersions.version))
}

export async function findPolicyVersion(db: Db, policyId: string, id: string): Promise<PolicyVersion | undefined> {
  const [row] = await db.select().from(t.policyVersions).where(and(eq(t.policyVersions.policyId, policyId), eq(t.policyVersions.id, id)))
  return row
}

export async function listAssignments(db: Db, policyId: string): Promise<Assignment[]> {
  return db.select().from(t.policyAssignments).where(eq(t.policyAssignments.policyId, policyId)).orderBy(asc(t.policyAssignments.createdAt))
}

/** Every assignment in an org (effective policies are computed from all of them). */
export async function listOrgAssignments(db: Db, orgId: string): Promise<Assignment[]> {
  return db.select().from(t.policyAssignments).where(eq(t.policyAssignments.orgId, orgId))
}

export async function findAssignment(db: Db, policyId: string, id: string): Promise<Assignment | undefined> {
  const [row] = await db.select().from(t.policyAssignments).where(and(eq(t.policyAssignments.policyId, policyId), eq(t.policyAssignments.id, id)))
  return row
}

/** insertAssignment adds a target once (assigning the same target again updates its priority). */
export async function upsertAssignment(db: Db, row: Assignment) {
  await db.insert(t.policyAssignments).values(row).onConflictDoUpdate({
    target: [t.policyAssignments.policyId, t.policyAssignments.targetType, t.policyAssignments.targetId],
    set: { priority: row.priority },
  })
}

export async function deleteAssignment(db: Db, id: string) {
  await db.delete(t.policyAssignments).where(eq(t.policyAssignments.id, id))
}
