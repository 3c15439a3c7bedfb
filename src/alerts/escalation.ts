// Escalation: an active alert walks its policy's steps (channels and people, each after a delay
// counted from when it fired). The position is state on the alert (escalationStep,
// nextEscalationAt), so a restart resumes at the right step, and acknowledging or resolving
// stops it because only active alerts advance.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { channelsByIds, escalationPolicy, queueDeliveries } from '../notifications/dispatch'
import { notifyUsers, usersAllowed } from '../notifications/inbox'
import { advanceEscalation, dueEscalations, findAlert, updateAlertRow } from './alerts-repo'
import { publishAlert, recordEvent } from './lifecycle'

type Ctx = AppContext

/** runEscalation performs the alert's due step, if it is still active and the step is due. */
export async function runEscalation(ctx: Ctx, alertId: string): Promise<boolean> {
  const alert = await findAlert(ctx.db, alertId)
  const now = ctx.clock.now()
  if (!alert || alert.status !== 'active' || alert.muted || alert.nextEscalationAt === null || alert.nextEscalationAt > now) return false
  const policy = await escalationPolicy(ctx, alert.escalationPolicyId)
  const index = alert.escalationStep
  const step = policy?.steps[index]
  if (!policy || !step) {
    await updateAlertRow(ctx.db, alert.id, { nextEscalationAt: null })
    return false
  }
  const following = policy.steps[index + 1]
  const nextAt = following ? Math.max(now, alert.triggeredAt + following.delayMinutes * 60_000) : null
  const channels = await channelsByIds(ctx, step.channelIds)
  const done = await withTx(ctx.db, async (tx) => {
    if (!(await advanceEscalation(tx, alert.id, index, { escalationStep: index + 1, nextEscalationAt: nextAt, updatedAt: now }))) return false
    const who = [channels.length ? `${channels.length} channel${channels.length === 1 ? '' : 's'} (${channels.map((c) => c.name).join(', ')})` : '', step.userIds.length ? `${step.userIds.length} user${step.userIds.length === 1 ? '' : 's'}` : '']
    await recordEvent(ctx, tx, alert.id, 'escalated', { note: `Step ${index + 1} of "${policy.name}": ${who.filter(Boolean).join(' and ') || 'nobody'}` })
    await queueDeliveries(ctx, tx, { alertId: alert.id, orgId: alert.orgId, channels, transition: `escalation:${index}` })
    return true
  })
  if (!done) return false
  if (alert.orgId && step.userIds.length) {
    const users = await usersAllowed(ctx, step.userIds, { orgId: alert.orgId, siteId: alert.siteId, perm: 'alerts:read' })
    await notifyUsers(ctx, users, { kind: 'escalation', title: `Escalated: ${alert.title}`, body: alert.message, link: `/alerts/${alert.id}`, orgId: alert.orgId, alertId: alert.id })
  }
  publishAlert(ctx, alert)
  return true
}

/** runDueEscalations: the job's pass over every alert whose next step is due. */
export async function runDueEscalations(ctx: Ctx): Promise<number> {
  let n = 0
  for (const alert of await dueEscalations(ctx.db, ctx.clock.now())) {
    try { if (await runEscalation(ctx, alert.id)) n++ } catch (err) { ctx.log.error('escalation failed', { alertId: alert.id, err }) }
  }
  return n
}
