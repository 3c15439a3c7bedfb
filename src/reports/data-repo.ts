// The queries behind the report sections. Every one takes a ReportTarget and filters through the
// same scope rules as the pages (device visibility for device data, org/site grants for
// alerts, audit visibility for the audit log), so a report never shows more than its runner
// could open.
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'
import { visibleDevices } from '../devices/repo'
import { deviceVisibility, type DeviceVisibility } from '../devices/visibility'
import type { Permission } from '../tenancy/permissions'
import { canInPartner, orgIdsWith } from '../tenancy/scope'
import type { ReportTarget } from './types'

/** visibilityFor: the scope's device/alert visibility for `perm`, cut to the report's orgs. */
export function visibilityFor(target: ReportTarget, perm: Permission): DeviceVisibility {
  const v = deviceVisibility(target.scope, perm)
  const orgs = new Set(target.orgIds)
  const siteOrgIds = v.siteOrgIds.filter((o) => orgs.has(o))
  return { orgIds: v.orgIds.filter((o) => orgs.has(o)), siteOrgIds, siteIds: siteOrgIds.length ? v.siteIds : [] }
}

/** deviceWhere: devices of the report (scope, site, group), decommissioned ones left out. */
function deviceWhere(target: ReportTarget, perm: Permission): SQL {
  return and(
    visibleDevices(visibilityFor(target, perm)),
    target.siteId ? eq(t.devices.siteId, target.siteId) : undefined,
    target.groupIds ? inArray(t.devices.id, sql`(SELECT ${t.deviceGroupMembers.deviceId} FROM ${t.deviceGroupMembers} WHERE ${inIds(t.deviceGroupMembers.groupId, target.groupIds)})`) : undefined,
    ne(t.devices.status, 'decommissioned'),
  )!
}

const deviceName = () => sql<string>`coalesce(${t.devices.displayName}, ${t.devices.hostname})`

/** hardwareRows: one row per device with its hardware, site and organization. */
export async function hardwareRows(db: Db, target: ReportTarget, limit: number) {
  return db.select({
    device: deviceName(), org: t.organizations.name, site: t.sites.name, status: t.devices.status, os: t.devices.osType, osVersion: t.devices.osVersion,
    architecture: t.devices.architecture, manufacturer: t.deviceHardware.manufacturer, model: t.deviceHardware.model, serial: t.deviceHardware.serialNumber,
    cpu: t.deviceHardware.cpuModel, cores: t.deviceHardware.cpuCores, ramMb: t.deviceHardware.ramTotalMb, diskGb: t.deviceHardware.diskTotalGb,
    lastUser: t.devices.lastUser, agentVersion: t.devices.agentVersion, lastSeen: t.devices.lastSeenAt, enrolled: t.devices.enrolledAt, publicIp: t.devices.publicIp,
  }).from(t.devices)
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .leftJoin(t.deviceHardware, eq(t.deviceHardware.deviceId, t.devices.id))
    .where(deviceWhere(target, 'devices:read'))
    .orderBy(asc(t.organizations.name), asc(sql`lower(${deviceName()})`), asc(t.devices.id))
    .limit(limit)
}

/** deviceCounts: devices of the report by status and by OS (figures without reading every row). */
export async function deviceCounts(db: Db, target: ReportTarget) {
  return db.select({ status: t.devices.status, os: t.devices.osType, n: count() }).from(t.devices).where(deviceWhere(target, 'devices:read')).groupBy(t.devices.status, t.devices.osType)
}

/** softwareVersionRows: per (name, version) the devices having it, with the version's sort key. */
export async function softwareVersionRows(db: Db, target: ReportTarget) {
  return db.select({
    name: t.deviceSoftware.name, version: t.deviceSoftware.version, versionKey: sql<string | null>`max(${t.deviceSoftware.versionKey})`,
    publisher: sql<string | null>`max(${t.deviceSoftware.publisher})`, devices: sql<number>`count(DISTINCT ${t.deviceSoftware.deviceId})`.mapWith(Number),
  }).from(t.deviceSoftware)
    .where(inArray(t.deviceSoftware.deviceId, db.select({ id: t.devices.id }).from(t.devices).where(deviceWhere(target, 'devices:read'))))
    .groupBy(t.deviceSoftware.name, t.deviceSoftware.version)
}

