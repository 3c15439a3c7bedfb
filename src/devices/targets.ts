// Turning "these devices, groups, sites and organizations" into the devices to act on. Used by
// every domain that runs work on devices (scripts, alerts, automations, patches, bulk actions).
import type { AppContext } from '../context'
import { NotFoundError } from '../lib/errors'
import type { Permission } from '../tenancy/permissions'
import type { Scope } from '../tenancy/scope'
import { listGroupsOfOrgs, type DeviceGroup } from './group-repo'
import { findDevicesByIds, findSiteOrgs, listTargets, type TargetRow } from './repo'
import { canSeeDevice, deviceVisibility, isEmptyVisibility, orgVisibility, type DeviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db'>

/** What to act on: the union of everything named. A group includes its descendant groups. */
export type TargetSelector = { deviceIds?: string[]; groupIds?: string[]; siteIds?: string[]; orgIds?: string[] }

export type TargetDevice = TargetRow

/**
 * resolveTargetDevices returns the visible, non-decommissioned devices named by `selector`
 * (deduplicated, sorted by name) for an actor holding `permission` on them. A device, group,
 * site or org id the actor cannot see with that permission is a NotFoundError (404), so a
 * caller never silently acts on less than it was asked to. Decommissioned devices named by id
 * are skipped.
 */
export async function resolveTargetDevices(ctx: Ctx, actor: { scope: Scope }, selector: TargetSelector, opts: { permission: Permission }): Promise<TargetDevice[]> {
  return resolveWithin(ctx, deviceVisibility(actor.scope, opts.permission), selector, true)
}

/**
 * resolveTargetDevicesForOrg is the same for system-initiated work (automations, policies,
 * alert actions): everything is limited to `orgId`; ids from elsewhere or since deleted are
 * skipped. `wholeOrg: true` targets every device of the org.
 */
export async function resolveTargetDevicesForOrg(ctx: Ctx, orgId: string, selector: Omit<TargetSelector, 'orgIds'> & { wholeOrg?: boolean }): Promise<TargetDevice[]> {
  return resolveWithin(ctx, orgVisibility(orgId), { ...selector, orgIds: selector.wholeOrg ? [orgId] : [] }, false)
}

/** withDescendants: the given groups and all their descendants among `all`. */
export function withDescendants(all: Pick<DeviceGroup, 'id' | 'parentId'>[], ids: string[]): string[] {
  const children = new Map<string, string[]>()
  for (const g of all) if (g.parentId) children.set(g.parentId, [...(children.get(g.parentId) ?? []), g.id])
  const out = new Set<string>()
  const stack = [...ids]
  while (stack.length) {
    const id = stack.pop()!
    if (out.has(id)) continue
    out.add(id)
    stack.push(...(children.get(id) ?? []))
  }
  return [...out]
}

async function resolveWithin(ctx: Ctx, v: DeviceVisibility, sel: TargetSelector, strict: boolean): Promise<TargetDevice[]> {
  const deviceIds = unique(sel.deviceIds)
  const groupIds = unique(sel.groupIds)
  const siteIds = unique(sel.siteIds)
  const orgIds = unique(sel.orgIds)
  const missing = (what: string) => { if (strict) throw new NotFoundError(what) }
  if (isEmptyVisibility(v)) {
    if (deviceIds.length) missing('device')
    if (groupIds.length) missing('device group')
    if (siteIds.length) missing('site')
    if (orgIds.length) missing('organization')
    return []
  }

  const visibleDeviceIds = deviceIds.length ? (await findDevicesByIds(ctx.db, deviceIds)).filter((d) => canSeeDevice(v, d)).map((d) => d.id) : []
  if (visibleDeviceIds.length !== deviceIds.length) missing('device')

  const orgsInView = [...new Set([...v.orgIds, ...v.siteOrgIds])]
  const groups = groupIds.length ? await listGroupsOfOrgs(ctx.db, orgsInView) : []
  const known = new Set(groups.map((g) => g.id))
  const visibleGroupIds = groupIds.filter((id) => known.has(id))
  if (visibleGroupIds.length !== groupIds.length) missing('device group')

  const visibleSiteIds = (await findSiteOrgs(ctx.db, siteIds)).filter((s) => v.orgIds.includes(s.orgId) || (v.siteOrgIds.includes(s.orgId) && v.siteIds.includes(s.id))).map((s) => s.id)
  if (visibleSiteIds.length !== siteIds.length) missing('site')

  const visibleOrgIds = orgIds.filter((o) => orgsInView.includes(o))
  if (visibleOrgIds.length !== orgIds.length) missing('organization')

  return listTargets(ctx.db, v, { deviceIds: visibleDeviceIds, groupIds: withDescendants(groups, visibleGroupIds), siteIds: visibleSiteIds, orgIds: visibleOrgIds })
}

function unique(ids: string[] | undefined): string[] {
  return [...new Set(ids ?? [])]
}
