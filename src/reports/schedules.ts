// Report schedules: a cron expression in a time zone; each fire queues a run (with the
// permissions of the schedule's owner, as they are then) whose file is emailed to the
// recipients. Like automation schedules, each enabled schedule has one pending job at its next
// fire time; an edit bumps the version so a job queued for the old one does nothing.
import type { UserActor } from '../auth/actor'
import { checkCron, isTimeZone, nextRun } from '../automations/schedule'
import { recordAudit } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { CreateScheduleInput, UpdateScheduleInput } from './model'
import { getReport, reportVisibility } from './reports'
import { findDefinition, findSchedule, insertSchedule, listSchedules, updateScheduleRow, type ReportSchedule } from './repo'
import { queueRun } from './runs'

type Ctx = AppContext

export const scheduleJob = 'reports.schedule'
type SchedulePayload = { scheduleId: string; version: number; fireAt: number }

/** scheduleNext queues the schedule's next fire after `after` (on ctx.db: the caller's transaction). */
export async function scheduleNext(ctx: Pick<Ctx, 'db' | 'jobs'>, s: Pick<ReportSchedule, 'id' | 'version' | 'enabled' | 'cron' | 'timezone' | 'deletedAt'>, after: number) {
  if (!s.enabled || s.deletedAt) return
  const fireAt = nextRun(s.cron, s.timezone, after)
  if (fireAt === null) return
  const payload: SchedulePayload = { scheduleId: s.id, version: s.version, fireAt }
  await ctx.jobs.enqueue(scheduleJob, payload, { runAt: fireAt, uniqueKey: `${scheduleJob}:${s.id}:${s.version}:${fireAt}`, db: ctx.db })
}

/** nextFire: when the schedule fires next (for lists), or null. */
export function nextFire(s: Pick<ReportSchedule, 'enabled' | 'cron' | 'timezone'>, now: number): number | null {
  return s.enabled ? nextRun(s.cron, s.timezone, now) : null
}

function checkTiming(cron: string, timezone: string) {
  const err = checkCron(cron)
  if (err) throw new ValidationError('cron', err)
  if (!isTimeZone(timezone)) throw new ValidationError('timezone', `"${timezone.slice(0, 64)}" is not a time zone (use an IANA name such as Europe/Berlin or UTC)`)
}

const normalizeRecipients = (list: string[]) => [...new Set(list.map((r) => r.trim().toLowerCase()))]

export async function listReportSchedules(ctx: Pick<Ctx, 'db'>, actor: UserActor, reportId?: string): Promise<ReportSchedule[]> {
  if (reportId) await getReport(ctx, actor.scope, reportId)
  return listSchedules(ctx.db, reportVisibility(actor.scope), reportId)
}

export async function getSchedule(ctx: Pick<Ctx, 'db'>, actor: UserActor, id: string, perm: 'reports:read' | 'reports:write' = 'reports:read'): Promise<ReportSchedule> {
  const s = await findSchedule(ctx.db, id)
  if (!s) throw new NotFoundError('report schedule')
  await getReport(ctx, actor.scope, s.reportId, perm).catch((err) => { throw err instanceof NotFoundError ? new NotFoundError('report schedule') : err })
  return s
}

export async function createSchedule(ctx: Ctx, actor: UserActor, input: CreateScheduleInput): Promise<ReportSchedule> {
  const def = await getReport(ctx, actor.scope, input.reportId, 'reports:write').catch((err) => {
    throw err instanceof NotFoundError ? new ValidationError('reportId', 'no such report') : err
  })
  const timezone = input.timezone ?? 'UTC'
  checkTiming(input.cron, timezone)
  const now = ctx.clock.now()
  const row: ReportSchedule = {
    id: newId(), reportId: def.id, partnerId: def.partnerId, orgId: def.orgId, cron: input.cron.trim(), timezone, recipients: normalizeRecipients(input.recipients), enabled: input.enabled ?? true,
    ownerId: actor.user.id, version: 1, lastRunAt: null, lastRunId: null, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await withTx(ctx.db, async (tx) => {
    await insertSchedule(tx, row)
    await scheduleNext({ ...ctx, db: tx }, row, now)
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.schedule.create', partnerId: def.partnerId, orgId: def.orgId, resourceType: 'report_schedule', resourceId: row.id, resourceName: def.name, details: { cron: row.cron, timezone, recipients: row.recipients } })
  })
  return row
}

/** updateSchedule edits timing, recipients or enabled; the editor becomes the owner whose permissions the runs use. */
export async function updateSchedule(ctx: Ctx, actor: UserActor, id: string, input: UpdateScheduleInput): Promise<ReportSchedule> {
  const s = await getSchedule(ctx, actor, id, 'reports:write')
  const next: ReportSchedule = {
    ...s, cron: input.cron?.trim() ?? s.cron, timezone: input.timezone ?? s.timezone, recipients: input.recipients ? normalizeRecipients(input.recipients) : s.recipients,
    enabled: input.enabled ?? s.enabled, ownerId: actor.user.id, version: s.version + 1, updatedAt: ctx.clock.now(),
  }
  checkTiming(next.cron, next.timezone)
  await withTx(ctx.db, async (tx) => {
    await updateScheduleRow(tx, id, next)
    await scheduleNext({ ...ctx, db: tx }, next, ctx.clock.now())
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.schedule.update', partnerId: s.partnerId, orgId: s.orgId, resourceType: 'report_schedule', resourceId: id, details: { ...input } })
  })
  return next
}

export async function deleteSchedule(ctx: Ctx, actor: UserActor, id: string) {
  const s = await getSchedule(ctx, actor, id, 'reports:write')
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateScheduleRow(tx, id, { deletedAt: now, enabled: false, version: s.version + 1, updatedAt: now })
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.schedule.delete', partnerId: s.partnerId, orgId: s.orgId, resourceType: 'report_schedule', resourceId: id })
  })
}

/** runScheduled is the job: queue this fire's run (the run job builds and emails it), then the next fire. */
export async function runScheduled(ctx: Ctx, p: SchedulePayload) {
  const s = await findSchedule(ctx.db, p.scheduleId)
  if (!s || !s.enabled || s.version !== p.version) return
  const def = await findDefinition(ctx.db, s.reportId)
  if (!def) return
  await withTx(ctx.db, async (tx) => {
    const run = await queueRun({ ...ctx, db: tx }, def, { userId: s.ownerId, apiKeyId: null }, 'schedule', s.id)
    await updateScheduleRow(tx, s.id, { lastRunAt: p.fireAt, lastRunId: run.id })
    // note: from the fire time, not from now: a server that was down fires a missed time once, then carries on.
    await scheduleNext({ ...ctx, db: tx }, s, Math.max(p.fireAt, ctx.clock.now() - 1))
  })
}

export function registerScheduleJob(ctx: Ctx) {
  ctx.jobs.register(scheduleJob, (payload) => runScheduled(ctx, payload as SchedulePayload), { maxAttempts: 10, leaseMs: 5 * 60_000 })
}