/** softwareTitles: per software name, devices, distinct versions and publisher. */
export async function softwareTitles(db: Db, target: ReportTarget, limit: number) {
  const devs = sql<number>`count(DISTINCT ${t.deviceSoftware.deviceId})`
  return db.select({
    name: t.deviceSoftware.name, publisher: sql<string | null>`max(${t.deviceSoftware.publisher})`, devices: devs.mapWith(Number),
    versions: sql<number>`count(DISTINCT coalesce(${t.deviceSoftware.version}, ''))`.mapWith(Number),
  }).from(t.deviceSoftware)
    .where(inArray(t.deviceSoftware.deviceId, db.select({ id: t.devices.id }).from(t.devices).where(deviceWhere(target, 'devices:read'))))
    .groupBy(t.deviceSoftware.name).orderBy(desc(devs), asc(t.deviceSoftware.name)).limit(limit)
}

/** alertWhere: alerts of the report's orgs the scope may read (site-limited grants: their sites), triggered in the period. */
function alertWhere(target: ReportTarget): SQL {
  const v = visibilityFor(target, 'alerts:read')
  return and(
    or(inIds(t.alerts.orgId, v.orgIds), and(inIds(t.alerts.orgId, v.siteOrgIds), inIds(t.alerts.siteId, v.siteIds))),
    target.siteId ? eq(t.alerts.siteId, target.siteId) : undefined,
    target.groupIds ? inArray(t.alerts.deviceId, sql`(SELECT ${t.deviceGroupMembers.deviceId} FROM ${t.deviceGroupMembers} WHERE ${inIds(t.deviceGroupMembers.groupId, target.groupIds)})`) : undefined,
    gte(t.alerts.triggeredAt, target.from), lt(t.alerts.triggeredAt, target.to),
  )!
}

/** alertRows: alerts triggered in the period, newest first, with device and org names. */
export async function alertRows(db: Db, target: ReportTarget, limit: number) {
  return db.select({
    triggeredAt: t.alerts.triggeredAt, severity: t.alerts.severity, title: t.alerts.title, status: t.alerts.status, device: deviceName(), org: t.organizations.name,
    acknowledgedAt: t.alerts.acknowledgedAt, resolvedAt: t.alerts.resolvedAt,
  }).from(t.alerts)
    .leftJoin(t.devices, eq(t.devices.id, t.alerts.deviceId))
    .leftJoin(t.organizations, eq(t.organizations.id, t.alerts.orgId))
    .where(alertWhere(target)).orderBy(desc(t.alerts.triggeredAt), desc(t.alerts.id)).limit(limit)
}

/** alertStats: per severity, the count and the summed/numbered times to acknowledge and resolve (MTTA/MTTR over all alerts, not only the rows shown). */
export async function alertStats(db: Db, target: ReportTarget) {
  return db.select({
    severity: t.alerts.severity, n: count(),
    ackSum: sql<number>`coalesce(sum(${t.alerts.acknowledgedAt} - ${t.alerts.triggeredAt}), 0)`.mapWith(Number),
    ackN: sql<number>`count(${t.alerts.acknowledgedAt})`.mapWith(Number),
    resSum: sql<number>`coalesce(sum(${t.alerts.resolvedAt} - ${t.alerts.triggeredAt}), 0)`.mapWith(Number),
    resN: sql<number>`count(${t.alerts.resolvedAt})`.mapWith(Number),
  }).from(t.alerts).where(alertWhere(target)).groupBy(t.alerts.severity)
}

