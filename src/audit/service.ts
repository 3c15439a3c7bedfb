// Writing the audit log. Every state change and security event calls recordAudit, inside the
// same transaction as the change where there is one, so the log and the data never disagree.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
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

type AuditCtx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** recordAudit appends one entry to the chain (joining the caller's transaction if any). */
export async function recordAudit(ctx: AuditCtx, actor: AuditActor, entry: AuditEntry): Promise<void> {
  const key = ctx.keys.derive('audit')
  const row = await withTx(ctx.db, async (tx) => {
    const head = await lockChainHead(tx)
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
    const inserted = { id: newId(), ...fields, details: entry.details ?? null, result: fields.result as 'success', actorType: actor.type, prevHash: head.lastHash, hash }
    await insertAuditRow(tx, inserted)
    await setChainTip(tx, fields.seq, hash)
    return inserted
  })
  ctx.events.emit('audit.recorded', { id: row.id, orgId: row.orgId, action: row.action })
}
