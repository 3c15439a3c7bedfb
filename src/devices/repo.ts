// Queries for devices and their inventory. Every list takes a DeviceVisibility, so nothing
// outside the caller's scope is ever read.
import { and, asc, count, desc, eq, getTableColumns, gt, gte, inArray, isNull, lt, lte, ne, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, iStartsWith, inIds, jsonArrayHas } from '../db/sql'
import { t } from '../db/tables'
import type { DeviceVisibility } from './visibility'

export type DeviceRow = typeof t.devices.$inferSelect
/** A device as shown to people: never the agent's secret hash. */
export type Device = Omit<DeviceRow, 'agentSecretHash'>
export type DeviceStatus = DeviceRow['status']
export type OsType = DeviceRow['osType']
export type Hardware = typeof t.deviceHardware.$inferSelect
export type Disk = typeof t.deviceDisks.$inferSelect
export type NetworkInterface = typeof t.deviceNetwork.$inferSelect
export type Software = typeof t.deviceSoftware.$inferSelect
export type Service = typeof t.deviceServices.$inferSelect
export type DeviceChange = typeof t.deviceChanges.$inferSelect

/** The public columns of a device, for selects (read per call: `t` switches dialect at start). */
function deviceCols() {
  const { agentSecretHash: _secret, ...cols } = getTableColumns(t.devices)
  return cols
}

/** visibleDevices is the WHERE for "devices this visibility covers". */
export function visibleDevices(v: DeviceVisibility): SQL {
  const parts: SQL[] = []
  if (v.orgIds.length) parts.push(inIds(t.devices.orgId, v.orgIds))
  if (v.siteIds.length) parts.push(and(inIds(t.devices.orgId, v.siteOrgIds), inIds(t.devices.siteId, v.siteIds))!)
  return parts.length ? or(...parts)! : sql`1 = 0`
}

export type DeviceSort = 'name' | 'status' | 'os' | 'lastSeen' | 'cpu' | 'ram' | 'disk' | 'site' | 'org' | 'enrolled' | 'agent'

export type DeviceFilter = {
  orgId?: string
  siteId?: string
  /** Already expanded to the group and its descendants. */
  groupIds?: string[]
  os?: OsType
  status?: DeviceStatus
  tag?: string
  search?: string
  /** Decommissioned devices are hidden unless asked for by status. */
  includeDecommissioned?: boolean
  ids?: string[]
  /** A compiled fleet query (rules-repo.ts compileRule). */
  rule?: SQL
}

/**
 * sortExpression: one non-null expression per sort key, used for ORDER BY and for keyset
 * cursors alike (nulls are folded to a low value so `>` comparisons are total).
 */
function sortExpression(sort: DeviceSort): SQL {
  switch (sort) {
    case 'name': return sql`lower(coalesce(${t.devices.displayName}, ${t.devices.hostname}))`
    case 'status': return sql`${t.devices.status}`
    case 'os': return sql`${t.devices.osType} || ' ' || ${t.devices.osVersion}`
    case 'lastSeen': return sql`coalesce(${t.devices.lastSeenAt}, 0)`
    case 'cpu': return sql`coalesce(${t.devices.cpuPercent}, -1)`
    case 'ram': return sql`coalesce(${t.devices.ramPercent}, -1)`
    case 'disk': return sql`coalesce(${t.devices.diskPercent}, -1)`
    case 'site': return sql`lower(${t.sites.name})`
    case 'org': return sql`lower(${t.organizations.name})`
    case 'enrolled': return sql`${t.devices.enrolledAt}`
    case 'agent': return sql`${t.devices.agentVersion}`
  }
}

