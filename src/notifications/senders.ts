// One sender per channel type: turn an AlertMessage into that service's request and report
// how it went. Every HTTP call goes through the outbound guard (src/net/outbound.ts: no
// loopback, link-local or private addresses unless a platform administrator allows them, no
// DNS rebinding, no redirects) and has a timeout, so a dead receiver costs one job slot for at
// most that long and never blocks evaluation or other channels. A result says how it went
// (status code, a short reason), never what the receiver answered: the answer of an internal
// service must not become readable through a channel test.
import type { AppContext } from '../context'
import { hmacHex } from '../lib/crypto'
import { outboundFetch, OutboundRefusedError, type OutboundInit, type OutboundPolicy } from '../net/outbound'
import { getOutboundPolicy, sendMail } from '../settings/service'
import { plainText, subjectLine, webhookBody, type AlertMessage } from './message'
import type { ChannelConfig, ChannelSecrets, ChannelType } from './types'

export type SendResult = { ok: boolean; statusCode: number | null; error: string | null }

export type SendTarget = { type: ChannelType; config: ChannelConfig; secrets: ChannelSecrets }

type Ctx = Pick<AppContext, 'db' | 'secrets'>
/** What an HTTP call needs: where it may go. */
type Http = (url: string, init: OutboundInit) => Promise<SendResult>

export const httpTimeoutMs = 10_000
export const pagerDutyUrl = 'https://events.pagerduty.com/v2/enqueue'

/** send delivers one message through one channel. It never throws: failures are results. */
export async function send(ctx: Ctx, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  try {
    if (target.type === 'email') return await sendEmail(ctx, target, m)
    const policy = await getOutboundPolicy(ctx)
    const http: Http = (url, init) => guardedHttp(policy, url, init)
    switch (target.type) {
      case 'slack': return await postJson(http, need(target.secrets.webhookUrl, 'Slack webhook URL'), slackBody(m))
      case 'teams': return await postJson(http, need(target.secrets.webhookUrl, 'Teams webhook URL'), teamsBody(m))
      case 'webhook': return await sendWebhook(http, target, m)
      case 'pagerduty': return await postJson(http, target.config.url || pagerDutyUrl, pagerDutyBody(need(target.secrets.routingKey, 'PagerDuty routing key'), m))
      case 'ntfy': return await sendNtfy(http, target, m)
      case 'gotify': return await sendGotify(http, target, m)
      case 'sms': return await sendSms(http, target, m)
    }
  } catch (err) {
    return { ok: false, statusCode: null, error: (err as Error).message }
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`${what} is not set`)
  return value
}

