// The agent side of the devices table: credentials, enrollment, liveness and the latest
// heartbeat values. (Device pages and their queries live in src/devices.)
import { and, eq, gte, inArray, lt, lte, ne, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds, prepared } from '../db/sql'
import { t } from '../db/tables'

export type DeviceRow = typeof t.devices.$inferSelect
export type DeviceChangeRow = typeof t.deviceChanges.$inferSelect
export type MetricsRow = typeof t.deviceMetrics.$inferSelect

// note: a function so the columns are the chosen dialect's (see boundaries.test.ts).
const credentialColumns = () => ({
  id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, agentId: t.devices.agentId, agentSecretHash: t.devices.agentSecretHash,
  hardwareId: t.devices.hardwareId, status: t.devices.status, heartbeatSeconds: t.devices.heartbeatSeconds, osType: t.devices.osType,
  architecture: t.devices.architecture, hostname: t.devices.hostname, cloneSuspectedAt: t.devices.cloneSuspectedAt,
})
export type DeviceCredential = { [K in keyof ReturnType<typeof credentialColumns>]: DeviceRow[K] }

// Statements of the heartbeat path, built once per database handle (building a query costs
// more than running it; see bench/fleet.bench.ts).
const hot = new WeakMap<Db, ReturnType<typeof hotStatements>>()

function hotStatements(db: Db) {
  // note: drizzle's types do not list placeholders as set() values, but it binds them (through the column's encoder).
  const p = (name: string) => sql.placeholder(name) as never
  return {
    credential: prepared(db.select(credentialColumns()).from(t.devices).where(eq(t.devices.agentId, p('agentId'))), 'agents_credential'),
    heartbeat: prepared(db.update(t.devices).set({
      lastSeenAt: p('now'), lastHeartbeatAt: p('now'), cpuPercent: p('cpuPercent'), ramPercent: p('ramPercent'), diskPercent: p('diskPercent'),
      lastUser: p('lastUser'), loggedInUsers: p('loggedInUsers'), pendingReboot: p('pendingReboot'), agentVersion: p('agentVersion'), publicIp: p('publicIp'),
      bootTime: sql`coalesce(${p('bootTime')}, ${t.devices.bootTime})`,
      // note: a device in maintenance stays in maintenance; only offline devices come back online here.
      status: sql`case when ${t.devices.status} = 'offline' then 'online' else ${t.devices.status} end`,
    }).where(and(eq(t.devices.id, p('id')), ne(t.devices.status, 'decommissioned'))), 'agents_heartbeat'),
  }
}

function statements(db: Db) {
  let s = hot.get(db)
  if (!s) hot.set(db, (s = hotStatements(db)))
  return s
}

/** findCredentialByAgentId: what authenticating an agent needs, by its public agent id. */
export async function findCredentialByAgentId(db: Db, agentId: string): Promise<DeviceCredential | undefined> {
  const [row] = await statements(db).credential.execute({ agentId })
  return row
}

export async function findCredentialByDeviceId(db: Db, deviceId: string): Promise<DeviceCredential | undefined> {
  const [row] = await db.select(credentialColumns()).from(t.devices).where(eq(t.devices.id, deviceId))
  return row
}

/** findSameMachine: the devices of this org (not decommissioned) that are this machine (same hardware id), last seen first. */
export async function findSameMachine(db: Db, orgId: string, hardwareId: string): Promise<DeviceRow[]> {
  return db.select().from(t.devices)
    .where(and(eq(t.devices.orgId, orgId), eq(t.devices.hardwareId, hardwareId), ne(t.devices.status, 'decommissioned')))
    .orderBy(sql`${t.devices.lastSeenAt} desc nulls last`).limit(20)
}

export async function findDeviceRow(db: Db, id: string): Promise<DeviceRow | undefined> {
  const [row] = await db.select().from(t.devices).where(eq(t.devices.id, id))
  return row
}

/** replaceAgentIdentity gives a device a new agent credential (and what the new agent reported); false when it was decommissioned meanwhile. */
export async function replaceAgentIdentity(db: Db, id: string, patch: Partial<DeviceRow>): Promise<boolean> {
  const rows = await db.update(t.devices).set(patch).where(and(eq(t.devices.id, id), ne(t.devices.status, 'decommissioned'))).returning({ id: t.devices.id })
  return rows.length === 1
}

export async function insertDevice(db: Db, row: DeviceRow) {
  await db.insert(t.devices).values(row)
}

export async function updateDeviceRow(db: Db, id: string, patch: Partial<DeviceRow>) {
  await db.update(t.devices).set(patch).where(eq(t.devices.id, id))
}

