// Transfer history: the agent reports each file transfer of a session (begin, progress every
// few seconds, end) over the relay, whichever path the bytes took, and it is kept per device
// and user. Who and where come from the session, never from the agent's report.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { deviceVisibility } from '../devices/visibility'
import { findTransfer, listTransfers as listTransferRows, upsertTransfer, type TransferListRow, type TransferRow } from './repo'
import type { RelaySession } from './relay'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'log' | 'live'>

/** onTransferFrame applies a `transfer` frame of the agent (already checked against its schema). */
export async function onTransferFrame(ctx: Ctx, session: RelaySession, f: Record<string, unknown>) {
  try {
    const id = String(f.transferId)
    const existing = await findTransfer(ctx.db, id)
    // note: an id another session used is not this agent's to change.
    if (existing && existing.sessionId !== session.id) return ctx.log.warn('transfer report for another session ignored', { sessionId: session.id, transferId: id })
    const now = ctx.clock.now()
    const size = typeof f.size === 'number' ? f.size : null
    const transferred = Number(f.transferred)
    const status = f.status as TransferRow['status']
    const path = String(f.path).slice(0, 4096)
    const row: TransferRow = {
      id, sessionId: session.id, orgId: session.orgId, deviceId: session.deviceId, userId: session.userId,
      direction: f.direction === 'download' ? 'download' : 'upload', remotePath: path, localFilename: path.split(/[\\/]/).pop() || path,
      sizeBytes: size, transferredBytes: transferred, sha256: typeof f.sha256 === 'string' ? f.sha256 : existing?.sha256 ?? null, status,
      progressPercent: size ? Math.min(100, Math.floor((transferred / size) * 100)) : status === 'completed' ? 100 : 0,
      errorMessage: typeof f.error === 'string' ? f.error : null, via: f.via === 'webrtc' ? 'webrtc' : 'relay',
      createdAt: existing?.createdAt ?? now, updatedAt: now, completedAt: status === 'transferring' ? null : now,
    }
    await upsertTransfer(ctx.db, row)
    if (status !== 'transferring') ctx.live.publish({ orgId: session.orgId, perm: 'remote:access', siteId: session.siteId }, 'remote.transfer', { id, deviceId: session.deviceId, status })
  } catch (err) {
    ctx.log.error('could not record a file transfer', { sessionId: session.id, err })
  }
}

/** listTransfers: the transfer history of devices the actor may reach remotely. */
export async function listTransfers(ctx: AppContext, actor: UserActor, f: { deviceId?: string; userId?: string; sessionId?: string; limit?: number }): Promise<TransferListRow[]> {
  return listTransferRows(ctx.db, deviceVisibility(actor.scope, 'remote:access'), { ...f, limit: f.limit ?? 100 })
}
