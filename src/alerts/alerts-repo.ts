// Queries for alert instances, their timeline and the engine's per-device watch rows.
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'
import type { AlertStatus } from './types'

export type Alert = typeof t.alerts.$inferSelect
export type AlertEvent = typeof t.alertEvents.$inferSelect
export type AlertWatch = typeof t.alertWatches.$inferSelect

export const openStatuses: AlertStatus[] = ['active', 'acknowledged', 'suppressed']

/** Which alerts a caller may see (DeviceVisibility plus partner-level alerts). */
export type AlertVisibility = { orgIds: string[]; siteOrgIds: string[]; siteIds: string[]; partnerIds: string[] }

function visibleWhere(v: AlertVisibility): SQL | undefined {
  return or(
    inIds(t.alerts.orgId, v.orgIds),
    and(inIds(t.alerts.orgId, v.siteOrgIds), inIds(t.alerts.siteId, v.siteIds)),
    and(isNull(t.alerts.orgId), inIds(t.alerts.partnerId, v.partnerIds)),
  )
}

export type AlertFilter = {
  status?: AlertStatus | 'open' | 'all'; severity?: string; orgId?: string; deviceId?: string; ruleId?: string; search?: string
  from?: number; to?: number; limit: number; offset: number
}

function filterWhere(v: AlertVisibility, f: Omit<AlertFilter, 'limit' | 'offset'>): SQL | undefined {
  const status = f.status ?? 'open'
  return and(
    visibleWhere(v),
    status === 'open' ? inArray(t.alerts.status, openStatuses) : status === 'all' ? undefined : eq(t.alerts.status, status),
    f.severity ? eq(t.alerts.severity, f.severity as Alert['severity']) : undefined,
    f.orgId ? eq(t.alerts.orgId, f.orgId) : undefined,
    f.deviceId ? eq(t.alerts.deviceId, f.deviceId) : undefined,
    f.ruleId ? eq(t.alerts.ruleId, f.ruleId) : undefined,
    f.search ? iContains(t.alerts.title, f.search) : undefined,
    f.from !== undefined ? gte(t.alerts.triggeredAt, f.from) : undefined,
    f.to !== undefined ? lte(t.alerts.triggeredAt, f.to) : undefined,
  )
}

const severityRank = () => sql`case ${t.alerts.severity} when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`

export async function listAlerts(db: Db, v: AlertVisibility, f: AlertFilter): Promise<{ rows: Alert[]; total: number }> {
  const where = filterWhere(v, f)
  const rows = await db.select().from(t.alerts).where(where).orderBy(severityRank(), desc(t.alerts.triggeredAt)).limit(f.limit).offset(f.offset)
  const [{ n }] = await db.select({ n: count() }).from(t.alerts).where(where)
  return { rows, total: Number(n) }
}

/** alertStats: per rule and per org counts with mean time to acknowledge / resolve (ms). */
export async function alertStats(db: Db, v: AlertVisibility, f: { from: number; to: number; orgId?: string }) {
  const where = filterWhere(v, { status: 'all', from: f.from, to: f.to, orgId: f.orgId })
  const mtta = sql<number | null>`avg(case when ${t.alerts.acknowledgedAt} is not null then ${t.alerts.acknowledgedAt} - ${t.alerts.triggeredAt} end)`.mapWith((x) => (x === null ? null : Number(x)))
  const mttr = sql<number | null>`avg(case when ${t.alerts.resolvedAt} is not null then ${t.alerts.resolvedAt} - ${t.alerts.triggeredAt} end)`.mapWith((x) => (x === null ? null : Number(x)))
  const open = sql<number>`sum(case when ${t.alerts.status} in ('active','acknowledged','suppressed') then 1 else 0 end)`.mapWith(Number)
  const byRule = await db.select({ ruleId: t.alerts.ruleId, total: count(), open, mtta, mttr }).from(t.alerts).where(where).groupBy(t.alerts.ruleId)
  const byOrg = await db.select({ orgId: t.alerts.orgId, total: count(), open, mtta, mttr }).from(t.alerts).where(where).groupBy(t.alerts.orgId)
  const bySeverity = await db.select({ severity: t.alerts.severity, total: count() }).from(t.alerts).where(where).groupBy(t.alerts.severity)
  return { byRule, byOrg, bySeverity }
}

export async function findAlert(db: Db, id: string): Promise<Alert | undefined> {
  const [row] = await db.select().from(t.alerts).where(eq(t.alerts.id, id))
  return row
}

export async function insertAlert(db: Db, row: Alert) {
  await db.insert(t.alerts).values(row)
}

