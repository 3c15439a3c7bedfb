// Queries for report definitions, runs and schedules.
import { and, desc, eq, inArray, isNull, lt, or, sql, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type ReportDefinition = typeof t.reportDefinitions.$inferSelect
export type ReportRun = typeof t.reportRuns.$inferSelect
export type ReportSchedule = typeof t.reportSchedules.$inferSelect

/** Which reports a scope sees: those of its orgs, and partner-wide ones of partners where it holds the permission at partner level. */
export type ReportVisibility = { orgIds: string[]; partnerIds: string[] }

function visibleWhere(table: { orgId: SQLWrapper; partnerId: SQLWrapper }, v: ReportVisibility) {
  return or(inIds(table.orgId, v.orgIds), and(isNull(table.orgId), inIds(table.partnerId, v.partnerIds)))!
}

export async function listDefinitions(db: Db, v: ReportVisibility): Promise<ReportDefinition[]> {
  return db.select().from(t.reportDefinitions).where(and(visibleWhere(t.reportDefinitions, v), isNull(t.reportDefinitions.deletedAt))).orderBy(t.reportDefinitions.name, t.reportDefinitions.id)
}

export async function findDefinition(db: Db, id: string): Promise<ReportDefinition | undefined> {
  const [row] = await db.select().from(t.reportDefinitions).where(and(eq(t.reportDefinitions.id, id), isNull(t.reportDefinitions.deletedAt)))
  return row
}

export async function insertDefinition(db: Db, row: ReportDefinition) {
  await db.insert(t.reportDefinitions).values(row)
}

export async function updateDefinitionRow(db: Db, id: string, patch: Partial<ReportDefinition>) {
  await db.update(t.reportDefinitions).set(patch).where(eq(t.reportDefinitions.id, id))
}

export async function insertRun(db: Db, row: ReportRun) {
  await db.insert(t.reportRuns).values(row)
}

export async function findRun(db: Db, id: string): Promise<ReportRun | undefined> {
  const [row] = await db.select().from(t.reportRuns).where(eq(t.reportRuns.id, id))
  return row
}

export async function listRunsOf(db: Db, reportId: string, limit: number): Promise<ReportRun[]> {
  return db.select().from(t.reportRuns).where(eq(t.reportRuns.reportId, reportId)).orderBy(desc(t.reportRuns.createdAt), desc(t.reportRuns.id)).limit(limit)
}

export async function latestRuns(db: Db, reportIds: string[]): Promise<Record<string, ReportRun>> {
  if (reportIds.length === 0) return {}
  const rows = await db.select().from(t.reportRuns).where(and(inIds(t.reportRuns.reportId, reportIds),
    eq(t.reportRuns.createdAt, sql`(SELECT max(r2.created_at) FROM report_runs r2 WHERE r2.report_id = ${t.reportRuns.reportId})`)))
  return Object.fromEntries(rows.map((r) => [r.reportId, r]))
}

/** claimRun moves a queued (or lease-lapsed running) run to running; false when another worker has it or it is finished. */
export async function claimRun(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db.update(t.reportRuns).set({ status: 'running', startedAt: now }).where(and(eq(t.reportRuns.id, id), inArray(t.reportRuns.status, ['queued', 'running']))).returning({ id: t.reportRuns.id })
  return rows.length > 0
}

export async function finishRun(db: Db, id: string, patch: Partial<ReportRun>) {
  await db.update(t.reportRuns).set(patch).where(and(eq(t.reportRuns.id, id), eq(t.reportRuns.status, 'running')))
}

export async function updateRunRow(db: Db, id: string, patch: Partial<ReportRun>) {
  await db.update(t.reportRuns).set(patch).where(eq(t.reportRuns.id, id))
}

/** expiredRuns: finished runs created before `before`, or beyond the newest `keep` of their report. */
export async function expiredRuns(db: Db, before: number, keep: number): Promise<Pick<ReportRun, 'id' | 'blobKey'>[]> {
  const old = await db.select({ id: t.reportRuns.id, blobKey: t.reportRuns.blobKey }).from(t.reportRuns)
    .where(and(lt(t.reportRuns.createdAt, before), inArray(t.reportRuns.status, ['done', 'failed']))).limit(5000)
  const extra = await db.select({ id: t.reportRuns.id, blobKey: t.reportRuns.blobKey }).from(t.reportRuns)
    .where(and(inArray(t.reportRuns.status, ['done', 'failed']),
      sql`(SELECT count(*) FROM report_runs r2 WHERE r2.report_id = ${t.reportRuns.reportId} AND (r2.created_at > ${t.reportRuns.createdAt} OR (r2.created_at = ${t.reportRuns.createdAt} AND r2.id > ${t.reportRuns.id}))) >= ${keep}`)).limit(5000)
  const seen = new Set<string>()
  return [...old, ...extra].filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)))
}

