// The reports JSON API: /api/v1/reports (definitions, preview, run, history), /api/v1/report-runs
// (status and file), /api/v1/report-schedules and /api/v1/report-types.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { createReportBody, createScheduleBody, previewQuery, runListQuery, updateReportBody, updateScheduleBody } from './model'
import { createReport, deleteReport, getReport, listReports, previewReport, updateReport } from './reports'
import { getRun, listRuns, requestRun, runFile } from './runs'
import { createSchedule, deleteSchedule, getSchedule, listReportSchedules, nextFire, updateSchedule } from './schedules'
import { reportSections } from './sections'
import type { ReportSchedule } from './repo'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = (summary: string) => ({ detail: { summary, tags: ['reports'] } })
const fileDoc = { detail: { summary: 'Download the file of a finished run (PDF, CSV or XLSX)', tags: ['reports'], responses: { 200: { description: 'The report file', content: { 'application/pdf': { schema: { type: 'string' as const, format: 'binary' } }, 'text/csv': { schema: { type: 'string' as const } }, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string' as const, format: 'binary' } } } } } } }

export function reportApiRoutes(ctx: AppContext) {
  const withNext = (s: ReportSchedule) => ({ ...s, nextRunAt: nextFire(s, ctx.clock.now()) })
  return new Elysia({ name: 'breeze.reports.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/report-types', () => ({
      data: reportSections().map((s) => ({ type: s.type, label: s.label, description: s.description, permission: s.permission, usesPeriod: s.usesPeriod, columns: s.columns, defaultColumns: s.defaultColumns })),
    }), tags('The report types (sections), their columns and default columns'))
    .get('/api/v1/reports', async (c) => ({ data: await listReports(ctx, userOf(c.actor)) }), tags('List reports'))
    .post('/api/v1/reports', async (c) => {
      c.set.status = 201
      return createReport(ctx, userOf(c.actor), c.body)
    }, { body: createReportBody, ...tags('Create a report (orgId, or none for every organization of the partner; siteId and groupId narrow it)') })
    .get('/api/v1/reports/:id', (c) => getReport(ctx, userOf(c.actor).scope, c.params.id), { params: idParams, ...tags('Get a report') })
    .patch('/api/v1/reports/:id', (c) => updateReport(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateReportBody, ...tags('Update a report') })
    .delete('/api/v1/reports/:id', async (c) => {
      await deleteReport(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('Delete a report and its schedules (past runs stay until retention removes them)') })
    .get('/api/v1/reports/:id/preview', async (c) => {
      const p = await previewReport(ctx, userOf(c.actor), c.params.id, c.query.limit ?? 25)
      return { columns: p.columns, rows: p.result.rows.map((r) => Object.fromEntries(p.columns.map((col) => [col.key, r[col.key] ?? null]))), figures: p.result.figures, chart: p.result.chart, truncated: p.result.truncated ?? false, from: p.from, to: p.to }
    }, { params: idParams, query: previewQuery, ...tags('The first rows, figures and chart of a report, built now with your permissions') })
    .post('/api/v1/reports/:id/run', async (c) => {
      const run = await requestRun(ctx, userOf(c.actor), c.params.id)
      c.set.status = 202
      return run
    }, { params: idParams, ...tags('Generate the report now in the background (202 with the run; poll /api/v1/report-runs/{id})') })
    .get('/api/v1/reports/:id/runs', async (c) => ({ data: await listRuns(ctx, userOf(c.actor), c.params.id, c.query.limit ?? 50) }), { params: idParams, query: runListQuery, ...tags('Run history of a report, newest first') })
    .get('/api/v1/report-runs/:id', (c) => getRun(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('A report run: status, figures, file name and size') })
    .get('/api/v1/report-runs/:id/download', (c) => runFile(ctx, userOf(c.actor), c.params.id), { params: idParams, ...fileDoc })
    .get('/api/v1/report-schedules', async (c) => ({ data: (await listReportSchedules(ctx, userOf(c.actor), c.query.reportId)).map(withNext) }),
      { query: t.Object({ reportId: t.Optional(t.String({ maxLength: 64 })) }), ...tags('List report schedules (optionally of one report)') })
    .post('/api/v1/report-schedules', async (c) => {
      c.set.status = 201
      return withNext(await createSchedule(ctx, userOf(c.actor), c.body))
    }, { body: createScheduleBody, ...tags('Schedule a report (cron in a time zone) to be emailed to recipients') })
    .get('/api/v1/report-schedules/:id', async (c) => withNext(await getSchedule(ctx, userOf(c.actor), c.params.id)), { params: idParams, ...tags('Get a report schedule') })
    .patch('/api/v1/report-schedules/:id', async (c) => withNext(await updateSchedule(ctx, userOf(c.actor), c.params.id, c.body)), { params: idParams, body: updateScheduleBody, ...tags('Update a report schedule (its runs then use your permissions)') })
    .delete('/api/v1/report-schedules/:id', async (c) => {
      await deleteSchedule(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('Delete a report schedule') })
}
