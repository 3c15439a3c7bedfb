// notify and create_ticket: messages through the owner's notification channels (the same
// senders alerts use, so every channel type works), and tickets in the run's organization.
import type { AppContext } from '../context'
import { channelsByIds } from '../notifications/dispatch'
import type { AlertMessage } from '../notifications/message'
import { usableBy } from '../notifications/owners'
import { openSecrets } from '../notifications/secrets'
import { send } from '../notifications/senders'
import { openTicket } from '../tickets/tickets'
import type { Executor, RunCtx } from './step-types'
import { render, type Facts } from './values'

/**
 * automationMessage shapes a notification as the message every sender formats. note: the
 * notifications domain speaks in alert transitions; an automation message is sent as
 * `alert.triggered` of kind `automation` whose id is the run and whose link is the run page.
 */
function automationMessage(f: Facts, id: string, title: string, message: string, severity: AlertMessage['alert']['severity'], now: number): AlertMessage {
  const d = f.device
  return {
    event: 'alert.triggered', deliveryId: id, escalationStep: null, sentAt: now, url: f.run.url,
    alert: {
      id: f.run.id, title, message, severity, status: 'active', kind: 'automation', subject: f.automation.id, triggeredAt: now, acknowledgedAt: null, resolvedAt: null,
      values: {}, resolvingValues: null, ruleId: null, ruleName: f.automation.name, note: null,
    },
    device: d ? { id: d.id, hostname: d.hostname, name: d.displayName || d.hostname } : null,
    org: f.org, site: d ? { id: d.siteId, name: d.siteName } : null,
  }
}

/** sendToChannels delivers one message to each channel the owner may use; returns per-channel results. */
export async function sendToChannels(ctx: AppContext, owner: RunCtx['owner'], channelIds: string[], f: Facts, m: { key: string; title: string; message: string; severity: AlertMessage['alert']['severity'] }) {
  const channels = (await channelsByIds(ctx, channelIds)).filter((c) => usableBy({ orgId: owner.orgId, partnerId: owner.partnerId }, c))
  const results: { channelId: string; channel: string; type: string; ok: boolean; error: string | null }[] = []
  for (const id of channelIds) {
    const ch = channels.find((c) => c.id === id)
    if (!ch) { results.push({ channelId: id, channel: id, type: 'unknown', ok: false, error: 'the channel was deleted, disabled or is not available here' }); continue }
    const r = await send(ctx, { type: ch.type, config: ch.config, secrets: openSecrets(ctx, ch) }, automationMessage(f, `${m.key}:${ch.id}`, m.title, m.message, m.severity, ctx.clock.now()))
    results.push({ channelId: ch.id, channel: ch.name, type: ch.type, ok: r.ok, error: r.error })
  }
  return results
}

export const notify: Executor = {
  async start(rc, step, row) {
    const prefix = rc.run.test ? '[TEST] ' : ''
    const title = prefix + render(step.title ?? '', rc.facts).slice(0, 300)
    const message = render(step.message ?? '', rc.facts)
    const results = await sendToChannels(rc.ctx, rc.owner, step.channelIds ?? [], rc.facts, { key: `${rc.run.id}:${row.seq}`, title, message, severity: step.severity ?? 'info' })
    const failed = results.filter((r) => !r.ok)
    const summary = failed.length
      ? `sent to ${results.length - failed.length} of ${results.length} channels; ${failed.map((r) => `${r.channel}: ${r.error}`).join('; ')}`
      : `sent "${title}" to ${results.map((r) => r.channel).join(', ')}`
    return { status: failed.length ? 'failed' : 'succeeded', summary, details: { title, message, channels: results }, error: failed.length ? summary : null, result: { output: title } }
  },
}

export const createTicketStep: Executor = {
  async start(rc, step) {
    const f = rc.facts
    const title = (rc.run.test ? '[TEST] ' : '') + render(step.title ?? '', f)
    const body = render(step.description ?? '', f)
    const description = `${body}${body ? '\n\n' : ''}Opened by the automation "${f.automation.name}": ${f.run.url}`
    const ticket = await openTicket(rc.ctx, {
      orgId: rc.run.orgId, partnerId: rc.owner.partnerId, title, description, priority: step.priority ?? 'normal', assigneeId: null,
      deviceId: f.device?.id ?? null, source: 'manual', ticketRuleId: null, groupKey: null, alertIds: typeof f.trigger.alertId === 'string' ? [f.trigger.alertId] : [],
    }, null)
    return { status: 'succeeded', summary: `opened ticket #${ticket.number}: ${ticket.title}`, details: { ticketId: ticket.id, number: ticket.number }, refId: null, result: { output: `#${ticket.number}` } }
  },
}
