// Queries of the power actions: the IPv4 interfaces of an organization's devices (wake-on-LAN
// looks for an online agent on the target's subnet).
import { and, asc, eq, gte, isNotNull, like, ne } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

export type Ipv4Interface = { deviceId: string; interfaceName: string; macAddress: string | null; ipAddress: string; prefixLength: number | null }

/** listOrgIpv4Interfaces: every IPv4 interface the devices of `orgId` reported (decommissioned devices left out). */
export async function listOrgIpv4Interfaces(db: Db, orgId: string): Promise<Ipv4Interface[]> {
  const rows = await db.select({
    deviceId: t.deviceNetwork.deviceId, interfaceName: t.deviceNetwork.interfaceName, macAddress: t.deviceNetwork.macAddress,
    ipAddress: t.deviceNetwork.ipAddress, prefixLength: t.deviceNetwork.prefixLength,
  }).from(t.deviceNetwork).innerJoin(t.devices, eq(t.devices.id, t.deviceNetwork.deviceId))
    .where(and(eq(t.devices.orgId, orgId), ne(t.devices.status, 'decommissioned'), eq(t.deviceNetwork.ipType, 'ipv4'), isNotNull(t.deviceNetwork.ipAddress)))
  return rows.filter((r): r is Ipv4Interface => r.ipAddress !== null)
}

/** insertChangeOnce stores a device history entry under a fixed id (a command's result applied twice writes it once). */
export async function insertChangeOnce(db: Db, row: typeof t.deviceChanges.$inferInsert) {
  await db.insert(t.deviceChanges).values(row).onConflictDoNothing()
}

/** The key of a scheduled power job: its device is findable by prefix (and it is unique). */
export const powerJobKey = (deviceId: string, suffix: string) => `power:${deviceId}:${suffix}`

/** listScheduledPowerJobs: the device's power actions waiting for their time (pending jobs). */
export async function listScheduledPowerJobs(db: Db, deviceId: string) {
  return db.select({ id: t.jobs.id, payload: t.jobs.payload, runAt: t.jobs.runAt }).from(t.jobs)
    .where(and(eq(t.jobs.status, 'pending'), like(t.jobs.uniqueKey, `${powerJobKey(deviceId, '')}%`))).orderBy(asc(t.jobs.runAt))
}

/** deletePendingPowerJob removes a scheduled power job of the device while it is still pending (compare-and-set); its payload, or undefined. */
export async function deletePendingPowerJob(db: Db, deviceId: string, jobId: string) {
  const [row] = await db.delete(t.jobs).where(and(eq(t.jobs.id, jobId), eq(t.jobs.status, 'pending'), like(t.jobs.uniqueKey, `${powerJobKey(deviceId, '')}%`))).returning({ payload: t.jobs.payload, runAt: t.jobs.runAt })
  return row
}

/**
 * listRebootsAwaitingBoot: devices whose agent reported a reboot under way since `since` and
 * that have not been seen booting after it. Reads the power commands of device actions (the
 * source index), then each such device's history after that (its own index).
 */
export async function listRebootsAwaitingBoot(db: Db, since: number): Promise<{ deviceId: string; at: number }[]> {
  const done = await db.select({ deviceId: t.agentCommands.deviceId, at: t.agentCommands.completedAt, result: t.agentCommands.result }).from(t.agentCommands)
    .where(and(eq(t.agentCommands.sourceType, 'device_action'), eq(t.agentCommands.type, 'power.reboot'), eq(t.agentCommands.status, 'completed'), gte(t.agentCommands.completedAt, since)))
  const latest = new Map<string, number>()
  for (const c of done) if (c.at !== null && (c.result as { outcome?: string } | null)?.outcome === 'done' && c.at > (latest.get(c.deviceId) ?? 0)) latest.set(c.deviceId, c.at)
  const out: { deviceId: string; at: number }[] = []
  for (const [deviceId, at] of latest) {
    const [booted] = await db.select({ id: t.deviceChanges.id }).from(t.deviceChanges).where(and(eq(t.deviceChanges.deviceId, deviceId), gte(t.deviceChanges.at, at), eq(t.deviceChanges.action, 'rebooted'))).limit(1)
    if (!booted) out.push({ deviceId, at })
  }
  return out
}
