// Wiring device actions into a running server: their command types (with the hooks that apply
// results) and their jobs and listeners.
import { registerCommandType } from '../agents/commands'
import { applyServiceState } from '../agents/inventory'
import type { AppContext } from '../context'
import type { ServiceControlResult } from '../protocol'
import { loadRebootsAwaitingBoot, noteBoot, onPowerResult, onWakeResult, powerJob, sendScheduledPower, type ScheduledPower } from './power-schedule'

// note: command types are program structure, registered when this module is imported (like routes).
registerCommandType('process.kill', {})
registerCommandType('power.reboot', { onResult: onPowerResult })
registerCommandType('power.shutdown', { onResult: onPowerResult })
registerCommandType('power.wake', { onResult: (ctx, command, outcome) => onWakeResult(ctx, command, outcome, command.sourceId) })
registerCommandType('agent.checkin', {})
registerCommandType('service.control', {
  async onResult(ctx, command, outcome) {
    if (outcome.status !== 'completed' || !outcome.result) return
    const r = outcome.result as ServiceControlResult
    await applyServiceState(ctx, command.deviceId, r.name, { state: r.state, startMode: r.startMode })
  },
})

/** registerDeviceActionWork declares the domain's jobs and event listeners. */
export async function registerDeviceActionWork(ctx: AppContext) {
  ctx.jobs.register(powerJob, (p: ScheduledPower) => sendScheduledPower(ctx, p), { maxAttempts: 3 })
  // "Device rebooted" when a device that was told to reboot reports a boot after that.
  ctx.events.on('heartbeat.received', (e) => noteBoot(ctx, e.deviceId, e.bootTime ?? null))
  await loadRebootsAwaitingBoot(ctx)
  // Open Services tabs refresh themselves when their device's services change.
  ctx.events.on('services.changed', (e) => ctx.live.publish({ orgId: e.orgId, perm: 'devices:read' }, 'device.services', { deviceId: e.deviceId }))
}