/** guardedHttp sends one request through the outbound guard; a redirect is a failure (not followed). */
async function guardedHttp(policy: OutboundPolicy, url: string, init: OutboundInit): Promise<SendResult> {
  try {
    // note: the answer is not read (maxBytes 0): only its status counts.
    const res = await outboundFetch(url, init, { policy, timeoutMs: httpTimeoutMs, maxBytes: 0, maxRedirects: 0 })
    if (res.ok) return { ok: true, statusCode: res.status, error: null }
    const location = res.status >= 300 && res.status < 400 ? ' (a redirect; give the final URL)' : ''
    return { ok: false, statusCode: res.status, error: `HTTP ${res.status}${location}` }
  } catch (err) {
    const e = err as Error
    if (err instanceof OutboundRefusedError) return { ok: false, statusCode: null, error: e.message }
    const code = (err as { code?: unknown }).code
    const message = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${httpTimeoutMs / 1000} s` : `could not reach the receiver${typeof code === 'string' ? ` (${code})` : ''}`
    return { ok: false, statusCode: null, error: message }
  }
}

function postJson(http: Http, url: string, body: unknown, headers: Record<string, string> = {}): Promise<SendResult> {
  return http(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Breeze-RMM', ...headers }, body: JSON.stringify(body) })
}

async function sendEmail(ctx: Ctx, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  const to = (target.config.to ?? []).join(', ')
  if (!to) return { ok: false, statusCode: null, error: 'no recipients' }
  try {
    await sendMail(ctx, { to, subject: subjectLine(m), text: plainText(m) })
    return { ok: true, statusCode: null, error: null }
  } catch (err) {
    return { ok: false, statusCode: null, error: (err as Error).message }
  }
}

/** webhookSignature: hex HMAC-SHA256 of `${timestamp}.${body}` under the channel's signing secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return hmacHex(secret, `${timestamp}.${body}`)
}

async function sendWebhook(http: Http, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  const body = JSON.stringify(webhookBody(m))
  const timestamp = String(Math.floor(m.sentAt / 1000))
  const headers: Record<string, string> = {
    'content-type': 'application/json', 'user-agent': 'Breeze-RMM', 'x-breeze-event': m.event, 'x-breeze-delivery': m.deliveryId, 'x-breeze-timestamp': timestamp,
  }
  if (target.secrets.signingSecret) headers['x-breeze-signature'] = `sha256=${webhookSignature(target.secrets.signingSecret, timestamp, body)}`
  return http(need(target.config.url, 'webhook URL'), { method: 'POST', headers, body })
}

const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const severityColor: Record<string, string> = { critical: '#b91c1c', high: '#ea580c', medium: '#d97706', low: '#2563eb', info: '#64748b' }

export function slackBody(m: AlertMessage) {
  const color = m.event === 'alert.resolved' ? '#15803d' : severityColor[m.alert.severity]
  const link = /^https?:/.test(m.url) ? ` <${m.url}|Open in Breeze>` : ''
  return {
    text: slackEscape(subjectLine(m)),
    attachments: [{
      color,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(subjectLine(m))}*\n${slackEscape(m.alert.message)}${link}` } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape([m.device?.name, m.org?.name, m.site?.name].filter(Boolean).join(' · ') || 'Breeze') }] },
      ],
    }],
  }
}

/** teamsBody: an Adaptive Card message, as Teams Workflows ("Post to a channel when a webhook request is received") expect. */
export function teamsBody(m: AlertMessage) {
  const facts = [
    m.device ? { title: 'Device', value: m.device.name } : null,
    m.org ? { title: 'Organization', value: m.org.name + (m.site ? ` / ${m.site.name}` : '') } : null,
    { title: 'Severity', value: m.alert.severity },
    { title: 'Status', value: m.alert.status },
  ].filter(Boolean)
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4',
        body: [
          { type: 'TextBlock', text: subjectLine(m), weight: 'Bolder', size: 'Medium', wrap: true, color: m.event === 'alert.resolved' ? 'Good' : m.alert.severity === 'critical' || m.alert.severity === 'high' ? 'Attention' : 'Warning' },
          { type: 'TextBlock', text: m.alert.message, wrap: true },
          { type: 'FactSet', facts },
        ],
        actions: /^https?:/.test(m.url) ? [{ type: 'Action.OpenUrl', title: 'Open in Breeze', url: m.url }] : [],
      },
    }],
  }
}

const pdSeverity: Record<string, string> = { critical: 'critical', high: 'error', medium: 'warning', low: 'warning', info: 'info' }

/** pagerDutyBody: Events API v2; the dedup key ties trigger, acknowledge and resolve to one incident. */
export function pagerDutyBody(routingKey: string, m: AlertMessage) {
  const action = m.event === 'alert.resolved' ? 'resolve' : m.event === 'alert.acknowledged' ? 'acknowledge' : 'trigger'
  const body: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: `breeze-alert-${m.alert.id}` }
  if (action === 'trigger') {
    body.payload = {
      summary: m.alert.title.slice(0, 1024), source: m.device?.hostname ?? m.org?.name ?? 'breeze', severity: pdSeverity[m.alert.severity],
      timestamp: new Date(m.alert.triggeredAt).toISOString(), component: m.alert.subject || undefined, group: m.org?.name, class: m.alert.ruleName ?? m.alert.kind,
      custom_details: { message: m.alert.message, values: m.alert.values, site: m.site?.name ?? null, escalationStep: m.escalationStep },
    }
    body.client = 'Breeze'
    if (/^https?:/.test(m.url)) { body.client_url = m.url; body.links = [{ href: m.url, text: 'Open in Breeze' }] }
  }
  return body
}