function filterWhere(v: DeviceVisibility, f: DeviceFilter): SQL | undefined {
  return and(
    visibleDevices(v),
    f.orgId ? eq(t.devices.orgId, f.orgId) : undefined,
    f.siteId ? eq(t.devices.siteId, f.siteId) : undefined,
    f.groupIds ? inArray(t.devices.id, sql`(SELECT ${t.deviceGroupMembers.deviceId} FROM ${t.deviceGroupMembers} WHERE ${inIds(t.deviceGroupMembers.groupId, f.groupIds)})`) : undefined,
    f.os ? eq(t.devices.osType, f.os) : undefined,
    f.status ? eq(t.devices.status, f.status) : f.includeDecommissioned ? undefined : ne(t.devices.status, 'decommissioned'),
    f.tag ? jsonArrayHas(t.devices.tags, f.tag) : undefined,
    f.ids ? inIds(t.devices.id, f.ids) : undefined,
    f.rule,
    f.search ? or(
      iContains(t.devices.hostname, f.search),
      iContains(t.devices.displayName, f.search),
      iContains(t.devices.lastUser, f.search),
      iStartsWith(t.devices.publicIp, f.search),
      sql`EXISTS (SELECT 1 FROM ${t.deviceNetwork} WHERE ${t.deviceNetwork.deviceId} = ${t.devices.id} AND ${iStartsWith(t.deviceNetwork.ipAddress, f.search)})`,
    ) : undefined,
  )
}

export type DeviceListRow = Device & { siteName: string; orgName: string }

export type DevicePageRequest = { sort: DeviceSort; order: 'asc' | 'desc'; limit: number; offset?: number; after?: { value: string | number; id: string } }

/**
 * listDevices returns one page of visible devices (offset or keyset), each with its sort value
 * for the next cursor.
 * note: two steps (a "deferred join"): first the page's ids in sort order, reading only the
 * sort key, then the full rows of those ids. Sorting 10,000 narrow (key, id) rows instead of
 * 10,000 full, joined rows is what keeps the list fast at fleet scale.
 */
export async function listDevices(db: Db, v: DeviceVisibility, f: DeviceFilter, p: DevicePageRequest): Promise<{ rows: DeviceListRow[]; sortValues: (string | number)[] }> {
  const key = sortExpression(p.sort)
  const dir = p.order === 'desc' ? desc : asc
  const keyset = p.after
    ? (p.order === 'desc'
      ? or(lt(key, p.after.value), and(eq(key, p.after.value), lt(t.devices.id, p.after.id)))
      : or(gt(key, p.after.value), and(eq(key, p.after.value), gt(t.devices.id, p.after.id))))
    : undefined
  let ids = db.select({ id: t.devices.id, sortValue: key.mapWith((x) => x) }).from(t.devices).$dynamic()
  if (p.sort === 'site') ids = ids.innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
  if (p.sort === 'org') ids = ids.innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
  const page = await ids.where(and(filterWhere(v, f), keyset)).orderBy(dir(key), dir(t.devices.id)).limit(p.limit).offset(p.after ? 0 : p.offset ?? 0)
  if (page.length === 0) return { rows: [], sortValues: [] }
  const rows = await db.select({ d: deviceCols(), siteName: t.sites.name, orgName: t.organizations.name })
    .from(t.devices)
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .where(inIds(t.devices.id, page.map((r) => r.id)))
  const byId = new Map(rows.map((r) => [r.d.id, { ...r.d, siteName: r.siteName, orgName: r.orgName }]))
  const ordered = page.filter((r) => byId.has(r.id))
  return { rows: ordered.map((r) => byId.get(r.id)!), sortValues: ordered.map((r) => r.sortValue as string | number) }
}

export async function countDevices(db: Db, v: DeviceVisibility, f: DeviceFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.devices).where(filterWhere(v, f))
  return Number(row.n)
}

/** listDeviceIds returns the ids (and org/site) of every visible device matching the filter. */
export async function listDeviceIds(db: Db, v: DeviceVisibility, f: DeviceFilter) {
  return db.select({ id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId }).from(t.devices).where(filterWhere(v, f))
}

export async function findDevice(db: Db, id: string): Promise<Device | undefined> {
  const [row] = await db.select(deviceCols()).from(t.devices).where(eq(t.devices.id, id))
  return row
}

/** findDevicesByIds returns devices by id, in no particular order. */
export async function findDevicesByIds(db: Db, ids: string[]): Promise<Device[]> {
  if (ids.length === 0) return []
  return db.select(deviceCols()).from(t.devices).where(inIds(t.devices.id, ids))
}

export async function updateDeviceRow(db: Db, id: string, patch: Partial<DeviceRow>) {
  await db.update(t.devices).set(patch).where(eq(t.devices.id, id))
}

