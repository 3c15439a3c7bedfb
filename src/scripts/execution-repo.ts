// Queries for script runs: batches (one run on many devices) and executions (one device).
import { and, count, desc, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'
import type { DeviceVisibility } from '../devices/visibility'
import type { CommandRow } from '../agents/command-repo'

export type Batch = typeof t.scriptBatches.$inferSelect
export type Execution = typeof t.scriptExecutions.$inferSelect
export type ExecutionStatus = Execution['status']

export const finishedStatuses: ExecutionStatus[] = ['completed', 'failed', 'timeout', 'cancelled', 'skipped']

/** An execution with the names a list or page shows beside it. */
export type ExecutionRow = Execution & { hostname: string | null; siteId: string | null; scriptName: string; userName: string | null }

export type ExecutionFilter = {
  /** script: runs of saved scripts; command: one-off commands. */
  kind?: 'script' | 'command'
  scriptId?: string
  deviceId?: string
  userId?: string
  status?: ExecutionStatus
  batchId?: string
  from?: number
  to?: number
  /** Keyset cursor: `<createdAt>.<id>` of the last row of the previous page. */
  before?: string
}

// note: a function, not a constant: `t` points at the dialect's tables only once the database
// is chosen, and columns captured at import time would be SQLite's (bigint read as text on PG).
const rowColumns = () => ({
  ...getTableColumns(t.scriptExecutions),
  siteId: t.devices.siteId,
  hostname: t.devices.hostname,
  displayName: t.devices.displayName,
  scriptName: t.scriptBatches.scriptName,
  userName: t.users.name,
  userEmail: t.users.email,
})

function toRow({ displayName, userEmail, ...r }: Execution & { siteId: string | null; hostname: string | null; displayName: string | null; scriptName: string; userName: string | null; userEmail: string | null }): ExecutionRow {
  return { ...r, hostname: displayName ?? r.hostname, userName: r.userName ?? userEmail }
}

function joined(db: Db) {
  return db.select(rowColumns()).from(t.scriptExecutions)
    .innerJoin(t.scriptBatches, eq(t.scriptBatches.id, t.scriptExecutions.batchId))
    .leftJoin(t.devices, eq(t.devices.id, t.scriptExecutions.deviceId))
    .leftJoin(t.users, eq(t.users.id, t.scriptExecutions.triggeredBy))
}

/** visibleWhere: executions on devices the visibility covers (whole orgs, or some sites of an org). */
function visibleWhere(v: DeviceVisibility): SQL | undefined {
  return or(inIds(t.scriptExecutions.orgId, v.orgIds), and(inIds(t.scriptExecutions.orgId, v.siteOrgIds), inIds(t.devices.siteId, v.siteIds)))
}

export async function listExecutions(db: Db, v: DeviceVisibility, f: ExecutionFilter, limit: number): Promise<ExecutionRow[]> {
  const [beforeAt, beforeId] = f.before ? f.before.split('.') : []
  const cursor: SQL | undefined = f.before
    ? or(lt(t.scriptExecutions.createdAt, Number(beforeAt)), and(eq(t.scriptExecutions.createdAt, Number(beforeAt)), lt(t.scriptExecutions.id, beforeId)))
    : undefined
  const rows = await joined(db).where(and(
    visibleWhere(v),
    f.scriptId ? eq(t.scriptExecutions.scriptId, f.scriptId) : undefined,
    f.kind === 'command' ? isNull(t.scriptExecutions.scriptId) : f.kind === 'script' ? isNotNull(t.scriptExecutions.scriptId) : undefined,
    f.deviceId ? eq(t.scriptExecutions.deviceId, f.deviceId) : undefined,
    f.userId ? eq(t.scriptExecutions.triggeredBy, f.userId) : undefined,
    f.status ? eq(t.scriptExecutions.status, f.status) : undefined,
    f.batchId ? eq(t.scriptExecutions.batchId, f.batchId) : undefined,
    f.from !== undefined ? gte(t.scriptExecutions.createdAt, f.from) : undefined,
    f.to !== undefined ? lt(t.scriptExecutions.createdAt, f.to) : undefined,
    cursor,
  )).orderBy(desc(t.scriptExecutions.createdAt), desc(t.scriptExecutions.id)).limit(limit)
  return rows.map(toRow)
}

export async function findExecutionRow(db: Db, id: string): Promise<ExecutionRow | undefined> {
  const [row] = await joined(db).where(eq(t.scriptExecutions.id, id))
  return row && toRow(row)
}

export async function findExecution(db: Db, id: string): Promise<Execution | undefined> {
  const [row] = await db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, id))
  return row
}

export async function findExecutionByCommand(db: Db, commandId: string): Promise<Execution | undefined> {
  const [row] = await db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.commandId, commandId))
  return row
}

export async function findBatch(db: Db, id: string): Promise<Batch | undefined> {
  const [row] = await db.select().from(t.scriptBatches).where(eq(t.scriptBatches.id, id))
  return row
}

export async function insertBatch(db: Db, batch: Batch, executions: Execution[]) {
  await db.insert(t.scriptBatches).values(batch)
  // note: inserted in slices so a 10,000-device run stays under PostgreSQL's parameter limit.
  for (let i = 0; i < executions.length; i += 500) await db.insert(t.scriptExecutions).values(executions.slice(i, i + 500))
}

