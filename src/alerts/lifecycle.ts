// Alert state changes: fire, acknowledge, suppress, release, resolve. Each change is one
// transaction that writes the alert, its timeline entry and the deliveries it owes (so a
// transition notifies each channel once, even when evaluated twice or after a restart); the
// event bus, live pages and the inbox hear about it after the commit.
import { withDb, type AppContext, type TxHook } from '../context'
import type { Db } from '../db'
import { withTx } from '../db/tx'
import { newId } from '../lib/ids'
import { channelsByIds, channelsNotifiedAbout, escalationPolicy, fallbackChannels, queueDeliveries } from '../notifications/dispatch'
import type { Channel, EscalationPolicy } from '../notifications/channels-repo'
import { notifyUsers, orgAudience } from '../notifications/inbox'
import {
  claimWatch, detachAlertFromWatch, findAlert, findOpenAlert, insertAlert, insertAlertEvent, saveWatch, updateAlertIfStatus, updateAlertRow,
  openStatuses, type Alert,
} from './alerts-repo'
import { afterResolve } from './correlation'
import { runEscalation } from './escalation'
import type { AlertValues, AlertStatus } from './types'

type Ctx = AppContext

/** Who changed an alert: a user, or Breeze itself (null). */
export type ChangeActor = { id: string; name: string } | null

export async function recordEvent(ctx: Pick<AppContext, 'clock'>, db: Db, alertId: string, kind: string, opts: { actor?: ChangeActor; note?: string | null; values?: AlertValues | null } = {}) {
  await insertAlertEvent(db, { id: newId(), alertId, at: ctx.clock.now(), kind, actorId: opts.actor?.id ?? null, actorName: opts.actor?.name ?? null, note: opts.note ?? null, values: opts.values ?? null })
}

export function publishAlert(ctx: Pick<AppContext, 'live'>, alert: Pick<Alert, 'id' | 'orgId' | 'siteId'>) {
  if (alert.orgId) ctx.live.publish({ orgId: alert.orgId, perm: 'alerts:read', siteId: alert.siteId ?? undefined }, 'alert.changed', { id: alert.id })
}

/** What an alert owes when it starts notifying: channels at once, and an escalation policy. */
export type NotifyPlan = { channels: Channel[]; policy: EscalationPolicy | null }

export async function notifyPlan(ctx: Pick<AppContext, 'db'>, channelIds: string[], policyId: string | null): Promise<NotifyPlan> {
  return { channels: await channelsByIds(ctx, channelIds), policy: await escalationPolicy(ctx, policyId) }
}

/** startNotifying queues the 'triggered' deliveries and arms escalation; returns the alert fields to set. */
async function startNotifying(ctx: Ctx, db: Db, alert: Alert, plan: NotifyPlan): Promise<Partial<Alert>> {
  await queueDeliveries(ctx, db, { alertId: alert.id, orgId: alert.orgId, channels: plan.channels, transition: 'triggered' })
  const steps = plan.policy?.steps ?? []
  if (steps.length === 0 || alert.escalationStep >= steps.length) return {}
  const due = Math.max(ctx.clock.now(), alert.triggeredAt + steps[alert.escalationStep].delayMinutes * 60_000)
  return { escalationPolicyId: plan.policy!.id, nextEscalationAt: due }
}

/** afterTrigger: everything outside the transaction once an alert fired or started notifying. */
async function afterTrigger(ctx: Ctx, alert: Alert, notifying: boolean) {
  ctx.events.emit('alert.triggered', { alertId: alert.id, orgId: alert.orgId, ruleId: alert.ruleId, deviceId: alert.deviceId, severity: alert.severity, kind: alert.kind, notifying })
  publishAlert(ctx, alert)
  if (!notifying || !alert.orgId) return
  if (alert.severity === 'critical' || alert.severity === 'high') {
    const users = await orgAudience(ctx, { orgId: alert.orgId, partnerId: alert.partnerId, siteId: alert.siteId, perm: 'alerts:write' })
    await notifyUsers(ctx, users, { kind: 'alert', title: alert.title, body: alert.message, link: `/alerts/${alert.id}`, orgId: alert.orgId, alertId: alert.id })
  }
  if (alert.nextEscalationAt !== null && alert.nextEscalationAt <= ctx.clock.now()) {
    await runEscalation(ctx, alert.id)
  }
}

export type NewAlert = Omit<Alert, 'id' | 'status' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'resolvedBy' | 'resolutionNote' | 'resolvingValues' | 'suppressedUntil' | 'suppressReason' | 'escalationPolicyId' | 'escalationStep' | 'nextEscalationAt' | 'updatedAt'>

