// Power actions on one device: reboot or shut down (now, after a warning, or at a time; with a
// message to the logged-in users and an optional deferral), "reboot if pending", wake-on-LAN
// (sent by another online agent on the device's subnet) and "check in now" (a heartbeat and a
// full inventory). Each is a signed command with its audit row and a device history entry; the
// agent runs the power command its own configuration names (docs/device-actions.md).
import type { UserActor } from '../auth/actor'
import { DeviceNotConnectedError } from '../agents/commands'
import type { AppContext } from '../context'
import { getDevice, getNetwork } from '../devices/service'
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors'
import type { CheckinResult, PowerAction, PowerPayload, PowerResult, WakeResult } from '../protocol'
import { managedDevice, sendDeviceCommand, type DeviceCommand } from './dispatch'
import type { ActionBody } from './model'
import { actionOutcome, type ActionOutcome } from './outcome'
import { listOrgIpv4Interfaces } from './power-repo'
import { cancelScheduledPower, listScheduledPower, powerSummary, powerTiming, schedulePower, type ScheduledPowerView } from './power-schedule'

type Ctx = AppContext

/** What a device action answers: the command's outcome, or that it was scheduled or skipped. */
export type ActionAnswer =
  | (ActionOutcome<PowerResult | WakeResult | CheckinResult> & { action: ActionBody['action']; relayDeviceId?: string })
  | { action: ActionBody['action']; status: 'scheduled'; at: number; jobId: string }
  | { action: ActionBody['action']; status: 'skipped'; reason: string }

/** parseAt reads `at` (ISO time or epoch ms); it must lie in the future and within 30 days. */
export function parseAt(at: string | number | undefined, now: number): number | null {
  if (at === undefined || at === '') return null
  const ms = typeof at === 'number' ? at : /^\d+$/.test(at) ? Number(at) : Date.parse(at)
  if (!Number.isFinite(ms)) throw new ValidationError('at', 'at is an ISO time or epoch milliseconds')
  if (ms < now - 60_000) throw new ValidationError('at', 'at is in the past')
  if (ms > now + 30 * 86_400_000) throw new ValidationError('at', 'at is more than 30 days ahead')
  return ms
}

/** powerPayloadOf turns the API's options into the command's payload (defaults: a minute's warning with a message, none without). */
export function powerPayloadOf(body: Pick<ActionBody, 'message' | 'delaySeconds' | 'onlyIfPending' | 'deferrals' | 'deferMinutes'>): PowerPayload {
  const message = body.message?.trim() ?? ''
  return {
    message, delaySeconds: body.delaySeconds ?? (message ? 60 : 0), onlyIfPending: body.onlyIfPending ?? false,
    deferralsLeft: body.deferrals ?? 0, deferMinutes: body.deferMinutes ?? 60, promptSeconds: 120,
  }
}

/** deviceAction runs one action on one device the actor may act on. */
export async function deviceAction(ctx: Ctx, actor: UserActor, id: string, body: ActionBody): Promise<ActionAnswer> {
  // Who may (404 outside the scope, 403 without the permission) before what was asked (400).
  await managedDevice(ctx, actor, id, body.action === 'checkin' ? 'devices:write' : 'devices:power')
  const now = ctx.clock.now()
  const at = parseAt(body.at, now)
  if (body.action === 'checkin' || body.action === 'wake') {
    if (at !== null) throw new ValidationError('at', `${body.action} runs now; at is for reboot and shutdown`)
    if (body.message || body.delaySeconds || body.deferrals || body.onlyIfPending) throw new ValidationError(body.message ? 'message' : body.delaySeconds ? 'delaySeconds' : body.deferrals ? 'deferrals' : 'onlyIfPending', `${body.action} takes no message, warning time, deferral or onlyIfPending`)
  }
  if (body.action === 'checkin') return checkIn(ctx, actor, id)
  if (body.action === 'wake') return wakeDevice(ctx, actor, id)
  if (body.onlyIfPending && body.action !== 'reboot') throw new ValidationError('onlyIfPending', 'onlyIfPending is for reboot')
  const action = body.action
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:power')
  const payload = powerPayloadOf(body)
  if (payload.onlyIfPending && !device.pendingReboot) return { action, status: 'skipped', reason: 'no reboot pending' }
  if (at !== null) {
    const jobId = await schedulePower(ctx, actor, { device, partnerId, action, payload, at })
    return { action, status: 'scheduled', at, jobId }
  }
  // note: not queued for an offline device (a reboot "whenever it comes back" surprises); schedule one instead.
  if (!ctx.agents.isConnected(device.id)) throw new DeviceNotConnectedError()
  const sent = await sendDeviceCommand(ctx, actor, {
    device, partnerId, type: `power.${action}`, payload, ...powerTiming(payload, now),
    audit: { action: `device.power_${action}`, details: { ...payload } },
    change: { kind: 'admin', action: `power_${action}`, summary: powerSummary(action, payload, actor.user.email) },
  }, payload.delaySeconds === 0 && payload.deferralsLeft === 0 ? 15_000 : 0)
  return { action, ...actionOutcome<PowerResult>(sent) }
}

