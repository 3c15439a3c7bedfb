// Queries for the command queue (agent_commands).
import { and, asc, eq, gt, inArray, lt, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { prepared } from '../db/sql'
import { t } from '../db/tables'

export type CommandRow = typeof t.agentCommands.$inferSelect
export type CommandStatus = CommandRow['status']

/** insertCommands stores queue rows, in slices that stay under PostgreSQL's parameter limit. */
export async function insertCommands(db: Db, rows: CommandRow[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(t.agentCommands).values(rows.slice(i, i + 500))
}

export async function findCommand(db: Db, id: string): Promise<CommandRow | undefined> {
  const [row] = await db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id))
  return row
}

/** listRunning: commands the agent acknowledged and has not finished. */
export async function listRunning(db: Db, deviceId: string): Promise<CommandRow[]> {
  return db.select().from(t.agentCommands).where(and(eq(t.agentCommands.deviceId, deviceId), eq(t.agentCommands.status, 'running')))
}

// Asked on every heartbeat of an agent whose socket is down, so built once per database handle.
const deliverable = new WeakMap<Db, ReturnType<typeof deliverableQuery>>()
const deliverableQuery = (db: Db) => prepared(db.select().from(t.agentCommands).where(and(
  eq(t.agentCommands.deviceId, sql.placeholder('deviceId')),
  inArray(t.agentCommands.status, ['pending', 'sent']),
  gt(t.agentCommands.expiresAt, sql.placeholder('now')),
)).orderBy(asc(t.agentCommands.createdAt)).limit(100), 'agents_deliverable')

/** listDeliverable: commands to (re)send to a device: pending, or sent but never acknowledged, not yet expired (at most 100). */
export async function listDeliverable(db: Db, deviceId: string, now: number): Promise<CommandRow[]> {
  let q = deliverable.get(db)
  if (!q) deliverable.set(db, (q = deliverableQuery(db)))
  return q.execute({ deviceId, now })
}

/** transition moves a command to `patch.status` only from one of `from`; returns the new row, or undefined if it had moved on. */
export async function transition(db: Db, id: string, from: CommandStatus[], patch: Partial<CommandRow>): Promise<CommandRow | undefined> {
  const [row] = await db.update(t.agentCommands).set(patch).where(and(eq(t.agentCommands.id, id), inArray(t.agentCommands.status, from))).returning()
  return row
}

/** listUndelivered: pending commands whose delivery window has passed (a batch of at most `limit`). */
export async function listUndelivered(db: Db, now: number, limit = 1000): Promise<CommandRow[]> {
  return db.select().from(t.agentCommands).where(and(eq(t.agentCommands.status, 'pending'), lt(t.agentCommands.expiresAt, now))).limit(limit)
}

/** listOverdue: sent/running commands past their run deadline (the agent never reported; a batch of at most `limit`). */
export async function listOverdue(db: Db, now: number, limit = 1000): Promise<CommandRow[]> {
  return db.select().from(t.agentCommands).where(and(
    inArray(t.agentCommands.status, ['sent', 'running']),
    lt(sql`coalesce(${t.agentCommands.startedAt}, ${t.agentCommands.sentAt}, ${t.agentCommands.createdAt}) + ${t.agentCommands.timeoutMs}`, now),
  )).limit(limit)
}
