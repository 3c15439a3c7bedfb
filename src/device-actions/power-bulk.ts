// One power action on many devices (a selection, groups, sites or a whole organization): the
// same targeting as every other fleet action (src/devices/targets.ts) and the same confirmation
// as script runs (more than 50 devices: confirmCount must equal the number). Commands, history
// entries and one audit row per organization commit together; devices the action cannot reach
// now (offline, no pending reboot, no wake-on-LAN relay) are listed as skipped with the reason.
import { recordAudit } from '../audit/service'
import { commandRows, insertCommands, sendCommands, type QueueCommandInput } from '../agents/commands'
import { insertDeviceChanges } from '../agents/device-repo'
import type { UserActor } from '../auth/actor'
import { guardFleetAction } from '../auth/fleet-guard'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { findDevicesByIds } from '../devices/repo'
import { getNetwork } from '../devices/service'
import { resolveTargetDevices } from '../devices/targets'
import { AppError, ForbiddenError, ValidationError } from '../lib/errors'
import { permissionsAnywhere } from '../tenancy/scope'
import { newId } from '../lib/ids'
import { confirmAbove, ConfirmationRequiredError } from '../scripts/execute'
import type { BulkActionBody } from './model'
import { findWakeRelay, parseAt, powerPayloadOf } from './power'
import { powerSummary, powerTiming, schedulePower } from './power-schedule'

type Ctx = AppContext

export type BulkActionResult = {
  action: BulkActionBody['action']
  /** Devices the selection named. */
  matched: number
  /** Commands sent (or queued, for check-ins of offline devices). */
  sent: number
  scheduled: number
  /** Devices left out and why (first 200). */
  skipped: { deviceId: string; reason: string }[]
  skippedCount: number
}