/** checkIn asks the agent for a heartbeat and a full inventory now (queued for an hour when the device is offline). */
export async function checkIn(ctx: Ctx, actor: UserActor, id: string, waitMs = 30_000): Promise<ActionAnswer> {
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:write')
  const connected = ctx.agents.isConnected(device.id)
  const sent = await sendDeviceCommand(ctx, actor, {
    device, partnerId, type: 'agent.checkin', payload: {}, expiresAt: ctx.clock.now() + 3600_000, timeoutMs: 10 * 60_000,
    audit: { action: 'device.check_in', details: {} },
  }, connected ? waitMs : 0)
  return { action: 'checkin', ...actionOutcome<CheckinResult>(sent) }
}

const ipInt = (ip: string) => {
  const parts = ip.split('.').map(Number)
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts.reduce((a, p) => ((a << 8) | p) >>> 0, 0) : null
}
const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0)
const ipStr = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')

/** WakeRelay: the online agent that sends the packet, and where. */
export type WakeRelay = { deviceId: string; broadcast: string; macs: string[] }

/**
 * findWakeRelay picks an online, connected agent of the device's organization with an IPv4
 * interface on a subnet of one of the device's addresses (the relay's reported prefix length
 * decides the subnet; /31 and /32 have no broadcast). Prefers the relay seen most recently.
 */
export async function findWakeRelay(ctx: Ctx, target: { id: string; orgId: string }, targetNics: { macAddress: string | null; ipAddress: string | null; ipType: string | null }[]): Promise<WakeRelay> {
  const macs = [...new Set(targetNics.map((n) => n.macAddress?.toLowerCase().replace(/-/g, ':') ?? '').filter((m) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m) && m !== '00:00:00:00:00:00'))]
  if (macs.length === 0) throw new ConflictError('the device has reported no MAC address to wake')
  const targetIps = targetNics.filter((n) => n.ipType === 'ipv4' && n.ipAddress).map((n) => ipInt(n.ipAddress!)).filter((n): n is number => n !== null)
  if (targetIps.length === 0) throw new ConflictError('the device has reported no IPv4 address, so no agent can be found on its subnet')
  for (const nic of await listOrgIpv4Interfaces(ctx.db, target.orgId)) {
    if (nic.deviceId === target.id || nic.prefixLength === null || nic.prefixLength > 30 || !ctx.agents.isConnected(nic.deviceId)) continue
    const ip = ipInt(nic.ipAddress)
    if (ip === null) continue
    const mask = maskOf(nic.prefixLength)
    if (!targetIps.some((t) => (t & mask) === (ip & mask))) continue
    return { deviceId: nic.deviceId, broadcast: ipStr((ip | ~mask) >>> 0), macs: macs.slice(0, 16) }
  }
  throw new ConflictError('no online agent of this organization is on the device\'s subnet to send the wake-on-LAN packet')
}

/** wakeDevice sends wake-on-LAN for a device through another online agent on its subnet; waits up to 15 s for the relay's report. */
export async function wakeDevice(ctx: Ctx, actor: UserActor, id: string): Promise<ActionAnswer> {
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:power')
  const relay = await findWakeRelay(ctx, device, await getNetwork(ctx, actor, device.id))
  const now = ctx.clock.now()
  const command: DeviceCommand = {
    // note: the command goes to the relay; the audit row and the history entry are the target's.
    device, partnerId, commandDeviceId: relay.deviceId, sourceId: device.id, type: 'power.wake', payload: { macs: relay.macs, broadcast: relay.broadcast, port: 9 }, expiresAt: now + 2 * 60_000, timeoutMs: 2 * 60_000,
    audit: { action: 'device.power_wake', details: { relayDeviceId: relay.deviceId, macs: relay.macs, broadcast: relay.broadcast } },
    change: { kind: 'admin', action: 'power_wake', summary: `Wake-on-LAN requested by ${actor.user.email} (sent to ${relay.broadcast} by another agent on the subnet)` },
  }
  const sent = await sendDeviceCommand(ctx, actor, command, 15_000)
  return { action: 'wake', relayDeviceId: relay.deviceId, ...actionOutcome<WakeResult>(sent) }
}

/** scheduledPower lists a device's power actions waiting for their time (anyone who can see the device). */
export async function scheduledPower(ctx: Ctx, actor: UserActor, id: string): Promise<ScheduledPowerView[]> {
  const device = await getDevice(ctx, actor, id)
  return listScheduledPower(ctx, device.id)
}

/** cancelPower cancels a scheduled power action (404 when there is none, 409 when it was sent already). */
export async function cancelPower(ctx: Ctx, actor: UserActor, id: string, jobId: string): Promise<{ cancelled: true }> {
  const { device, partnerId } = await managedDevice(ctx, actor, id, 'devices:power')
  if (!(await listScheduledPower(ctx, device.id)).some((j) => j.jobId === jobId)) throw new NotFoundError('scheduled action')
  if (!(await cancelScheduledPower(ctx, actor, device, partnerId, jobId))) throw new ConflictError('the action was sent to the device already')
  return { cancelled: true }
}
