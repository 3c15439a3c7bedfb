// The built-in widgets' loaders: fleet health, online/offline, alerts by severity, top resource
// users, policy compliance, recent activity, operating systems, newest devices. Each reads
// through the caller narrowed to the dashboard's scope, so nothing outside it is counted.
import { openAlertsBySeverity } from '../alerts/alerts'
import { searchAudit } from '../audit/query'
import { dashboardData } from '../devices/dashboard'
import { listDevices } from '../devices/service'
import { dashboard as complianceDashboard } from '../policies/compliance'
import type { WidgetLoad } from './registry'

const fleet = (w: WidgetLoad) => w.once('fleet', () => dashboardData(w.ctx, w.actor))
const countWhere = async (w: WidgetLoad, q: string) => (await listDevices(w.ctx, w.actor, { q, perPage: 1, page: 1 })).total

export async function loadFleetHealth(w: WidgetLoad) {
  const [f, diskFull, pendingReboot] = await Promise.all([fleet(w), countWhere(w, 'disk_percent >= 90'), countWhere(w, 'pending_reboot = true')])
  const online = f.byStatus.online ?? 0
  const tracked = f.total - (f.byStatus.maintenance ?? 0)
  return { total: f.total, online, offline: f.byStatus.offline ?? 0, maintenance: f.byStatus.maintenance ?? 0, percentOnline: tracked > 0 ? Math.round((online / tracked) * 1000) / 10 : null, diskFull, pendingReboot }
}
export type FleetHealth = Awaited<ReturnType<typeof loadFleetHealth>>

export async function loadStatus(w: WidgetLoad) {
  const f = await fleet(w)
  return { total: f.total, byStatus: f.byStatus, offline: f.offline }
}
export type StatusData = Awaited<ReturnType<typeof loadStatus>>

export async function loadAlerts(w: WidgetLoad) {
  const bySeverity = await openAlertsBySeverity(w.ctx, w.actor)
  return { bySeverity, total: Object.values(bySeverity).reduce((a, b) => a + b, 0) }
}
export type AlertsData = Awaited<ReturnType<typeof loadAlerts>>

export async function loadTop(w: WidgetLoad) {
  return (await fleet(w)).top
}
export type TopData = Awaited<ReturnType<typeof loadTop>>

export async function loadCompliance(w: WidgetLoad) {
  const d = await complianceDashboard(w.ctx, w.actor)
  return { overall: d.overall, policies: [...d.policies].sort((a, b) => (a.percent ?? 101) - (b.percent ?? 101)).slice(0, 6) }
}
export type ComplianceData = Awaited<ReturnType<typeof loadCompliance>>

export async function loadActivity(w: WidgetLoad) {
  const { rows } = await searchAudit(w.ctx, w.actor, { limit: 12 })
  return rows.map((r) => ({ at: r.at, actor: r.actorEmail ?? r.actorType, action: r.action, resource: r.resourceName ?? r.resourceId ?? null, resourceType: r.resourceType, result: r.result }))
}
export type ActivityData = Awaited<ReturnType<typeof loadActivity>>

export async function loadOs(w: WidgetLoad) {
  const f = await fleet(w)
  return { total: f.total, byOs: f.byOs }
}
export type OsData = Awaited<ReturnType<typeof loadOs>>

export async function loadRecent(w: WidgetLoad) {
  return (await fleet(w)).recent
}
export type RecentData = Awaited<ReturnType<typeof loadRecent>>
