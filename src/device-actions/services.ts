// Service actions: start, stop, restart a service or set its start type, on devices the caller
// may manage services on (devices:services). The agent reports the state it left the service
// in; the service's row, the device history and "service stopped" alerts follow at once.
import type { UserActor } from '../auth/actor'
import { DeviceNotConnectedError } from '../agents/commands'
import type { AppContext } from '../context'
import type { ServiceAction, ServiceControlResult, ServiceStartType } from '../protocol'
import { managedDevice, sendDeviceCommand } from './dispatch'
import { actionOutcome, type ActionOutcome } from './outcome'

/** How long a caller waits for the agent (a restart of a slow service takes a while). */
export const serviceWaitMs = 45_000

export async function controlDeviceService(ctx: AppContext, actor: UserActor, id: string, name: string, action: ServiceAction, startType?: ServiceStartType): Promise<ActionOutcome<ServiceControlResult>> {
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:services')
  // note: not queued for an offline device: a restart "whenever it comes back" surprises more than it helps.
  if (!ctx.agents.isConnected(device.id)) throw new DeviceNotConnectedError()
  const now = ctx.clock.now()
  const sent = await sendDeviceCommand(ctx, actor, {
    device, partnerId, type: 'service.control', payload: { name, action, ...(startType ? { startType } : {}) }, expiresAt: now + 2 * 60_000, timeoutMs: 3 * 60_000,
    audit: { action: `device.service_${action}`, details: { service: name, ...(startType ? { startType } : {}) } },
  }, serviceWaitMs)
  return actionOutcome<ServiceControlResult>(sent)
}
