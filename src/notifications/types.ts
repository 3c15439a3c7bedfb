// Shapes stored in the notification tables' JSON columns.

export const channelTypes = ['email', 'slack', 'teams', 'webhook', 'pagerduty', 'ntfy', 'gotify', 'sms'] as const
export type ChannelType = (typeof channelTypes)[number]

/**
 * The non-secret part of a channel's configuration (shown in the editor). Secrets (webhook
 * URLs of Slack/Teams, signing secrets, routing keys, tokens) are sealed separately.
 */
export type ChannelConfig = {
  /** email: recipients. sms: phone numbers. */
  to?: string[]
  /** webhook, sms: target URL; ntfy, gotify: server base URL. */
  url?: string
  /** ntfy topic. */
  topic?: string
  /** sms: HTTP method and body template ({{to}}, {{message}}, {{secret}}). */
  method?: 'POST' | 'GET'
  contentType?: 'application/json' | 'application/x-www-form-urlencoded'
  bodyTemplate?: string
  /** sms: header that carries the secret, e.g. Authorization (value template uses {{secret}}). */
  authHeader?: string
  authTemplate?: string
}

/** Secret fields, sealed together with ctx.secrets. */
export type ChannelSecrets = { webhookUrl?: string; signingSecret?: string; routingKey?: string; token?: string }

export type EscalationStep = {
  /** Minutes after the alert fired. */
  delayMinutes: number
  channelIds: string[]
  /** Users who get an in-app notification at this step. */
  userIds: string[]
}

/** Why a delivery was made: an alert transition, an escalation step, or a test. */
export type DeliveryTransition = 'triggered' | 'acknowledged' | 'resolved' | 'test' | `escalation:${number}`
