// Fleet queries: the device list filtered by a rule (`q`, the dynamic-group language with
// software.*, custom.* and version ordering), the packages that made each device match, and
// saved queries (saved views of the device list that hold a query).
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { NotFoundError } from '../lib/errors'
import type { DeviceListQuery } from './model'
import { listMatchingPackages, packageConditions } from './rules-repo'
import { createSavedView, deleteSavedView, listSavedViews } from './saved-views'
import { listDevices, parseQuery } from './service'

type Ctx = AppContext

/** runFleetQuery: one page of the devices matching `q` (and the other list filters), each with its matching packages. */
export async function runFleetQuery(ctx: Ctx, actor: UserActor, query: DeviceListQuery & { q: string }) {
  const rule = parseQuery(query.q)
  const page = await listDevices(ctx, actor, query)
  const packages = await listMatchingPackages(ctx.db, page.rows.map((d) => d.id), packageConditions(rule))
  const byDevice = Map.groupBy(packages, (p) => p.deviceId)
  return { ...page, rows: page.rows.map((d) => ({ ...d, packages: (byDevice.get(d.id) ?? []).map(({ deviceId: _d, ...p }) => p) })) }
}

/** listSavedQueries: the caller's saved views that hold a query. */
export async function listSavedQueries(ctx: Ctx, actor: UserActor) {
  return (await listSavedViews(ctx, actor)).filter((v) => v.filters.q).map((v) => ({ id: v.id, name: v.name, q: v.filters.q, orgId: v.filters.orgId ?? null, createdAt: v.createdAt, updatedAt: v.updatedAt }))
}

/** saveQuery saves a query under a name (a saved view of the device list with that query). */
export async function saveQuery(ctx: Ctx, actor: UserActor, input: { name: string; q: string; orgId?: string }) {
  const view = await createSavedView(ctx, actor, { name: input.name, filters: { q: input.q, ...(input.orgId ? { orgId: input.orgId } : {}) } })
  return { id: view.id, name: view.name, q: input.q, orgId: input.orgId ?? null, createdAt: view.createdAt, updatedAt: view.updatedAt }
}

export async function deleteSavedQuery(ctx: Ctx, actor: UserActor, id: string) {
  const saved = await listSavedQueries(ctx, actor)
  if (!saved.some((s) => s.id === id)) throw new NotFoundError('saved query')
  await deleteSavedView(ctx, actor, id)
}
