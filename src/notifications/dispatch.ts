// Getting alert transitions to channels: deliveries are rows written in the same transaction as
// the transition (at most one per alert, channel and transition), each sent by a job on
// ctx.jobs with retries and exponential backoff. A delivery that gives up marks its channel as
// failing, which raises a channel alert.
import { raiseChannelAlert, resolveChannelAlert } from '../alerts/lifecycle'
import { alertSnapshot } from '../alerts/snapshot'
import type { AppContext } from '../context'
import type { Db } from '../db'
import { newId } from '../lib/ids'
import {
  findChannel, findChannels, findDelivery, findPolicy, insertAttempt, listAttemptsOfDeliveries, listDeliveriesOfAlert, insertDeliveryOnce, markDeliverySent, notifiedChannelIds, otherChannelsOfOwner,
  recordChannelFailure, updateChannelRow, updateDeliveryRow, type Channel, type Delivery, type EscalationPolicy,
} from './channels-repo'
import type { AlertMessage, MessageEvent } from './message'
import { openSecrets } from './secrets'
import { send, type SendResult } from './senders'
import { publicLink } from '../settings/public-url'

export const deliverJob = 'notify.deliver'
/** Six attempts: at once, then after about 5, 10, 20, 40 and 80 seconds (jobs/runner backoffMs). */
export const maxDeliveryAttempts = 6

type Ctx = AppContext

export async function channelsByIds(ctx: Pick<AppContext, 'db'>, ids: string[]): Promise<Channel[]> {
  return (await findChannels(ctx.db, ids)).filter((c) => c.enabled)
}

export async function escalationPolicy(ctx: Pick<AppContext, 'db'>, id: string | null): Promise<EscalationPolicy | null> {
  return id ? (await findPolicy(ctx.db, id)) ?? null : null
}

/** channelsNotifiedAbout: channels told about an alert firing/escalating (they hear about ack and resolve too). */
export async function channelsNotifiedAbout(ctx: Pick<AppContext, 'db'>, alertId: string): Promise<Channel[]> {
  return channelsByIds(ctx, await notifiedChannelIds(ctx.db, alertId))
}

export async function fallbackChannels(ctx: Pick<AppContext, 'db'>, dead: Channel): Promise<Channel[]> {
  return otherChannelsOfOwner(ctx.db, dead)
}

/**
 * queueDeliveries records one delivery per channel for this transition and enqueues its job,
 * on `db` (the caller's transaction). A transition already delivered is skipped.
 */
export async function queueDeliveries(ctx: Pick<AppContext, 'jobs' | 'clock'>, db: Db, input: { alertId: string; orgId: string | null; channels: Channel[]; transition: string }): Promise<number> {
  let queued = 0
  for (const ch of input.channels) {
    const row: Delivery = {
      id: newId(), orgId: input.orgId, alertId: input.alertId, channelId: ch.id, channelName: ch.name, channelType: ch.type, transition: input.transition,
      status: 'pending', attempts: 0, lastStatusCode: null, lastError: null, createdAt: ctx.clock.now(), sentAt: null, finishedAt: null,
    }
    if (!(await insertDeliveryOnce(db, row))) continue
    await ctx.jobs.enqueue(deliverJob, { deliveryId: row.id }, { db, uniqueKey: `deliver:${row.id}` })
    queued++
  }
  return queued
}

function eventOf(transition: string): { event: MessageEvent; step: number | null } {
  if (transition.startsWith('escalation:')) return { event: 'alert.escalated', step: Number(transition.slice(11)) + 1 }
  if (transition === 'acknowledged') return { event: 'alert.acknowledged', step: null }
  if (transition === 'resolved') return { event: 'alert.resolved', step: null }
  if (transition.startsWith('test')) return { event: 'test', step: null }
  return { event: 'alert.triggered', step: null }
}

/** deliveryLog: every delivery of an alert with its attempts (the alert page). */
export async function deliveryLog(ctx: Pick<AppContext, 'db'>, alertId: string) {
  const deliveries = await listDeliveriesOfAlert(ctx.db, alertId)
  const attempts = await listAttemptsOfDeliveries(ctx.db, deliveries.map((d) => d.id))
  return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) }))
}

export function alertUrl(ctx: Pick<AppContext, 'db' | 'config'>, alert: { id: string; partnerId: string }): Promise<string> {
  return publicLink(ctx, `/alerts/${alert.id}`, alert.partnerId)
}

