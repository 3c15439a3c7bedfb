// Report pages: list, new/edit with preview, one report (preview, run now, history, schedules),
// one run (the link in schedule emails) and its download.
import { Elysia, t } from 'elysia'
import { ColumnChooser, Preview, ReportFormPage, ReportPage, ReportsPage, RunHistory, RunPage, SchedulesPage, type PreviewView, type SectionInfo } from '../../views/reports/pages'
import { last, list, orgNameMap } from '../alerts/page-options'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listGroupsOfOrgs } from '../devices/group-repo'
import { AppError } from '../lib/errors'
import { listOrgNames, listSites } from '../tenancy/repo'
import { partnerIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { isHtmx } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { createReportBody, createScheduleBody, periodLabels, reportPeriods, updateReportBody, type ReportPeriod } from './model'
import { createReport, deleteReport, getReport, listReports, previewDraft, previewReport, reportOrgIds, updateReport, type Preview as PreviewData } from './reports'
import { cellText } from './render'
import { latestRuns, type ReportDefinition } from './repo'
import { getRun, listRuns, requestRun, runFile } from './runs'
import { createSchedule, deleteSchedule, getSchedule, listReportSchedules, nextFire, updateSchedule } from './schedules'
import { reportSection, reportSections } from './sections'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const previewRows = 25

function sectionsInfo(): SectionInfo[] {
  return reportSections().map((s) => ({ type: s.type, label: s.label, description: s.description, usesPeriod: s.usesPeriod, columns: s.columns.map((c) => ({ key: c.key, label: c.label })), defaultColumns: s.defaultColumns }))
}

/** previewView turns a built preview into text cells for the page (escaped there). */
function previewView(p: PreviewData): PreviewView {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  return {
    columns: p.columns.map((c) => ({ label: c.label, numeric: c.kind === 'number' || c.kind === 'percent' })),
    rows: p.result.rows.map((r) => p.columns.map((c) => cellText(c, r[c.key]))),
    figures: p.result.figures, chart: p.result.chart, truncated: !!p.result.truncated,
    period: p.section.usesPeriod ? `${day(p.from)} – ${day(p.to - 1)} (UTC)` : 'As of now',
  }
}

/** formValues reads the report form; empty selects mean "none". */
function formValues(body: unknown): FormValues {
  const b = (body ?? {}) as Record<string, unknown>
  return {
    name: last(b, 'name') ?? '', type: last(b, 'type') ?? '', format: last(b, 'format') ?? 'pdf', orgId: last(b, 'orgId') || null, siteId: last(b, 'siteId') || null,
    groupId: last(b, 'groupId') || null, period: last(b, 'period') || 'last_30d', columns: list(b, 'columns'),
  }
}

export function reportRoutes(ctx: AppContext) {
  async function formPage(c: PageContext, actor: UserActor, report: ReportDefinition | null, values: FormValues, errors?: FieldErrors, status = 200, preview: PreviewView | null = null) {
    const orgIds = reportOrgIds(actor.scope, 'reports:write')
    const orgs = await listOrgNames(ctx.db, orgIds)
    const several = orgIds.length > 1
    const orgName = Object.fromEntries(orgs.map((o) => [o.id, o.name]))
    const sites = (await listSites(ctx.db, orgIds)).map((r) => ({ id: r.site.id, name: several ? `${r.orgName} · ${r.site.name}` : r.site.name }))
    const groups = (await listGroupsOfOrgs(ctx.db, orgIds)).map((g) => ({ id: g.id, name: several ? `${orgName[g.orgId] ?? ''} · ${g.name}` : g.name }))
    return render(c, <ReportFormPage page={await pageProps(ctx, c)} report={report} values={values} errors={errors} sections={sectionsInfo()} orgs={orgs} sites={sites} groups={groups}
      periods={reportPeriods.map((p) => ({ value: p, label: periodLabels[p] }))} partnerWide={partnerIdsWith(actor.scope, 'reports:write').length > 0} preview={preview} />, status)
  }

  async function scopeLabels(actor: UserActor, reports: ReportDefinition[]): Promise<Record<string, string>> {
    const orgNames = await orgNameMap(ctx, actor)
    const orgIds = [...new Set(reports.flatMap((r) => (r.orgId ? [r.orgId] : [])))]
    const sites = Object.fromEntries((await listSites(ctx.db, orgIds)).map((r) => [r.site.id, r.site.name]))
    const groups = Object.fromEntries((await listGroupsOfOrgs(ctx.db, orgIds)).map((g) => [g.id, g.name]))
    return Object.fromEntries(reports.map((r) => [r.id, r.orgId ? [orgNames[r.orgId] ?? 'organization', r.siteId ? sites[r.siteId] : null, r.groupId ? groups[r.groupId] : null].filter(Boolean).join(' / ') : 'All organizations']))
  }

  async function reportPage(c: PageContext, actor: UserActor, id: string, scheduleValues?: FormValues, scheduleErrors?: FieldErrors, status = 200) {
    const report = await getReport(ctx, actor.scope, id)
    const section = reportSection(report.type)
    let preview: PreviewView | null = null
    let previewError: string | null = null
    try {
      preview = previewView(await previewReport(ctx, actor, id, previewRows))
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      previewError = `No preview: ${err.message}`
    }
    const now = ctx.clock.now()
    const schedules = (await listReportSchedules(ctx, actor, id)).map((s) => ({ ...s, nextRunAt: nextFire(s, now) }))
    return render(c, <ReportPage page={await pageProps(ctx, c)} report={report} sectionLabel={section?.label ?? report.type} scopeLabel={(await scopeLabels(actor, [report]))[report.id]}
      periodLabel={section?.usesPeriod ? periodLabels[report.period as ReportPeriod] ?? report.period : 'as of the run'} preview={preview} previewError={previewError}
      runs={await listRuns(ctx, actor, id, 30)} schedules={schedules} canWrite={reportOrgIds(actor.scope, 'reports:write').includes(report.orgId ?? '') || (!report.orgId && partnerIdsWith(actor.scope, 'reports:write').includes(report.partnerId))}
      scheduleValues={scheduleValues} scheduleErrors={scheduleErrors} />, status)
  }

  /** draftInput: the form values as the API's create body (for checks and preview). */
  function draftInput(values: FormValues) {
    const { columns, ...rest } = values
    return { ...rest, columns: Array.isArray(columns) && columns.length ? columns : null }
  }

  return new Elysia({ name: 'breeze.reports.pages' })
    .use(actorPlugin(ctx))
    .get('/reports', async (c) => {
      const actor = userOf(c.actor)
      const reports = await listReports(ctx, actor)
      const latest = await latestRuns(ctx.db, reports.map((r) => r.id))
      const counts: Record<string, number> = {}
      for (const s of await listReportSchedules(ctx, actor)) counts[s.reportId] = (counts[s.reportId] ?? 0) + 1
      return render(c, <ReportsPage page={await pageProps(ctx, c)} reports={reports} sections={Object.fromEntries(reportSections().map((s) => [s.type, s.label]))} scopes={await scopeLabels(actor, reports)}
        latest={latest} scheduleCounts={counts} canWrite={reportOrgIds(actor.scope, 'reports:write').length > 0 || partnerIdsWith(actor.scope, 'reports:write').length > 0} />)
    })
    .get('/reports/schedules', async (c) => {
      const actor = userOf(c.actor)
      const now = ctx.clock.now()
      const names = Object.fromEntries((await listReports(ctx, actor)).map((r) => [r.id, r.name]))
      const schedules = (await listReportSchedules(ctx, actor)).map((s) => ({ ...s, nextRunAt: nextFire(s, now) }))
      return render(c, <SchedulesPage page={await pageProps(ctx, c)} schedules={schedules} reportNames={names} />)
    })
    .get('/reports/new', (c) => formPage(c, userOf(c.actor), null, { format: 'pdf', period: 'last_30d', type: '', orgId: userOf(c.actor).session?.activeOrgId ?? null }))
    .get('/reports/form-columns', (c) => render(c, <ColumnChooser section={sectionsInfo().find((s) => s.type === c.query.type)} chosen={null} />), { query: t.Object({ type: t.Optional(t.String({ maxLength: 64 })) }) })
    .post('/reports', async (c) => {
      const actor = userOf(c.actor)
      const values = formValues(c.body)
      const form = checkValues(createReportBody, draftInput(values))
      if (!form.ok) return formPage(c, actor, null, values, form.errors, 400)
      try {
        const report = await createReport(ctx, actor, form.value)
        setFlash(c.cookie, { kind: 'success', text: `Report "${report.name}" created.` })
        return redirect(c, `/reports/${report.id}`)
      } catch (err) {
        return formPage(c, actor, null, values, fieldErrorsOf(err), 400)
      }
    })
    .post('/reports/preview', async (c) => {
      const actor = userOf(c.actor)
      const values = formValues(c.body)
      const form = checkValues(createReportBody, draftInput({ ...values, name: values.name || 'Preview' }))
      let errors: FieldErrors | undefined = form.ok ? undefined : form.errors
      let preview: PreviewView | null = null
      if (form.ok) {
        try {
          preview = previewView(await previewDraft(ctx, actor, form.value, previewRows))
        } catch (err) {
          errors = fieldErrorsOf(err)
        }
      }
      if (isHtmx(c.request)) {
        if (preview) return render(c, <Preview preview={preview} />)
        return render(c, <div class="callout bad" role="alert">{Object.values(errors ?? {}).map((m) => <p safe>{m}</p>)}</div>)
      }
      return formPage(c, actor, null, values, errors, errors ? 400 : 200, preview)
    })
    .get('/reports/runs/:id', async (c) => {
      const actor = userOf(c.actor)
      const run = await getRun(ctx, actor, c.params.id)
      const exists = await getReport(ctx, actor.scope, run.reportId).then(() => true, () => false)
      return render(c, <RunPage page={await pageProps(ctx, c)} run={run} reportExists={exists} />)
    }, { params: idParams })
    .get('/reports/runs/:id/download', (c) => runFile(ctx, userOf(c.actor), c.params.id), { params: idParams })
    .post('/reports/schedules/:id/toggle', async (c) => {
      const actor = userOf(c.actor)
      const s = await getSchedule(ctx, actor, c.params.id, 'reports:write')
      await updateSchedule(ctx, actor, s.id, { enabled: !s.enabled })
      setFlash(c.cookie, { kind: 'success', text: s.enabled ? 'Schedule disabled.' : 'Schedule enabled.' })
      return redirect(c, `/reports/${s.reportId}`)
    }, { params: idParams })
    .post('/reports/schedules/:id/delete', async (c) => {
      const actor = userOf(c.actor)
      const s = await getSchedule(ctx, actor, c.params.id, 'reports:write')
      await deleteSchedule(ctx, actor, s.id)
      setFlash(c.cookie, { kind: 'success', text: 'Schedule deleted.' })
      return redirect(c, `/reports/${s.reportId}`)
    }, { params: idParams })
    .get('/reports/:id', (c) => reportPage(c, userOf(c.actor), c.params.id), { params: idParams })
    .get('/reports/:id/history', async (c) => render(c, <RunHistory reportId={c.params.id} runs={await listRuns(ctx, userOf(c.actor), c.params.id, 30)} />), { params: idParams })
    .get('/reports/:id/edit', async (c) => {
      const actor = userOf(c.actor)
      const report = await getReport(ctx, actor.scope, c.params.id, 'reports:write')
      return formPage(c, actor, report, { ...report, columns: report.columns ?? [] })
    }, { params: idParams })
    .post('/reports/:id', async (c) => {
      const actor = userOf(c.actor)
      const report = await getReport(ctx, actor.scope, c.params.id, 'reports:write')
      const values = formValues(c.body)
      const form = checkValues(updateReportBody, draftInput(values))
      if (!form.ok) return formPage(c, actor, report, values, form.errors, 400)
      try {
        await updateReport(ctx, actor, report.id, form.value)
      } catch (err) {
        return formPage(c, actor, report, values, fieldErrorsOf(err), 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Report saved.' })
      return redirect(c, `/reports/${report.id}`)
    }, { params: idParams })
    .post('/reports/:id/delete', async (c) => {
      await deleteReport(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Report deleted.' })
      return redirect(c, '/reports')
    }, { params: idParams })
    .post('/reports/:id/run', async (c) => {
      await requestRun(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'The report is being generated; it appears in the run history with a download link.' })
      return redirect(c, `/reports/${c.params.id}`)
    }, { params: idParams })
    .post('/reports/:id/schedules', async (c) => {
      const actor = userOf(c.actor)
      const b = (c.body ?? {}) as Record<string, unknown>
      const values: FormValues = { cron: last(b, 'cron') ?? '', timezone: last(b, 'timezone') || 'UTC', recipients: last(b, 'recipients') ?? '' }
      const recipients = String(values.recipients).split(/[,;\s]+/).filter(Boolean)
      const form = checkValues(createScheduleBody, { reportId: c.params.id, cron: values.cron, timezone: values.timezone, recipients })
      const errors = form.ok ? null : Object.fromEntries(Object.entries(form.errors).map(([k, v]) => [k.startsWith('recipients') ? 'recipients' : k, v]))
      if (!form.ok) return reportPage(c, actor, c.params.id, values, errors!, 400)
      try {
        await createSchedule(ctx, actor, form.value)
      } catch (err) {
        return reportPage(c, actor, c.params.id, values, fieldErrorsOf(err), 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Schedule added.' })
      return redirect(c, `/reports/${c.params.id}`)
    }, { params: idParams })
}
