// Queries for remote sessions, recordings, file transfers and the remote policy of orgs.
// Lists take a DeviceVisibility so nothing outside the caller's scope is read.
import { and, desc, eq, inArray, lt, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'
import type { DeviceVisibility } from '../devices/visibility'

export type RemoteSessionRow = typeof t.remoteSessions.$inferSelect
export type RecordingRow = typeof t.remoteRecordings.$inferSelect
export type TransferRow = typeof t.fileTransfers.$inferSelect
export type RemoteSettingsRow = typeof t.remoteSettings.$inferSelect

export const liveStatuses = ['pending', 'connecting', 'active'] as const

/** A session with the names people see beside it. */
export type SessionListRow = RemoteSessionRow & { hostname: string; displayName: string | null; userName: string | null; userEmail: string | null }

/** visibleIn is the WHERE for rows of devices the visibility covers, by their org and site columns. */
function visibleIn(v: DeviceVisibility, orgId: SQLWrapper, siteId: SQLWrapper): SQL {
  const parts: SQL[] = []
  if (v.orgIds.length) parts.push(inIds(orgId, v.orgIds))
  if (v.siteIds.length) parts.push(and(inIds(orgId, v.siteOrgIds), inIds(siteId, v.siteIds))!)
  return parts.length ? or(...parts)! : sql`1 = 0`
}

export async function insertSession(db: Db, row: RemoteSessionRow) {
  await db.insert(t.remoteSessions).values(row)
}

export async function findSession(db: Db, id: string): Promise<RemoteSessionRow | undefined> {
  const [row] = await db.select().from(t.remoteSessions).where(eq(t.remoteSessions.id, id))
  return row
}

export async function updateSession(db: Db, id: string, patch: Partial<RemoteSessionRow>) {
  await db.update(t.remoteSessions).set(patch).where(eq(t.remoteSessions.id, id))
}

/**
 * advanceSession moves a session to `status` only from one of `from` (compare-and-set), so
 * the agent's acknowledgement ('connecting') cannot overwrite its relay arriving ('active')
 * when the two are handled at the same time. True when it moved.
 */
export async function advanceSession(db: Db, id: string, from: RemoteSessionRow['status'][], patch: Partial<RemoteSessionRow> & { status: RemoteSessionRow['status'] }): Promise<boolean> {
  const rows = await db.update(t.remoteSessions).set(patch).where(and(eq(t.remoteSessions.id, id), inArray(t.remoteSessions.status, from))).returning({ id: t.remoteSessions.id })
  return rows.length > 0
}

/** endSessionRow moves a live session to its end state once; returns the row, or undefined when it had already ended. */
export async function endSessionRow(db: Db, id: string, patch: Partial<RemoteSessionRow>): Promise<RemoteSessionRow | undefined> {
  const [row] = await db.update(t.remoteSessions).set(patch).where(and(eq(t.remoteSessions.id, id), inArray(t.remoteSessions.status, [...liveStatuses]))).returning()
  return row
}

export async function listSessions(db: Db, v: DeviceVisibility, f: { live?: boolean; ended?: boolean; deviceId?: string; userId?: string; limit: number }): Promise<SessionListRow[]> {
  const where: SQL[] = [visibleIn(v, t.remoteSessions.orgId, t.remoteSessions.siteId)]
  if (f.live) where.push(inArray(t.remoteSessions.status, [...liveStatuses]))
  if (f.ended) where.push(inArray(t.remoteSessions.status, ['ended', 'failed']))
  if (f.deviceId) where.push(eq(t.remoteSessions.deviceId, f.deviceId))
  if (f.userId) where.push(eq(t.remoteSessions.userId, f.userId))
  const rows = await db.select({ s: t.remoteSessions, hostname: t.devices.hostname, displayName: t.devices.displayName, userName: t.users.name, userEmail: t.users.email })
    .from(t.remoteSessions)
    .innerJoin(t.devices, eq(t.devices.id, t.remoteSessions.deviceId))
    .leftJoin(t.users, eq(t.users.id, t.remoteSessions.userId))
    .where(and(...where))
    .orderBy(desc(t.remoteSessions.createdAt))
    .limit(f.limit)
  return rows.map((r) => ({ ...r.s, hostname: r.hostname, displayName: r.displayName, userName: r.userName, userEmail: r.userEmail }))
}

/** listLiveSessionIds: sessions still marked live (the sweep ends those this process does not run). */
export async function listLiveSessions(db: Db): Promise<RemoteSessionRow[]> {
  return db.select().from(t.remoteSessions).where(inArray(t.remoteSessions.status, [...liveStatuses]))
}

export async function listLiveSessionsOfDevice(db: Db, deviceId: string): Promise<RemoteSessionRow[]> {
  return db.select().from(t.remoteSessions).where(and(eq(t.remoteSessions.deviceId, deviceId), inArray(t.remoteSessions.status, [...liveStatuses])))
}

// ---- recordings ----

export async function insertRecording(db: Db, row: RecordingRow) {
  await db.insert(t.remoteRecordings).values(row)
}

export async function updateRecording(db: Db, id: string, patch: Partial<RecordingRow>) {
  await db.update(t.remoteRecordings).set(patch).where(eq(t.remoteRecordings.id, id))
}

export async function findRecording(db: Db, id: string): Promise<RecordingRow | undefined> {
  const [row] = await db.select().from(t.remoteRecordings).where(eq(t.remoteRecordings.id, id))
  return row
}

export async function findRecordingOfSession(db: Db, sessionId: string): Promise<RecordingRow | undefined> {
  const [row] = await db.select().from(t.remoteRecordings).where(eq(t.remoteRecordings.sessionId, sessionId))
  return row
}

export type RecordingListRow = RecordingRow & { hostname: string; userName: string | null; shell: string | null }

export async function listRecordings(db: Db, v: DeviceVisibility, f: { deviceId?: string; limit: number }): Promise<RecordingListRow[]> {
  const where: SQL[] = [visibleIn(v, t.remoteSessions.orgId, t.remoteSessions.siteId)]
  if (f.deviceId) where.push(eq(t.remoteRecordings.deviceId, f.deviceId))
  const rows = await db.select({ r: t.remoteRecordings, hostname: t.devices.hostname, userName: t.users.name, shell: t.remoteSessions.shell })
    .from(t.remoteRecordings)
    .innerJoin(t.remoteSessions, eq(t.remoteSessions.id, t.remoteRecordings.sessionId))
    .innerJoin(t.devices, eq(t.devices.id, t.remoteRecordings.deviceId))
    .leftJoin(t.users, eq(t.users.id, t.remoteRecordings.userId))
    .where(and(...where))
    .orderBy(desc(t.remoteRecordings.startedAt))
    .limit(f.limit)
  return rows.map((r) => ({ ...r.r, hostname: r.hostname, userName: r.userName, shell: r.shell }))
}

export async function deleteRecording(db: Db, id: string) {
  await db.delete(t.remoteRecordings).where(eq(t.remoteRecordings.id, id))
}

/** deleteExpiredRecordings removes rows past their retention and returns their blob keys. */
export async function deleteExpiredRecordings(db: Db, now: number): Promise<string[]> {
  const rows = await db.delete(t.remoteRecordings).where(lt(t.remoteRecordings.expiresAt, now)).returning({ blobKey: t.remoteRecordings.blobKey })
  return rows.map((r) => r.blobKey)
}

// ---- file transfers ----

export async function upsertTransfer(db: Db, row: TransferRow) {
  const { id: _id, createdAt: _c, sessionId: _s, orgId: _o, deviceId: _d, userId: _u, direction: _dir, ...changes } = row
  await db.insert(t.fileTransfers).values(row).onConflictDoUpdate({ target: t.fileTransfers.id, set: changes })
}

export async function findTransfer(db: Db, id: string): Promise<TransferRow | undefined> {
  const [row] = await db.select().from(t.fileTransfers).where(eq(t.fileTransfers.id, id))
  return row
}

export type TransferListRow = TransferRow & { hostname: string; userName: string | null }

export async function listTransfers(db: Db, v: DeviceVisibility, f: { deviceId?: string; userId?: string; sessionId?: string; limit: number }): Promise<TransferListRow[]> {
  const where: SQL[] = [visibleIn(v, t.fileTransfers.orgId, t.devices.siteId)]
  if (f.deviceId) where.push(eq(t.fileTransfers.deviceId, f.deviceId))
  if (f.userId) where.push(eq(t.fileTransfers.userId, f.userId))
  if (f.sessionId) where.push(eq(t.fileTransfers.sessionId, f.sessionId))
  const rows = await db.select({ x: t.fileTransfers, hostname: t.devices.hostname, userName: t.users.name })
    .from(t.fileTransfers)
    .innerJoin(t.devices, eq(t.devices.id, t.fileTransfers.deviceId))
    .leftJoin(t.users, eq(t.users.id, t.fileTransfers.userId))
    .where(and(...where))
    .orderBy(desc(t.fileTransfers.createdAt))
    .limit(f.limit)
  return rows.map((r) => ({ ...r.x, hostname: r.hostname, userName: r.userName }))
}

// ---- policy ----

export async function findRemoteSettings(db: Db, orgId: string): Promise<RemoteSettingsRow | undefined> {
  const [row] = await db.select().from(t.remoteSettings).where(eq(t.remoteSettings.orgId, orgId))
  return row
}

export async function upsertRemoteSettings(db: Db, row: RemoteSettingsRow) {
  const { orgId: _o, ...changes } = row
  await db.insert(t.remoteSettings).values(row).onConflictDoUpdate({ target: t.remoteSettings.orgId, set: changes })
}

export async function listRemoteSettings(db: Db, orgIds: string[]): Promise<RemoteSettingsRow[]> {
  if (orgIds.length === 0) return []
  return db.select().from(t.remoteSettings).where(inIds(t.remoteSettings.orgId, orgIds))
}

// ---- appliance-wide ICE servers (a row of the settings table) ----

const iceKey = 'remote.ice'

export async function readIceSetting<T>(db: Db): Promise<Partial<T> | undefined> {
  const [row] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, iceKey))
  return row?.value as Partial<T> | undefined
}

