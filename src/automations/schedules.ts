// Schedule triggers on the job queue: each enabled scheduled automation has one pending job at
// its next fire time. The job starts the run (keyed by the fire time, so a retried or doubled
// job never runs twice) and queues the next one. A job made for an older version of the
// automation (edited, disabled, deleted) does nothing; the edit queued a fresh one.
import type { AppContext } from '../context'
import { findAutomation, type Automation } from './repo'
import { nextRun } from './schedule'
import { startRun } from './runs'

export const scheduleJob = 'automations.schedule'

type SchedulePayload = { automationId: string; version: number; fireAt: number }

/** scheduleNext queues the automation's next fire after `after` (on ctx.db: the caller's transaction). */
export async function scheduleNext(ctx: Pick<AppContext, 'db' | 'jobs'>, a: Pick<Automation, 'id' | 'version' | 'enabled' | 'trigger' | 'deletedAt'>, after: number) {
  if (!a.enabled || a.deletedAt || a.trigger.type !== 'schedule' || !a.trigger.cron) return
  const fireAt = nextRun(a.trigger.cron, a.trigger.timezone ?? 'UTC', after)
  if (fireAt === null) return
  const payload: SchedulePayload = { automationId: a.id, version: a.version, fireAt }
  await ctx.jobs.enqueue(scheduleJob, payload, { runAt: fireAt, uniqueKey: `${scheduleJob}:${a.id}:${a.version}:${fireAt}`, db: ctx.db })
}

/** runScheduled is the job: start the run for this fire time, then queue the next fire. */
export async function runScheduled(ctx: AppContext, p: SchedulePayload) {
  const a = await findAutomation(ctx.db, p.automationId)
  if (!a || !a.enabled || a.version !== p.version || a.trigger.type !== 'schedule') return
  await startRun(ctx, a, { type: 'schedule', key: `schedule:${p.fireAt}`, by: 'schedule', data: { scheduledFor: new Date(p.fireAt).toISOString() } })
  // note: from the fire time, not from now: a server that was down fires a missed time once, then carries on.
  await scheduleNext(ctx, a, Math.max(p.fireAt, ctx.clock.now() - 1))
}

export function registerScheduleJob(ctx: AppContext) {
  ctx.jobs.register(scheduleJob, (payload) => runScheduled(ctx, payload as SchedulePayload), { maxAttempts: 10, leaseMs: 5 * 60_000 })
}
