// Wiring remote access into a running server: the session sweep (idle timeout, agents that
// never attach), recording retention, ending the sessions of a device that goes offline, and
// checking live sessions' access again on every access change and every few seconds.
// (A decommissioned device's agent is disconnected by src/agents; its sessions then end as
// `agent_disconnected` when the agent drops their relay.)
import type { AppContext } from '../context'
import './command'
import { pruneRecordings } from './recordings'
import { listLiveSessionsOfDevice } from './repo'
import { accessRecheckMs, endOrphanedSessions, endSession, recheckRemoteAccess, remoteHub, stopRemoteSessions, sweepRemoteSessions } from './sessions'

export async function registerRemoteWork(ctx: AppContext) {
  await endOrphanedSessions(ctx)
  await ctx.jobs.every('remote.sessions.sweep', 15_000, () => sweepRemoteSessions(ctx))
  await ctx.jobs.every('remote.recordings.retention', 6 * 3600_000, async () => { await pruneRecordings(ctx) })
  ctx.events.on('device.offline', async (e) => {
    for (const row of await listLiveSessionsOfDevice(ctx.db, e.deviceId)) await endSession(ctx, row.id, 'offline')
  })
  // note: relays live in this process, so the backstop is a timer here, not a job (a job runs on one process of several).
  const hub = remoteHub(ctx)
  ctx.events.on('access.changed', (e) => recheckRemoteAccess(ctx, e.userId))
  hub.accessTimer = setInterval(() => {
    if (hub.relays.size > 0) hub.track(recheckRemoteAccess(ctx).catch((err) => ctx.log.error('could not check remote sessions\' access', { err })))
  }, accessRecheckMs)
}

/** stopRemoteWork ends the sessions this process relays, before the server stops (viewers and agents are told). */
export async function stopRemoteWork(ctx: AppContext) {
  const hub = remoteHub(ctx)
  if (hub.accessTimer) clearInterval(hub.accessTimer)
  hub.accessTimer = null
  await stopRemoteSessions(ctx)
}
