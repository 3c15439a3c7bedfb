// Which devices a scope may see or act on. Every device query takes a DeviceVisibility built
// here, so the tenancy rule for devices (org grants, site-limited members) lives in one place.
import type { Permission } from '../tenancy/permissions'
import type { Scope } from '../tenancy/scope'

/**
 * DeviceVisibility: every device of `orgIds`, plus the devices of `siteIds` inside
 * `siteOrgIds` (members limited to some sites of an org). Both empty = nothing.
 */
export type DeviceVisibility = { orgIds: string[]; siteOrgIds: string[]; siteIds: string[] }

/** deviceVisibility lists where the scope holds `perm` (default devices:read). */
export function deviceVisibility(scope: Scope, perm: Permission = 'devices:read'): DeviceVisibility {
  const v: DeviceVisibility = { orgIds: [], siteOrgIds: [], siteIds: [] }
  for (const [orgId, grant] of scope.orgs) {
    if (!grant.permissions.has(perm)) continue
    if (grant.siteIds === null) v.orgIds.push(orgId)
    else { v.siteOrgIds.push(orgId); v.siteIds.push(...grant.siteIds) }
  }
  return v
}

/** orgVisibility is the visibility of one whole organization (system work such as automations). */
export function orgVisibility(orgId: string): DeviceVisibility {
  return { orgIds: [orgId], siteOrgIds: [], siteIds: [] }
}

export function isEmptyVisibility(v: DeviceVisibility): boolean {
  return v.orgIds.length === 0 && v.siteIds.length === 0
}

/** canSeeDevice: does the visibility include a device of `orgId`/`siteId`? */
export function canSeeDevice(v: DeviceVisibility, device: { orgId: string; siteId: string }): boolean {
  return v.orgIds.includes(device.orgId) || (v.siteOrgIds.includes(device.orgId) && v.siteIds.includes(device.siteId))
}
