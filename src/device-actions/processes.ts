// The live process list and killing a process (or a tree), on devices the caller may manage
// processes on (devices:processes). The list is asked of the agent on demand only: the page
// asks again every few seconds while it is open, so no agent streams when nobody looks.
import type { UserActor } from '../auth/actor'
import { DeviceNotConnectedError, requestFromAgent } from '../agents/commands'
import type { AppContext } from '../context'
import type { ProcessesListResult, ProcessKillResult } from '../protocol'
import { managedDevice, sendDeviceCommand } from './dispatch'
import type { KillBody, ProcessesQuery } from './model'
import { actionOutcome, type ActionOutcome } from './outcome'

type Ctx = AppContext

/** listDeviceProcesses asks the agent for its processes now (at most 500; sorted, searched). */
export async function listDeviceProcesses(ctx: Ctx, actor: UserActor, id: string, q: ProcessesQuery): Promise<ProcessesListResult> {
  const { device } = await managedDevice(ctx, actor, id, 'devices:processes')
  const payload = { sortBy: q.sortBy ?? 'cpu', limit: q.limit ?? 50, ...(q.search?.trim() ? { search: q.search.trim() } : {}) }
  return requestFromAgent<ProcessesListResult>(ctx, device.id, 'processes.list', payload, 20_000)
}

/** killDeviceProcess ends a process (with `tree`, its descendants too); waits up to 20 s for the agent's answer. */
export async function killDeviceProcess(ctx: Ctx, actor: UserActor, id: string, pid: number, body: KillBody): Promise<ActionOutcome<ProcessKillResult>> {
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:processes')
  // note: a kill is never queued for later: by then the PID may belong to another program.
  if (!ctx.agents.isConnected(device.id)) throw new DeviceNotConnectedError()
  const tree = body.tree ?? false
  const now = ctx.clock.now()
  const sent = await sendDeviceCommand(ctx, actor, {
    device, partnerId, type: 'process.kill', payload: { pid, tree, ...(body.name ? { name: body.name } : {}) }, expiresAt: now + 60_000, timeoutMs: 60_000,
    audit: { action: 'device.process_kill', details: { pid, name: body.name ?? null, tree } },
  }, 20_000)
  return actionOutcome<ProcessKillResult>(sent)
}