export async function deleteRuns(db: Db, ids: string[]) {
  if (ids.length) await db.delete(t.reportRuns).where(inIds(t.reportRuns.id, ids))
}

export async function listSchedules(db: Db, v: ReportVisibility, reportId?: string): Promise<ReportSchedule[]> {
  return db.select().from(t.reportSchedules).where(and(visibleWhere(t.reportSchedules, v), isNull(t.reportSchedules.deletedAt), reportId ? eq(t.reportSchedules.reportId, reportId) : undefined))
    .orderBy(t.reportSchedules.createdAt, t.reportSchedules.id)
}

export async function findSchedule(db: Db, id: string): Promise<ReportSchedule | undefined> {
  const [row] = await db.select().from(t.reportSchedules).where(and(eq(t.reportSchedules.id, id), isNull(t.reportSchedules.deletedAt)))
  return row
}

export async function schedulesOfReport(db: Db, reportId: string): Promise<ReportSchedule[]> {
  return db.select().from(t.reportSchedules).where(and(eq(t.reportSchedules.reportId, reportId), isNull(t.reportSchedules.deletedAt)))
}

export async function insertSchedule(db: Db, row: ReportSchedule) {
  await db.insert(t.reportSchedules).values(row)
}

export async function updateScheduleRow(db: Db, id: string, patch: Partial<ReportSchedule>) {
  await db.update(t.reportSchedules).set(patch).where(eq(t.reportSchedules.id, id))
}

/** partnerInfo: the partner's name and its settings (branding). */
export async function partnerInfo(db: Db, id: string): Promise<{ name: string; settings: Record<string, unknown> } | undefined> {
  const [row] = await db.select({ name: t.partners.name, settings: t.partners.settings }).from(t.partners).where(eq(t.partners.id, id))
  return row
}

/** placeNames: names of an org, site and group for the report's scope line. */
export async function placeNames(db: Db, ids: { orgId: string | null; siteId: string | null; groupId: string | null }) {
  const org = ids.orgId ? (await db.select({ name: t.organizations.name }).from(t.organizations).where(eq(t.organizations.id, ids.orgId)))[0]?.name : undefined
  const site = ids.siteId ? (await db.select({ name: t.sites.name, orgId: t.sites.orgId }).from(t.sites).where(eq(t.sites.id, ids.siteId)))[0] : undefined
  const group = ids.groupId ? (await db.select({ name: t.deviceGroups.name, orgId: t.deviceGroups.orgId, siteId: t.deviceGroups.siteId, parentId: t.deviceGroups.parentId }).from(t.deviceGroups).where(eq(t.deviceGroups.id, ids.groupId)))[0] : undefined
  return { org, site, group }
}

/** groupTree: the groups of an org (id, parent) to expand a group to its subgroups. */
export async function groupTree(db: Db, orgId: string) {
  return db.select({ id: t.deviceGroups.id, parentId: t.deviceGroups.parentId }).from(t.deviceGroups).where(eq(t.deviceGroups.orgId, orgId))
}
