import { index, primaryKey, pgTable as table, uniqueIndex } from 'drizzle-orm/pg-core'
import { bool, id, int, json, ms, text } from './columns'
import type { OneOffCommand, ScriptOs, ScriptParameter } from '../../../scripts/types'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** The script library: org scripts, partner-wide scripts (all its orgs) and built-in system scripts. */
export const scripts = table('scripts', {
  id: id(),
  /** Partner-wide when set without orgId; null for system scripts. */
  partnerId: text().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  isSystem: bool().notNull(),
  /** Stable key of a built-in template, e.g. `linux/disk-usage`. */
  templateKey: text(),
  name: text().notNull(),
  description: text().notNull(),
  /** Hierarchical, slash-separated: `Maintenance/Disk`. */
  category: text().notNull(),
  tags: json<string[]>().notNull(),
  osTypes: json<ScriptOs[]>().notNull(),
  language: text({ enum: ['bash', 'sh', 'powershell', 'cmd', 'python'] }).notNull(),
  content: text().notNull(),
  parameters: json<ScriptParameter[]>().notNull(),
  timeoutSeconds: int().notNull(),
  /** Output kept per run (MiB); null: Settings → Script output. */
  outputCapMib: int(),
  runAs: text({ enum: ['system', 'user'] }).notNull(),
  version: int().notNull(),
  createdBy: text(),
  updatedBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('scripts_org').on(t.orgId), index('scripts_partner').on(t.partnerId), uniqueIndex('scripts_template_key').on(t.templateKey)])

/** Every saved state of a script; runs record the version they used. */
export const scriptVersions = table('script_versions', {
  id: id(),
  scriptId: text().notNull().references(() => scripts.id),
  version: int().notNull(),
  name: text().notNull(),
  description: text().notNull(),
  category: text().notNull(),
  language: text({ enum: ['bash', 'sh', 'powershell', 'cmd', 'python'] }).notNull(),
  osTypes: json<ScriptOs[]>().notNull(),
  content: text().notNull(),
  parameters: json<ScriptParameter[]>().notNull(),
  timeoutSeconds: int().notNull(),
  outputCapMib: int(),
  runAs: text({ enum: ['system', 'user'] }).notNull(),
  changelog: text().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
}, (t) => [uniqueIndex('script_versions_version').on(t.scriptId, t.version)])

/** One "run": a script with parameter values on a set of targets. */
export const scriptBatches = table('script_batches', {
  id: id(),
  /** Null for a one-off command (no saved script): `command` holds what ran. */
  scriptId: text().references(() => scripts.id),
  scriptVersion: int(),
  /** The script's name, or the command line of a one-off command. */
  scriptName: text().notNull(),
  /** A one-off command (POST /api/v1/commands): the shell and the line; null for a script run. */
  command: json<OneOffCommand>(),
  /** What was asked for (deviceIds/groupIds/siteIds/orgId), as given. */
  targets: json<Record<string, unknown>>().notNull(),
  /** Parameter values; secret values sealed with the data-dir key. */
  parameters: json<Record<string, unknown>>().notNull(),
  offline: text({ enum: ['queue', 'skip'] }).notNull(),
  expiresAt: ms().notNull(),
  deviceCount: int().notNull(),
  triggerType: text({ enum: ['manual', 'scheduled', 'alert', 'policy', 'automation', 'test'] }).notNull(),
  triggeredBy: text(),
  /** The batch this one repeats (re-run). */
  rerunOf: text(),
  createdAt: ms().notNull(),
}, (t) => [index('script_batches_script').on(t.scriptId, t.createdAt)])

/** One script on one device. */
export const scriptExecutions = table('script_executions', {
  id: id(),
  batchId: text().notNull().references(() => scriptBatches.id),
  /** Null for a one-off command. */
  scriptId: text().references(() => scripts.id),
  deviceId: text().notNull(),
  orgId: text().notNull().references(() => organizations.id),
  commandId: text(),
  status: text({ enum: ['pending', 'queued', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped'] }).notNull(),
  exitCode: int(),
  /** The first part of the output kept inline (default 1 MiB); the rest is in the blob. */
  stdout: text().notNull(),
  stderr: text().notNull(),
  /** Blob with the full combined output when it outgrew the inline part (up to the output cap). */
  outputBlobKey: text(),
  outputBytes: ms().notNull(),
  truncated: bool().notNull(),
  errorMessage: text(),
  triggeredBy: text(),
  createdAt: ms().notNull(),
  startedAt: ms(),
  completedAt: ms(),
}, (t) => [
  index('script_executions_batch').on(t.batchId),
  index('script_executions_device').on(t.deviceId, t.createdAt),
  index('script_executions_org_created').on(t.orgId, t.createdAt),
  index('script_executions_command').on(t.commandId),
])

/**
 * The output chunks an execution has stored, by the agent's sequence number: a resent chunk
 * (the agent's outbox after a reconnect, a retried HTTP post) hits the primary key and is
 * not stored twice. Rows live while the execution runs and are dropped when it ends.
 */
export const scriptOutputChunks = table('script_output_chunks', {
  executionId: text().notNull(),
  seq: int().notNull(),
  bytes: int().notNull(),
}, (t) => [primaryKey({ columns: [t.executionId, t.seq] })])
