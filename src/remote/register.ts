// Wiring remote access into a running server: the session sweep (idle timeout, agents that
// never attach), recording retention, and ending the sessions of a device that goes offline.
// (A decommissioned device's agent is disconnected by src/agents; its sessions then end as
// `agent_disconnected` when the agent drops their relay.)
import type { AppContext } from '../context'
import './command'
import { pruneRecordings } from './recordings'
import { listLiveSessionsOfDevice } from './repo'
import { endOrphanedSessions, endSession, stopRemoteSessions, sweepRemoteSessions } from './sessions'

export async function registerRemoteWork(ctx: AppContext) {
  await endOrphanedSessions(ctx)
  await ctx.jobs.every('remote.sessions.sweep', 15_000, () => sweepRemoteSessions(ctx))
  await ctx.jobs.every('remote.recordings.retention', 6 * 3600_000, async () => { await pruneRecordings(ctx) })
  ctx.events.on('device.offline', async (e) => {
    for (const row of await listLiveSessionsOfDevice(ctx.db, e.deviceId)) await endSession(ctx, row.id, 'offline')
  })
}

/** stopRemoteWork ends the sessions this process relays, before the server stops (viewers and agents are told). */
export async function stopRemoteWork(ctx: AppContext) {
  await stopRemoteSessions(ctx)
}