export type FireOptions = {
  /** Maintenance covering the device: the alert is created suppressed (or with notifications held) until then. */
  maintenance: { until: number; suppress: 'alerts' | 'notifications'; name: string } | null
  plan: NotifyPlan
  /** Engine watch to claim, so two evaluations never open two alerts for one (rule, device, subject). */
  watch?: { ruleId: string; deviceId: string; subject: string; orgId: string; pending: Record<string, number> }
  note?: string | null
}

/** fireAlert opens an alert; null when another evaluation opened it first. */
export async function fireAlert(ctx: Ctx, fields: NewAlert, opts: FireOptions): Promise<Alert | null> {
  const now = ctx.clock.now()
  const m = opts.maintenance
  const status: AlertStatus = m?.suppress === 'alerts' ? 'suppressed' : 'active'
  let alert: Alert = {
    ...fields, id: newId(), status, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, resolutionNote: null, resolvingValues: null,
    suppressedUntil: m?.until ?? null, suppressReason: m ? 'maintenance' : null, escalationPolicyId: opts.plan.policy?.id ?? null, escalationStep: 0,
    nextEscalationAt: null, updatedAt: now,
  }
  const notifying = !m && !alert.muted
  const created = await withTx(ctx.db, async (tx) => {
    if (opts.watch) {
      await saveWatch(tx, { ...opts.watch, alertId: null, updatedAt: now })
      if (!(await claimWatch(tx, opts.watch, alert.id, now))) return false
    }
    await insertAlert(tx, alert)
    const note = opts.note ?? (m ? `In maintenance window "${m.name}" until ${new Date(m.until).toISOString()}: ${m.suppress === 'alerts' ? 'suppressed' : 'notifications held'}` : null)
    await recordEvent(ctx, tx, alert.id, 'triggered', { values: alert.context, note })
    if (notifying) {
      const patch = await startNotifying(ctx, tx, alert, opts.plan)
      if (Object.keys(patch).length) { alert = { ...alert, ...patch }; await updateAlertRow(tx, alert.id, patch) }
    }
    return true
  })
  if (!created) return null
  await afterTrigger(ctx, alert, notifying)
  return alert
}

/** resolveAlert closes an open alert (by a user, or automatically with the resolving values). */
export async function resolveAlert(ctx: Ctx, alertId: string, opts: { actor: ChangeActor; values?: AlertValues | null; note?: string | null; inTx?: TxHook }): Promise<Alert | null> {
  const alert = await findAlert(ctx.db, alertId)
  if (!alert || !openStatuses.includes(alert.status)) return null
  const notify = await channelsNotifiedAbout(ctx, alert.id)
  const now = ctx.clock.now()
  const patch: Partial<Alert> = {
    status: 'resolved', resolvedAt: now, resolvedBy: opts.actor?.id ?? null, resolvingValues: opts.values ?? null, resolutionNote: opts.note ?? null,
    nextEscalationAt: null, suppressedUntil: null, updatedAt: now,
  }
  const done = await withTx(ctx.db, async (tx) => {
    if (!(await updateAlertIfStatus(tx, alert.id, openStatuses, patch))) return false
    await detachAlertFromWatch(tx, alert.id)
    await recordEvent(ctx, tx, alert.id, 'resolved', { actor: opts.actor, note: opts.note ?? (opts.actor ? null : 'The condition cleared'), values: opts.values ?? null })
    await queueDeliveries(ctx, tx, { alertId: alert.id, orgId: alert.orgId, channels: notify, transition: 'resolved' })
    await opts.inTx?.(withDb(ctx, tx))
    return true
  })
  if (!done) return null
  const resolved = { ...alert, ...patch }
  ctx.events.emit('alert.resolved', { alertId: alert.id, orgId: alert.orgId, ruleId: alert.ruleId, deviceId: alert.deviceId, auto: !opts.actor })
  publishAlert(ctx, resolved)
  await afterResolve(ctx, resolved)
  return resolved
}

/** acknowledgeAlert: someone is on it; escalation stops and PagerDuty/webhooks hear about it. */
export async function acknowledgeAlert(ctx: Ctx, alert: Alert, actor: ChangeActor, note: string | null, inTx?: TxHook): Promise<boolean> {
  const notify = (await channelsNotifiedAbout(ctx, alert.id)).filter((c) => c.type === 'pagerduty' || c.type === 'webhook')
  const now = ctx.clock.now()
  const patch: Partial<Alert> = { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor?.id ?? null, nextEscalationAt: null, suppressedUntil: null, suppressReason: null, updatedAt: now }
  const done = await withTx(ctx.db, async (tx) => {
    if (!(await updateAlertIfStatus(tx, alert.id, ['active', 'suppressed'], patch))) return false
    await recordEvent(ctx, tx, alert.id, 'acknowledged', { actor, note })
    await queueDeliveries(ctx, tx, { alertId: alert.id, orgId: alert.orgId, channels: notify, transition: 'acknowledged' })
    await inTx?.(withDb(ctx, tx))
    return true
  })
  if (done) {
    ctx.events.emit('alert.acknowledged', { alertId: alert.id, orgId: alert.orgId, userId: actor?.id ?? null })
    publishAlert(ctx, alert)
  }
  return done
}

