// Power actions later: a reboot or shutdown "at" a time is a job that sends the command then; a
// deferral by the logged-in user is the same job again deferMinutes later. How a power command
// ended goes into the device history, and a reboot is confirmed ("Device rebooted") when the
// device's next heartbeat reports a boot after the command.
import { recordAudit } from '../audit/service'
import { commandRows, insertCommands, sendCommands, type CommandOutcome, type CommandRow } from '../agents/commands'
import { insertDeviceChanges } from '../agents/device-repo'
import { findDevice } from '../agents/inventory-repo'
import type { UserActor } from '../auth/actor'
import { withDb, type AppContext, type TxContext } from '../context'
import { afterCommit, withTx } from '../db/tx'
import type { Device } from '../devices/repo'
import { deviceName } from '../devices/service'
import { newId } from '../lib/ids'
import type { PowerAction, PowerPayload, PowerResult } from '../protocol'
import { deletePendingPowerJob, insertChangeOnce, listRebootsAwaitingBoot, listScheduledPowerJobs, powerJobKey } from './power-repo'

type Ctx = AppContext

export const powerJob = 'device-actions.power'

/** The job's payload: what to send, to whom, on whose behalf. */
export type ScheduledPower = { deviceId: string; action: PowerAction; payload: PowerPayload; by: { userId: string | null; email: string | null }; at: number; deferred?: boolean }

const noun = (a: PowerAction) => (a === 'reboot' ? 'Reboot' : 'Shutdown')

/** powerTiming: how long a power command may take on the agent (warning, prompt, then a margin). */
export function powerTiming(p: PowerPayload, now: number) {
  return { expiresAt: now + 10 * 60_000, timeoutMs: (p.delaySeconds + (p.deferralsLeft > 0 ? p.promptSeconds : 0)) * 1000 + 5 * 60_000 }
}

