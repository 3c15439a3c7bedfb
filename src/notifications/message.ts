// The message every channel formats its own way: one alert transition, with the alert, device,
// org and a link back. Also the generic webhook's documented JSON body (docs/webhooks.md).
import type { AlertValues, Severity } from '../alerts/types'

export type MessageEvent = 'alert.triggered' | 'alert.acknowledged' | 'alert.resolved' | 'alert.escalated' | 'test'

export type AlertMessage = {
  event: MessageEvent
  deliveryId: string
  /** Escalation step (1-based) when event is alert.escalated. */
  escalationStep: number | null
  alert: {
    id: string
    title: string
    message: string
    severity: Severity
    status: string
    kind: string
    subject: string
    triggeredAt: number
    acknowledgedAt: number | null
    resolvedAt: number | null
    values: AlertValues
    resolvingValues: AlertValues | null
    ruleId: string | null
    ruleName: string | null
    note: string | null
  }
  device: { id: string; hostname: string; name: string } | null
  org: { id: string; name: string } | null
  site: { id: string; name: string } | null
  /** Link to the alert page (absolute when BREEZE_PUBLIC_URL is set). */
  url: string
  sentAt: number
}

const verbs: Record<MessageEvent, string> = {
  'alert.triggered': 'ALERT', 'alert.escalated': 'ESCALATED', 'alert.acknowledged': 'ACKNOWLEDGED', 'alert.resolved': 'RESOLVED', test: 'TEST',
}

/** subjectLine: `[RESOLVED] [high] Title` — the short form used by email, SMS, ntfy, Gotify. */
export function subjectLine(m: AlertMessage): string {
  return `[${verbs[m.event]}] [${m.alert.severity}] ${m.alert.title}`
}

/** plainText: a few lines for email and chat. */
export function plainText(m: AlertMessage): string {
  const lines = [m.alert.message || m.alert.title, '']
  if (m.device) lines.push(`Device: ${m.device.name}${m.device.hostname !== m.device.name ? ` (${m.device.hostname})` : ''}`)
  if (m.org) lines.push(`Organization: ${m.org.name}${m.site ? ` / ${m.site.name}` : ''}`)
  lines.push(`Severity: ${m.alert.severity}`, `Status: ${m.alert.status}`, `Triggered: ${new Date(m.alert.triggeredAt).toISOString()}`)
  if (m.event === 'alert.resolved' && m.alert.resolvingValues && Object.keys(m.alert.resolvingValues).length) {
    lines.push(`Resolved with: ${Object.entries(m.alert.resolvingValues).map(([k, v]) => `${k}=${v}`).join(', ')}`)
  }
  if (m.alert.note) lines.push(`Note: ${m.alert.note}`)
  if (m.escalationStep) lines.push(`Escalation step ${m.escalationStep}`)
  lines.push('', m.url)
  return lines.join('\n')
}

/** webhookBody: the generic webhook payload (stable, versioned; see docs/webhooks.md). */
export function webhookBody(m: AlertMessage) {
  return {
    version: 1,
    event: m.event,
    deliveryId: m.deliveryId,
    sentAt: new Date(m.sentAt).toISOString(),
    escalationStep: m.escalationStep,
    alert: {
      id: m.alert.id, title: m.alert.title, message: m.alert.message, severity: m.alert.severity, status: m.alert.status, kind: m.alert.kind,
      subject: m.alert.subject || null, triggeredAt: new Date(m.alert.triggeredAt).toISOString(),
      acknowledgedAt: m.alert.acknowledgedAt ? new Date(m.alert.acknowledgedAt).toISOString() : null,
      resolvedAt: m.alert.resolvedAt ? new Date(m.alert.resolvedAt).toISOString() : null,
      values: m.alert.values, resolvingValues: m.alert.resolvingValues, note: m.alert.note,
      rule: m.alert.ruleId ? { id: m.alert.ruleId, name: m.alert.ruleName } : null,
      url: m.url,
    },
    device: m.device,
    organization: m.org,
    site: m.site,
  }
}