export async function writeIceSetting(db: Db, value: unknown, now: number) {
  await db.insert(t.settings).values({ key: iceKey, value, updatedAt: now }).onConflictDoUpdate({ target: t.settings.key, set: { value, updatedAt: now } })
}

// ---- names for pages ----

/** deviceNames: what people call a device and where it is (org and site names). */
export async function deviceNames(db: Db, deviceId: string): Promise<{ orgName: string; siteName: string } | undefined> {
  const [row] = await db.select({ orgName: t.organizations.name, siteName: t.sites.name }).from(t.devices)
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId)).innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .where(eq(t.devices.id, deviceId))
  return row
}

/** sessionNames: the device's and the opener's names for a session page. */
export async function sessionNames(db: Db, sessionId: string): Promise<{ hostname: string; displayName: string | null; userName: string | null } | undefined> {
  const [row] = await db.select({ hostname: t.devices.hostname, displayName: t.devices.displayName, userName: t.users.name }).from(t.remoteSessions)
    .innerJoin(t.devices, eq(t.devices.id, t.remoteSessions.deviceId)).leftJoin(t.users, eq(t.users.id, t.remoteSessions.userId))
    .where(eq(t.remoteSessions.id, sessionId))
  return row
}

/** orgNames: names of organizations by id (policy page). */
export async function orgNames(db: Db, ids: string[]): Promise<{ id: string; name: string }[]> {
  if (ids.length === 0) return []
  return db.select({ id: t.organizations.id, name: t.organizations.name }).from(t.organizations).where(inIds(t.organizations.id, ids)).orderBy(t.organizations.name)
}