export async function updateDeviceRows(db: Db, ids: string[], patch: Partial<DeviceRow>) {
  if (ids.length === 0) return
  await db.update(t.devices).set(patch).where(inIds(t.devices.id, ids))
}

export async function insertDeviceChanges(db: Db, rows: DeviceChange[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(t.deviceChanges).values(rows.slice(i, i + 500))
}

/** The columns work on devices needs (targets of scripts, automations, bulk actions). */
export type TargetRow = Pick<Device, 'id' | 'orgId' | 'siteId' | 'hostname' | 'displayName' | 'osType' | 'status' | 'agentId' | 'lastSeenAt'>

/**
 * listTargets: visible, non-decommissioned devices that are any of `deviceIds`, members of any
 * of `groupIds`, in any of `siteIds` or in any of `orgIds` (one query, deduplicated).
 */
export async function listTargets(db: Db, v: DeviceVisibility, sel: { deviceIds: string[]; groupIds: string[]; siteIds: string[]; orgIds: string[] }): Promise<TargetRow[]> {
  const any: SQL[] = []
  if (sel.deviceIds.length) any.push(inIds(t.devices.id, sel.deviceIds))
  if (sel.groupIds.length) any.push(inArray(t.devices.id, sql`(SELECT ${t.deviceGroupMembers.deviceId} FROM ${t.deviceGroupMembers} WHERE ${inIds(t.deviceGroupMembers.groupId, sel.groupIds)})`))
  if (sel.siteIds.length) any.push(inIds(t.devices.siteId, sel.siteIds))
  if (sel.orgIds.length) any.push(inIds(t.devices.orgId, sel.orgIds))
  if (any.length === 0) return []
  return db.select({ id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, hostname: t.devices.hostname, displayName: t.devices.displayName, osType: t.devices.osType, status: t.devices.status, agentId: t.devices.agentId, lastSeenAt: t.devices.lastSeenAt })
    .from(t.devices).where(and(visibleDevices(v), ne(t.devices.status, 'decommissioned'), or(...any)))
    .orderBy(sql`lower(coalesce(${t.devices.displayName}, ${t.devices.hostname}))`, asc(t.devices.id))
}

/** findSiteOrgs: the org of each existing site among `ids`. */
export async function findSiteOrgs(db: Db, ids: string[]): Promise<{ id: string; orgId: string; name: string }[]> {
  if (ids.length === 0) return []
  return db.select({ id: t.sites.id, orgId: t.sites.orgId, name: t.sites.name }).from(t.sites).where(inIds(t.sites.id, ids))
}

/** findDevicePlace: the names of a device's site and organization. */
export async function findDevicePlace(db: Db, deviceId: string): Promise<{ siteName: string; orgName: string } | undefined> {
  const [row] = await db.select({ siteName: t.sites.name, orgName: t.organizations.name }).from(t.devices)
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId)).innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId)).where(eq(t.devices.id, deviceId))
  return row
}

// ---- inventory ----

export async function findHardware(db: Db, deviceId: string): Promise<Hardware | undefined> {
  const [row] = await db.select().from(t.deviceHardware).where(eq(t.deviceHardware.deviceId, deviceId))
  return row
}

export async function listDisks(db: Db, deviceId: string): Promise<Disk[]> {
  return db.select().from(t.deviceDisks).where(eq(t.deviceDisks.deviceId, deviceId)).orderBy(asc(t.deviceDisks.mount))
}

export async function listNetwork(db: Db, deviceId: string): Promise<NetworkInterface[]> {
  return db.select().from(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, deviceId)).orderBy(desc(t.deviceNetwork.isPrimary), asc(t.deviceNetwork.interfaceName))
}

export async function listSoftware(db: Db, deviceId: string, search?: string): Promise<Software[]> {
  return db.select().from(t.deviceSoftware)
    .where(and(eq(t.deviceSoftware.deviceId, deviceId), search ? or(iContains(t.deviceSoftware.name, search), iContains(t.deviceSoftware.publisher, search)) : undefined))
    .orderBy(sql`lower(${t.deviceSoftware.name})`, asc(t.deviceSoftware.version))
}

