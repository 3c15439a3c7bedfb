import { index, sqliteTable as table } from 'drizzle-orm/sqlite-core'
import { id, int, json, ms, text } from './columns'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Appliance-wide settings (SMTP, retention, setup state). Secret values are encrypted. */
export const settings = table('settings', {
  key: text().primaryKey(),
  value: json<unknown>().notNull(),
  updatedAt: ms().notNull(),
})

/** The job queue: one row per pending, running or finished job. */
export const jobs = table('jobs', {
  id: id(),
  type: text().notNull(),
  payload: json<unknown>().notNull(),
  status: text({ enum: ['pending', 'running', 'done', 'failed'] }).notNull(),
  runAt: ms().notNull(),
  /** A running job whose lease lapsed is picked up again (its worker died). */
  leaseUntil: ms(),
  /** How long a claim of this job holds before it counts as abandoned. */
  leaseMs: ms().notNull(),
  attempts: int().notNull(),
  maxAttempts: int().notNull(),
  lastError: text(),
  /** Set for jobs that must exist at most once while pending (recurring jobs, dedup). */
  uniqueKey: text().unique(),
  createdAt: ms().notNull(),
  finishedAt: ms(),
}, (t) => [index('jobs_due').on(t.status, t.runAt)])
