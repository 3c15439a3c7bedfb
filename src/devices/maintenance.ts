// Maintenance mode: a technician takes a device out of monitoring for a while (patching,
// hardware work, a planned outage). While in maintenance its status is 'maintenance', which the
// online/offline tracking (src/agents/status.ts) never touches, and the alert engine counts it
// as a maintenance window that silences the device's alerts (src/alerts/maintenance.ts). When
// it ends, by hand or when its time runs out (a job), the device goes back to online or offline
// according to whether its agent is connected or was heard from recently.
import type { UserActor } from '../auth/actor'
import { recordAudit, systemActor, type AuditActor } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { deleteMaintenance, dueMaintenance, enterMaintenance, findMaintenance, leaveMaintenance, listMaintenance, saveMaintenance, type MaintenanceView } from './maintenance-repo'
import type { StartMaintenanceInput } from './model'
import { insertDeviceChanges, type Device } from './repo'
import { deviceName, getDevice } from './service'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'agents' | 'config'>

export type DeviceWithMaintenance = Device & { maintenance: MaintenanceView | null }

/** Who ends or starts a maintenance, for the audit log and the device's history. */
type By = { audit: AuditActor; partnerOf: (orgId: string) => string | null; userId: string | null; label: string }

const byUser = (actor: UserActor): By => ({
  audit: actor.audit, partnerOf: (orgId) => actor.scope.orgs.get(orgId)?.partnerId ?? null, userId: actor.user.id, label: actor.user.email,
})

/** maintenanceSpan: "for 4 h" / "until turned off", for history entries and messages. */
export function maintenanceSpan(durationMinutes: number | null | undefined): string {
  if (!durationMinutes) return 'until turned off'
  if (durationMinutes % 1440 === 0) return `for ${durationMinutes / 1440} d`
  if (durationMinutes % 60 === 0) return `for ${durationMinutes / 60} h`
  return `for ${durationMinutes} min`
}

/** liveStatus: online when the agent's socket is open here or it was heard from within its offline window. */
export function liveStatus(ctx: Pick<Ctx, 'agents' | 'config'>, d: Pick<Device, 'id' | 'lastSeenAt' | 'heartbeatSeconds'>, now: number): 'online' | 'offline' {
  if (ctx.agents.isConnected(d.id)) return 'online'
  // The same rule as findOverdue (src/agents/device-repo.ts): silent for `offlineAfterMissed` intervals is offline.
  const window = d.heartbeatSeconds * ctx.config.agents.offlineAfterMissed * 1000
  return d.lastSeenAt !== null && d.lastSeenAt + window >= now ? 'online' : 'offline'
}

/** getDeviceWithMaintenance: a visible device with its maintenance (null when not in maintenance). */
export async function getDeviceWithMaintenance(ctx: Ctx, actor: UserActor, id: string): Promise<DeviceWithMaintenance> {
  const device = await getDevice(ctx, actor, id)
  return { ...device, maintenance: device.status === 'maintenance' ? (await findMaintenance(ctx.db, id)) ?? null : null }
}

/**
 * startMaintenanceOf puts live devices in maintenance (or changes the end and reason of one
 * already in it). Decommissioned devices are skipped. Returns the ids changed.
 */
async function startMaintenanceOf(ctx: Ctx, by: By, devices: Device[], input: StartMaintenanceInput, bulk: boolean): Promise<string[]> {
  const live = devices.filter((d) => d.status !== 'decommissioned')
  if (live.length === 0) return []
  const now = ctx.clock.now()
  const endsAt = input.durationMinutes ? now + input.durationMinutes * 60_000 : null
  const reason = input.reason?.trim() || null
  const previous = new Map((await listMaintenance(ctx.db, live.map((d) => d.id))).map((m) => [m.deviceId, m]))
  const span = maintenanceSpan(input.durationMinutes)
  const changed = await withTx(ctx.db, async (tx) => {
    const ids = new Set(await enterMaintenance(tx, live.map((d) => d.id), now))
    const rows = live.filter((d) => ids.has(d.id))
    for (const d of rows) {
      const was = d.status === 'maintenance' ? previous.get(d.id) : undefined
      await saveMaintenance(tx, { deviceId: d.id, startedAt: was?.startedAt ?? now, endsAt, reason, startedBy: was ? was.startedBy : by.userId })
    }
    await insertDeviceChanges(tx, rows.map((d) => ({
      id: newId(), deviceId: d.id, at: now, kind: 'status' as const, action: d.status === 'maintenance' ? 'maintenance_changed' : 'maintenance_started',
      summary: `${d.status === 'maintenance' ? 'Maintenance changed' : 'Maintenance started'} ${span}${reason ? `: ${reason}` : ''}`, details: { by: by.label, endsAt, reason, bulk },
    })))
    if (bulk) {
      const byOrg = new Map<string, string[]>()
      for (const d of rows) byOrg.set(d.orgId, [...(byOrg.get(d.orgId) ?? []), d.id])
      for (const [orgId, list] of byOrg) {
        await recordAudit({ ...ctx, db: tx }, by.audit, { action: 'device.bulk.maintenance', partnerId: by.partnerOf(orgId), orgId, resourceType: 'device', details: { count: list.length, deviceIds: list.slice(0, 100), endsAt, reason } })
      }
    } else {
      for (const d of rows) {
        await recordAudit({ ...ctx, db: tx }, by.audit, {
          action: d.status === 'maintenance' ? 'device.maintenance.update' : 'device.maintenance.start', partnerId: by.partnerOf(d.orgId), orgId: d.orgId,
          resourceType: 'device', resourceId: d.id, resourceName: deviceName(d), details: { endsAt, reason, durationMinutes: input.durationMinutes ?? null },
        })
      }
    }
    return rows
  })
  for (const d of changed) ctx.events.emit('device.updated', { deviceId: d.id, orgId: d.orgId, fields: ['status', 'maintenance'] })
  return changed.map((d) => d.id)
}