const ntfyPriority: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 }

async function sendNtfy(http: Http, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  const resolved = m.event === 'alert.resolved'
  const body = {
    topic: need(target.config.topic, 'ntfy topic'), title: subjectLine(m), message: plainText(m),
    priority: resolved ? 2 : ntfyPriority[m.alert.severity], tags: [resolved ? 'white_check_mark' : m.alert.severity === 'critical' ? 'rotating_light' : 'warning'],
    ...(/^https?:/.test(m.url) ? { click: m.url } : {}),
  }
  const headers: Record<string, string> = target.secrets.token ? { authorization: `Bearer ${target.secrets.token}` } : {}
  return postJson(http, (target.config.url || 'https://ntfy.sh').replace(/\/+$/, ''), body, headers)
}

const gotifyPriority: Record<string, number> = { critical: 10, high: 8, medium: 5, low: 3, info: 1 }

async function sendGotify(http: Http, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  const body = {
    title: subjectLine(m), message: plainText(m), priority: m.event === 'alert.resolved' ? 3 : gotifyPriority[m.alert.severity],
    extras: /^https?:/.test(m.url) ? { 'client::notification': { click: { url: m.url } } } : undefined,
  }
  return postJson(http, `${need(target.config.url, 'Gotify server URL').replace(/\/+$/, '')}/message`, body, { 'x-gotify-key': need(target.secrets.token, 'Gotify application token') })
}

/** fillSmsTemplate substitutes {{to}}, {{message}}, {{secret}}, encoded for where it lands. */
export function fillSmsTemplate(template: string, vars: Record<string, string>, encode: (s: string) => string): string {
  return template.replace(/\{\{\s*(to|message|secret)\s*\}\}/g, (_, k: string) => encode(vars[k] ?? ''))
}

async function sendSms(http: Http, target: SendTarget, m: AlertMessage): Promise<SendResult> {
  const c = target.config
  const numbers = c.to ?? []
  if (numbers.length === 0) return { ok: false, statusCode: null, error: 'no phone numbers' }
  const message = `${subjectLine(m)}${/^https?:/.test(m.url) ? ` ${m.url}` : ''}`.slice(0, 320)
  const json = (c.contentType ?? 'application/json') === 'application/json'
  const jsonEncode = (s: string) => JSON.stringify(s).slice(1, -1)
  let last: SendResult = { ok: false, statusCode: null, error: 'nothing sent' }
  for (const to of numbers) {
    const vars = { to, message, secret: target.secrets.token ?? '' }
    const url = fillSmsTemplate(need(c.url, 'SMS gateway URL'), vars, encodeURIComponent)
    const headers: Record<string, string> = { 'user-agent': 'Breeze-RMM' }
    if (c.authHeader) headers[c.authHeader.toLowerCase()] = fillSmsTemplate(c.authTemplate || '{{secret}}', vars, (s) => s)
    const method = c.method ?? 'POST'
    let body: string | undefined
    if (method === 'POST') {
      headers['content-type'] = c.contentType ?? 'application/json'
      body = fillSmsTemplate(c.bodyTemplate || (json ? '{"to":"{{to}}","message":"{{message}}"}' : 'to={{to}}&message={{message}}'), vars, json ? jsonEncode : encodeURIComponent)
    }
    last = await http(url, { method, headers, body })
    if (!last.ok) return { ...last, error: `${to}: ${last.error}` }
  }
  return last
}