export async function updateExecution(db: Db, id: string, patch: Partial<Execution>) {
  await db.update(t.scriptExecutions).set(patch).where(eq(t.scriptExecutions.id, id))
}

/** Executions still taking output (and status moves from them). */
export const unfinishedStatuses: ExecutionStatus[] = ['pending', 'queued', 'running']

/** finishExecution ends an execution that has not ended (compare-and-set); false when it had ended already. */
export async function finishExecution(db: Db, id: string, patch: Partial<Execution> & { status: ExecutionStatus }): Promise<boolean> {
  const rows = await db.update(t.scriptExecutions).set(patch)
    .where(and(eq(t.scriptExecutions.id, id), inArray(t.scriptExecutions.status, unfinishedStatuses))).returning({ id: t.scriptExecutions.id })
  return rows.length === 1
}

/** listHalfEnded: ended script.run commands whose execution has not ended (a crash between two commits, before they were one). */
export async function listHalfEnded(db: Db, limit = 1000): Promise<CommandRow[]> {
  const rows = await db.select({ command: t.agentCommands }).from(t.agentCommands)
    .innerJoin(t.scriptExecutions, eq(t.scriptExecutions.id, t.agentCommands.sourceId))
    .where(and(
      eq(t.agentCommands.sourceType, 'script_execution'),
      inArray(t.agentCommands.status, ['completed', 'failed', 'timeout', 'cancelled', 'expired']),
      inArray(t.scriptExecutions.status, unfinishedStatuses),
    )).limit(limit)
  return rows.map((r) => r.command)
}

/** startExecution moves a queued execution to running (compare-and-set); false when it had moved already. */
export async function startExecution(db: Db, id: string, patch: { startedAt: number; commandId: string }): Promise<boolean> {
  const rows = await db.update(t.scriptExecutions).set({ status: 'running', ...patch })
    .where(and(eq(t.scriptExecutions.id, id), inArray(t.scriptExecutions.status, ['pending', 'queued']))).returning({ id: t.scriptExecutions.id })
  return rows.length === 1
}

/** claimOutputChunks records chunk numbers of an execution; returns those that were new (a resent chunk's is taken already). */
export async function claimOutputChunks(db: Db, executionId: string, chunks: { seq: number; bytes: number }[]): Promise<Set<number>> {
  if (chunks.length === 0) return new Set()
  const rows = await db.insert(t.scriptOutputChunks).values(chunks.map((c) => ({ executionId, ...c }))).onConflictDoNothing().returning({ seq: t.scriptOutputChunks.seq })
  return new Set(rows.map((r) => r.seq))
}

/** takenOutputChunks: which of these chunk numbers of an execution are stored already. */
export async function takenOutputChunks(db: Db, executionId: string, seqs: number[]): Promise<Set<number>> {
  if (seqs.length === 0) return new Set()
  const rows = await db.select({ seq: t.scriptOutputChunks.seq }).from(t.scriptOutputChunks).where(and(eq(t.scriptOutputChunks.executionId, executionId), inArray(t.scriptOutputChunks.seq, seqs)))
  return new Set(rows.map((r) => r.seq))
}

/** addOutputBytes counts a chunk on an execution that has not ended; returns the count before it, or null when it has ended. */
export async function addOutputBytes(db: Db, id: string, bytes: number): Promise<number | null> {
  const [row] = await db.update(t.scriptExecutions).set({ outputBytes: sql`${t.scriptExecutions.outputBytes} + ${bytes}` })
    .where(and(eq(t.scriptExecutions.id, id), inArray(t.scriptExecutions.status, unfinishedStatuses))).returning({ n: t.scriptExecutions.outputBytes })
  return row ? Number(row.n) - bytes : null
}

/** appendInlineOutput adds text to the inline stdout or stderr. */
export async function appendInlineOutput(db: Db, id: string, stream: 'stdout' | 'stderr', text: string) {
  const column = stream === 'stdout' ? t.scriptExecutions.stdout : t.scriptExecutions.stderr
  await db.update(t.scriptExecutions).set({ [stream]: sql`${column} || ${text}` }).where(eq(t.scriptExecutions.id, id))
}

/** deleteOutputChunks forgets an ended execution's chunk numbers (nothing more is accepted). */
export async function deleteOutputChunks(db: Db, executionId: string) {
  await db.delete(t.scriptOutputChunks).where(eq(t.scriptOutputChunks.executionId, executionId))
}

export async function executionOutputBytes(db: Db, id: string): Promise<number> {
  const [row] = await db.select({ n: t.scriptExecutions.outputBytes }).from(t.scriptExecutions).where(eq(t.scriptExecutions.id, id))
  return Number(row?.n ?? 0)
}

/** Status counts of a batch, for its summary line. */
export async function batchCounts(db: Db, batchId: string): Promise<Partial<Record<ExecutionStatus, number>>> {
  const rows = await db.select({ status: t.scriptExecutions.status, n: count() }).from(t.scriptExecutions)
    .where(eq(t.scriptExecutions.batchId, batchId)).groupBy(t.scriptExecutions.status)
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

/** Executions still waiting on an agent, for the server-side timeout sweep. */
export async function unfinishedExecutions(db: Db, statuses: ExecutionStatus[] = ['queued', 'running']): Promise<Execution[]> {
  return db.select().from(t.scriptExecutions).where(inArray(t.scriptExecutions.status, statuses))
}
