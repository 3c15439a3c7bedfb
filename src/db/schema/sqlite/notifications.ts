import { index, sqliteTable as table, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { bool, id, int, json, ms, text } from './columns'
import type { ChannelConfig, EscalationStep } from '../../../notifications/types'
import { organizations, partners, users } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Where notifications go: one org's channel, or a partner's (orgId null) usable by all its orgs. */
export const notificationChannels = table('notification_channels', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  name: text().notNull(),
  type: text({ enum: ['email', 'slack', 'teams', 'webhook', 'pagerduty', 'ntfy', 'gotify', 'sms'] }).notNull(),
  config: json<ChannelConfig>().notNull(),
  /** ChannelSecrets as JSON, sealed with ctx.secrets; never sent back to a browser. */
  secretsSealed: text(),
  enabled: bool().notNull(),
  /** Deliveries that gave up in a row; reaching the limit raises a channel alert. */
  consecutiveFailures: int().notNull(),
  lastSuccessAt: ms(),
  lastFailureAt: ms(),
  lastError: text(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('notification_channels_org').on(t.orgId), index('notification_channels_partner').on(t.partnerId)])

export const escalationPolicies = table('escalation_policies', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  name: text().notNull(),
  description: text().notNull(),
  steps: json<EscalationStep[]>().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('escalation_policies_org').on(t.orgId)])

/**
 * One message for one alert transition on one channel. The unique key is what makes a
 * transition notify a channel at most once, even when it is evaluated twice or after a restart.
 */
export const notificationDeliveries = table('notification_deliveries', {
  id: id(),
  orgId: text(),
  alertId: text(),
  channelId: text().notNull(),
  channelName: text().notNull(),
  channelType: text().notNull(),
  /** triggered | acknowledged | resolved | escalation:N | test:<id> */
  transition: text().notNull(),
  status: text({ enum: ['pending', 'sent', 'failed'] }).notNull(),
  attempts: int().notNull(),
  lastStatusCode: int(),
  lastError: text(),
  createdAt: ms().notNull(),
  sentAt: ms(),
  finishedAt: ms(),
}, (t) => [
  uniqueIndex('notification_deliveries_once').on(t.alertId, t.channelId, t.transition),
  index('notification_deliveries_channel').on(t.channelId, t.createdAt),
])

/** Every attempt of a delivery: when, how it went, the receiver's status code. */
export const deliveryAttempts = table('delivery_attempts', {
  id: id(),
  deliveryId: text().notNull().references(() => notificationDeliveries.id),
  at: ms().notNull(),
  ok: bool().notNull(),
  statusCode: int(),
  error: text(),
  durationMs: int().notNull(),
}, (t) => [index('delivery_attempts_delivery').on(t.deliveryId)])

/** The in-app notification center (the bell). */
export const notifications = table('notifications', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  orgId: text(),
  kind: text().notNull(),
  title: text().notNull(),
  body: text().notNull(),
  link: text(),
  alertId: text(),
  ticketId: text(),
  readAt: ms(),
  createdAt: ms().notNull(),
}, (t) => [index('notifications_user').on(t.userId, t.readAt, t.createdAt)])
