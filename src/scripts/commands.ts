// One-off commands: a shell or PowerShell line run on devices without saving a script. A
// command is a script run without a script: its line is the body of a `script.run` execution,
// so signing, output streaming (caps, flow control), history, cancel and the confirmation
// threshold (with the fleet guard's step-up and rate limit above it) are those of scripts. The run is a batch with `command` set and no script id.
import type { UserActor } from '../auth/actor'
import { guardFleetAction } from '../auth/fleet-guard'
import type { AppContext } from '../context'
import { resolveTargetDevices, type TargetSelector } from '../devices/targets'
import { canSeeDevice, deviceVisibility } from '../devices/visibility'
import { ForbiddenError } from '../lib/errors'
import { newId } from '../lib/ids'
import { checkCount, startBatch, type ExecuteInput, type Runnable } from './execute'
import type { OneOffCommand } from './types'

/** The label a command's run carries in lists (its first line, cut). */
export function commandLabel(c: Pick<OneOffCommand, 'command'>): string {
  const first = c.command.trim().split(/\r?\n/)[0] ?? ''
  const label = first.length > 120 ? `${first.slice(0, 119)}…` : first
  return c.command.trim().includes('\n') ? `${label} …` : label
}

function commandRun(c: OneOffCommand, by: string): Runnable {
  return {
    batch: { scriptId: null, scriptVersion: null, scriptName: commandLabel(c), command: c },
    body: { language: c.shell, content: c.command, parameters: [], timeoutSeconds: c.timeoutSeconds, runAs: c.runAs },
    outputCapMib: null,
    // note: cmd.exe exists only on Windows; every other shell is looked up on the device (a clear error when missing).
    skip: (device, _partnerId, offline) => c.shell === 'cmd' && device.osType !== 'windows' ? `cmd runs on Windows; this device runs ${device.osType}`
      : offline === 'skip' && device.status !== 'online' ? 'the device was offline' : null,
    audit: (batch, executions) => ({
      action: 'device.command', resourceType: 'command', resourceId: batch.id, resourceName: batch.scriptName,
      details: { shell: c.shell, command: c.command, runAs: c.runAs, timeoutSeconds: c.timeoutSeconds, devices: executions.length, deviceIds: executions.slice(0, 100).map((e) => e.deviceId), skipped: executions.filter((e) => e.status === 'skipped').length },
    }),
    // The device's History tab shows who ran what (the output is on the execution).
    history: (batch, executions) => executions.filter((e) => e.status !== 'skipped').map((e) => ({
      id: newId(), deviceId: e.deviceId, at: batch.createdAt, kind: 'admin' as const, action: 'command',
      summary: `Command run by ${by} (${c.shell}): ${batch.scriptName}`, details: { executionId: e.id, batchId: batch.id, by },
    })),
  }
}

export type CommandInput = OneOffCommand & Omit<ExecuteInput, 'parameters'> & { targets: TargetSelector }

/**
 * runCommand runs a one-off command on devices the caller may run commands on
 * (devices:command): a device it cannot see is a 404, one it sees without the permission a 403.
 */
export async function runCommand(ctx: AppContext, actor: UserActor, input: CommandInput) {
  const devices = await resolveTargetDevices(ctx, actor, input.targets, { permission: 'devices:read' })
  const allowed = deviceVisibility(actor.scope, 'devices:command')
  if (devices.some((d) => !canSeeDevice(allowed, d))) throw new ForbiddenError('you need the devices:command permission on every target device', 'devices:command')
  const { shell, command, timeoutSeconds, runAs } = input
  checkCount(devices, input)
  const fleet = await guardFleetAction(ctx, actor, { kind: 'device.command', deviceCount: devices.length, orgIds: devices.map((d) => d.orgId) })
  return startBatch(ctx, actor.audit, commandRun({ shell, command, timeoutSeconds, runAs }, actor.user.email), devices, input, { type: 'manual', userId: actor.user.id, rerunOf: null }, fleet)
}

/** rerunCommand runs a command's run again on the same targets. */
export async function rerunCommand(ctx: AppContext, actor: UserActor, batch: { id: string; command: OneOffCommand; targets: unknown; offline: 'queue' | 'skip'; expiresAt: number; createdAt: number }, confirmCount?: number) {
  const devices = await resolveTargetDevices(ctx, actor, batch.targets as TargetSelector, { permission: 'devices:read' })
  const allowed = deviceVisibility(actor.scope, 'devices:command')
  if (devices.some((d) => !canSeeDevice(allowed, d))) throw new ForbiddenError('you need the devices:command permission on every target device', 'devices:command')
  const input = { targets: batch.targets as TargetSelector, offline: batch.offline, expiresInMinutes: Math.max(1, Math.round((batch.expiresAt - batch.createdAt) / 60_000)), confirmCount }
  checkCount(devices, input)
  const fleet = await guardFleetAction(ctx, actor, { kind: 'device.command', deviceCount: devices.length, orgIds: devices.map((d) => d.orgId) })
  return startBatch(ctx, actor.audit, commandRun(batch.command, actor.user.email), devices, input, { type: 'manual', userId: actor.user.id, rerunOf: batch.id }, fleet)
}
