// An alert with the names around it (device, org, site, rule), as notifications and pages show it.
import type { AppContext } from '../context'
import { findAlert, listAlertEvents, type Alert } from './alerts-repo'
import { findAlertDevice, siteName } from './facts-repo'
import { findRuleAnyState, orgPartner } from './rules-repo'

export type AlertSnapshot = {
  alert: Alert
  ruleName: string | null
  device: { id: string; hostname: string; name: string } | null
  org: { id: string; name: string } | null
  site: { id: string; name: string } | null
  ackNote: string | null
}

export async function alertSnapshot(ctx: Pick<AppContext, 'db'>, alertId: string): Promise<AlertSnapshot | null> {
  const alert = await findAlert(ctx.db, alertId)
  if (!alert) return null
  const rule = alert.ruleId ? await findRuleAnyState(ctx.db, alert.ruleId) : undefined
  const device = alert.deviceId ? await findAlertDevice(ctx.db, alert.deviceId) : undefined
  const org = alert.orgId ? await orgPartner(ctx.db, alert.orgId) : undefined
  const site = alert.siteId ? await siteName(ctx.db, alert.siteId) : null
  const ack = alert.acknowledgedAt ? (await listAlertEvents(ctx.db, alert.id)).filter((e) => e.kind === 'acknowledged').pop() : undefined
  return {
    alert,
    ruleName: rule?.name ?? null,
    device: device ? { id: device.id, hostname: device.hostname, name: device.displayName ?? device.hostname } : null,
    org: org && alert.orgId ? { id: alert.orgId, name: org.name } : null,
    site: site && alert.siteId ? { id: alert.siteId, name: site } : null,
    ackNote: ack?.note ?? null,
  }
}