export async function insertDeviceChanges(db: Db, rows: DeviceChangeRow[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(t.deviceChanges).values(rows.slice(i, i + 500))
}

/** setOnlineIfOffline marks a device online; true when it was offline (a transition to announce). */
export async function setOnlineIfOffline(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db.update(t.devices).set({ status: 'online', lastSeenAt: now }).where(and(eq(t.devices.id, id), eq(t.devices.status, 'offline'))).returning({ id: t.devices.id })
  return rows.length > 0
}

export async function touchLastSeen(db: Db, id: string, now: number) {
  await db.update(t.devices).set({ lastSeenAt: now }).where(eq(t.devices.id, id))
}

/** findOverdue lists online devices not heard from for `missed` heartbeat intervals. */
export async function findOverdue(db: Db, now: number, missed: number) {
  return db.select({ id: t.devices.id, orgId: t.devices.orgId, lastSeenAt: t.devices.lastSeenAt }).from(t.devices).where(and(
    eq(t.devices.status, 'online'),
    lt(sql`coalesce(${t.devices.lastSeenAt}, 0) + ${t.devices.heartbeatSeconds} * ${missed * 1000}`, now),
  ))
}

/** setOfflineIfOnline marks devices offline (still online and still overdue); returns those changed. */
export async function setOfflineIfOnline(db: Db, ids: string[], now: number, missed: number) {
  if (ids.length === 0) return []
  return db.update(t.devices).set({ status: 'offline' }).where(and(
    inArray(t.devices.id, ids),
    eq(t.devices.status, 'online'),
    lt(sql`coalesce(${t.devices.lastSeenAt}, 0) + ${t.devices.heartbeatSeconds} * ${missed * 1000}`, now),
  )).returning({ id: t.devices.id, orgId: t.devices.orgId, lastSeenAt: t.devices.lastSeenAt })
}

/** setOfflineIfNotSeenSince marks a device offline if it is online and nothing was heard from it after `since` (its socket closed then). */
export async function setOfflineIfNotSeenSince(db: Db, id: string, since: number) {
  return db.update(t.devices).set({ status: 'offline' }).where(and(
    eq(t.devices.id, id),
    eq(t.devices.status, 'online'),
    lte(sql`coalesce(${t.devices.lastSeenAt}, 0)`, since),
  )).returning({ id: t.devices.id, orgId: t.devices.orgId, lastSeenAt: t.devices.lastSeenAt })
}

/** liveIdentities: for sockets held by this process, the current agent id and status of each device. */
export async function liveIdentities(db: Db, deviceIds: string[]) {
  if (deviceIds.length === 0) return []
  return db.select({ id: t.devices.id, agentId: t.devices.agentId, status: t.devices.status }).from(t.devices).where(inIds(t.devices.id, deviceIds))
}

/** recentlyDecommissioned: devices decommissioned since `since` (the status index keeps it cheap at any fleet size). */
export async function recentlyDecommissioned(db: Db, since: number): Promise<string[]> {
  const rows = await db.select({ id: t.devices.id }).from(t.devices)
    .where(and(eq(t.devices.status, 'decommissioned'), gte(sql`coalesce(${t.devices.decommissionedAt}, ${t.devices.updatedAt})`, since)))
  return rows.map((r) => r.id)
}

/** One heartbeat as written: the raw sample and the latest values kept on the device row. */
export type HeartbeatWrite = {
  metrics: MetricsRow
  device: Pick<DeviceRow, 'id' | 'cpuPercent' | 'ramPercent' | 'diskPercent' | 'lastUser' | 'loggedInUsers' | 'pendingReboot' | 'agentVersion' | 'publicIp' | 'bootTime'> & { now: number }
}

/** writeHeartbeats stores a batch: samples (the last one wins per device and instant) and device rows. */
export async function writeHeartbeats(db: Db, batch: HeartbeatWrite[]) {
  const samples = new Map<string, MetricsRow>()
  for (const h of batch) samples.set(`${h.metrics.deviceId}|${h.metrics.at}`, h.metrics)
  const rows = [...samples.values()]
  for (let i = 0; i < rows.length; i += 500) {
    await db.insert(t.deviceMetrics).values(rows.slice(i, i + 500)).onConflictDoUpdate({
      target: [t.deviceMetrics.deviceId, t.deviceMetrics.at],
      set: {
        cpuPercent: sql`excluded.cpu_percent`, ramPercent: sql`excluded.ram_percent`, ramUsedMb: sql`excluded.ram_used_mb`, diskPercent: sql`excluded.disk_percent`,
        diskUsedGb: sql`excluded.disk_used_gb`, netInBytes: sql`excluded.net_in_bytes`, netOutBytes: sql`excluded.net_out_bytes`, processCount: sql`excluded.process_count`, custom: sql`excluded.custom`,
      },
    })
  }
  const update = statements(db).heartbeat
  for (const h of batch) await update.execute(h.device)
}

/** addToStaticGroup puts a freshly enrolled device in its key's group (no-op if already there). */
export async function addToStaticGroup(db: Db, groupId: string, deviceId: string, now: number) {
  await db.insert(t.deviceGroupMembers).values({ groupId, deviceId, addedBy: 'manual', addedAt: now }).onConflictDoNothing()
}