export async function updateAlertRow(db: Db, id: string, patch: Partial<Alert>) {
  await db.update(t.alerts).set(patch).where(eq(t.alerts.id, id))
}

/** updateAlertIfStatus changes an alert only while it is in one of `from` (returns whether it did). */
export async function updateAlertIfStatus(db: Db, id: string, from: AlertStatus[], patch: Partial<Alert>): Promise<boolean> {
  const rows = await db.update(t.alerts).set(patch).where(and(eq(t.alerts.id, id), inArray(t.alerts.status, from))).returning({ id: t.alerts.id })
  return rows.length > 0
}

export async function insertAlertEvent(db: Db, row: AlertEvent) {
  await db.insert(t.alertEvents).values(row)
}

export async function listAlertEvents(db: Db, alertId: string): Promise<AlertEvent[]> {
  return db.select().from(t.alertEvents).where(eq(t.alertEvents.alertId, alertId)).orderBy(asc(t.alertEvents.at), asc(t.alertEvents.id))
}

export async function listChildAlerts(db: Db, parentId: string): Promise<Alert[]> {
  return db.select().from(t.alerts).where(eq(t.alerts.parentAlertId, parentId)).orderBy(desc(t.alerts.triggeredAt)).limit(500)
}

export async function countOpenChildren(db: Db, parentId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(t.alerts).where(and(eq(t.alerts.parentAlertId, parentId), inArray(t.alerts.status, openStatuses)))
  return Number(n)
}

// ---- engine state ----

// note: the three watch statements run on every heartbeat, so they are prepared once per
// database handle: building the SQL each time cost more than running it.
const preparedByDb = new WeakMap<object, Map<string, unknown>>()
function prepared<T>(db: Db, key: string, build: () => T): T {
  let byKey = preparedByDb.get(db)
  if (!byKey) { byKey = new Map(); preparedByDb.set(db, byKey) }
  let q = byKey.get(key) as T | undefined
  if (!q) { q = build(); byKey.set(key, q) }
  return q
}
const p = (name: string) => sql.placeholder(name)

export async function listWatchesForDevice(db: Db, deviceId: string): Promise<AlertWatch[]> {
  return prepared(db, 'watches', () => db.select().from(t.alertWatches).where(eq(t.alertWatches.deviceId, p('deviceId'))).prepare()).execute({ deviceId })
}

/** listWatchesForDevices: the watch rows of many devices at once (a batch of heartbeats). */
export async function listWatchesForDevices(db: Db, deviceIds: string[]): Promise<AlertWatch[]> {
  if (deviceIds.length === 0) return []
  return db.select().from(t.alertWatches).where(inIds(t.alertWatches.deviceId, [...new Set(deviceIds)]))
}

/** saveWatch writes the pending state of a watch (insert or update; an attached alert is kept). */
export async function saveWatch(db: Db, row: AlertWatch) {
  await prepared(db, 'saveWatch', () => db.insert(t.alertWatches)
    .values({ ruleId: p('ruleId'), deviceId: p('deviceId'), subject: p('subject'), orgId: p('orgId'), pending: p('pending'), alertId: p('alertId'), updatedAt: p('updatedAt') } as unknown as AlertWatch)
    .onConflictDoUpdate({ target: [t.alertWatches.ruleId, t.alertWatches.deviceId, t.alertWatches.subject], set: { pending: sql`excluded.pending`, updatedAt: sql`excluded.updated_at` } })
    .prepare()).execute(row)
}

/** claimWatch attaches a new alert to a watch that has none; false when another evaluation won. */
export async function claimWatch(db: Db, key: { ruleId: string; deviceId: string; subject: string }, alertId: string, now: number): Promise<boolean> {
  const rows = await db.update(t.alertWatches).set({ alertId, updatedAt: now })
    .where(and(eq(t.alertWatches.ruleId, key.ruleId), eq(t.alertWatches.deviceId, key.deviceId), eq(t.alertWatches.subject, key.subject), isNull(t.alertWatches.alertId)))
    .returning({ ruleId: t.alertWatches.ruleId })
  return rows.length > 0
}

export async function deleteWatch(db: Db, key: { ruleId: string; deviceId: string; subject: string }) {
  await prepared(db, 'deleteWatch', () => db.delete(t.alertWatches)
    .where(and(eq(t.alertWatches.ruleId, p('ruleId')), eq(t.alertWatches.deviceId, p('deviceId')), eq(t.alertWatches.subject, p('subject')))).prepare())
    .execute({ ruleId: key.ruleId, deviceId: key.deviceId, subject: key.subject })
}

