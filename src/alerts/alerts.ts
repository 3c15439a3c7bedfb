// Working alerts as a user: list and filter, open one with its timeline and deliveries,
// acknowledge, resolve, suppress; history statistics (MTTA/MTTR).
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext, TxHook } from '../context'
import { deviceVisibility } from '../devices/visibility'
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors'
import { deliveryLog } from '../notifications/dispatch'
import type { Permission } from '../tenancy/permissions'
import { partnerIdsWith, type Scope } from '../tenancy/scope'
import { alertStats, countOpenAlerts, countOpenBySeverity, findAlert, listAlertEvents, listAlerts, listAlertsByIds, listChildAlerts, type Alert, type AlertVisibility } from './alerts-repo'
import { deviceNames, siteNames } from './facts-repo'
import { acknowledgeAlert, resolveAlert, suppressAlert, type ChangeActor } from './lifecycle'
import type { AlertListQuery } from './model'
import { listVisibleRules } from './rules-repo'
import { ruleVisibility } from './rules'

type Ctx = AppContext

export function alertVisibility(scope: Scope, perm: Permission = 'alerts:read'): AlertVisibility {
  return { ...deviceVisibility(scope, perm), partnerIds: partnerIdsWith(scope, perm) }
}

function visible(v: AlertVisibility, a: Alert): boolean {
  if (!a.orgId) return v.partnerIds.includes(a.partnerId)
  return v.orgIds.includes(a.orgId) || (v.siteOrgIds.includes(a.orgId) && !!a.siteId && v.siteIds.includes(a.siteId))
}

export async function getAlert(ctx: Ctx, actor: UserActor, id: string, perm: Permission = 'alerts:read'): Promise<Alert> {
  const alert = await findAlert(ctx.db, id)
  if (!alert || !visible(alertVisibility(actor.scope), alert)) throw new NotFoundError('alert')
  if (perm !== 'alerts:read' && !visible(alertVisibility(actor.scope, perm), alert)) throw new ForbiddenError(`you need the ${perm} permission for this alert`, perm)
  return alert
}

export type AlertNames = { devices: Record<string, string>; sites: Record<string, string>; rules: Record<string, string> }

/** namesFor: device, site and rule names for a page of alerts (one query each). */
export async function namesFor(ctx: Ctx, actor: UserActor, alerts: Alert[]): Promise<AlertNames> {
  const rules = await listVisibleRules(ctx.db, ruleVisibility(actor.scope))
  return {
    devices: await deviceNames(ctx.db, alerts.flatMap((a) => (a.deviceId ? [a.deviceId] : []))),
    sites: await siteNames(ctx.db, alerts.flatMap((a) => (a.siteId ? [a.siteId] : []))),
    rules: Object.fromEntries(rules.map((r) => [r.id, r.name])),
  }
}

export async function searchAlerts(ctx: Ctx, actor: UserActor, q: AlertListQuery) {
  const limit = q.limit ?? 100
  const page = q.page ?? 1
  const { rows, total } = await listAlerts(ctx.db, alertVisibility(actor.scope), { ...q, limit, offset: (page - 1) * limit })
  return { rows, total, page, limit }
}

/** openAlertsBySeverity: how many alerts are open per severity (dashboards). */
export async function openAlertsBySeverity(ctx: Pick<AppContext, 'db'>, actor: UserActor): Promise<Record<string, number>> {
  return countOpenBySeverity(ctx.db, alertVisibility(actor.scope))
}

export async function openAlertCount(ctx: Ctx, actor: UserActor): Promise<number> {
  return countOpenAlerts(ctx.db, alertVisibility(actor.scope))
}

/** alertDetail: the alert, its timeline, grouped alerts, and every delivery with its attempts. */
export async function alertDetail(ctx: Ctx, actor: UserActor, id: string) {
  const alert = await getAlert(ctx, actor, id)
  const v = alertVisibility(actor.scope)
  const children = (await listChildAlerts(ctx.db, id)).filter((c) => visible(v, c))
  const parent = alert.parentAlertId ? await findAlert(ctx.db, alert.parentAlertId) : undefined
  return {
    alert, events: await listAlertEvents(ctx.db, id), children, parent: parent && visible(v, parent) ? parent : null,
    deliveries: await deliveryLog(ctx, id),
  }
}

const changeActor = (actor: UserActor): ChangeActor => ({ id: actor.user.id, name: actor.user.name })

export async function acknowledge(ctx: Ctx, actor: UserActor, id: string, note?: string): Promise<Alert> {
  const alert = await getAlert(ctx, actor, id, 'alerts:write')
  const audit: TxHook = (tx) => recordAudit(tx, actor.audit, { action: 'alert.acknowledge', partnerId: alert.partnerId, orgId: alert.orgId, resourceType: 'alert', resourceId: id, resourceName: alert.title, details: note ? { note } : undefined })
  if (!(await acknowledgeAlert(ctx, alert, changeActor(actor), note ?? null, audit))) throw new ConflictError(`the alert is ${alert.status}; only active or suppressed alerts can be acknowledged`)
  return (await findAlert(ctx.db, id))!
}

export async function resolve(ctx: Ctx, actor: UserActor, id: string, note?: string): Promise<Alert> {
  const alert = await getAlert(ctx, actor, id, 'alerts:write')
  const audit: TxHook = (tx) => recordAudit(tx, actor.audit, { action: 'alert.resolve', partnerId: alert.partnerId, orgId: alert.orgId, resourceType: 'alert', resourceId: id, resourceName: alert.title, details: note ? { note } : undefined })
  const done = await resolveAlert(ctx, id, { actor: changeActor(actor), note: note ?? null, inTx: audit })
  if (!done) throw new ConflictError('the alert is already resolved')
  return done
}

export async function suppress(ctx: Ctx, actor: UserActor, id: string, minutes: number, note?: string): Promise<Alert> {
  const alert = await getAlert(ctx, actor, id, 'alerts:write')
  const audit: TxHook = (tx) => recordAudit(tx, actor.audit, { action: 'alert.suppress', partnerId: alert.partnerId, orgId: alert.orgId, resourceType: 'alert', resourceId: id, resourceName: alert.title, details: { minutes, note: note ?? null } })
  if (!(await suppressAlert(ctx, alert, changeActor(actor), minutes, note ?? null, audit))) throw new ConflictError('the alert is already resolved')
  return (await findAlert(ctx.db, id))!
}

/** statistics over alerts triggered in [from, to): per rule, per org, per severity with MTTA/MTTR. */
export async function statistics(ctx: Ctx, actor: UserActor, range: { from: number; to: number; orgId?: string }) {
  return alertStats(ctx.db, alertVisibility(actor.scope), range)
}

/** alertsByIds: alerts linked elsewhere (tickets), with no scope check: the caller checked its own object. */
export async function alertsByIds(ctx: Pick<AppContext, 'db'>, ids: string[]): Promise<Alert[]> {
  return listAlertsByIds(ctx.db, ids)
}

/** deviceLabels: display names of devices, by id. */
export async function deviceLabels(ctx: Pick<AppContext, 'db'>, ids: string[]): Promise<Record<string, string>> {
  return deviceNames(ctx.db, ids)
}