async function messageFor(ctx: Ctx, d: Delivery): Promise<AlertMessage | null> {
  const snap = d.alertId ? await alertSnapshot(ctx, d.alertId) : null
  if (!snap) return null
  const { event, step } = eventOf(d.transition)
  const a = snap.alert
  return {
    event, deliveryId: d.id, escalationStep: step, sentAt: ctx.clock.now(), url: await alertUrl(ctx, a),
    alert: {
      id: a.id, title: a.title, message: a.message, severity: a.severity, status: a.status, kind: a.kind, subject: a.subject, triggeredAt: a.triggeredAt,
      acknowledgedAt: a.acknowledgedAt, resolvedAt: a.resolvedAt, values: a.context, resolvingValues: a.resolvingValues, ruleId: a.ruleId, ruleName: snap.ruleName,
      note: event === 'alert.resolved' ? a.resolutionNote : event === 'alert.acknowledged' ? snap.ackNote : null,
    },
    device: snap.device, org: snap.org, site: snap.site,
  }
}

/** recordAttempt logs one try of a delivery. */
async function recordAttempt(ctx: Pick<AppContext, 'db' | 'clock'>, deliveryId: string, result: SendResult, durationMs: number) {
  await insertAttempt(ctx.db, { id: newId(), deliveryId, at: ctx.clock.now(), ok: result.ok, statusCode: result.statusCode, error: result.error?.slice(0, 1000) ?? null, durationMs })
}

/** markChannelHealthy resets a channel's failure count and closes its channel alert. */
export async function markChannelHealthy(ctx: Ctx, channel: Channel) {
  await updateChannelRow(ctx.db, channel.id, { consecutiveFailures: 0, lastSuccessAt: ctx.clock.now() })
  if (channel.consecutiveFailures > 0) await resolveChannelAlert(ctx, channel)
}

/** runDelivery is the job: send once, record the attempt, retry (throw) or give up. */
export async function runDelivery(ctx: Ctx, payload: { deliveryId: string }, job: { attempts: number }) {
  const d = await findDelivery(ctx.db, payload.deliveryId)
  // note: a delivery that is no longer pending was sent (or given up) by an earlier run: never send twice.
  if (!d || d.status !== 'pending') return
  const channel = await findChannel(ctx.db, d.channelId)
  const finish = (patch: Partial<Delivery>) => updateDeliveryRow(ctx.db, d.id, { attempts: job.attempts, finishedAt: ctx.clock.now(), ...patch })
  if (!channel || !channel.enabled) return finish({ status: 'failed', lastError: 'the channel was deleted or disabled' })
  const message = await messageFor(ctx, d)
  if (!message) return finish({ status: 'failed', lastError: 'the alert no longer exists' })
  const started = performance.now()
  const result = await send(ctx, { type: channel.type, config: channel.config, secrets: openSecrets(ctx, channel) }, message)
  await recordAttempt(ctx, d.id, result, Math.round(performance.now() - started))
  ctx.metrics.notifications.inc({ channel: channel.type, result: result.ok ? 'sent' : 'failed' })
  if (result.ok) {
    await markDeliverySent(ctx.db, d.id, { attempts: job.attempts, lastStatusCode: result.statusCode, lastError: null, sentAt: ctx.clock.now(), finishedAt: ctx.clock.now() })
    await markChannelHealthy(ctx, channel)
    if (message.org) ctx.live.publish({ orgId: message.org.id, perm: 'alerts:read' }, 'alert.changed', { id: message.alert.id })
    return
  }
  await updateDeliveryRow(ctx.db, d.id, { attempts: job.attempts, lastStatusCode: result.statusCode, lastError: result.error })
  if (job.attempts < maxDeliveryAttempts) throw new Error(`${channel.type} delivery failed: ${result.error}`)
  await finish({ status: 'failed', lastStatusCode: result.statusCode, lastError: result.error })
  await recordChannelFailure(ctx.db, channel.id, ctx.clock.now(), result.error ?? 'failed')
  // A channel alert about this very channel must not raise another one when it fails too.
  const snap = d.alertId ? await alertSnapshot(ctx, d.alertId) : null
  if (snap?.alert.kind === 'channel' && snap.alert.subject === channel.id) return
  await raiseChannelAlert(ctx, channel, result.error ?? 'failed')
}

export function registerDeliveryJob(ctx: Ctx) {
  ctx.jobs.register(deliverJob, (payload, job) => runDelivery(ctx, payload as { deliveryId: string }, job), { maxAttempts: maxDeliveryAttempts, leaseMs: 60_000 })
}
