import { index, sqliteTable as table, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { id, int, json, ms, text } from './columns'
import type { PolicySettings, RuleResult } from '../../../policies/types'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Desired-state policies of an organization: settings values and rules, versioned. */
export const policies = table('policies', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  orgId: text().notNull().references(() => organizations.id),
  name: text().notNull(),
  description: text().notNull(),
  type: text({ enum: ['monitoring', 'patching', 'security', 'backup', 'maintenance', 'software', 'alert', 'custom'] }).notNull(),
  status: text({ enum: ['draft', 'active', 'inactive', 'archived'] }).notNull(),
  /** 1–100; the higher wins where two policies set the same value or rule on a device. */
  priority: int().notNull(),
  enforcement: text({ enum: ['monitor', 'warn', 'enforce'] }).notNull(),
  settings: json<PolicySettings>().notNull(),
  checkIntervalMinutes: int().notNull(),
  /** enforce mode: run for non-compliant devices (a rule's own remediation script wins). */
  remediationScriptId: text(),
  maxRemediationAttempts: int().notNull(),
  /** warn/enforce: severity of the non-compliance alert and the channels it notifies. */
  alertSeverity: text({ enum: ['critical', 'high', 'medium', 'low', 'info'] }).notNull(),
  alertChannelIds: json<string[]>().notNull(),
  /** The built-in template it was made from. */
  templateKey: text(),
  version: int().notNull(),
  nextCheckAt: ms(),
  lastEvaluatedAt: ms(),
  createdBy: text(),
  updatedBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('policies_org').on(t.orgId), index('policies_due').on(t.status, t.nextCheckAt)])

/** Every saved state of a policy (rollback makes a new version from an old one). */
export const policyVersions = table('policy_versions', {
  id: id(),
  policyId: text().notNull().references(() => policies.id),
  version: int().notNull(),
  name: text().notNull(),
  description: text().notNull(),
  priority: int().notNull(),
  enforcement: text({ enum: ['monitor', 'warn', 'enforce'] }).notNull(),
  settings: json<PolicySettings>().notNull(),
  checkIntervalMinutes: int().notNull(),
  remediationScriptId: text(),
  maxRemediationAttempts: int().notNull(),
  alertSeverity: text({ enum: ['critical', 'high', 'medium', 'low', 'info'] }).notNull(),
  alertChannelIds: json<string[]>().notNull(),
  changelog: text().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
}, (t) => [uniqueIndex('policy_versions_version').on(t.policyId, t.version)])

/** Where a policy applies: a whole org, a site, a device group (with its subgroups) or one device. */
export const policyAssignments = table('policy_assignments', {
  id: id(),
  policyId: text().notNull().references(() => policies.id),
  orgId: text().notNull().references(() => organizations.id),
  targetType: text({ enum: ['org', 'site', 'group', 'device'] }).notNull(),
  targetId: text().notNull(),
  /** Overrides the policy's priority for this assignment. */
  priority: int(),
  createdBy: text(),
  createdAt: ms().notNull(),
}, (t) => [uniqueIndex('policy_assignments_target').on(t.policyId, t.targetType, t.targetId), index('policy_assignments_org').on(t.orgId)])

/** The current compliance of one device with one policy, with per-rule detail. */
export const policyCompliance = table('policy_compliance', {
  id: id(),
  policyId: text().notNull().references(() => policies.id),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  status: text({ enum: ['compliant', 'non_compliant', 'pending', 'error'] }).notNull(),
  details: json<RuleResult[]>().notNull(),
  checkedAt: ms().notNull(),
  /** When the status last changed. */
  changedAt: ms().notNull(),
  /** Remediation runs since the device was last compliant (reset when it is). */
  remediationAttempts: int().notNull(),
  lastRemediationAt: ms(),
  /** The remediation script run in progress (a script batch id). */
  remediationBatchId: text(),
  /** Outstanding checks: the agent command and the check-script batch. */
  checkCommandId: text(),
  checkBatchId: text(),
  /** The open non-compliance alert. */
  alertId: text(),
  updatedAt: ms().notNull(),
}, (t) => [
  uniqueIndex('policy_compliance_device').on(t.policyId, t.deviceId),
  index('policy_compliance_org').on(t.orgId, t.status),
  index('policy_compliance_device_id').on(t.deviceId),
  index('policy_compliance_command').on(t.checkCommandId),
  index('policy_compliance_batch').on(t.checkBatchId),
  index('policy_compliance_remediation').on(t.remediationBatchId),
])

/** Compliance history: each status change and each remediation, with what was found. */
export const policyComplianceHistory = table('policy_compliance_history', {
  id: id(),
  policyId: text().notNull(),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  at: ms().notNull(),
  kind: text({ enum: ['status', 'remediation'] }).notNull(),
  status: text().notNull(),
  previousStatus: text(),
  summary: text().notNull(),
  details: json<Record<string, unknown>>().notNull(),
}, (t) => [index('policy_history_device').on(t.policyId, t.deviceId, t.at), index('policy_history_org').on(t.orgId, t.at)])

/** Daily compliance counts per policy (the dashboard's trend), updated by each evaluation. */
export const policyComplianceDaily = table('policy_compliance_daily', {
  id: id(),
  policyId: text().notNull(),
  orgId: text().notNull(),
  /** Start of the UTC day, epoch ms. */
  day: ms().notNull(),
  compliant: int().notNull(),
  nonCompliant: int().notNull(),
  pending: int().notNull(),
  error: int().notNull(),
}, (t) => [uniqueIndex('policy_daily_day').on(t.policyId, t.day), index('policy_daily_org').on(t.orgId, t.day)])
