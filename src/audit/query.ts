// Searching and exporting the audit log within the caller's scope.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import { getAuditSettings } from '../settings/service'
import type { Permission } from '../tenancy/permissions'
import { orgIdsWith, partnerIdsWith, type Scope } from '../tenancy/scope'
import type { AuditQuery } from './model'
import { deleteThroughSeq, firstSeqAtOrAfter, hashAtSeq, listAudit, lockChainHead, type AuditFilter, type AuditRow, type AuditVisibility } from './repo'
import { auditEvent, recordAudit, systemActor } from './service'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export function auditVisibility(scope: Scope, perm: Permission = 'audit:read'): AuditVisibility {
  return { all: scope.platformAdmin, orgIds: orgIdsWith(scope, perm), partnerIds: partnerIdsWith(scope, perm), userId: scope.userId }
}

/** parseWhen reads `2026-01-31` or a full ISO date-time; a bare `to` date means the end of that day. */
export function parseWhen(value: string | undefined, field: 'from' | 'to'): number | undefined {
  if (!value) return undefined
  const bareDate = /^\d{4}-\d{2}-\d{2}$/.test(value)
  const ms = Date.parse(bareDate ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(ms)) throw new ValidationError(field, `${field} must be a date like 2026-01-31 or an ISO date-time`)
  return bareDate && field === 'to' ? ms + 86_400_000 : ms
}

function toFilter(q: AuditQuery): AuditFilter {
  return { from: parseWhen(q.from, 'from'), to: parseWhen(q.to, 'to'), actor: q.actor, action: q.action, resourceType: q.resourceType, resourceId: q.resourceId, result: q.result, orgId: q.orgId, before: q.before }
}

export async function searchAudit(ctx: Ctx, actor: UserActor, q: AuditQuery): Promise<{ rows: AuditRow[]; nextBefore: number | null }> {
  const limit = q.limit ?? 50
  const rows = await listAudit(ctx.db, auditVisibility(actor.scope), toFilter(q), limit + 1)
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  return { rows: page, nextBefore: more ? page[page.length - 1].seq : null }
}

/** exportAudit yields every visible matching entry, newest first, a page at a time (bounded memory). */
export async function* exportAudit(ctx: Ctx, actor: UserActor, q: AuditQuery): AsyncGenerator<AuditRow> {
  const filter = toFilter(q)
  const visibility = auditVisibility(actor.scope, 'audit:export')
  await auditEvent(ctx, actor.audit, { action: 'audit.export', resourceType: 'audit', details: { ...q } })
  for (;;) {
    const rows = await listAudit(ctx.db, visibility, filter, 1000)
    for (const row of rows) yield row
    if (rows.length < 1000) return
    filter.before = rows[rows.length - 1].seq
  }
}

export const csvColumns = ['seq', 'at', 'actorType', 'actorEmail', 'action', 'result', 'resourceType', 'resourceId', 'resourceName', 'orgId', 'partnerId', 'ip', 'userAgent', 'errorMessage', 'details', 'hash'] as const

/** csvLine renders one row; cells that could start a spreadsheet formula are prefixed with '. */
export function csvLine(values: unknown[]): string {
  return values.map((v) => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }).join(',') + '\r\n'
}

export function auditCsvRow(r: AuditRow): string {
  return csvLine(csvColumns.map((c) => (c === 'at' ? new Date(r.at).toISOString() : r[c])))
}

/**
 * pruneAudit deletes entries older than the retention period and moves the chain's anchor to
 * the last deleted row, so `audit verify` still proves everything that remains.
 */
export async function pruneAudit(ctx: Ctx): Promise<number> {
  const { retentionDays } = await getAuditSettings(ctx)
  const cutoff = ctx.clock.now() - retentionDays * 86_400_000
  const pruned = await withTx(ctx.db, async (tx) => {
    const head = await lockChainHead(tx)
    // Rows leave only from the start of the chain: everything before the first row young
    // enough to keep (in seq order) goes, even if a clock jump made a later row look old.
    const firstKept = await firstSeqAtOrAfter(tx, cutoff)
    const anchor = firstKept !== null ? firstKept - 1 : head.lastSeq
    if (anchor <= head.anchorSeq) return 0
    const anchorHash = await hashAtSeq(tx, anchor)
    const deleted = anchorHash ? await deleteThroughSeq(tx, anchor, anchorHash) : 0
    if (deleted > 0) await recordAudit({ ...ctx, db: tx }, systemActor, { action: 'audit.prune', resourceType: 'audit', details: { deleted, retentionDays } })
    return deleted
  })
  return pruned
}

