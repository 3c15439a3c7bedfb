// Bulk actions on a selection of devices, whole groups or sites: tag, untag, move to a site,
// decommission, add to / remove from a static group, start / end maintenance. All or nothing,
// one audit entry per organization (ending maintenance: one transaction per device).
import type { UserActor } from '../auth/actor'
import { guardFleetAction } from '../auth/fleet-guard'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { removeFromOtherSiteGroups } from './group-repo'
import { addGroupMembers, removeGroupMembers } from './groups'
import { bulkEndMaintenance, bulkStartMaintenance } from './maintenance'
import type { BulkInput, DeviceListQuery } from './model'
import { findDevicesByIds, findSiteOrgs, insertDeviceChanges, listDeviceIds, updateDeviceRows, type Device } from './repo'
import { deviceFilter, normalizeTags } from './service'
import { resolveTargetDevices } from './targets'
import { canSeeDevice, deviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'agents' | 'config'>

/**
 * Bulk actions that change what manages the devices (retire them, move them to another site's
 * policies and people, silence their monitoring) go through the fleet guard above the
 * threshold; tags and static group membership are bookkeeping and do not.
 */
export const fleetBulkActions: readonly BulkInput['action'][] = ['decommission', 'move', 'maintenance']

export type BulkResult = { action: BulkInput['action']; matched: number; changed: number }

/** idsMatchingFilter: every device matching list filters that the actor may apply `action` to ("select all N matching"). */
export async function idsMatchingFilter(ctx: Ctx, actor: UserActor, q: DeviceListQuery, action: BulkInput['action']): Promise<string[]> {
  const v = deviceVisibility(actor.scope, action === 'decommission' ? 'devices:delete' : 'devices:write')
  const rows = await listDeviceIds(ctx.db, v, await deviceFilter(ctx, actor, q))
  return rows.map((r) => r.id)
}

/** runBulkAction applies one action to every device the input names (deviceIds ∪ groups ∪ sites). */
export async function runBulkAction(ctx: Ctx, actor: UserActor, input: BulkInput): Promise<BulkResult> {
  if (!input.deviceIds?.length && !input.groupIds?.length && !input.siteIds?.length) throw new ValidationError('deviceIds', 'choose the devices: deviceIds, groupIds or siteIds')
  const permission = input.action === 'decommission' ? 'devices:delete' : 'devices:write'
  const targets = await resolveTargetDevices(ctx, actor, input, { permission })
  const ids = targets.map((d) => d.id)
  const base = { action: input.action, matched: ids.length }
  if (ids.length === 0) return { ...base, changed: 0 }

  if (input.action === 'addToGroup' || input.action === 'removeFromGroup') {
    if (!input.groupId) throw new ValidationError('groupId', 'say which group (groupId)')
    const r = input.action === 'addToGroup' ? await addGroupMembers(ctx, actor, input.groupId, ids) : await removeGroupMembers(ctx, actor, input.groupId, ids)
    return { ...base, changed: 'added' in r ? r.added : r.removed }
  }

  const devices = await findDevicesByIds(ctx.db, ids)
  const fleet = fleetBulkActions.includes(input.action)
    ? await guardFleetAction(ctx, actor, { kind: `device.bulk.${input.action}`, deviceCount: devices.length, orgIds: devices.map((d) => d.orgId) })
    : null
  if (input.action === 'maintenance') {
    // note: maintenance writes one transaction of its own; the action is counted just before it.
    if (fleet?.fleetWide) await withTx(ctx.db, (tx) => fleet.record(tx))
    return { ...base, changed: await bulkStartMaintenance(ctx, actor, devices, { durationMinutes: input.durationMinutes, reason: input.reason }) }
  }
  if (input.action === 'endMaintenance') return { ...base, changed: await bulkEndMaintenance(ctx, actor, devices) }
  const now = ctx.clock.now()
  const changedIds = new Set<string>()
  let fields: string[] = []
  let summary = ''
  /** Updates grouped by the new value, so 10,000 devices with the same tags take a handful of statements. */
  const updates = new Map<string, { ids: string[]; patch: Partial<Device> }>()
  const plan = (d: Device, patch: Partial<Device>) => {
    const key = JSON.stringify(patch)
    const u = updates.get(key) ?? { ids: [], patch }
    u.ids.push(d.id)
    updates.set(key, u)
    changedIds.add(d.id)
  }

  if (input.action === 'tag' || input.action === 'untag') {
    if (!input.tags?.length) throw new ValidationError('tags', 'give at least one tag')
    const tags = normalizeTags(input.tags)
    for (const d of devices) {
      const next = input.action === 'tag' ? normalizeTags([...d.tags, ...tags]) : d.tags.filter((x) => !tags.includes(x))
      if (next.join('\n') !== d.tags.join('\n')) plan(d, { tags: next })
    }
    fields = ['tags']
    summary = `${input.action === 'tag' ? 'Tagged' : 'Untagged'} ${tags.join(', ')}`
  } else if (input.action === 'move') {
    if (!input.siteId) throw new ValidationError('siteId', 'say which site to move the devices to (siteId)')
    const [site] = await findSiteOrgs(ctx.db, [input.siteId])
    const writable = deviceVisibility(actor.scope, 'devices:write')
    if (!site || !canSeeDevice(writable, { orgId: site.orgId, siteId: site.id })) throw new ValidationError('siteId', 'no such site')
    const foreign = devices.filter((d) => d.orgId !== site.orgId)
    if (foreign.length) throw new ValidationError('siteId', `${foreign.length} of the devices belong to another organization; devices move between sites of one organization`)
    for (const d of devices) if (d.siteId !== site.id) plan(d, { siteId: site.id })
    fields = ['siteId']
    summary = `Moved to site "${site.name}"`
  } else if (input.action === 'decommission') {
    for (const d of devices) plan(d, { status: 'decommissioned', decommissionedAt: now })
    fields = ['status']
    summary = 'Decommissioned'
  }

  const byOrg = new Map<string, string[]>()
  for (const d of devices) if (changedIds.has(d.id)) { const list = byOrg.get(d.orgId) ?? []; list.push(d.id); byOrg.set(d.orgId, list) }
  await withTx(ctx.db, async (tx) => {
    for (const u of updates.values()) {
      for (let i = 0; i < u.ids.length; i += 1000) await updateDeviceRows(tx, u.ids.slice(i, i + 1000), { ...u.patch, updatedAt: now })
    }
    if (input.action === 'move') await removeFromOtherSiteGroups(tx, [...changedIds], input.siteId!)
    await insertDeviceChanges(tx, [...changedIds].map((deviceId) => ({ id: newId(), deviceId, at: now, kind: input.action === 'decommission' ? 'status' as const : 'admin' as const, action: input.action, summary, details: { by: actor.user.email, bulk: true } })))
    for (const [orgId, list] of byOrg) {
      await recordAudit({ ...ctx, db: tx }, actor.audit, { action: `device.bulk.${input.action}`, partnerId: actor.scope.orgs.get(orgId)!.partnerId, orgId, resourceType: 'device', details: { count: list.length, deviceIds: list.slice(0, 100), tags: input.tags ?? null, siteId: input.siteId ?? null, ...(fleet?.fleetWide ? { fleetWide: true } : {}) } })
    }
    await fleet?.record(tx)
  })
  for (const d of devices) if (changedIds.has(d.id)) ctx.events.emit('device.updated', { deviceId: d.id, orgId: d.orgId, fields })
  return { ...base, changed: changedIds.size }
}
