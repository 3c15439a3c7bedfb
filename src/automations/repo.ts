// Queries for automations, their runs and step logs, run slots and device custom fields.
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'
import type { RunStatus } from './types'

export type Automation = typeof t.automations.$inferSelect
export type AutomationRun = typeof t.automationRuns.$inferSelect
export type RunStep = typeof t.automationRunSteps.$inferSelect

/** Which automations a caller sees: its orgs' automations and its partners' partner-wide ones. */
export type AutomationVisibility = { orgIds: string[]; partnerIds: string[] }

function visibleWhere(v: AutomationVisibility): SQL | undefined {
  return or(inIds(t.automations.orgId, v.orgIds), and(isNull(t.automations.orgId), inIds(t.automations.partnerId, v.partnerIds)))
}

export async function listVisibleAutomations(db: Db, v: AutomationVisibility, f: { orgId?: string; search?: string } = {}): Promise<Automation[]> {
  return db.select().from(t.automations).where(and(
    isNull(t.automations.deletedAt),
    visibleWhere(v),
    f.orgId ? eq(t.automations.orgId, f.orgId) : undefined,
    f.search ? iContains(t.automations.name, f.search) : undefined,
  )).orderBy(asc(t.automations.name))
}

export async function findAutomation(db: Db, id: string): Promise<Automation | undefined> {
  const [row] = await db.select().from(t.automations).where(and(eq(t.automations.id, id), isNull(t.automations.deletedAt)))
  return row
}

export async function findAutomationByWebhook(db: Db, token: string): Promise<Automation | undefined> {
  const [row] = await db.select().from(t.automations).where(and(eq(t.automations.webhookToken, token), isNull(t.automations.deletedAt)))
  return row
}

/** Enabled automations started by `event` for an org (its own and its partner's partner-wide ones). */
export async function listEventAutomations(db: Db, event: string, orgId: string, partnerId: string): Promise<Automation[]> {
  return db.select().from(t.automations).where(and(
    eq(t.automations.triggerEvent, event),
    eq(t.automations.enabled, true),
    isNull(t.automations.deletedAt),
    or(eq(t.automations.orgId, orgId), and(isNull(t.automations.orgId), eq(t.automations.partnerId, partnerId))),
  ))
}

export async function findAutomationsByIds(db: Db, ids: string[]): Promise<Automation[]> {
  if (ids.length === 0) return []
  return db.select().from(t.automations).where(and(inIds(t.automations.id, ids), isNull(t.automations.deletedAt)))
}

export async function insertAutomation(db: Db, row: Automation) {
  await db.insert(t.automations).values(row)
}

export async function updateAutomationRow(db: Db, id: string, patch: Partial<Automation>) {
  await db.update(t.automations).set(patch).where(eq(t.automations.id, id))
}

export async function bumpRunCount(db: Db, id: string, at: number) {
  await db.update(t.automations).set({ runCount: sql`${t.automations.runCount} + 1`, lastRunAt: at }).where(eq(t.automations.id, id))
}

// ---- runs ----

/** insertRunOnce stores a run unless one exists for the same automation and trigger key. */
export async function insertRunOnce(db: Db, row: AutomationRun): Promise<boolean> {
  const inserted = await db.insert(t.automationRuns).values(row).onConflictDoNothing().returning({ id: t.automationRuns.id })
  return inserted.length > 0
}

export async function findRun(db: Db, id: string): Promise<AutomationRun | undefined> {
  const [row] = await db.select().from(t.automationRuns).where(eq(t.automationRuns.id, id))
  return row
}

export async function findRunByTrigger(db: Db, automationId: string, triggerKey: string): Promise<AutomationRun | undefined> {
  const [row] = await db.select().from(t.automationRuns).where(and(eq(t.automationRuns.automationId, automationId), eq(t.automationRuns.triggerKey, triggerKey)))
  return row
}

export async function updateRunRow(db: Db, id: string, patch: Partial<AutomationRun>) {
  await db.update(t.automationRuns).set(patch).where(eq(t.automationRuns.id, id))
}

/** leaseRun takes the run for `ms` unless another process holds it; false when taken. */
export async function leaseRun(db: Db, id: string, now: number, ms: number): Promise<boolean> {
  const rows = await db.update(t.automationRuns).set({ leaseUntil: now + ms })
    .where(and(eq(t.automationRuns.id, id), or(isNull(t.automationRuns.leaseUntil), lt(t.automationRuns.leaseUntil, now))))
    .returning({ id: t.automationRuns.id })
  return rows.length > 0
}

export async function listRuns(db: Db, f: { automationId?: string; orgIds?: string[]; status?: string; before?: string }, limit: number): Promise<AutomationRun[]> {
  const [beforeAt, beforeId] = f.before ? f.before.split('.') : []
  return db.select().from(t.automationRuns).where(and(
    f.automationId ? eq(t.automationRuns.automationId, f.automationId) : undefined,
    f.orgIds ? inIds(t.automationRuns.orgId, f.orgIds) : undefined,
    f.status ? eq(t.automationRuns.status, f.status as RunStatus) : undefined,
    f.before ? or(lt(t.automationRuns.createdAt, Number(beforeAt)), and(eq(t.automationRuns.createdAt, Number(beforeAt)), lt(t.automationRuns.id, beforeId))) : undefined,
  )).orderBy(desc(t.automationRuns.createdAt), desc(t.automationRuns.id)).limit(limit)
}

