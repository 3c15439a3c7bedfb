// Device use cases: list, read, rename, tag, move to another site, decommission, and the same
// in bulk. Every function takes the actor and goes through its device visibility.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { Permission } from '../tenancy/permissions'
import { listGroupsOfOrgs, removeFromOtherSiteGroups } from './group-repo'
import type { DeviceListQuery, ServicesFilter, UpdateDeviceInput } from './model'
import {
  countDevices, findDevice, findHardware, findSiteOrgs, insertDeviceChanges, listChanges, listDevices as listDeviceRows, listDisks, listNetwork,
  listServices, listSoftware, serviceStates, updateDeviceRow, type Device, type DeviceChange, type DeviceFilter, type DeviceListRow, type DeviceSort,
} from './repo'
import { withDescendants } from './targets'
import { parseInstant } from './instants'
import { parseRule, RuleError, type RuleNode } from './rules'
import { compileRule } from './rules-repo'
import { canSeeDevice, deviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** normalizeTags trims, lower-cases and de-duplicates tags (rules and filters match them exactly). */
export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort()
}

/** deviceName is what people call a device: its display name, else its hostname. */
export function deviceName(d: Pick<Device, 'displayName' | 'hostname'>): string {
  return d.displayName || d.hostname
}

type Cursor = { s: DeviceSort; o: 'asc' | 'desc'; v: string | number; id: string }

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

function decodeCursor(text: string, sort: DeviceSort, order: 'asc' | 'desc'): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor
    if (c.s === sort && c.o === order && typeof c.id === 'string' && (typeof c.v === 'string' || typeof c.v === 'number')) return c
  } catch {}
  throw new ValidationError('cursor', 'invalid cursor: pass the nextCursor of the previous page with the same sort and order')
}

/** parseQuery parses a fleet query, or throws a ValidationError on `q` naming the position. */
export function parseQuery(text: string): RuleNode {
  try {
    return parseRule(text)
  } catch (err) {
    if (err instanceof RuleError) throw new ValidationError('q', err.message)
    throw err
  }
}

/** deviceFilter turns list query parameters into a repo filter (expanding a group to its subgroups). */
export async function deviceFilter(ctx: Ctx, actor: UserActor, q: Omit<DeviceListQuery, 'sort' | 'order' | 'page' | 'perPage' | 'cursor'>): Promise<DeviceFilter> {
  let groupIds: string[] | undefined
  if (q.groupId) {
    const orgs = [...actor.scope.orgs.keys()]
    const groups = await listGroupsOfOrgs(ctx.db, orgs)
    groupIds = groups.some((g) => g.id === q.groupId) ? withDescendants(groups, [q.groupId]) : []
  }
  const rule = q.q?.trim() ? compileRule(parseQuery(q.q)) : undefined
  return { orgId: q.orgId || undefined, siteId: q.siteId || undefined, groupIds, os: q.os || undefined, status: q.status || undefined, tag: q.tag?.trim().toLowerCase() || undefined, search: q.search?.trim() || undefined, rule }
}

export type DevicePage = { rows: DeviceListRow[]; total: number; page: number; perPage: number; nextCursor: string | null; sort: DeviceSort; order: 'asc' | 'desc' }

/** listDevices returns one page of the devices the actor may see, filtered and sorted. */
export async function listDevices(ctx: Ctx, actor: UserActor, q: DeviceListQuery): Promise<DevicePage> {
  const v = deviceVisibility(actor.scope)
  const filter = await deviceFilter(ctx, actor, q)
  const sort = q.sort ?? 'name'
  const order = q.order ?? (sort === 'cpu' || sort === 'ram' || sort === 'disk' || sort === 'lastSeen' || sort === 'enrolled' ? 'desc' : 'asc')
  const perPage = q.perPage ?? 50
  const page = q.page ?? 1
  const after = q.cursor ? decodeCursor(q.cursor, sort, order) : undefined
  const [{ rows, sortValues }, total] = await Promise.all([
    listDeviceRows(ctx.db, v, filter, { sort, order, limit: perPage + 1, offset: (page - 1) * perPage, after: after ? { value: after.v, id: after.id } : undefined }),
    countDevices(ctx.db, v, filter),
  ])
  const more = rows.length > perPage
  const shown = rows.slice(0, perPage)
  const last = shown[shown.length - 1]
  const nextCursor = more && last ? encodeCursor({ s: sort, o: order, v: sortValues[shown.length - 1], id: last.id }) : null
  return { rows: shown, total, page: after ? 1 : page, perPage, nextCursor, sort, order }
}

/** countVisibleDevices: how many active devices the actor sees at all (empty states). */
export async function countVisibleDevices(ctx: Ctx, actor: UserActor): Promise<number> {
  return countDevices(ctx.db, deviceVisibility(actor.scope), {})
}

/** getDevice returns a device the actor may see (404 otherwise) and checks `perm` on it (403). */
export async function getDevice(ctx: Ctx, actor: UserActor, id: string, perm: Permission = 'devices:read'): Promise<Device> {
  const device = await findDevice(ctx.db, id)
  if (!device || !canSeeDevice(deviceVisibility(actor.scope), device)) throw new NotFoundError('device')
  if (!canSeeDevice(deviceVisibility(actor.scope, perm), device)) throw new ForbiddenError(`you need the ${perm} permission for this device`, perm)
  return device
}

