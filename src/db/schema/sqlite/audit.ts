import { index, sqliteTable as table } from 'drizzle-orm/sqlite-core'
import { id, int, json, ms, text } from './columns'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Append-only; each row's hash covers its content and the previous row's hash. */
export const auditLogs = table('audit_logs', {
  id: id(),
  seq: int().notNull().unique(),
  at: ms().notNull(),
  partnerId: text(),
  orgId: text(),
  actorType: text({ enum: ['user', 'api_key', 'agent', 'system'] }).notNull(),
  actorId: text(),
  actorEmail: text(),
  action: text().notNull(),
  resourceType: text(),
  resourceId: text(),
  resourceName: text(),
  details: json<Record<string, unknown>>(),
  ip: text(),
  userAgent: text(),
  result: text({ enum: ['success', 'failure', 'denied'] }).notNull(),
  errorMessage: text(),
  prevHash: text().notNull(),
  hash: text().notNull(),
}, (t) => [index('audit_logs_at').on(t.at), index('audit_logs_org_at').on(t.orgId, t.at)])

/** Single row (id = 'head'): the chain's tip, and the anchor left behind by retention pruning. */
export const auditChain = table('audit_chain', {
  id: text().primaryKey(),
  lastSeq: int().notNull(),
  lastHash: text().notNull(),
  /** Rows with seq <= anchorSeq were pruned; anchorHash is the hash of the last pruned row. */
  anchorSeq: int().notNull(),
  anchorHash: text().notNull(),
})