/** listServices: a device's services by name, optionally matching a search (name or display name) and a state. */
export async function listServices(db: Db, deviceId: string, filter: { search?: string; state?: string } = {}): Promise<Service[]> {
  return db.select().from(t.deviceServices)
    .where(and(eq(t.deviceServices.deviceId, deviceId), filter.search ? or(iContains(t.deviceServices.name, filter.search), iContains(t.deviceServices.displayName, filter.search)) : undefined,
      filter.state ? eq(t.deviceServices.state, filter.state) : undefined))
    .orderBy(sql`lower(${t.deviceServices.name})`)
}

/** serviceStates: the states a device's services are in, with how many (for the filter). */
export async function serviceStates(db: Db, deviceId: string): Promise<{ state: string; count: number }[]> {
  const rows = await db.select({ state: t.deviceServices.state, count: sql<number>`count(*)` }).from(t.deviceServices)
    .where(eq(t.deviceServices.deviceId, deviceId)).groupBy(t.deviceServices.state).orderBy(t.deviceServices.state)
  return rows.map((r) => ({ state: r.state, count: Number(r.count) }))
}

/** listChanges: a device's change history, newest first, optionally of one kind and within [from, to]. */
export async function listChanges(db: Db, deviceId: string, opts: { kind?: DeviceChange['kind']; before?: number; from?: number; to?: number; limit: number }): Promise<DeviceChange[]> {
  return db.select().from(t.deviceChanges)
    .where(and(eq(t.deviceChanges.deviceId, deviceId), opts.kind ? eq(t.deviceChanges.kind, opts.kind) : undefined, opts.before ? lt(t.deviceChanges.at, opts.before) : undefined,
      opts.from !== undefined ? gte(t.deviceChanges.at, opts.from) : undefined, opts.to !== undefined ? lte(t.deviceChanges.at, opts.to) : undefined))
    .orderBy(desc(t.deviceChanges.at), desc(t.deviceChanges.id)).limit(opts.limit)
}

/** listInventoryChangesAfter: a device's software, hardware and OS changes later than `after`, newest first (what undoing back to `after` needs). */
export async function listInventoryChangesAfter(db: Db, deviceId: string, after: number, limit: number): Promise<DeviceChange[]> {
  return db.select().from(t.deviceChanges)
    .where(and(eq(t.deviceChanges.deviceId, deviceId), gt(t.deviceChanges.at, after), inArray(t.deviceChanges.kind, ['software', 'hardware', 'os'])))
    .orderBy(desc(t.deviceChanges.at), desc(t.deviceChanges.id)).limit(limit)
}

// ---- fleet views ----

/** countByStatus / countByOs: the dashboard's tallies over visible, non-decommissioned devices. */
export async function countByColumn(db: Db, v: DeviceVisibility, column: 'status' | 'osType', f: DeviceFilter = {}) {
  const col = column === 'status' ? t.devices.status : t.devices.osType
  const rows = await db.select({ key: col, n: count() }).from(t.devices).where(filterWhere(v, { ...f, includeDecommissioned: column === 'status' })).groupBy(col)
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)])) as Record<string, number>
}

/** topDevices: the visible online devices highest on one metric. */
export async function topDevices(db: Db, v: DeviceVisibility, metric: 'cpu' | 'ram' | 'disk', limit: number, f: DeviceFilter = {}) {
  const col = metric === 'cpu' ? t.devices.cpuPercent : metric === 'ram' ? t.devices.ramPercent : t.devices.diskPercent
  return db.select({ id: t.devices.id, hostname: t.devices.hostname, displayName: t.devices.displayName, osType: t.devices.osType, value: col })
    .from(t.devices).where(and(filterWhere(v, { ...f, status: 'online' }), sql`${col} IS NOT NULL`)).orderBy(desc(col), asc(t.devices.id)).limit(limit)
}

/** listDevicesBy: a short list for dashboards (offline the longest, newest enrolled). */
export async function listDevicesBy(db: Db, v: DeviceVisibility, f: DeviceFilter, order: SQLWrapper | SQL, limit: number) {
  return db.select({ id: t.devices.id, hostname: t.devices.hostname, displayName: t.devices.displayName, osType: t.devices.osType, osVersion: t.devices.osVersion, status: t.devices.status, lastSeenAt: t.devices.lastSeenAt, enrolledAt: t.devices.enrolledAt, siteName: t.sites.name })
    .from(t.devices).innerJoin(t.sites, eq(t.sites.id, t.devices.siteId)).where(filterWhere(v, f)).orderBy(order as SQL).limit(limit)
}