/** Runs of an automation started since `since` (the runaway guard). */
export async function countRecentRuns(db: Db, automationId: string, since: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.automationRuns).where(and(eq(t.automationRuns.automationId, automationId), gte(t.automationRuns.createdAt, since)))
  return Number(row?.n ?? 0)
}

/** Runs that are not finished (recovery after a restart). */
export async function listUnfinishedRuns(db: Db): Promise<Pick<AutomationRun, 'id' | 'status' | 'resumeAt'>[]> {
  return db.select({ id: t.automationRuns.id, status: t.automationRuns.status, resumeAt: t.automationRuns.resumeAt }).from(t.automationRuns)
    .where(inArray(t.automationRuns.status, ['queued', 'running', 'waiting']))
}

/** The oldest queued runs of an org (started when a slot frees up). */
export async function listQueuedRuns(db: Db, orgId: string, limit: number): Promise<string[]> {
  const rows = await db.select({ id: t.automationRuns.id }).from(t.automationRuns)
    .where(and(eq(t.automationRuns.orgId, orgId), eq(t.automationRuns.status, 'queued'))).orderBy(asc(t.automationRuns.createdAt)).limit(limit)
  return rows.map((r) => r.id)
}

/** deleteFinishedRunsBefore removes finished runs (and their step logs) created before `before`. */
export async function deleteFinishedRunsBefore(db: Db, before: number, limit = 5000): Promise<number> {
  const rows = await db.select({ id: t.automationRuns.id }).from(t.automationRuns)
    .where(and(lt(t.automationRuns.createdAt, before), inArray(t.automationRuns.status, ['completed', 'failed', 'partial', 'cancelled', 'skipped']))).limit(limit)
  const ids = rows.map((r) => r.id)
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500)
    await db.delete(t.automationRunSteps).where(inArray(t.automationRunSteps.runId, part))
    await db.delete(t.automationRuns).where(inArray(t.automationRuns.id, part))
  }
  return ids.length
}

export async function listChildRuns(db: Db, parentRunId: string): Promise<AutomationRun[]> {
  return db.select().from(t.automationRuns).where(eq(t.automationRuns.parentRunId, parentRunId))
}

// ---- steps ----

export async function insertStep(db: Db, row: RunStep) {
  await db.insert(t.automationRunSteps).values(row).onConflictDoNothing()
}

export async function findStep(db: Db, runId: string, seq: number): Promise<RunStep | undefined> {
  const [row] = await db.select().from(t.automationRunSteps).where(and(eq(t.automationRunSteps.runId, runId), eq(t.automationRunSteps.seq, seq)))
  return row
}

export async function updateStepRow(db: Db, id: string, patch: Partial<RunStep>) {
  await db.update(t.automationRunSteps).set(patch).where(eq(t.automationRunSteps.id, id))
}

export async function listSteps(db: Db, runId: string): Promise<RunStep[]> {
  return db.select().from(t.automationRunSteps).where(eq(t.automationRunSteps.runId, runId)).orderBy(asc(t.automationRunSteps.seq))
}

/** Waiting steps that wait on `refId` (a script batch or a child run). */
export async function findWaitingStepsByRef(db: Db, refId: string): Promise<RunStep[]> {
  return db.select().from(t.automationRunSteps).where(and(eq(t.automationRunSteps.refId, refId), inArray(t.automationRunSteps.status, ['running', 'waiting'])))
}

/** The step (any status) that started script batch `refId`, to learn which run caused a script. */
export async function findStepByRef(db: Db, refId: string): Promise<RunStep | undefined> {
  const [row] = await db.select().from(t.automationRunSteps).where(eq(t.automationRunSteps.refId, refId)).limit(1)
  return row
}

// ---- slots ----

/** takeSlot gives the run one of the org's `limit` slots; null when all are taken. Re-entrant. */
export async function takeSlot(db: Db, runId: string, orgId: string, limit: number, now: number): Promise<number | null> {
  const [held] = await db.select().from(t.automationSlots).where(eq(t.automationSlots.runId, runId))
  if (held) return held.slot
  const taken = new Set((await db.select({ slot: t.automationSlots.slot }).from(t.automationSlots).where(eq(t.automationSlots.orgId, orgId))).map((r) => r.slot))
  for (let slot = 0; slot < limit; slot++) {
    if (taken.has(slot)) continue
    // note: the unique (org, slot) index makes this safe when two processes race for a slot.
    const rows = await db.insert(t.automationSlots).values({ runId, orgId, slot, takenAt: now }).onConflictDoNothing().returning({ slot: t.automationSlots.slot })
    if (rows.length) return slot
  }
  return null
}

export async function releaseSlot(db: Db, runId: string) {
  await db.delete(t.automationSlots).where(eq(t.automationSlots.runId, runId))
}
