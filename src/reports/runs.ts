// Report runs: queued by a person ("run now") or a schedule, built by the job runner with the
// requester's permissions as they are when the job runs (a member removed since gets a
// failed run, not a file), stored in the blob store, emailed when a schedule asked, and
// pruned by age and count.
import type { UserActor } from '../auth/actor'
import { keyScope } from '../auth/api-keys'
import { recordAudit, auditEvent } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { AppError, NotFoundError } from '../lib/errors'
import { newId } from '../lib/ids'
import { publicBaseUrl } from '../settings/public-url'
import { sendMail } from '../settings/service'
import { loadScope } from '../tenancy/scope-repo'
import { findUserById } from '../tenancy/users-repo'
import { findApiKeyById } from '../auth/api-key-repo'
import type { Scope } from '../tenancy/scope'
import { chosenColumns, getReport, reportMeta, reportOrgIds, resolveTarget } from './reports'
import { contentTypes, renderReport } from './render'
import { claimRun, deleteRuns, expiredRuns, findDefinition, findRun, findSchedule, finishRun, insertRun, listRunsOf, partnerInfo, updateRunRow, type ReportDefinition, type ReportRun } from './repo'

type Ctx = AppContext

export const runJob = 'reports.run'
/** Finished runs (and their files) are kept this long, and at most this many per report. */
export const runRetentionDays = 90
export const runsKeptPerReport = 50
/** Files larger than this are not attached to emails; the email links to the run instead. */
export const maxAttachmentBytes = 15 * 1024 * 1024
/** Rows a file may hold (CSV/XLSX); the PDF lists fewer (render.ts). */
export const fileRowLimit = 100_000

/** queueRun writes a queued run and its job (on ctx.db: the caller's transaction). */
export async function queueRun(ctx: Pick<Ctx, 'db' | 'clock' | 'jobs'>, def: ReportDefinition, by: { userId: string; apiKeyId: string | null }, trigger: ReportRun['trigger'], scheduleId: string | null): Promise<ReportRun> {
  const now = ctx.clock.now()
  const run: ReportRun = {
    id: newId(), reportId: def.id, partnerId: def.partnerId, orgId: def.orgId, name: def.name, type: def.type, format: def.format, status: 'queued', trigger, scheduleId,
    requestedBy: by.userId, apiKeyId: by.apiKeyId, coveredOrgIds: null, periodFrom: now, periodTo: now, rowCount: null, figures: null, blobKey: null, fileName: null, bytes: null,
    error: null, emailedTo: null, emailError: null, createdAt: now, startedAt: null, finishedAt: null,
  }
  await insertRun(ctx.db, run)
  await ctx.jobs.enqueue(runJob, { runId: run.id }, { db: ctx.db, uniqueKey: `${runJob}:${run.id}` })
  return run
}

/** requestRun: "run now" (reports:write); the file is made in the background. */
export async function requestRun(ctx: Ctx, actor: UserActor, reportId: string): Promise<ReportRun> {
  const def = await getReport(ctx, actor.scope, reportId, 'reports:write')
  // note: checked now too, so a run that cannot work is a 403 at once rather than a failed run later.
  await resolveTarget(ctx, actor.scope, def, ctx.clock.now())
  return withTx(ctx.db, async (tx) => {
    const run = await queueRun({ ...ctx, db: tx }, def, { userId: actor.user.id, apiKeyId: actor.apiKey?.id ?? null }, 'manual', null)
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.run', partnerId: def.partnerId, orgId: def.orgId, resourceType: 'report', resourceId: def.id, resourceName: def.name, details: { runId: run.id, format: def.format } })
    return run
  })
}

/** canOpenRun: the actor sees the report's owner and every organization the run's data came from. */
function canOpenRun(scope: Scope, run: ReportRun): boolean {
  const orgs = reportOrgIds(scope, 'reports:read')
  const owner = run.orgId ? orgs.includes(run.orgId) : scope.partners.get(run.partnerId)?.has('reports:read') ?? false
  return owner && (run.coveredOrgIds ?? []).every((o) => orgs.includes(o))
}