/** suppressAlert silences an open alert for a while (no escalation); it comes back if still open. */
export async function suppressAlert(ctx: Ctx, alert: Alert, actor: ChangeActor, minutes: number, note: string | null, inTx?: TxHook): Promise<boolean> {
  const now = ctx.clock.now()
  const until = now + minutes * 60_000
  const done = await withTx(ctx.db, async (tx) => {
    if (!(await updateAlertIfStatus(tx, alert.id, ['active', 'acknowledged', 'suppressed'], { status: 'suppressed', suppressedUntil: until, suppressReason: 'manual', nextEscalationAt: null, updatedAt: now }))) return false
    await recordEvent(ctx, tx, alert.id, 'suppressed', { actor, note: note ? `${note} (until ${new Date(until).toISOString()})` : `Until ${new Date(until).toISOString()}` })
    await inTx?.(withDb(ctx, tx))
    return true
  })
  if (done) publishAlert(ctx, alert)
  return done
}

/**
 * releaseAlert ends a suppression (manual or maintenance) or un-mutes a correlated alert: it
 * becomes active and owes its 'triggered' notifications (skipped where already sent).
 */
export async function releaseAlert(ctx: Ctx, alert: Alert, plan: NotifyPlan, note: string): Promise<boolean> {
  const now = ctx.clock.now()
  let next: Alert = { ...alert, status: alert.status === 'suppressed' ? 'active' : alert.status, suppressedUntil: null, suppressReason: null, muted: false, updatedAt: now }
  const done = await withTx(ctx.db, async (tx) => {
    const base: Partial<Alert> = { status: next.status, suppressedUntil: null, suppressReason: null, muted: false, updatedAt: now }
    if (!(await updateAlertIfStatus(tx, alert.id, ['active', 'suppressed', 'acknowledged'], base))) return false
    await recordEvent(ctx, tx, alert.id, 'released', { note })
    if (next.status === 'active') {
      const patch = await startNotifying(ctx, tx, next, plan)
      if (Object.keys(patch).length) { next = { ...next, ...patch }; await updateAlertRow(tx, alert.id, patch) }
    }
    return true
  })
  if (done) await afterTrigger(ctx, next, next.status === 'active')
  return done
}

/** raiseChannelAlert: a channel gave up delivering; tell people through the owner's other channels. */
export async function raiseChannelAlert(ctx: Ctx, channel: Channel, error: string) {
  const existing = await findOpenAlert(ctx.db, { kind: 'channel', subject: channel.id })
  if (existing) {
    await recordEvent(ctx, ctx.db, existing.id, 'note', { note: `Another delivery gave up: ${error.slice(0, 500)}` })
    return existing
  }
  const fields: NewAlert = {
    partnerId: channel.partnerId, orgId: channel.orgId, siteId: null, deviceId: null, ruleId: null, kind: 'channel', subject: channel.id, severity: 'high',
    title: `Notification channel "${channel.name}" is not delivering`,
    message: `Breeze gave up delivering to the ${channel.type} channel "${channel.name}" after retries: ${error.slice(0, 500)}. Fix it and use "Send test".`,
    context: { channel: channel.name, type: channel.type, error: error.slice(0, 500) }, triggeredAt: ctx.clock.now(), parentAlertId: null, muted: false,
  }
  const alert = await fireAlert(ctx, fields, { maintenance: null, plan: { channels: await fallbackChannels(ctx, channel), policy: null } })
  if (alert && channel.orgId) {
    const users = await orgAudience(ctx, { orgId: channel.orgId, partnerId: channel.partnerId, perm: 'notifications:write' })
    await notifyUsers(ctx, users, { kind: 'channel', title: alert.title, body: alert.message, link: `/alerts/${alert.id}`, orgId: channel.orgId, alertId: alert.id })
  }
  return alert
}

/** resolveChannelAlert: the channel delivered again. */
export async function resolveChannelAlert(ctx: Ctx, channel: Channel) {
  const open = await findOpenAlert(ctx.db, { kind: 'channel', subject: channel.id })
  if (open) await resolveAlert(ctx, open.id, { actor: null, note: 'A delivery through the channel succeeded again' })
}