/** availabilityDevices: the report's devices with what availability needs. */
export async function availabilityDevices(db: Db, target: ReportTarget, limit: number) {
  return db.select({ id: t.devices.id, device: deviceName(), org: t.organizations.name, site: t.sites.name, status: t.devices.status, enrolledAt: t.devices.enrolledAt })
    .from(t.devices)
    .innerJoin(t.sites, eq(t.sites.id, t.devices.siteId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .where(deviceWhere(target, 'devices:read'))
    .orderBy(asc(t.organizations.name), asc(sql`lower(${deviceName()})`), asc(t.devices.id)).limit(limit)
}

/** statusChanges: the status history (device_changes kind 'status') of the report's devices up to `to`, oldest first. */
export async function statusChanges(db: Db, target: ReportTarget) {
  return db.select({ deviceId: t.deviceChanges.deviceId, at: t.deviceChanges.at, action: t.deviceChanges.action, details: t.deviceChanges.details })
    .from(t.deviceChanges)
    .innerJoin(t.devices, eq(t.devices.id, t.deviceChanges.deviceId))
    .where(and(deviceWhere(target, 'devices:read'), eq(t.deviceChanges.kind, 'status'), lt(t.deviceChanges.at, target.to)))
    .orderBy(asc(t.deviceChanges.at))
}

/** complianceRows: current compliance of the report's devices with each policy. */
export async function complianceRows(db: Db, target: ReportTarget, limit: number) {
  return db.select({ policy: t.policies.name, device: deviceName(), org: t.organizations.name, status: t.policyCompliance.status, details: t.policyCompliance.details, checkedAt: t.policyCompliance.checkedAt, changedAt: t.policyCompliance.changedAt })
    .from(t.policyCompliance)
    .innerJoin(t.devices, eq(t.devices.id, t.policyCompliance.deviceId))
    .innerJoin(t.policies, eq(t.policies.id, t.policyCompliance.policyId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.devices.orgId))
    .where(and(deviceWhere(target, 'policies:read'), isNull(t.policies.deletedAt)))
    .orderBy(asc(t.policies.name), asc(sql`lower(${deviceName()})`)).limit(limit)
}

/** complianceCounts: compliance rows by status. */
export async function complianceCounts(db: Db, target: ReportTarget) {
  return db.select({ status: t.policyCompliance.status, n: count() })
    .from(t.policyCompliance)
    .innerJoin(t.devices, eq(t.devices.id, t.policyCompliance.deviceId))
    .innerJoin(t.policies, eq(t.policies.id, t.policyCompliance.policyId))
    .where(and(deviceWhere(target, 'policies:read'), isNull(t.policies.deletedAt))).groupBy(t.policyCompliance.status)
}

/** scriptStats: per script, runs in the period on the report's devices by outcome. */
export async function scriptStats(db: Db, target: ReportTarget, limit: number) {
  const e = t.scriptExecutions
  const runs = count()
  const of = (status: string) => sql<number>`coalesce(sum(case when ${e.status} = ${status} then 1 else 0 end), 0)`.mapWith(Number)
  return db.select({
    script: t.scripts.name, runs, completed: of('completed'), failed: of('failed'), timeout: of('timeout'), cancelled: of('cancelled'),
    devices: sql<number>`count(DISTINCT ${e.deviceId})`.mapWith(Number), lastRun: sql<number>`max(${e.createdAt})`.mapWith(Number),
  }).from(e)
    .innerJoin(t.devices, eq(t.devices.id, e.deviceId))
    .innerJoin(t.scripts, eq(t.scripts.id, e.scriptId))
    .where(and(deviceWhere(target, 'scripts:read'), gte(e.createdAt, target.from), lt(e.createdAt, target.to)))
    .groupBy(t.scripts.name).orderBy(desc(runs), asc(t.scripts.name)).limit(limit)
}

/** auditWhere: entries of the report's orgs (audit:read there) and, for a partner-wide report, the partner's own entries; in the period. */
function auditWhere(target: ReportTarget, extra?: SQL): SQL {
  const orgs = orgIdsWith(target.scope, 'audit:read').filter((o) => target.orgIds.includes(o))
  const partnerLevel = target.partnerWide && !target.siteId && !target.groupIds && canInPartner(target.scope, 'audit:read', target.partnerId)
  return and(
    or(inIds(t.auditLogs.orgId, orgs), partnerLevel ? and(isNull(t.auditLogs.orgId), eq(t.auditLogs.partnerId, target.partnerId)) : undefined),
    gte(t.auditLogs.at, target.from), lt(t.auditLogs.at, target.to), extra,
  )!
}

/** userActivity: per actor, actions, sign-ins, failures and denials, last activity. */
export async function userActivity(db: Db, target: ReportTarget, limit: number) {
  const a = t.auditLogs
  const n = count()
  return db.select({
    actor: sql<string>`coalesce(${a.actorEmail}, ${a.actorType})`, actorType: a.actorType, actions: n,
    logins: sql<number>`coalesce(sum(case when ${a.action} = 'auth.login' and ${a.result} = 'success' then 1 else 0 end), 0)`.mapWith(Number),
    failures: sql<number>`coalesce(sum(case when ${a.result} <> 'success' then 1 else 0 end), 0)`.mapWith(Number),
    last: sql<number>`max(${a.at})`.mapWith(Number),
  }).from(a).where(auditWhere(target)).groupBy(sql`coalesce(${a.actorEmail}, ${a.actorType})`, a.actorType).orderBy(desc(n)).limit(limit)
}

/** securityEvents: sign-ins, security events and every failed or denied action in the period, newest first. */
export async function securityEvents(db: Db, target: ReportTarget, limit: number) {
  const a = t.auditLogs
  const security = or(sql`${a.action} like 'auth.%'`, sql`${a.action} like 'security.%'`, ne(a.result, 'success'))
  return db.select({ at: a.at, actor: a.actorEmail, action: a.action, result: a.result, ip: a.ip, resource: a.resourceName, error: a.errorMessage })
    .from(a).where(auditWhere(target, security)).orderBy(desc(a.at), desc(a.seq)).limit(limit)
}