/** powerSummary is the device history line of a requested power action. */
export function powerSummary(action: PowerAction, p: PowerPayload, by: string | null, at?: number): string {
  const what = `${noun(action)}${p.onlyIfPending ? ' (if a reboot is pending)' : ''}`
  const when = at ? ` scheduled for ${new Date(at).toISOString().replace('T', ' ').slice(0, 16)} UTC` : ' requested'
  const extras = [p.delaySeconds ? `${p.delaySeconds} s warning` : '', p.deferralsLeft ? `${p.deferralsLeft} deferral${p.deferralsLeft === 1 ? '' : 's'} of ${p.deferMinutes} min` : '', p.message ? `message "${p.message.slice(0, 200)}"` : ''].filter(Boolean)
  return `${what}${when}${by ? ` by ${by}` : ''}${extras.length ? ` (${extras.join(', ')})` : ''}`
}

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`

/** schedulePower stores the job, its audit row and the history entry in one transaction; returns the job id. */
export async function schedulePower(ctx: Ctx, actor: UserActor, input: { device: Pick<Device, 'id' | 'orgId' | 'hostname' | 'displayName'>; partnerId: string; action: PowerAction; payload: PowerPayload; at: number }): Promise<string> {
  const now = ctx.clock.now()
  const job: ScheduledPower = { deviceId: input.device.id, action: input.action, payload: input.payload, by: { userId: actor.user.id, email: actor.user.email }, at: input.at }
  return withTx(ctx.db, async (tx) => {
    const jobId = await ctx.jobs.enqueue(powerJob, job, { db: tx, runAt: input.at, uniqueKey: powerJobKey(input.device.id, newId()) })
    await recordAudit(withDb(ctx, tx), actor.audit, {
      action: `device.power_${input.action}`, partnerId: input.partnerId, orgId: input.device.orgId, resourceType: 'device', resourceId: input.device.id,
      resourceName: deviceName(input.device), details: { ...input.payload, at: input.at, jobId },
    })
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: input.device.id, at: now, kind: 'admin', action: `power_${input.action}_scheduled`, summary: powerSummary(input.action, input.payload, actor.user.email, input.at), details: { jobId, at: input.at } }])
    return jobId
  })
}

/** sendScheduledPower (the job) sends a scheduled power command when it is due; a device decommissioned meanwhile is skipped. */
export async function sendScheduledPower(ctx: Ctx, job: ScheduledPower) {
  const device = await findDevice(ctx.db, job.deviceId)
  if (!device || device.status === 'decommissioned') return
  const now = ctx.clock.now()
  const connected = ctx.agents.isConnected(device.id)
  const rows = commandRows(ctx, [{ deviceId: device.id, type: `power.${job.action}`, payload: job.payload, ...powerTiming(job.payload, now), sourceType: 'device_action', createdBy: job.by.userId ?? undefined }])
  await withTx(ctx.db, async (tx) => {
    await insertCommands(tx, rows)
    await insertDeviceChanges(tx, [{
      id: newId(), deviceId: device.id, at: now, kind: 'admin', action: `power_${job.action}_sent`,
      summary: `${job.deferred ? 'Deferred' : 'Scheduled'} ${job.action} sent to the agent${connected ? '' : ' (the device is offline: it gets it if it connects within 10 minutes)'}`,
      details: { commandId: rows[0].id, by: job.by.email },
    }])
  })
  await sendCommands(ctx, rows)
}

/** Reboots waiting for the device to come back: device id → when the agent said it was going down. */
const awaitingReboot = new Map<string, { since: number; by: string | null }>()

/** onPowerResult records how a power command ended; a deferral schedules the action again. Runs in the command's ending transaction. */
export async function onPowerResult(ctx: TxContext, command: CommandRow, outcome: CommandOutcome) {
  const action = command.type === 'power.reboot' ? 'reboot' : 'shutdown'
  const p = command.payload as PowerPayload
  const now = ctx.clock.now()
  const r = outcome.result as PowerResult | null
  let summary: string
  if (outcome.status !== 'completed' || !r) {
    summary = `${noun(action)} ${outcome.status === 'cancelled' ? 'cancelled' : 'failed'}${outcome.error ? `: ${outcome.error.slice(0, 500)}` : ''}`
  } else if (r.outcome === 'not_needed') {
    summary = 'Reboot not needed: the device reports no pending reboot'
  } else if (r.outcome === 'deferred') {
    const again = now + p.deferMinutes * 60_000
    const left = Math.max(0, p.deferralsLeft - 1)
    const job: ScheduledPower = { deviceId: command.deviceId, action, payload: { ...p, deferralsLeft: left }, by: { userId: command.createdBy, email: null }, at: again, deferred: true }
    await ctx.jobs.enqueue(powerJob, job, { db: ctx.db, runAt: again, uniqueKey: powerJobKey(command.deviceId, `defer:${command.id}`) })
    summary = `${noun(action)} deferred by the logged-in user${r.users.length ? ` (${r.users.slice(0, 5).join(', ')})` : ''} until ${utc(again)}; ${left} deferral${left === 1 ? '' : 's'} left`
  } else {
    summary = `${noun(action)} started on the device${r.users.length ? `; signed in: ${r.users.slice(0, 5).join(', ')}` : ''}`
    if (action === 'reboot') afterCommit(ctx.db, () => awaitingReboot.set(command.deviceId, { since: now, by: null }))
  }
  await insertChangeOnce(ctx.db, { id: `${command.id}-result`, deviceId: command.deviceId, at: now, kind: 'admin', action: `power_${action}_${outcome.status === 'completed' && r ? r.outcome : outcome.status}`, summary, details: { commandId: command.id, output: r?.output || null } })
}

/** onWakeResult records on the target's history what the relay did (the command's audit row names the target). */
export async function onWakeResult(ctx: TxContext, command: CommandRow, outcome: CommandOutcome, targetId: string | null) {
  if (!targetId) return
  const summary = outcome.status === 'completed' ? `Wake-on-LAN packet sent by another agent (${(outcome.result as { broadcast?: string } | null)?.broadcast ?? ''})` : `Wake-on-LAN failed: ${outcome.error ?? outcome.status}`
  await insertChangeOnce(ctx.db, { id: `${command.id}-result`, deviceId: targetId, at: ctx.clock.now(), kind: 'admin', action: `power_wake_${outcome.status}`, summary: summary.slice(0, 1000), details: { commandId: command.id, relayDeviceId: command.deviceId } })
}

const awaitBootForMs = 6 * 3600_000

/** loadRebootsAwaitingBoot fills the waiting list at start from the device history (a restart forgets nothing that matters). */
export async function loadRebootsAwaitingBoot(ctx: Ctx) {
  for (const r of await listRebootsAwaitingBoot(ctx.db, ctx.clock.now() - awaitBootForMs)) if (!awaitingReboot.has(r.deviceId)) awaitingReboot.set(r.deviceId, { since: r.at, by: null })
}

/** noteBoot confirms a reboot: a heartbeat whose boot time is after the agent said it was rebooting. */
export async function noteBoot(ctx: Ctx, deviceId: string, bootTime: number | null) {
  const waiting = awaitingReboot.get(deviceId)
  if (!waiting) return
  const now = ctx.clock.now()
  if (now - waiting.since > awaitBootForMs) return void awaitingReboot.delete(deviceId)
  // note: boot time is now − uptime, a few seconds of jitter either way.
  if (bootTime === null || bootTime < waiting.since - 5_000) return
  awaitingReboot.delete(deviceId)
  await insertDeviceChanges(ctx.db, [{ id: newId(), deviceId, at: now, kind: 'status', action: 'rebooted', summary: `Device rebooted (up since ${utc(bootTime)})`, details: { bootTime } }])
  const device = await findDevice(ctx.db, deviceId)
  if (device) ctx.events.emit('device.updated', { deviceId, orgId: device.orgId, fields: ['bootTime'] })
}


/** A power action waiting for its time, as the device page and the API show it. */
export type ScheduledPowerView = { jobId: string; action: PowerAction; at: number; by: string | null; message: string; deferred: boolean }

/** listScheduledPower: the device's scheduled (or deferred) power actions, soonest first. */
export async function listScheduledPower(ctx: Pick<Ctx, 'db'>, deviceId: string): Promise<ScheduledPowerView[]> {
  return (await listScheduledPowerJobs(ctx.db, deviceId)).map((j) => {
    const p = j.payload as ScheduledPower
    return { jobId: j.id, action: p.action, at: j.runAt, by: p.by?.email ?? null, message: p.payload?.message ?? '', deferred: !!p.deferred }
  })
}

/** cancelScheduledPower removes a scheduled power action before it is sent, with its audit row and history entry; false when it was sent already or is not the device's. */
export async function cancelScheduledPower(ctx: Ctx, actor: UserActor, device: Pick<Device, 'id' | 'orgId' | 'hostname' | 'displayName'>, partnerId: string, jobId: string): Promise<boolean> {
  const now = ctx.clock.now()
  return withTx(ctx.db, async (tx) => {
    const row = await deletePendingPowerJob(tx, device.id, jobId)
    if (!row) return false
    const p = row.payload as ScheduledPower
    await recordAudit(withDb(ctx, tx), actor.audit, {
      action: 'device.power_cancel', partnerId, orgId: device.orgId, resourceType: 'device', resourceId: device.id, resourceName: deviceName(device), details: { jobId, action: p.action, at: row.runAt },
    })
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: device.id, at: now, kind: 'admin', action: `power_${p.action}_unscheduled`, summary: `${noun(p.action)} scheduled for ${utc(row.runAt)} cancelled by ${actor.user.email}`, details: { jobId } }])
    return true
  })
}
