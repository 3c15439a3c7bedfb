// The header every device page shows (identity, place, maintenance) and what the caller may do
// on this device: the tabs and buttons of the device pages follow it.
import type { DeviceAbilities, DeviceHeader } from '../../views/devices/detail'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import type { Permission } from '../tenancy/permissions'
import type { Scope } from '../tenancy/scope'
import { listScheduledPower } from '../device-actions/power-schedule'
import { getDeviceWithMaintenance } from './maintenance'
import { findDevicePlace } from './repo'
import { canSeeDevice, deviceVisibility } from './visibility'

/** canOnDevice: does the scope hold `perm` for this device (its org, and its site for site-limited members)? */
export function canOnDevice(scope: Scope, perm: Permission, device: { orgId: string; siteId: string }): boolean {
  return canSeeDevice(deviceVisibility(scope, perm), device)
}

export function deviceAbilities(scope: Scope, device: { orgId: string; siteId: string }): DeviceAbilities {
  return {
    processes: canOnDevice(scope, 'devices:processes', device), services: canOnDevice(scope, 'devices:services', device), eventlogs: canOnDevice(scope, 'devices:eventlogs', device),
    power: canOnDevice(scope, 'devices:power', device), command: canOnDevice(scope, 'devices:command', device), patches: canOnDevice(scope, 'patches:read', device),
  }
}

/** deviceHeader loads a device the actor can see (404 otherwise) with what its pages show on top. */
export async function deviceHeader(ctx: AppContext, actor: UserActor, id: string): Promise<DeviceHeader> {
  const { maintenance, ...device } = await getDeviceWithMaintenance(ctx, actor, id)
  const place = await findDevicePlace(ctx.db, device.id)
  return {
    device, maintenance, siteName: place?.siteName ?? '', orgName: place?.orgName ?? '', now: ctx.clock.now(), may: deviceAbilities(actor.scope, device),
    scheduledPower: await listScheduledPower(ctx, device.id),
    canWrite: canOnDevice(actor.scope, 'devices:write', device), canDelete: canOnDevice(actor.scope, 'devices:delete', device),
  }
}