export async function getRun(ctx: Pick<Ctx, 'db'>, actor: UserActor, id: string): Promise<ReportRun> {
  const run = await findRun(ctx.db, id)
  if (!run || !canOpenRun(actor.scope, run)) throw new NotFoundError('report run')
  return run
}

export async function listRuns(ctx: Pick<Ctx, 'db'>, actor: UserActor, reportId: string, limit = 50): Promise<ReportRun[]> {
  await getReport(ctx, actor.scope, reportId)
  return (await listRunsOf(ctx.db, reportId, limit)).filter((r) => canOpenRun(actor.scope, r))
}

/** runFile answers the run's file as a download (audited). */
export async function runFile(ctx: Ctx, actor: UserActor, id: string): Promise<Response> {
  const run = await getRun(ctx, actor, id)
  const file = run.status === 'done' && run.blobKey ? await ctx.blobs.get(run.blobKey) : null
  if (!file) throw new AppError(409, 'not_ready', run.status === 'failed' ? `this run failed: ${run.error ?? 'unknown error'}` : run.status === 'done' ? 'the file of this run is gone' : 'the report is still being generated')
  await auditEvent(ctx, actor.audit, { action: 'report.download', partnerId: run.partnerId, orgId: run.orgId, resourceType: 'report_run', resourceId: run.id, resourceName: run.fileName ?? run.name })
  return new Response(file, {
    headers: {
      'content-type': contentTypes[run.format], 'content-disposition': `attachment; filename="${run.fileName}"`, 'content-length': String(file.size),
      'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
    },
  })
}

/** fileNameFor: a safe file name from the report's name and the run's date. */
export function fileNameFor(name: string, at: number, format: ReportRun['format']): string {
  const base = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).toLowerCase() || 'report'
  return `${base}-${new Date(at).toISOString().slice(0, 10)}.${format}`
}

/** runnerScope: the requester's scope as it is now (narrowed by the API key that asked, if any); null when they can no longer act. */
async function runnerScope(ctx: Pick<Ctx, 'db' | 'clock'>, run: ReportRun): Promise<{ scope: Scope; name: string } | null> {
  const user = await findUserById(ctx.db, run.requestedBy)
  if (!user || user.status !== 'active') return null
  const scope = await loadScope(ctx.db, user)
  if (!run.apiKeyId) return { scope, name: `${user.name} (${user.email})` }
  const key = await findApiKeyById(ctx.db, run.apiKeyId)
  if (!key || key.revokedAt || (key.expiresAt !== null && key.expiresAt <= ctx.clock.now())) return null
  return { scope: keyScope(scope, key), name: `${user.name} (${user.email}, API key ${key.name})` }
}

