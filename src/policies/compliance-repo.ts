// Queries for compliance: current state per (policy, device), history, daily counts.
import { and, asc, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import type { CommandRow } from '../agents/command-repo'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type Compliance = typeof t.policyCompliance.$inferSelect
export type ComplianceHistory = typeof t.policyComplianceHistory.$inferSelect
export type ComplianceDaily = typeof t.policyComplianceDaily.$inferSelect

export async function findCompliance(db: Db, policyId: string, deviceId: string): Promise<Compliance | undefined> {
  const [row] = await db.select().from(t.policyCompliance).where(and(eq(t.policyCompliance.policyId, policyId), eq(t.policyCompliance.deviceId, deviceId)))
  return row
}

export async function listComplianceOfPolicy(db: Db, policyId: string): Promise<Compliance[]> {
  return db.select().from(t.policyCompliance).where(eq(t.policyCompliance.policyId, policyId))
}

export async function listComplianceOfDevice(db: Db, deviceId: string): Promise<Compliance[]> {
  return db.select().from(t.policyCompliance).where(eq(t.policyCompliance.deviceId, deviceId))
}

export async function listComplianceOfOrgs(db: Db, orgIds: string[], f: { policyId?: string; status?: string; deviceId?: string } = {}): Promise<Compliance[]> {
  return db.select().from(t.policyCompliance).where(and(
    inIds(t.policyCompliance.orgId, orgIds),
    f.policyId ? eq(t.policyCompliance.policyId, f.policyId) : undefined,
    f.status ? eq(t.policyCompliance.status, f.status as Compliance['status']) : undefined,
    f.deviceId ? eq(t.policyCompliance.deviceId, f.deviceId) : undefined,
  )).orderBy(asc(t.policyCompliance.policyId), asc(t.policyCompliance.deviceId))
}

/** Status counts per policy for the given orgs. */
export async function complianceCounts(db: Db, orgIds: string[]): Promise<{ policyId: string; status: Compliance['status']; n: number }[]> {
  const rows = await db.select({ policyId: t.policyCompliance.policyId, status: t.policyCompliance.status, n: count() }).from(t.policyCompliance)
    .where(inIds(t.policyCompliance.orgId, orgIds)).groupBy(t.policyCompliance.policyId, t.policyCompliance.status)
  return rows.map((r) => ({ ...r, n: Number(r.n) }))
}

/** upsertCompliance writes rows, replacing each (policy, device)'s current state. */
export async function upsertCompliance(db: Db, rows: Compliance[]) {
  for (let i = 0; i < rows.length; i += 300) {
    const part = rows.slice(i, i + 300)
    await db.insert(t.policyCompliance).values(part).onConflictDoUpdate({
      target: [t.policyCompliance.policyId, t.policyCompliance.deviceId],
      set: {
        status: sqlExcluded('status'), details: sqlExcluded('details'), checkedAt: sqlExcluded('checked_at'), changedAt: sqlExcluded('changed_at'),
        remediationAttempts: sqlExcluded('remediation_attempts'), lastRemediationAt: sqlExcluded('last_remediation_at'), remediationBatchId: sqlExcluded('remediation_batch_id'),
        checkCommandId: sqlExcluded('check_command_id'), checkBatchId: sqlExcluded('check_batch_id'), alertId: sqlExcluded('alert_id'), updatedAt: sqlExcluded('updated_at'),
      },
    })
  }
}

/** The value the conflicting insert proposed (the same `excluded` row on SQLite and PostgreSQL). */
function sqlExcluded(column: string) {
  return sql.raw(`excluded.${column}`)
}

/** listUnappliedChecks: ended policy.check commands whose compliance row still waits for them (left by a crash). */
export async function listUnappliedChecks(db: Db, limit = 1000): Promise<CommandRow[]> {
  const rows = await db.select({ command: t.agentCommands }).from(t.policyCompliance)
    .innerJoin(t.agentCommands, eq(t.agentCommands.id, t.policyCompliance.checkCommandId))
    .where(inArray(t.agentCommands.status, ['completed', 'failed', 'timeout', 'cancelled', 'expired'])).limit(limit)
  return rows.map((r) => r.command)
}

export async function updateComplianceRow(db: Db, id: string, patch: Partial<Compliance>) {
  await db.update(t.policyCompliance).set(patch).where(eq(t.policyCompliance.id, id))
}

/** Rows of devices no longer covered by the policy (unassigned, moved, decommissioned). */
export async function deleteComplianceExcept(db: Db, policyId: string, keepDeviceIds: Set<string>) {
  const rows = await db.select({ id: t.policyCompliance.id, deviceId: t.policyCompliance.deviceId }).from(t.policyCompliance).where(eq(t.policyCompliance.policyId, policyId))
  const gone = rows.filter((r) => !keepDeviceIds.has(r.deviceId)).map((r) => r.id)
  for (let i = 0; i < gone.length; i += 500) await db.delete(t.policyCompliance).where(inArray(t.policyCompliance.id, gone.slice(i, i + 500)))
  return gone.length
}

export async function deleteComplianceOfPolicy(db: Db, policyId: string) {
  await db.delete(t.policyCompliance).where(eq(t.policyCompliance.policyId, policyId))
}

export async function insertHistory(db: Db, rows: ComplianceHistory[]) {
  for (let i = 0; i < rows.length; i += 300) await db.insert(t.policyComplianceHistory).values(rows.slice(i, i + 300))
}

export async function listHistory(db: Db, f: { policyId?: string; deviceId?: string; orgIds: string[] }, limit = 200): Promise<ComplianceHistory[]> {
  return db.select().from(t.policyComplianceHistory).where(and(
    inIds(t.policyComplianceHistory.orgId, f.orgIds),
    f.policyId ? eq(t.policyComplianceHistory.policyId, f.policyId) : undefined,
    f.deviceId ? eq(t.policyComplianceHistory.deviceId, f.deviceId) : undefined,
  )).orderBy(desc(t.policyComplianceHistory.at)).limit(limit)
}

/** pruneHistory drops history entries and daily counts older than their retention. */
export async function pruneHistory(db: Db, historyBefore: number, dailyBefore: number) {
  await db.delete(t.policyComplianceHistory).where(lt(t.policyComplianceHistory.at, historyBefore))
  await db.delete(t.policyComplianceDaily).where(lt(t.policyComplianceDaily.day, dailyBefore))
}

export async function upsertDaily(db: Db, row: ComplianceDaily) {
  await db.insert(t.policyComplianceDaily).values(row).onConflictDoUpdate({
    target: [t.policyComplianceDaily.policyId, t.policyComplianceDaily.day],
    set: { compliant: row.compliant, nonCompliant: row.nonCompliant, pending: row.pending, error: row.error },
  })
}

export async function listDaily(db: Db, orgIds: string[], since: number): Promise<ComplianceDaily[]> {
  return db.select().from(t.policyComplianceDaily).where(and(inIds(t.policyComplianceDaily.orgId, orgIds), gte(t.policyComplianceDaily.day, since))).orderBy(asc(t.policyComplianceDaily.day))
}
