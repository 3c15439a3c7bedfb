// Writing the audit log. Every state change and security event calls recordAudit, inside the
// same transaction as the change where there is one, so the log and the data never disagree.
import type { AppContext, TxContext } from '../context'
import { afterCommit, inTransaction, withTx } from '../db/tx'
import { newId } from '../lib/ids'
import { rowHash, type ChainedFields } from './chain'
import { insertAuditRow, lockChainHead, setChainTip } from './repo'

/** Who did it, from where. Built by the web layer (auditActorOf) or by jobs (systemActor). */
export type AuditActor = {
  type: 'user' | 'api_key' | 'agent' | 'system'
  id: string | null
  email: string | null
  ip: string | null
  userAgent: string | null
}

export const systemActor: AuditActor = { type: 'system', id: null, email: null, ip: null, userAgent: null }

export type AuditEntry = {
  action: string
  result?: 'success' | 'failure' | 'denied'
  partnerId?: string | null
  orgId?: string | null
  resourceType?: string
  resourceId?: string
  resourceName?: string
  details?: Record<string, unknown>
  errorMessage?: string
}

type AuditCtx = Pick<TxContext, 'db' | 'clock' | 'events' | 'keys'>

/**
 * recordAudit appends one entry to the chain inside the transaction of the change it
 * describes (`ctx.db` is that transaction: `withDb(ctx, tx)`), so the change and its audit
 * row commit together or not at all. An entry that is itself the whole event (a failed
 * sign-in, a denied request) goes through auditEvent instead.
 */
export async function recordAudit(ctx: AuditCtx, actor: AuditActor, entry: AuditEntry): Promise<void> {
  // note: the type asks for a transaction; this catches a handle cast or smuggled past it.
  if (!inTransaction(ctx.db)) throw new Error(`recordAudit(${entry.action}) outside a transaction: write the audit row in the change's withTx`)
  const key = ctx.keys.derive('audit')
  const head = await lockChainHead(ctx.db)
  const fields: ChainedFields = {
    seq: head.lastSeq + 1,
    at: ctx.clock.now(),
    partnerId: entry.partnerId ?? null,
    orgId: entry.orgId ?? null,
    actorType: actor.type,
    actorId: actor.id,
    actorEmail: actor.email,
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    resourceName: entry.resourceName?.slice(0, 300) ?? null,
    details: entry.details ?? null,
    ip: actor.ip,
    userAgent: actor.userAgent?.slice(0, 500) ?? null,
    result: entry.result ?? 'success',
    errorMessage: entry.errorMessage ?? null,
  }
  const hash = rowHash(key, head.lastHash, fields)
  const row = { id: newId(), ...fields, details: entry.details ?? null, result: fields.result as 'success', actorType: actor.type, prevHash: head.lastHash, hash }
  await insertAuditRow(ctx.db, row)
  await setChainTip(ctx.db, fields.seq, hash)
  const events = ctx.events
  afterCommit(ctx.db, () => events.emit('audit.recorded', { id: row.id, orgId: row.orgId, action: row.action }))
}

/**
 * auditEvent records an entry that is the whole event, with no other change to commit with
 * it: a refused sign-in, a denied request, an export, a step-up prompt answered wrongly.
 */
export async function auditEvent(ctx: Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await withTx(ctx.db, (tx) => recordAudit({ ...ctx, db: tx }, actor, entry))
}