export async function getHardware(ctx: Ctx, actor: UserActor, id: string) {
  await getDevice(ctx, actor, id)
  const [hardware, disks] = await Promise.all([findHardware(ctx.db, id), listDisks(ctx.db, id)])
  return { hardware: hardware ?? null, disks }
}

export async function getSoftware(ctx: Ctx, actor: UserActor, id: string, search?: string) {
  await getDevice(ctx, actor, id)
  return listSoftware(ctx.db, id, search?.trim() || undefined)
}

export async function getNetwork(ctx: Ctx, actor: UserActor, id: string) {
  await getDevice(ctx, actor, id)
  return listNetwork(ctx.db, id)
}

/** getServices lists a device's services (as its agent last reported them), optionally filtered. */
export async function getServices(ctx: Ctx, actor: UserActor, id: string, filter: ServicesFilter = {}) {
  await getDevice(ctx, actor, id)
  return listServices(ctx.db, id, { search: filter.search?.trim() || undefined, state: filter.state || undefined })
}

/** getServiceStates: which states the device's services are in, and how many of each. */
export async function getServiceStates(ctx: Ctx, actor: UserActor, id: string) {
  await getDevice(ctx, actor, id)
  return serviceStates(ctx.db, id)
}

/** getChanges: a device's change history, newest first; `from`/`to` as parseInstant reads them (a bare `to` date includes that day). */
export async function getChanges(ctx: Ctx, actor: UserActor, id: string, opts: { kind?: DeviceChange['kind'] | ''; before?: number; from?: string; to?: string; limit?: number } = {}) {
  await getDevice(ctx, actor, id)
  const from = parseInstant(opts.from, 'from', 'start')
  const to = parseInstant(opts.to, 'to', 'end')
  if (from !== undefined && to !== undefined && from >= to) throw new ValidationError('from', 'from must be before to')
  return listChanges(ctx.db, id, { kind: opts.kind || undefined, before: opts.before, from, to, limit: opts.limit ?? 100 })
}

/** checkTargetSite: the site exists in the device's org and the actor may place devices there. */
async function checkTargetSite(ctx: Ctx, actor: UserActor, orgId: string, siteId: string) {
  const [site] = await findSiteOrgs(ctx.db, [siteId])
  if (!site || site.orgId !== orgId || !canSeeDevice(deviceVisibility(actor.scope, 'devices:write'), { orgId, siteId })) {
    throw new ValidationError('siteId', 'no such site in this device\'s organization (devices move between sites of one organization)')
  }
  return site
}

/** updateDevice renames, re-tags or moves one device; an empty patch changes nothing. */
export async function updateDevice(ctx: Ctx, actor: UserActor, id: string, patch: UpdateDeviceInput): Promise<Device> {
  const device = await getDevice(ctx, actor, id, 'devices:write')
  if (device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned; re-enroll it to manage it again')
  const changes: Partial<Device> = {}
  const summaries: string[] = []
  if (patch.displayName !== undefined) {
    const name = patch.displayName?.trim() || null
    if (name !== device.displayName) { changes.displayName = name; summaries.push(name ? `Renamed to "${name}"` : 'Display name cleared') }
  }
  if (patch.tags !== undefined) {
    const tags = normalizeTags(patch.tags)
    if (tags.join('\n') !== device.tags.join('\n')) { changes.tags = tags; summaries.push(tags.length ? `Tags set to ${tags.join(', ')}` : 'Tags cleared') }
  }
  let siteName: string | null = null
  if (patch.siteId !== undefined && patch.siteId !== device.siteId) {
    siteName = (await checkTargetSite(ctx, actor, device.orgId, patch.siteId)).name
    changes.siteId = patch.siteId
    summaries.push(`Moved to site "${siteName}"`)
  }
  const fields = Object.keys(changes)
  if (fields.length === 0) return device
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateDeviceRow(tx, id, { ...changes, updatedAt: now })
    if (changes.siteId) await removeFromOtherSiteGroups(tx, [id], changes.siteId)
    await insertDeviceChanges(tx, summaries.map((summary) => ({ id: newId(), deviceId: id, at: now, kind: 'admin' as const, action: 'updated', summary, details: { by: actor.user.email } })))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device.update', partnerId: actor.scope.orgs.get(device.orgId)!.partnerId, orgId: device.orgId, resourceType: 'device', resourceId: id, resourceName: deviceName(device), details: { changes: patch } })
  })
  ctx.events.emit('device.updated', { deviceId: id, orgId: device.orgId, fields })
  return { ...device, ...changes, updatedAt: now }
}

/**
 * decommissionDevice retires a device: it leaves every list, count and target, and the agent
 * helper closes its socket on the device.updated event. Its history is kept.
 */
export async function decommissionDevice(ctx: Ctx, actor: UserActor, id: string): Promise<Device> {
  const device = await getDevice(ctx, actor, id, 'devices:delete')
  if (device.status === 'decommissioned') return device
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateDeviceRow(tx, id, { status: 'decommissioned', decommissionedAt: now, updatedAt: now })
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: id, at: now, kind: 'status', action: 'decommissioned', summary: 'Decommissioned', details: { by: actor.user.email } }])
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device.decommission', partnerId: actor.scope.orgs.get(device.orgId)!.partnerId, orgId: device.orgId, resourceType: 'device', resourceId: id, resourceName: deviceName(device) })
  })
  ctx.events.emit('device.updated', { deviceId: id, orgId: device.orgId, fields: ['status'] })
  return { ...device, status: 'decommissioned', decommissionedAt: now, updatedAt: now }
}