/** executeRun is the job: build, render, store, email (schedules), record. A failure is recorded on the run, not retried. */
export async function executeRun(ctx: Ctx, runId: string): Promise<void> {
  const run = await findRun(ctx.db, runId)
  if (!run || !(await claimRun(ctx.db, runId, ctx.clock.now()))) return
  const fail = async (message: string) => {
    await finishRun(ctx.db, runId, { status: 'failed', error: message.slice(0, 1000), finishedAt: ctx.clock.now() })
    ctx.events.emit('report.completed', { runId, reportId: run.reportId, partnerId: run.partnerId, orgId: run.orgId, status: 'failed', trigger: run.trigger })
  }
  try {
    const def = await findDefinition(ctx.db, run.reportId)
    if (!def) return await fail('the report was deleted')
    const runner = await runnerScope(ctx, run)
    if (!runner) return await fail('the user who asked for this run can no longer act (disabled, removed, or the API key was revoked)')
    const now = ctx.clock.now()
    const { section, target } = await resolveTarget(ctx, runner.scope, def, now)
    const result = await section.build(ctx, target, { limit: fileRowLimit })
    const partner = await partnerInfo(ctx.db, def.partnerId)
    const meta = await reportMeta(ctx, def, section, target, now, runner.name, partner ?? { name: 'Breeze', settings: {} })
    const bytes = await renderReport(def.format, meta, chosenColumns(section, def.columns), result)
    const blobKey = `reports/${runId}.${def.format}`
    await ctx.blobs.put(blobKey, bytes)
    const fileName = fileNameFor(def.name, now, def.format)
    await finishRun(ctx.db, runId, {
      status: 'done', format: def.format, name: def.name, coveredOrgIds: target.orgIds, periodFrom: target.from, periodTo: target.to, rowCount: result.rows.length,
      figures: result.figures, blobKey, fileName, bytes: bytes.length, finishedAt: ctx.clock.now(),
    })
    ctx.events.emit('report.completed', { runId, reportId: run.reportId, partnerId: run.partnerId, orgId: run.orgId, status: 'done', trigger: run.trigger })
    if (run.scheduleId) await emailRun(ctx, { ...run, fileName, bytes: bytes.length }, bytes, meta.partnerName, result.figures)
  } catch (err) {
    const e = err as Error
    if (e instanceof AppError) return await fail(e.message)
    ctx.log.error('report run failed', { runId, err: e })
    await fail(`could not build the report: ${e.message}`)
  }
}

/** emailRun sends a scheduled run's file to the schedule's recipients (a link instead when it is too large to attach). */
async function emailRun(ctx: Ctx, run: ReportRun, bytes: Uint8Array, partnerName: string, figures: { label: string; value: string }[]) {
  const schedule = run.scheduleId ? await findSchedule(ctx.db, run.scheduleId) : undefined
  if (!schedule || schedule.recipients.length === 0) return
  const link = `${(await publicBaseUrl(ctx, run.partnerId)).replace(/\/$/, '')}/reports/runs/${run.id}`
  const attach = bytes.length <= maxAttachmentBytes
  const text = [
    `${partnerName}: ${run.name}`, '', ...figures.map((f) => `${f.label}: ${f.value}`), '',
    attach ? `The report is attached (${run.fileName}).` : `The report is too large to attach (${Math.round(bytes.length / 1048576)} MiB); download it here: ${link}`,
    `Run history: ${link}`, '', 'Sent by a Breeze report schedule.',
  ].join('\n')
  try {
    await sendMail(ctx, { to: schedule.recipients.join(', '), subject: `${run.name} (${partnerName})`, text, attachments: attach ? [{ filename: run.fileName!, content: bytes, contentType: contentTypes[run.format] }] : undefined })
    await updateRunRow(ctx.db, run.id, { emailedTo: schedule.recipients, emailError: null })
  } catch (err) {
    ctx.log.warn('report email failed', { runId: run.id, err: (err as Error).message })
    await updateRunRow(ctx.db, run.id, { emailedTo: schedule.recipients, emailError: (err as Error).message.slice(0, 500) })
  }
}

/** pruneRuns deletes finished runs past retention (age, or beyond the newest kept per report) and their files. */
export async function pruneRuns(ctx: Pick<Ctx, 'db' | 'clock' | 'blobs'>): Promise<number> {
  const expired = await expiredRuns(ctx.db, ctx.clock.now() - runRetentionDays * 86_400_000, runsKeptPerReport)
  for (const r of expired) if (r.blobKey) await ctx.blobs.delete(r.blobKey)
  await deleteRuns(ctx.db, expired.map((r) => r.id))
  return expired.length
}

export function registerRunJob(ctx: Ctx) {
  // note: one attempt: a failure is recorded on the run. A crash mid-run leaves the lease to lapse and the job runs again.
  ctx.jobs.register(runJob, (payload) => executeRun(ctx, (payload as { runId: string }).runId), { maxAttempts: 3, leaseMs: 10 * 60_000 })
}