type Ending = Pick<Device, 'id' | 'orgId' | 'hostname' | 'displayName' | 'lastSeenAt' | 'heartbeatSeconds'>

/** endMaintenanceOf ends one device's maintenance: back to online or offline. False when it was not in maintenance. */
async function endMaintenanceOf(ctx: Ctx, by: By, d: Ending, how: { expired: boolean; bulk: boolean }): Promise<'online' | 'offline' | null> {
  const now = ctx.clock.now()
  const status = liveStatus(ctx, d, now)
  const done = await withTx(ctx.db, async (tx) => {
    const moved = await leaveMaintenance(tx, d.id, status, now)
    await deleteMaintenance(tx, [d.id])
    if (!moved) return false
    const summary = `${how.expired ? 'Maintenance ended (its time ran out)' : `Maintenance ended by ${by.label}`}; the device is ${status}`
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: d.id, at: now, kind: 'status', action: 'maintenance_ended', summary, details: { by: by.label, expired: how.expired, status } }])
    if (!how.bulk) {
      await recordAudit({ ...ctx, db: tx }, by.audit, {
        action: 'device.maintenance.end', partnerId: by.partnerOf(d.orgId), orgId: d.orgId, resourceType: 'device', resourceId: d.id, resourceName: deviceName(d), details: { expired: how.expired, status },
      })
    }
    return true
  })
  if (!done) return null
  ctx.events.emit('device.updated', { deviceId: d.id, orgId: d.orgId, fields: ['status', 'maintenance'] })
  // note: announced like any other transition, so alerts re-evaluate (an agent silent since the
  // maintenance began is now offline and may alert), automations and remote sessions react.
  if (status === 'online') ctx.events.emit('device.online', { deviceId: d.id, orgId: d.orgId })
  else ctx.events.emit('device.offline', { deviceId: d.id, orgId: d.orgId, lastSeenAt: d.lastSeenAt })
  return status
}

/** startMaintenance puts one device in maintenance (devices:write), or changes the end and reason of its current one. */
export async function startMaintenance(ctx: Ctx, actor: UserActor, id: string, input: StartMaintenanceInput): Promise<DeviceWithMaintenance> {
  const device = await getDevice(ctx, actor, id, 'devices:write')
  if (device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned; re-enroll it to manage it again')
  await startMaintenanceOf(ctx, byUser(actor), [device], input, false)
  return getDeviceWithMaintenance(ctx, actor, id)
}

/** endMaintenance ends one device's maintenance early (devices:write); a device not in maintenance is left as it is. */
export async function endMaintenance(ctx: Ctx, actor: UserActor, id: string): Promise<DeviceWithMaintenance> {
  const device = await getDevice(ctx, actor, id, 'devices:write')
  if (device.status === 'maintenance') await endMaintenanceOf(ctx, byUser(actor), device, { expired: false, bulk: false })
  return getDeviceWithMaintenance(ctx, actor, id)
}

/** bulkStartMaintenance: the bulk action over devices already resolved and checked for devices:write. */
export async function bulkStartMaintenance(ctx: Ctx, actor: UserActor, devices: Device[], input: StartMaintenanceInput): Promise<number> {
  return (await startMaintenanceOf(ctx, byUser(actor), devices, input, true)).length
}

/** bulkEndMaintenance: ends the maintenance of those of `devices` in it, with one audit entry per organization. */
export async function bulkEndMaintenance(ctx: Ctx, actor: UserActor, devices: Device[]): Promise<number> {
  const by = byUser(actor)
  // One transaction for the whole selection and its audit entries: all of it ends, or none.
  return withTx(ctx.db, async (tx) => {
    const inTx = withDb(ctx, tx)
    const ended: Device[] = []
    for (const d of devices) if (d.status === 'maintenance' && (await endMaintenanceOf(inTx, by, d, { expired: false, bulk: true }))) ended.push(d)
    const byOrg = new Map<string, string[]>()
    for (const d of ended) byOrg.set(d.orgId, [...(byOrg.get(d.orgId) ?? []), d.id])
    for (const [orgId, list] of byOrg) {
      await recordAudit(inTx, actor.audit, { action: 'device.bulk.endMaintenance', partnerId: by.partnerOf(orgId), orgId, resourceType: 'device', details: { count: list.length, deviceIds: list.slice(0, 100) } })
    }
    return ended.length
  })
}

/** expireMaintenance (job) ends maintenances whose time ran out and drops rows of devices no longer in maintenance. */
export async function expireMaintenance(ctx: Ctx): Promise<number> {
  let ended = 0
  for (;;) {
    const due = await dueMaintenance(ctx.db, ctx.clock.now(), 200)
    if (due.length === 0) return ended
    const stale = due.filter((m) => m.status !== 'maintenance').map((m) => m.deviceId)
    await deleteMaintenance(ctx.db, stale)
    for (const m of due) {
      if (m.status !== 'maintenance') continue
      const by: By = { audit: systemActor, partnerOf: () => m.partnerId, userId: null, label: 'Breeze' }
      if (await endMaintenanceOf(ctx, by, { id: m.deviceId, orgId: m.orgId, hostname: m.hostname, displayName: m.displayName, lastSeenAt: m.lastSeenAt, heartbeatSeconds: m.heartbeatSeconds }, { expired: true, bulk: false })) ended++
    }
  }
}
