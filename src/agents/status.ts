// Online/offline: a device is online while its socket is open or its heartbeats arrive. When its
// socket closes (or is dropped for silence, see hub.sweepSilent), it goes offline after a short
// grace (`offlineGraceSeconds`, 60 s) unless it is heard from again; a device without a socket
// goes offline after `offlineAfterMissed` heartbeat intervals of silence (a job). Sockets of
// decommissioned or re-enrolled devices are closed by an in-process sweep.
import type { AppContext } from '../context'
import { newId } from '../lib/ids'
import { closeCodes } from '../protocol'
import { expireEnrollmentRequests } from './approvals'
import { sweepCommands } from './commands'
import { findOverdue, insertDeviceChanges, liveIdentities, recentlyDecommissioned, setOfflineIfNotSeenSince, setOfflineIfOnline, setOnlineIfOffline, touchLastSeen } from './device-repo'
import type { AgentSocket } from './hub'

/** markOnline records a device coming back (socket opened or heartbeat while offline); a device online already is marked seen now. */
export async function markOnline(ctx: AppContext, device: { id: string; orgId: string }) {
  const now = ctx.clock.now()
  if (!(await setOnlineIfOffline(ctx.db, device.id, now))) {
    // note: another process waiting out this device's offline grace sees it was heard from since.
    await touchLastSeen(ctx.db, device.id, now)
    return
  }
  await insertDeviceChanges(ctx.db, [{ id: newId(), deviceId: device.id, at: now, kind: 'status', action: 'online', summary: 'Came online', details: null }])
  ctx.events.emit('device.online', { deviceId: device.id, orgId: device.orgId })
}

/** markOverdueOffline (job) turns silent online devices offline and announces each. */
export async function markOverdueOffline(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now()
  const missed = ctx.config.agents.offlineAfterMissed
  // A socket open to this process is proof of life even if a heartbeat was lost.
  const ids = (await findOverdue(ctx.db, now, missed)).filter((d) => !ctx.agents.isConnected(d.id)).map((d) => d.id)
  const changed = await setOfflineIfOnline(ctx.db, ids, now, missed)
  await insertDeviceChanges(ctx.db, changed.map((d) => ({ id: newId(), deviceId: d.id, at: now, kind: 'status' as const, action: 'offline', summary: `Went offline (no heartbeat for ${missed} intervals)`, details: { lastSeenAt: d.lastSeenAt } })))
  for (const d of changed) ctx.events.emit('device.offline', { deviceId: d.id, orgId: d.orgId, lastSeenAt: d.lastSeenAt })
  return changed.length
}

/**
 * socketClosed starts the offline grace of a device whose socket closed (or was dropped after
 * `silentMs` of silence: the grace counts from when it was last heard, so a half-open socket
 * is not given it twice).
 */
export function socketClosed(ctx: AppContext, socket: Pick<AgentSocket, 'deviceId' | 'orgId'>, silentMs = 0) {
  const now = ctx.clock.now()
  ctx.agents.closed.set(socket.deviceId, { deviceId: socket.deviceId, orgId: socket.orgId, closedAt: now, dueAt: Math.max(now, now - silentMs + ctx.config.agents.offlineGraceSeconds * 1000) })
}

/**
 * sweepLiveness (every second): probes the sockets, drops those silent beyond their bound, and
 * turns offline the devices whose socket closed here longer ago than the grace without being
 * heard from since (by a new socket, here or on another process, or a heartbeat).
 */
export async function sweepLiveness(ctx: AppContext) {
  for (const { socket, silentMs } of ctx.agents.sweepSilent()) {
    ctx.log.info('agent socket silent beyond its bound; dropped', { deviceId: socket.deviceId, silentMs: Math.round(silentMs) })
    socketClosed(ctx, socket, silentMs)
  }
  const now = ctx.clock.now()
  for (const c of [...ctx.agents.closed.values()]) {
    if (c.dueAt > now) continue
    ctx.agents.closed.delete(c.deviceId)
    if (ctx.agents.isConnected(c.deviceId)) continue
    const [changed] = await setOfflineIfNotSeenSince(ctx.db, c.deviceId, c.closedAt)
    if (!changed) continue
    const seconds = Math.round((now - c.closedAt) / 1000)
    await insertDeviceChanges(ctx.db, [{ id: newId(), deviceId: changed.id, at: now, kind: 'status', action: 'offline', summary: `Went offline (its connection closed ${seconds} s ago and it was not heard from since)`, details: { lastSeenAt: changed.lastSeenAt, closedAt: c.closedAt } }])
    ctx.events.emit('device.offline', { deviceId: changed.id, orgId: changed.orgId, lastSeenAt: changed.lastSeenAt })
  }
}

/** sweepSockets closes sockets whose device was decommissioned, deleted or re-enrolled elsewhere. */
export async function sweepSockets(ctx: AppContext, deviceIds = ctx.agents.connectedIds()) {
  if (deviceIds.length === 0) return
  const current = new Map((await liveIdentities(ctx.db, deviceIds)).map((d) => [d.id, d]))
  for (const id of deviceIds) {
    const socket = ctx.agents.get(id)
    if (!socket) continue
    const row = current.get(id)
    if (!row || row.status === 'decommissioned') ctx.agents.disconnect(id, closeCodes.revoked, 'device decommissioned')
    else if (row.agentId !== socket.agentId) ctx.agents.disconnect(id, closeCodes.replaced, 'the agent re-enrolled')
  }
}

/**
 * sweepDecommissioned (every 2 s) closes sockets of devices decommissioned in the last minute,
 * also by another process. It asks only for recent decommissions (the status index), since
 * checking every held socket costs ~27 ms per 10,000 sockets; anything older is caught by the
 * agent's next heartbeat (403 agent_revoked, the agent stops).
 */
export async function sweepDecommissioned(ctx: AppContext) {
  if (ctx.agents.size === 0) return
  for (const id of await recentlyDecommissioned(ctx.db, ctx.clock.now() - 60_000)) {
    if (ctx.agents.isConnected(id)) ctx.agents.disconnect(id, closeCodes.revoked, 'device decommissioned')
  }
}

/** startAgentRuntime wires the jobs, listeners and sweeps of the agents domain. */
export async function startAgentRuntime(ctx: AppContext) {
  await ctx.jobs.every('agents.offline', 30_000, async () => { await markOverdueOffline(ctx) })
  await ctx.jobs.every('agents.commands.sweep', 30_000, () => sweepCommands(ctx))
  await ctx.jobs.every('agents.enrollment-requests.expire', 5 * 60_000, async () => { await expireEnrollmentRequests(ctx) })
  // Decommissioning elsewhere (src/devices) or an approved agent replacement announces
  // device.updated: close the socket of the old identity at once…
  ctx.events.on('device.updated', async ({ deviceId, fields }) => {
    if ((fields.includes('status') || fields.includes('agentId')) && ctx.agents.isConnected(deviceId)) await sweepSockets(ctx, [deviceId])
  })
  // …and every 2 s look for recent decommissions, which also catches other processes' changes.
  ctx.agents.startSweep(2_000, () => sweepDecommissioned(ctx))
  ctx.agents.startSweep(1_000, () => sweepLiveness(ctx))
}
