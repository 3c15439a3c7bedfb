// Sending one action to one device: the signed command and its audit row are stored in one
// transaction, the command goes down the socket after the commit, and the caller may wait a
// little for the agent's answer (a kill or a service restart usually answers in a second).
import { recordAudit, type AuditActor } from '../audit/service'
import { awaitCommand, commandRows, insertCommands, sendCommands, type CommandOutcome, type CommandRow } from '../agents/commands'
import type { AppContext } from '../context'
import { withDb } from '../context'
import { withTx } from '../db/tx'
import type { Device, DeviceChange } from '../devices/repo'
import { insertDeviceChanges } from '../agents/device-repo'
import { newId } from '../lib/ids'
import { deviceName, getDevice } from '../devices/service'
import type { UserActor } from '../auth/actor'
import { ValidationError } from '../lib/errors'

export type DeviceCommand = {
  device: Pick<Device, 'id' | 'orgId' | 'hostname' | 'displayName' | 'status'>
  partnerId: string
  type: string
  payload: Record<string, unknown>
  /** The audit action (device.process_kill…) and what it records. */
  audit: { action: string; details: Record<string, unknown> }
  /** Not delivered after this (default: 10 minutes: a live action is pointless an hour later). */
  expiresAt?: number
  timeoutMs?: number
  sourceType?: string
  sourceId?: string
  /** Send the command to this device instead (a wake-on-LAN relay); the audit row and history entry stay the device's. */
  commandDeviceId?: string
  /** A device history entry stored with the command. */
  change?: { kind: DeviceChange['kind']; action: string; summary: string; details?: Record<string, unknown> }
}

/** sendDeviceCommand stores, audits and sends a command; with waitMs it also waits that long for the outcome (null: no answer yet). */
export async function sendDeviceCommand(ctx: AppContext, actor: { audit: AuditActor; user?: { id: string } }, input: DeviceCommand, waitMs = 0): Promise<{ command: CommandRow; outcome: CommandOutcome | null }> {
  if (input.device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned')
  const now = ctx.clock.now()
  const [row] = commandRows(ctx, [{
    deviceId: input.commandDeviceId ?? input.device.id, type: input.type, payload: input.payload, expiresAt: input.expiresAt ?? now + 10 * 60_000, timeoutMs: input.timeoutMs ?? 5 * 60_000,
    sourceType: input.sourceType ?? 'device_action', sourceId: input.sourceId, createdBy: actor.user?.id,
  }])
  const outcome = waitMs > 0 ? awaitCommand(ctx, row.id, waitMs) : null
  await withTx(ctx.db, async (tx) => {
    await insertCommands(tx, [row])
    await recordAudit(withDb(ctx, tx), actor.audit, {
      action: input.audit.action, partnerId: input.partnerId, orgId: input.device.orgId, resourceType: 'device', resourceId: input.device.id,
      resourceName: deviceName(input.device), details: { ...input.audit.details, commandId: row.id },
    })
    if (input.change) await insertDeviceChanges(tx, [{ id: newId(), deviceId: input.device.id, at: now, ...input.change, details: { ...input.change.details, commandId: row.id } }])
  })
  await sendCommands(ctx, [row])
  return { command: row, outcome: outcome ? await outcome : null }
}

/** managedDevice: a device the actor may act on with `perm` (404 outside the scope, 403 without it), not decommissioned. */
export async function managedDevice(ctx: AppContext, actor: UserActor, id: string, perm: Parameters<typeof getDevice>[3]) {
  const device = await getDevice(ctx, actor, id, perm)
  if (device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned')
  return { device, partnerId: actor.scope.orgs.get(device.orgId)!.partnerId }
}

