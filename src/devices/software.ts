// The fleet-wide software inventory: which software is installed where, at which versions.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { devicesWithSoftware, listFleetSoftware, softwareVersions } from './repo'
import { deviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db'>

/** fleetSoftware lists software names across the visible devices (optionally of one org), most widespread first. */
export async function fleetSoftware(ctx: Ctx, actor: UserActor, q: { search?: string; orgId?: string; page?: number; perPage?: number }) {
  const perPage = q.perPage ?? 50
  const page = q.page ?? 1
  const { rows, total } = await listFleetSoftware(ctx.db, deviceVisibility(actor.scope), { orgId: q.orgId, name: q.search?.trim() || undefined }, { limit: perPage, offset: (page - 1) * perPage })
  return { rows, total, page, perPage }
}

/** softwareDetail: for one software name, its versions with device counts, and the devices that have it (one version, or all). */
export async function softwareDetail(ctx: Ctx, actor: UserActor, q: { name: string; version?: string; orgId?: string; page?: number }) {
  const v = deviceVisibility(actor.scope)
  const perPage = 100
  const page = q.page ?? 1
  const versions = await softwareVersions(ctx.db, v, q.name, { orgId: q.orgId })
  const version = q.version === undefined ? undefined : q.version === '' ? null : q.version
  const devices = await devicesWithSoftware(ctx.db, v, q.name, { version, orgId: q.orgId, limit: perPage, offset: (page - 1) * perPage })
  return { name: q.name, versions, devices: devices.rows, total: devices.total, page, perPage }
}
