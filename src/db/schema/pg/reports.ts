import { index, pgTable as table } from 'drizzle-orm/pg-core'
import { bool, id, int, json, ms, text } from './columns'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** A saved report: what (a section type), over which devices (org/site/group, or the whole partner), which period and columns, in which format. */
export const reportDefinitions = table('report_definitions', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  /** null: every organization of the partner the runner may see. */
  orgId: text().references(() => organizations.id),
  siteId: text(),
  groupId: text(),
  name: text().notNull(),
  /** A report section type (src/reports/sections.ts). */
  type: text().notNull(),
  format: text({ enum: ['pdf', 'csv', 'xlsx'] }).notNull(),
  period: text().notNull(),
  /** Column keys of the section, in order; null = the section's defaults. */
  columns: json<string[]>(),
  createdBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('report_definitions_partner').on(t.partnerId), index('report_definitions_org').on(t.orgId)])

/** One generation of a report: queued by a person or a schedule, built by a job with the requester's permissions as they are then; the file is a blob. */
export const reportRuns = table('report_runs', {
  id: id(),
  reportId: text().notNull(),
  partnerId: text().notNull(),
  orgId: text(),
  name: text().notNull(),
  type: text().notNull(),
  format: text({ enum: ['pdf', 'csv', 'xlsx'] }).notNull(),
  status: text({ enum: ['queued', 'running', 'done', 'failed'] }).notNull(),
  trigger: text({ enum: ['manual', 'schedule'] }).notNull(),
  scheduleId: text(),
  /** The user whose permissions the run uses (loaded when it runs), and the API key that narrowed them, if any. */
  requestedBy: text().notNull(),
  apiKeyId: text(),
  /** The organizations the run's data came from (who may open the file: someone who sees all of them). */
  coveredOrgIds: json<string[]>(),
  periodFrom: ms().notNull(),
  periodTo: ms().notNull(),
  rowCount: int(),
  /** Headline figures of the run (label → value), shown in the history. */
  figures: json<{ label: string; value: string }[]>(),
  blobKey: text(),
  fileName: text(),
  bytes: ms(),
  error: text(),
  /** Schedules: who the file was emailed to, and whether that worked. */
  emailedTo: json<string[]>(),
  emailError: text(),
  createdAt: ms().notNull(),
  startedAt: ms(),
  finishedAt: ms(),
}, (t) => [index('report_runs_report').on(t.reportId, t.createdAt), index('report_runs_created').on(t.createdAt)])

/** Runs a report on a cron schedule (in a time zone) and emails the file to recipients. */
export const reportSchedules = table('report_schedules', {
  id: id(),
  reportId: text().notNull(),
  partnerId: text().notNull(),
  orgId: text(),
  cron: text().notNull(),
  timezone: text().notNull(),
  recipients: json<string[]>().notNull(),
  enabled: bool().notNull(),
  /** The user whose permissions each run uses (the schedule's creator or last editor). */
  ownerId: text().notNull(),
  /** Bumped by every edit: queued fires of an older version do nothing. */
  version: int().notNull(),
  lastRunAt: ms(),
  lastRunId: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [index('report_schedules_report').on(t.reportId)])
