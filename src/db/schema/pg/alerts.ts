import { index, primaryKey, pgTable as table } from 'drizzle-orm/pg-core'
import { bool, id, int, json, ms, text } from './columns'
import type { AlertValues, MaintenanceRecurrence, RuleConditions, RuleTargets } from '../../../alerts/types'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

const severity = () => text({ enum: ['critical', 'high', 'medium', 'low', 'info'] })

/** Alert rules: one org's, or partner-wide (orgId null) for every org of the partner. */
export const alertRules = table('alert_rules', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  name: text().notNull(),
  description: text().notNull(),
  enabled: bool().notNull(),
  severity: severity().notNull(),
  targets: json<RuleTargets>().notNull(),
  conditions: json<RuleConditions>().notNull(),
  /** No new alert for the same rule+device within this many minutes of the last one resolving. */
  cooldownMinutes: int().notNull(),
  autoResolve: bool().notNull(),
  titleTemplate: text().notNull(),
  messageTemplate: text().notNull(),
  /** Channels notified at once (besides any escalation policy). */
  channelIds: json<string[]>().notNull(),
  escalationPolicyId: text(),
  /** Offline rules: this many devices of one site offline together raise one site alert (null = off). */
  siteOfflineThreshold: int(),
  /** Built-in template the rule was made from. */
  templateKey: text(),
  createdBy: text(),
  updatedBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('alert_rules_org').on(t.orgId), index('alert_rules_partner').on(t.partnerId)])

/**
 * Alert instances: one per (rule, device, subject) episode. kind 'site' groups offline devices
 * of a site; kind 'channel' is a notification channel that stopped working.
 */
export const alerts = table('alerts', {
  id: id(),
  partnerId: text().notNull(),
  /** null only for a partner-wide channel's alert. */
  orgId: text().references(() => organizations.id),
  siteId: text(),
  deviceId: text(),
  ruleId: text(),
  kind: text({ enum: ['device', 'site', 'channel'] }).notNull(),
  /** Disk volume for per-volume rules, site id for site alerts, channel id for channel alerts; '' otherwise. */
  subject: text().notNull(),
  status: text({ enum: ['active', 'acknowledged', 'resolved', 'suppressed'] }).notNull(),
  severity: severity().notNull(),
  title: text().notNull(),
  message: text().notNull(),
  /** Values that made it fire (metric values, thresholds). */
  context: json<AlertValues>().notNull(),
  triggeredAt: ms().notNull(),
  acknowledgedAt: ms(),
  acknowledgedBy: text(),
  resolvedAt: ms(),
  /** A user id, or null when resolved automatically. */
  resolvedBy: text(),
  resolutionNote: text(),
  /** Values seen when the condition cleared (auto-resolve). */
  resolvingValues: json<AlertValues>(),
  suppressedUntil: ms(),
  suppressReason: text({ enum: ['maintenance', 'manual'] }),
  /** Correlation: the device-offline or site alert this one is grouped under. */
  parentAlertId: text(),
  escalationPolicyId: text(),
  /** Index of the next escalation step, and when it is due (null = nothing left). */
  escalationStep: int().notNull(),
  nextEscalationAt: ms(),
  /** Notifications are off for this alert (maintenance window in notification mode, correlated child). */
  muted: bool().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [
  index('alerts_org_status').on(t.orgId, t.status),
  index('alerts_device_status').on(t.deviceId, t.status),
  index('alerts_rule_device').on(t.ruleId, t.deviceId, t.subject, t.triggeredAt),
  index('alerts_escalation').on(t.status, t.nextEscalationAt),
  index('alerts_suppressed').on(t.status, t.suppressedUntil),
  index('alerts_parent').on(t.parentAlertId),
  index('alerts_triggered').on(t.triggeredAt),
])

/** The timeline of an alert: state changes, values, notes, escalations. */
export const alertEvents = table('alert_events', {
  id: id(),
  alertId: text().notNull().references(() => alerts.id),
  at: ms().notNull(),
  kind: text().notNull(),
  actorId: text(),
  actorName: text(),
  note: text(),
  values: json<AlertValues>(),
}, (t) => [index('alert_events_alert').on(t.alertId, t.at)])

/**
 * Evaluation state per (rule, device, subject) while a condition holds or an alert is open:
 * when each condition item started holding (duration windows) and the open alert, if any.
 * Absent row = nothing pending, so a healthy device costs one indexed lookup per heartbeat.
 */
export const alertWatches = table('alert_watches', {
  ruleId: text().notNull(),
  deviceId: text().notNull(),
  subject: text().notNull(),
  orgId: text().notNull(),
  /** Item index → epoch ms since when it has held. */
  pending: json<Record<string, number>>().notNull(),
  alertId: text(),
  updatedAt: ms().notNull(),
}, (t) => [primaryKey({ columns: [t.ruleId, t.deviceId, t.subject] }), index('alert_watches_device').on(t.deviceId), index('alert_watches_alert').on(t.alertId)])

/** Maintenance windows: one-off (startsAt..endsAt) or recurring (cron in timezone + duration). */
export const maintenanceWindows = table('maintenance_windows', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().notNull().references(() => organizations.id),
  name: text().notNull(),
  targets: json<RuleTargets>().notNull(),
  startsAt: ms(),
  endsAt: ms(),
  recurrence: json<MaintenanceRecurrence>(),
  timezone: text().notNull(),
  suppress: text({ enum: ['alerts', 'notifications'] }).notNull(),
  enabled: bool().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('maintenance_windows_org').on(t.orgId)])