/** detachAlertFromWatch: the alert closed by hand; the watch keeps its pending state. */
export async function detachAlertFromWatch(db: Db, alertId: string) {
  await db.update(t.alertWatches).set({ alertId: null }).where(eq(t.alertWatches.alertId, alertId))
}

export async function deleteWatchesOfRule(db: Db, ruleId: string) {
  await db.delete(t.alertWatches).where(eq(t.alertWatches.ruleId, ruleId))
}

/** lastResolvedAt: when the last alert of (rule, device, subject) resolved (cooldown). */
export async function lastResolvedAt(db: Db, ruleId: string, deviceId: string, subject: string): Promise<number | null> {
  const [row] = await db.select({ at: t.alerts.resolvedAt }).from(t.alerts)
    .where(and(eq(t.alerts.ruleId, ruleId), eq(t.alerts.deviceId, deviceId), eq(t.alerts.subject, subject), isNotNull(t.alerts.resolvedAt)))
    .orderBy(desc(t.alerts.resolvedAt)).limit(1)
  return row?.at ?? null
}

export async function openAlertsOfDevice(db: Db, deviceId: string): Promise<Alert[]> {
  return db.select().from(t.alerts).where(and(eq(t.alerts.deviceId, deviceId), inArray(t.alerts.status, openStatuses)))
}

export async function openAlertsOfRules(db: Db, ruleIds: string[]): Promise<Alert[]> {
  if (ruleIds.length === 0) return []
  return db.select().from(t.alerts).where(and(inIds(t.alerts.ruleId, ruleIds), inArray(t.alerts.status, openStatuses), eq(t.alerts.kind, 'device')))
}

export async function openDeviceAlertsOfRuleAtSite(db: Db, ruleId: string, siteId: string): Promise<Alert[]> {
  return db.select().from(t.alerts).where(and(eq(t.alerts.ruleId, ruleId), eq(t.alerts.siteId, siteId), eq(t.alerts.kind, 'device'), inArray(t.alerts.status, openStatuses)))
}

export async function findOpenAlert(db: Db, f: { kind: Alert['kind']; ruleId?: string | null; subject: string }): Promise<Alert | undefined> {
  const [row] = await db.select().from(t.alerts).where(and(
    eq(t.alerts.kind, f.kind), eq(t.alerts.subject, f.subject), inArray(t.alerts.status, openStatuses),
    f.ruleId === undefined ? undefined : f.ruleId === null ? isNull(t.alerts.ruleId) : eq(t.alerts.ruleId, f.ruleId),
  )).limit(1)
  return row
}

export async function dueEscalations(db: Db, now: number, limit = 200): Promise<Alert[]> {
  return db.select().from(t.alerts).where(and(eq(t.alerts.status, 'active'), isNotNull(t.alerts.nextEscalationAt), lte(t.alerts.nextEscalationAt, now))).limit(limit)
}

/** dueUnsuppress: suppressed (or notification-deferred) alerts whose period is over. */
export async function dueUnsuppress(db: Db, now: number, limit = 500): Promise<Alert[]> {
  return db.select().from(t.alerts).where(and(
    inArray(t.alerts.status, ['active', 'suppressed']), isNotNull(t.alerts.suppressedUntil), lte(t.alerts.suppressedUntil, now),
  )).limit(limit)
}

/** countOpenBySeverity: open (active, acknowledged, suppressed) alerts per severity. */
export async function countOpenBySeverity(db: Db, v: AlertVisibility): Promise<Record<string, number>> {
  const rows = await db.select({ severity: t.alerts.severity, n: count() }).from(t.alerts).where(and(visibleWhere(v), inArray(t.alerts.status, openStatuses))).groupBy(t.alerts.severity)
  return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]))
}

export async function countOpenAlerts(db: Db, v: AlertVisibility): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(t.alerts).where(and(visibleWhere(v), inArray(t.alerts.status, ['active']), ne(t.alerts.muted, true)))
  return Number(n)
}

/** advanceEscalation moves an active alert from step `from` to the next; false if someone else did or it was acknowledged. */
export async function advanceEscalation(db: Db, id: string, from: number, patch: { escalationStep: number; nextEscalationAt: number | null; updatedAt: number }): Promise<boolean> {
  const rows = await db.update(t.alerts).set(patch).where(and(eq(t.alerts.id, id), eq(t.alerts.status, 'active'), eq(t.alerts.escalationStep, from))).returning({ id: t.alerts.id })
  return rows.length > 0
}

export async function listAlertsByIds(db: Db, ids: string[]): Promise<Alert[]> {
  if (ids.length === 0) return []
  return db.select().from(t.alerts).where(inIds(t.alerts.id, ids))
}