/** bulkDeviceAction runs one action on every device the selection names. */
export async function bulkDeviceAction(ctx: Ctx, actor: UserActor, body: BulkActionBody): Promise<BulkActionResult> {
  if (!body.deviceIds?.length && !body.groupIds?.length && !body.siteIds?.length && !body.orgId) throw new ValidationError('deviceIds', 'choose the devices: deviceIds, groupIds, siteIds or orgId')
  const now = ctx.clock.now()
  const at = parseAt(body.at, now)
  const power = body.action === 'reboot' || body.action === 'shutdown'
  if (!power && (at !== null || body.message || body.delaySeconds || body.deferrals || body.onlyIfPending)) throw new ValidationError(at !== null ? 'at' : 'message', `${body.action} runs now and takes no message, warning time or deferral`)
  if (body.onlyIfPending && body.action !== 'reboot') throw new ValidationError('onlyIfPending', 'onlyIfPending is for reboot')
  const permission = body.action === 'checkin' ? 'devices:write' : 'devices:power'
  if (!permissionsAnywhere(actor.scope).has(permission)) throw new ForbiddenError(`you need the ${permission} permission`, permission)
  const targets = await resolveTargetDevices(ctx, actor, { deviceIds: body.deviceIds, groupIds: body.groupIds, siteIds: body.siteIds, orgIds: body.orgId ? [body.orgId] : [] }, { permission })
  if (targets.length === 0) throw new AppError(422, 'no_devices', 'the selection contains no devices')
  if (targets.length > confirmAbove && body.confirmCount !== targets.length) throw new ConfirmationRequiredError(targets.length)
  // Reboot, shutdown and wake above the threshold need a recent step-up and room in the tenants' hourly budget; a check-in changes nothing.
  const fleet = body.action === 'checkin' ? null : await guardFleetAction(ctx, actor, { kind: `device.power.${body.action}`, deviceCount: targets.length, orgIds: targets.map((d) => d.orgId) })

  const skipped: BulkActionResult['skipped'] = []
  const payload = powerPayloadOf(body)
  const devices = await findDevicesByIds(ctx.db, targets.map((d) => d.id))
  const inputs: (QueueCommandInput & { summary: string; targetId: string })[] = []
  let scheduled = 0
  for (const d of devices) {
    const partnerId = actor.scope.orgs.get(d.orgId)!.partnerId
    if (body.action === 'checkin') {
      inputs.push({ deviceId: d.id, type: 'agent.checkin', payload: {}, expiresAt: now + 3600_000, timeoutMs: 10 * 60_000, targetId: d.id, summary: `Check-in requested by ${actor.user.email}` })
    } else if (body.action === 'wake') {
      try {
        const relay = await findWakeRelay(ctx, d, await getNetwork(ctx, actor, d.id))
        inputs.push({ deviceId: relay.deviceId, sourceId: d.id, type: 'power.wake', payload: { macs: relay.macs, broadcast: relay.broadcast, port: 9 }, expiresAt: now + 2 * 60_000, timeoutMs: 2 * 60_000, targetId: d.id, summary: `Wake-on-LAN requested by ${actor.user.email} (sent to ${relay.broadcast} by another agent on the subnet)` })
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        skipped.push({ deviceId: d.id, reason: err.message })
      }
    } else if (payload.onlyIfPending && !d.pendingReboot) {
      skipped.push({ deviceId: d.id, reason: 'no reboot pending' })
    } else if (at !== null) {
      await schedulePower(ctx, actor, { device: d, partnerId, action: body.action, payload, at })
      scheduled++
    } else if (!ctx.agents.isConnected(d.id)) {
      skipped.push({ deviceId: d.id, reason: 'offline' })
    } else {
      inputs.push({ deviceId: d.id, type: `power.${body.action}`, payload, ...powerTiming(payload, now), targetId: d.id, summary: powerSummary(body.action, payload, actor.user.email) })
    }
  }
  const rows = commandRows(ctx, inputs.map(({ summary: _s, targetId: _t, ...input }) => ({ ...input, sourceType: 'device_action', createdBy: actor.user.id })))
  if (rows.length) {
    const byOrg = new Map<string, string[]>()
    const orgOf = new Map(devices.map((d) => [d.id, d.orgId]))
    for (const i of inputs) byOrg.set(orgOf.get(i.targetId)!, [...(byOrg.get(orgOf.get(i.targetId)!) ?? []), i.targetId])
    await withTx(ctx.db, async (tx) => {
      await insertCommands(tx, rows)
      await insertDeviceChanges(tx, inputs.map((i, n) => ({ id: newId(), deviceId: i.targetId, at: now, kind: 'admin' as const, action: `power_${body.action}`, summary: i.summary, details: { commandId: rows[n].id, bulk: true } })))
      for (const [orgId, ids] of byOrg) {
        await recordAudit(withDb(ctx, tx), actor.audit, {
          action: `device.bulk.${body.action}`, partnerId: actor.scope.orgs.get(orgId)!.partnerId, orgId, resourceType: 'device',
          details: { count: ids.length, deviceIds: ids.slice(0, 100), ...(power ? payload : {}), ...(fleet?.fleetWide ? { fleetWide: true } : {}) },
        })
      }
      await fleet?.record(tx)
    })
    await sendCommands(ctx, rows)
  } else if (fleet?.fleetWide) {
    // note: only scheduled or skipped devices: the action still counts (schedules wrote their own rows).
    await withTx(ctx.db, (tx) => fleet.record(tx))
  }
  return { action: body.action, matched: targets.length, sent: rows.length, scheduled, skipped: skipped.slice(0, 200), skippedCount: skipped.length }
}

/** bulkPowerFromList runs the device list's bulk power choice (a form) and says what happened. */
export async function bulkPowerFromList(ctx: Ctx, actor: UserActor, choice: string, deviceIds: string[], form: Record<string, unknown>): Promise<{ text: string; skippedCount: number }> {
  const action = choice === 'reboot_if_pending' ? 'reboot' : choice
  if (!['reboot', 'shutdown', 'wake', 'checkin'].includes(action)) throw new ValidationError('action', 'choose a bulk action')
  const message = typeof form.message === 'string' && form.message.trim() && (action === 'reboot' || action === 'shutdown') ? form.message.trim().slice(0, 500) : undefined
  const confirm = typeof form.confirmCount === 'string' && /^\d{1,7}$/.test(form.confirmCount) ? Number(form.confirmCount) : undefined
  const r = await bulkDeviceAction(ctx, actor, { action: action as BulkActionBody['action'], deviceIds, ...(message ? { message } : {}), ...(choice === 'reboot_if_pending' ? { onlyIfPending: true } : {}), ...(confirm !== undefined ? { confirmCount: confirm } : {}) })
  const what = { reboot: 'Reboot', shutdown: 'Shutdown', wake: 'Wake-on-LAN', checkin: 'Check-in' }[r.action]
  const reasons = [...new Set(r.skipped.map((s) => s.reason))].slice(0, 3).join('; ')
  return { text: `${what} sent to ${r.sent} of ${r.matched} device${r.matched === 1 ? '' : 's'}${r.skippedCount ? `; ${r.skippedCount} skipped (${reasons})` : ''}.`, skippedCount: r.skippedCount }
}
