// Reading the audit log. What a caller may see: entries of orgs where it holds audit:read,
// partner-level entries of partners where it holds audit:read, its own security events, and
// for platform admins everything.
import { and, asc, desc, eq, gt, gte, isNull, lt, lte, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, iStartsWith, inIds, lockedForUpdate } from '../db/sql'
import { t } from '../db/tables'
import { genesisHash } from './chain'

export type AuditRow = typeof t.auditLogs.$inferSelect

export type AuditVisibility = { all: boolean; orgIds: string[]; partnerIds: string[]; userId: string }

export type AuditFilter = {
  from?: number
  to?: number
  actor?: string
  action?: string
  resourceType?: string
  resourceId?: string
  result?: AuditRow['result']
  orgId?: string
  before?: number
}

function visibleWhere(v: AuditVisibility): SQL | undefined {
  if (v.all) return undefined
  return or(
    v.orgIds.length ? inIds(t.auditLogs.orgId, v.orgIds) : undefined,
    v.partnerIds.length ? and(isNull(t.auditLogs.orgId), inIds(t.auditLogs.partnerId, v.partnerIds)) : undefined,
    and(eq(t.auditLogs.actorId, v.userId), isNull(t.auditLogs.orgId)),
  )
}

function filterWhere(f: AuditFilter): SQL | undefined {
  return and(
    f.from !== undefined ? gte(t.auditLogs.at, f.from) : undefined,
    f.to !== undefined ? lt(t.auditLogs.at, f.to) : undefined,
    f.actor ? iContains(t.auditLogs.actorEmail, f.actor) : undefined,
    f.action ? iStartsWith(t.auditLogs.action, f.action) : undefined,
    f.resourceType ? eq(t.auditLogs.resourceType, f.resourceType) : undefined,
    f.resourceId ? eq(t.auditLogs.resourceId, f.resourceId) : undefined,
    f.result ? eq(t.auditLogs.result, f.result) : undefined,
    f.orgId ? eq(t.auditLogs.orgId, f.orgId) : undefined,
    f.before !== undefined ? lt(t.auditLogs.seq, f.before) : undefined,
  )
}

/** listAudit returns up to `limit` visible entries matching the filter, newest first. */
export async function listAudit(db: Db, v: AuditVisibility, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  return db.select().from(t.auditLogs).where(and(visibleWhere(v), filterWhere(f))).orderBy(desc(t.auditLogs.seq)).limit(limit)
}

export type ChainHead = typeof t.auditChain.$inferSelect

/** lockChainHead reads the chain tip, creating it on first use, and locks it until commit. */
export async function lockChainHead(tx: Db): Promise<ChainHead> {
  await tx.insert(t.auditChain).values({ id: 'head', lastSeq: 0, lastHash: genesisHash, anchorSeq: 0, anchorHash: genesisHash }).onConflictDoNothing()
  const [head] = await lockedForUpdate(tx.select().from(t.auditChain).where(eq(t.auditChain.id, 'head')))
  return head
}

export async function findChainHead(db: Db): Promise<ChainHead | undefined> {
  const [head] = await db.select().from(t.auditChain).where(eq(t.auditChain.id, 'head'))
  return head
}

export async function insertAuditRow(tx: Db, row: AuditRow) {
  await tx.insert(t.auditLogs).values(row)
}

export async function setChainTip(tx: Db, lastSeq: number, lastHash: string) {
  await tx.update(t.auditChain).set({ lastSeq, lastHash }).where(eq(t.auditChain.id, 'head'))
}

/** auditRowsAfter returns up to `limit` rows with seq above `seq`, in chain order. */
export async function auditRowsAfter(db: Db, seq: number, limit: number): Promise<AuditRow[]> {
  return db.select().from(t.auditLogs).where(gt(t.auditLogs.seq, seq)).orderBy(asc(t.auditLogs.seq)).limit(limit)
}

/** firstSeqAtOrAfter: the lowest seq of an entry written at or after `at`. */
export async function firstSeqAtOrAfter(tx: Db, at: number): Promise<number | null> {
  const [row] = await tx.select({ seq: t.auditLogs.seq }).from(t.auditLogs).where(gte(t.auditLogs.at, at)).orderBy(asc(t.auditLogs.seq)).limit(1)
  return row?.seq ?? null
}

export async function hashAtSeq(tx: Db, seq: number): Promise<string | null> {
  const [row] = await tx.select({ hash: t.auditLogs.hash }).from(t.auditLogs).where(eq(t.auditLogs.seq, seq))
  return row?.hash ?? null
}

/** deleteThroughSeq removes the start of the chain up to `seq` and records the new anchor. */
export async function deleteThroughSeq(tx: Db, seq: number, anchorHash: string): Promise<number> {
  const deleted = await tx.delete(t.auditLogs).where(lte(t.auditLogs.seq, seq)).returning({ seq: t.auditLogs.seq })
  await tx.update(t.auditChain).set({ anchorSeq: seq, anchorHash }).where(eq(t.auditChain.id, 'head'))
  return deleted.length
}
