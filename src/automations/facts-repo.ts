// Reads of device and tenancy facts that conditions and message templates use (the devices and
// tenancy domains own these tables; automations only read them, one narrow query per fact).
import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type DeviceFacts = {
  id: string; orgId: string; siteId: string; hostname: string; displayName: string | null; osType: string; osVersion: string | null; status: string
  tags: string[]; lastUser: string | null; agentVersion: string; siteName: string; orgName: string; partnerId: string
}

export async function findDeviceFacts(db: Db, id: string): Promise<DeviceFacts | undefined> {
  const [row] = await db.select({
    id: t.devices.id, orgId: t.devices.orgId, siteId: t.devices.siteId, hostname: t.devices.hostname, displayName: t.devices.displayName,
    osType: t.devices.osType, osVersion: t.devices.osVersion, status: t.devices.status, tags: t.devices.tags, lastUser: t.devices.lastUser,
    agentVersion: t.devices.agentVersion, siteName: t.sites.name, orgName: t.organizations.name, partnerId: t.organizations.partnerId,
  }).from(t.devices)
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .where(eq(t.devices.id, id))
  return row
}

export async function findOrgFacts(db: Db, orgId: string): Promise<{ id: string; name: string; partnerId: string } | undefined> {
  const [row] = await db.select({ id: t.organizations.id, name: t.organizations.name, partnerId: t.organizations.partnerId }).from(t.organizations)
    .where(and(eq(t.organizations.id, orgId), isNull(t.organizations.deletedAt)))
  return row
}

/** Live organizations of a partner (partner-wide automations run in each). */
export async function listPartnerOrgIds(db: Db, partnerId: string): Promise<string[]> {
  const rows = await db.select({ id: t.organizations.id }).from(t.organizations).where(and(eq(t.organizations.partnerId, partnerId), isNull(t.organizations.deletedAt)))
  return rows.map((r) => r.id)
}

/** When the device enrolled (its enrollment event's identity). */
export async function deviceEnrolledAt(db: Db, id: string): Promise<number | null> {
  const [row] = await db.select({ at: t.devices.enrolledAt }).from(t.devices).where(eq(t.devices.id, id))
  return row?.at ?? null
}

/** The device's offline episode: status and when it was last heard from. */
export async function deviceLiveness(db: Db, id: string): Promise<{ status: string; lastSeenAt: number | null } | undefined> {
  const [row] = await db.select({ status: t.devices.status, lastSeenAt: t.devices.lastSeenAt }).from(t.devices).where(eq(t.devices.id, id))
  return row
}
