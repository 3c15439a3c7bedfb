import { index, primaryKey, pgTable as table, uniqueIndex } from 'drizzle-orm/pg-core'
import { bool, id, int, json, ms, text } from './columns'
import type { Severity } from '../../../alerts/types'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** The built-in lightweight ticket list. */
export const tickets = table('tickets', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().notNull().references(() => organizations.id),
  /** Per-organization sequence number shown as #N. */
  number: int().notNull(),
  title: text().notNull(),
  description: text().notNull(),
  status: text({ enum: ['open', 'in_progress', 'waiting', 'resolved', 'closed'] }).notNull(),
  priority: text({ enum: ['urgent', 'high', 'normal', 'low'] }).notNull(),
  assigneeId: text(),
  deviceId: text(),
  source: text({ enum: ['manual', 'alert', 'rule'] }).notNull(),
  ticketRuleId: text(),
  /** Set by ticket rules: follow-up alerts with the same key join this ticket while it is open. */
  groupKey: text(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  closedAt: ms(),
}, (t) => [
  uniqueIndex('tickets_org_number').on(t.orgId, t.number),
  index('tickets_org_status').on(t.orgId, t.status),
  index('tickets_group').on(t.groupKey),
])

export const ticketComments = table('ticket_comments', {
  id: id(),
  ticketId: text().notNull().references(() => tickets.id),
  /** null for entries written by Breeze itself (alert linked, auto-closed). */
  authorId: text(),
  authorName: text(),
  kind: text({ enum: ['comment', 'system'] }).notNull(),
  body: text().notNull(),
  createdAt: ms().notNull(),
}, (t) => [index('ticket_comments_ticket').on(t.ticketId, t.createdAt)])

export const ticketAlerts = table('ticket_alerts', {
  ticketId: text().notNull().references(() => tickets.id),
  alertId: text().notNull(),
  linkedAt: ms().notNull(),
  linkedBy: text(),
}, (t) => [primaryKey({ columns: [t.ticketId, t.alertId] }), index('ticket_alerts_alert').on(t.alertId)])

/** Rules that open a ticket for matching alerts, link follow-ups, and close it when they resolve. */
export const ticketRules = table('ticket_rules', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  name: text().notNull(),
  enabled: bool().notNull(),
  /** Alert severities that match (empty = any). */
  severities: json<Severity[]>().notNull(),
  /** Alert rules that match (empty = any). */
  alertRuleIds: json<string[]>().notNull(),
  grouping: text({ enum: ['device', 'rule_device', 'org', 'none'] }).notNull(),
  priority: text({ enum: ['urgent', 'high', 'normal', 'low'] }).notNull(),
  assigneeId: text(),
  closeOnResolve: bool().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('ticket_rules_org').on(t.orgId), index('ticket_rules_partner').on(t.partnerId)])