export const orderBy = {
  lastSeenNewest: () => desc(sql`coalesce(${t.devices.lastSeenAt}, 0)`),
  enrolledNewest: () => desc(t.devices.enrolledAt),
}

/** The software inventory across visible devices: one row per name, with device and version counts. */
export async function listFleetSoftware(db: Db, v: DeviceVisibility, f: DeviceFilter & { name?: string }, p: { limit: number; offset: number }) {
  const where = and(f.name ? iContains(t.deviceSoftware.name, f.name) : undefined, inArray(t.deviceSoftware.deviceId, db.select({ id: t.devices.id }).from(t.devices).where(filterWhere(v, f))))
  const rows = await db.select({
    name: t.deviceSoftware.name,
    devices: sql<number>`count(DISTINCT ${t.deviceSoftware.deviceId})`.mapWith(Number),
    versions: sql<number>`count(DISTINCT coalesce(${t.deviceSoftware.version}, ''))`.mapWith(Number),
    publisher: sql<string | null>`max(${t.deviceSoftware.publisher})`,
  }).from(t.deviceSoftware).where(where).groupBy(t.deviceSoftware.name)
    .orderBy(desc(sql`count(DISTINCT ${t.deviceSoftware.deviceId})`), asc(t.deviceSoftware.name)).limit(p.limit).offset(p.offset)
  const [{ n }] = await db.select({ n: sql<number>`count(DISTINCT ${t.deviceSoftware.name})`.mapWith(Number) }).from(t.deviceSoftware).where(where)
  return { rows, total: n }
}

/** softwareVersions: for one exact software name, each version and how many visible devices have it. */
export async function softwareVersions(db: Db, v: DeviceVisibility, name: string, f: DeviceFilter = {}) {
  return db.select({ version: t.deviceSoftware.version, devices: sql<number>`count(DISTINCT ${t.deviceSoftware.deviceId})`.mapWith(Number) })
    .from(t.deviceSoftware)
    .where(and(eq(t.deviceSoftware.name, name), inArray(t.deviceSoftware.deviceId, db.select({ id: t.devices.id }).from(t.devices).where(filterWhere(v, f)))))
    .groupBy(t.deviceSoftware.version).orderBy(desc(sql`count(DISTINCT ${t.deviceSoftware.deviceId})`))
}

/** devicesWithSoftware: the visible devices that have `name` (optionally one version), with that version. */
export async function devicesWithSoftware(db: Db, v: DeviceVisibility, name: string, opts: { version?: string | null; orgId?: string; limit: number; offset: number }) {
  const where = and(
    eq(t.deviceSoftware.name, name),
    opts.version === undefined ? undefined : opts.version === null ? isNull(t.deviceSoftware.version) : eq(t.deviceSoftware.version, opts.version),
    filterWhere(v, { orgId: opts.orgId }),
  )
  const rows = await db.select({ id: t.devices.id, hostname: t.devices.hostname, displayName: t.devices.displayName, osType: t.devices.osType, status: t.devices.status, siteName: t.sites.name, version: t.deviceSoftware.version, installDate: t.deviceSoftware.installDate })
    .from(t.deviceSoftware)
    .innerJoin(t.devices, eq(t.devices.id, t.deviceSoftware.deviceId))
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .where(where).orderBy(sql`lower(coalesce(${t.devices.displayName}, ${t.devices.hostname}))`, asc(t.devices.id)).limit(opts.limit).offset(opts.offset)
  const [{ n }] = await db.select({ n: count() }).from(t.deviceSoftware).innerJoin(t.devices, eq(t.devices.id, t.deviceSoftware.deviceId)).where(where)
  return { rows, total: Number(n) }
}

/** listTags: the distinct tags in use on visible devices (filter suggestions). */
export async function listTags(db: Db, v: DeviceVisibility): Promise<string[]> {
  const rows = await db.select({ tags: t.devices.tags }).from(t.devices).where(and(visibleDevices(v), ne(t.devices.status, 'decommissioned')))
  const all = new Set<string>()
  for (const r of rows) for (const tag of r.tags) all.add(tag)
  return [...all].sort((a, b) => a.localeCompare(b))
}
