// Correlation keeps one outage from becoming a storm: while a device is offline its other
// alerts are grouped (and muted) under the offline alert, and when enough devices of one site
// go offline under the same rule, one site alert groups them and notifies instead.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { countOpenChildren, findAlert, findOpenAlert, listChildAlerts, openAlertsOfDevice, openDeviceAlertsOfRuleAtSite, updateAlertRow, openStatuses, type Alert } from './alerts-repo'
import { siteName } from './facts-repo'
import { fireAlert, notifyPlan, publishAlert, recordEvent, releaseAlert, resolveAlert } from './lifecycle'
import type { CompiledRule } from './rule-cache'
import { findRuleAnyState } from './rules-repo'

type Ctx = AppContext

/** parentAtFire: the alert a new device alert belongs under, if any (it is then muted). */
export async function parentAtFire(ctx: Ctx, rule: CompiledRule, deviceId: string, siteId: string, offlineRuleIds: string[]): Promise<Alert | null> {
  if (rule.isOffline) {
    if (!rule.siteOfflineThreshold) return null
    return (await findOpenAlert(ctx.db, { kind: 'site', ruleId: rule.id, subject: siteId })) ?? null
  }
  if (offlineRuleIds.length === 0) return null
  return (await openAlertsOfDevice(ctx.db, deviceId)).find((a) => a.ruleId !== null && offlineRuleIds.includes(a.ruleId) && a.kind === 'device') ?? null
}

/** groupUnder makes `child` part of `parent`: muted, escalation stopped, noted on both timelines. */
async function groupUnder(ctx: Ctx, child: Alert, parent: Alert, why: string) {
  await withTx(ctx.db, async (tx) => {
    await updateAlertRow(tx, child.id, { parentAlertId: parent.id, muted: true, nextEscalationAt: null, updatedAt: ctx.clock.now() })
    await recordEvent(ctx, tx, child.id, 'correlated', { note: `Grouped under "${parent.title}": ${why}` })
  })
  publishAlert(ctx, child)
}

/** afterOfflineFired: group the device's other open alerts, then check the site threshold. */
export async function afterOfflineFired(ctx: Ctx, alert: Alert, rule: CompiledRule) {
  if (!alert.deviceId || !alert.siteId) return
  for (const other of await openAlertsOfDevice(ctx.db, alert.deviceId)) {
    if (other.id === alert.id || other.parentAlertId || other.ruleId === alert.ruleId) continue
    await groupUnder(ctx, other, alert, 'the device is offline')
  }
  if (!rule.siteOfflineThreshold) return
  const siteAlert = alert.parentAlertId ? await findAlert(ctx.db, alert.parentAlertId) : null
  if (siteAlert?.kind === 'site') {
    const n = await countOpenChildren(ctx.db, siteAlert.id)
    await updateAlertRow(ctx.db, siteAlert.id, { title: siteTitle(n, await siteName(ctx.db, alert.siteId)), context: { ...siteAlert.context, devices: n }, updatedAt: ctx.clock.now() })
    await recordEvent(ctx, ctx.db, siteAlert.id, 'note', { note: `${alert.title} (${n} devices now)` })
    publishAlert(ctx, siteAlert)
    return
  }
  // note: devices under maintenance (their offline alert is held back) do not count toward a site outage.
  const offline = (await openDeviceAlertsOfRuleAtSite(ctx.db, rule.id, alert.siteId)).filter((a) => !(a.status === 'suppressed' && a.suppressReason === 'maintenance'))
  if (offline.length < rule.siteOfflineThreshold) return
  const site = await siteName(ctx.db, alert.siteId)
  const created = await fireAlert(ctx, {
    partnerId: alert.partnerId, orgId: alert.orgId, siteId: alert.siteId, deviceId: null, ruleId: rule.id, kind: 'site', subject: alert.siteId, severity: rule.severity,
    title: siteTitle(offline.length, site), message: `${offline.length} devices of site ${site ?? alert.siteId} went offline together (threshold ${rule.siteOfflineThreshold}): likely a site-wide outage (power, internet, switch).`,
    context: { devices: offline.length, threshold: rule.siteOfflineThreshold }, triggeredAt: ctx.clock.now(), parentAlertId: null, muted: false,
  }, {
    maintenance: null, plan: await notifyPlan(ctx, rule.channelIds, rule.escalationPolicyId),
    // The claim makes one site alert per (rule, site) even when several devices cross the threshold at once.
    watch: { ruleId: rule.id, deviceId: `site:${alert.siteId}`, subject: '', orgId: alert.orgId!, pending: {} },
  })
  if (!created) return
  const members = await openDeviceAlertsOfRuleAtSite(ctx.db, rule.id, alert.siteId)
  for (const child of members) if (child.parentAlertId !== created.id) await groupUnder(ctx, child, created, `${members.length} devices of the site are offline`)
}

function siteTitle(n: number, site: string | null) {
  return `${n} devices offline at ${site ?? 'one site'}`
}

/** afterResolve: a site alert closes with its last device; children of a resolved alert are released. */
export async function afterResolve(ctx: Ctx, alert: Alert) {
  if (alert.parentAlertId) {
    const parent = await findAlert(ctx.db, alert.parentAlertId)
    if (parent?.kind === 'site' && openStatuses.includes(parent.status) && (await countOpenChildren(ctx.db, parent.id)) === 0) {
      await resolveAlert(ctx, parent.id, { actor: null, note: 'Every device of the site is back' })
    }
  }
  for (const child of await listChildAlerts(ctx.db, alert.id)) {
    if (!openStatuses.includes(child.status) || !child.muted) continue
    const rule = child.ruleId ? await findRuleAnyState(ctx.db, child.ruleId) : undefined
    // A device that came back under a site alert is resolved by its own rule; others now notify on their own.
    if (alert.kind === 'site' && child.ruleId === alert.ruleId) continue
    await releaseAlert(ctx, child, await notifyPlan(ctx, rule?.channelIds ?? [], rule?.escalationPolicyId ?? null), `"${alert.title}" resolved; this alert stands on its own again`)
  }
}
