// The `remote.open` and `remote.capabilities` command types. `remote.open` runs for the whole
// session on the agent: acknowledged = the agent is connecting its relay, result = the
// session ended there (the shell exited, the relay was lost, or it was cancelled because the
// session was ended here).
import { registerCommandType, requestFromAgent } from '../agents/commands'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { getDevice } from '../devices/service'
import type { RemoteCapabilities } from '../protocol/remote'
import { advanceSession } from './repo'
import { endSession, remoteHub } from './sessions'
import { iceServers } from './settings'

/** How the agent's end reasons read in the session record. */
const agentReasons: Record<string, string> = { exited: 'exited', relay_lost: 'agent_disconnected', cancelled: 'closed' }

registerCommandType('remote.open', {
  async prepare(ctx, command) {
    return { ...command.payload, iceServers: await iceServers(ctx) }
  },

  async onStart(ctx, command) {
    if (command.sourceType !== 'remote_session' || !command.sourceId) return
    if (await advanceSession(ctx.db, command.sourceId, ['pending'], { status: 'connecting' })) remoteHub(ctx).relays.get(command.sourceId)?.status('connecting')
  },

  async onResult(ctx, command, outcome) {
    if (command.sourceType !== 'remote_session' || !command.sourceId) return
    const result = (outcome.result ?? {}) as { reason?: string; exitCode?: number | null }
    if (outcome.status === 'completed') {
      await endSession(ctx, command.sourceId, agentReasons[result.reason ?? ''] ?? 'closed', { exitCode: result.exitCode ?? null })
    } else if (outcome.status !== 'cancelled') {
      const error = outcome.status === 'expired' ? 'the device did not take the session in time' : outcome.error ?? outcome.status
      await endSession(ctx, command.sourceId, 'failed', { error })
    }
  },
})

registerCommandType('remote.capabilities', {})

/** remoteCapabilities asks a connected device what remote access it offers (shells, desktop and why not). */
export async function remoteCapabilities(ctx: AppContext, actor: UserActor, deviceId: string): Promise<RemoteCapabilities> {
  await getDevice(ctx, actor, deviceId, 'remote:access')
  return requestFromAgent<RemoteCapabilities>(ctx, deviceId, 'remote.capabilities', {}, 15_000)
}
