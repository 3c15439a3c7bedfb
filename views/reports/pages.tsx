// Reports: the list, the new/edit form (type, scope, period, columns, format) with a preview,
// one report (preview, run now, history with downloads, schedules) and one run.
import type { ReportDefinition, ReportRun, ReportSchedule } from '../../src/reports/repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, Field, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

type Option = { id: string; name: string }
export type SectionInfo = { type: string; label: string; description: string; usesPeriod: boolean; columns: { key: string; label: string }[]; defaultColumns: string[] }
/** A preview as the view shows it: cells already turned into text by the route. */
export type PreviewView = { columns: { label: string; numeric: boolean }[]; rows: string[][]; figures: { label: string; value: string }[]; chart: { title: string; bars: { label: string; value: number }[] } | null; truncated: boolean; period: string }

const formatLabels: Record<string, string> = { pdf: 'PDF', csv: 'CSV', xlsx: 'Excel (XLSX)' }

function ReportTabs({ current }: { current: 'list' | 'schedules' }) {
  return (
    <nav class="tabs" aria-label="Reports">
      <a href="/reports" aria-current={current === 'list' ? 'page' : undefined}>Reports</a>
      <a href="/reports/schedules" aria-current={current === 'schedules' ? 'page' : undefined}>Schedules</a>
    </nav>
  )
}

function RunStatus({ run }: { run: Pick<ReportRun, 'status'> }) {
  return <StatusBadge status={run.status} />
}

export function ReportsPage({ page, reports, sections, scopes, latest, scheduleCounts, canWrite }: {
  page: PageProps; reports: ReportDefinition[]; sections: Record<string, string>; scopes: Record<string, string>; latest: Record<string, ReportRun>; scheduleCounts: Record<string, number>; canWrite: boolean
}) {
  return (
    <Layout page={page} title="Reports">
      <PageHeader title="Reports" subtitle="Inventory, alerts, availability, compliance, script and audit reports as PDF, Excel or CSV, on demand or on a schedule.">
        {canWrite ? <a class="btn primary" href="/reports/new">New report</a> : ''}
      </PageHeader>
      <ReportTabs current="list" />
      <section class="card flush">
        {reports.length === 0
          ? <EmptyState title="No reports yet" text="Create a report to see it here: choose what it covers, the period and the format, preview it, then run it or schedule it." action={canWrite ? { href: '/reports/new', label: 'New report' } : undefined} />
          : (
            <div class="table-wrap">
              <table id="reports-table">
                <thead><tr><th>Report</th><th>Type</th><th>Scope</th><th>Format</th><th>Schedules</th><th>Last run</th></tr></thead>
                <tbody>
                  {reports.map((r) => {
                    const run = latest[r.id]
                    return (
                      <tr>
                        <td><a href={`/reports/${r.id}`} safe>{r.name}</a></td>
                        <td class="small" safe>{sections[r.type] ?? r.type}</td>
                        <td class="small" safe>{scopes[r.id] ?? ''}</td>
                        <td class="small" safe>{formatLabels[r.format] ?? r.format}</td>
                        <td class="small">{scheduleCounts[r.id] ?? 0}</td>
                        <td class="small">{run ? <><RunStatus run={run} /> <Time ms={run.createdAt} /></> : <span class="muted">never</span>}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </Layout>
  )
}

/** ColumnChooser: the type's columns as checkboxes (swapped when the type changes). */
export function ColumnChooser({ section, chosen }: { section: SectionInfo | undefined; chosen: string[] | null }) {
  const picked = chosen?.length ? chosen : section?.defaultColumns ?? []
  return (
    <fieldset id="report-columns" class="field">
      <legend>Columns</legend>
      {section
        ? <>
          <p class="hint" safe>{section.description}</p>
          <div class="check-grid">
            {section.columns.map((c) => (
              <label class="check"><input type="checkbox" name="columns" value={c.key} checked={picked.includes(c.key)} /> <span safe>{c.label}</span></label>
            ))}
          </div>
        </>
        : <p class="hint">Choose a type first.</p>}
    </fieldset>
  )
}

export function ReportFormPage({ page, report, values, errors, sections, orgs, sites, groups, periods, partnerWide, preview }: {
  page: PageProps; report: ReportDefinition | null; values: FormValues; errors?: FieldErrors; sections: SectionInfo[]; orgs: Option[]; sites: Option[]; groups: Option[]
  periods: { value: string; label: string }[]; partnerWide: boolean; preview?: PreviewView | null
}) {
  const type = String(values.type ?? '')
  const section = sections.find((s) => s.type === type)
  const title = report ? `Edit ${report.name}` : 'New report'
  const orgOptions = [...(partnerWide || !values.orgId ? [{ value: '', label: partnerWide ? 'All organizations' : 'Choose an organization' }] : []), ...orgs.map((o) => ({ value: o.id, label: o.name }))]
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle="What the report covers, over which period, and in which format. Preview shows the first rows as you would see them now." />
      <FormError errors={errors} />
      <form method="post" action={report ? `/reports/${report.id}` : '/reports'} class="card form" id="report-form">
        <Csrf token={page.csrf} />
        <Input name="name" label="Name" values={values} errors={errors} required placeholder="Monthly inventory for Contoso" />
        <Field name="type" label="Type" errors={errors}>
          <select id="f-type" name="type" required hx-get="/reports/form-columns" hx-trigger="change" hx-target="#report-columns" hx-swap="outerHTML" hx-include="this">
            <option value="" selected={!type}>Choose a type</option>
            {sections.map((s) => <option value={s.type} selected={s.type === type} safe>{s.label}</option>)}
          </select>
        </Field>
        <div class="grid-2">
          <Select name="orgId" label="Organization" options={orgOptions} values={values} errors={errors} hint="All organizations: every organization of your partner that the person running it can read." />
          <Select name="period" label="Period" options={periods} values={values} errors={errors} hint="Inventory, software and compliance reports are as of the run." />
          <Select name="siteId" label="Site (optional)" options={[{ value: '', label: 'All sites' }, ...sites.map((s) => ({ value: s.id, label: s.name }))]} values={values} errors={errors} />
          <Select name="groupId" label="Device group (optional)" options={[{ value: '', label: 'All devices' }, ...groups.map((g) => ({ value: g.id, label: g.name }))]} values={values} errors={errors} hint="The group and its subgroups." />
          <Select name="format" label="Format" options={Object.entries(formatLabels).map(([value, label]) => ({ value, label }))} values={values} errors={errors} />
        </div>
        <ColumnChooser section={section} chosen={Array.isArray(values.columns) ? (values.columns as string[]) : null} />
        {errors?.columns ? <div class="error" safe>{errors.columns}</div> : ''}
        <div class="row">
          <button type="submit" class="btn primary">{report ? 'Save' : 'Create report'}</button>
          <button type="submit" class="btn" formaction="/reports/preview" hx-post="/reports/preview" hx-target="#report-preview" hx-swap="innerHTML" id="preview-button">Preview</button>
          <a class="btn" href={report ? `/reports/${report.id}` : '/reports'}>Cancel</a>
        </div>
      </form>
      <div id="report-preview">{preview ? <Preview preview={preview} /> : ''}</div>
    </Layout>
  )
}

/** BarChart draws the preview's bars as SVG (no inline styles: the CSP forbids them). */
function BarChart({ chart }: { chart: NonNullable<PreviewView['chart']> }) {
  const max = Math.max(1, ...chart.bars.map((b) => b.value))
  const rowH = 22
  const height = chart.bars.length * rowH + 4
  return (
    <figure class="report-chart">
      <figcaption safe>{chart.title}</figcaption>
      <svg viewBox={`0 0 600 ${height}`} width="100%" height={String(height)} role="img" aria-label={chart.title} preserveAspectRatio="xMinYMin meet">
        {chart.bars.map((b, i) => {
          const w = Math.max(1, (b.value / max) * 330)
          return (
            <g>
              <text x="0" y={String(i * rowH + 15)} class="bar-label" safe>{b.label.length > 32 ? `${b.label.slice(0, 31)}…` : b.label}</text>
              <rect x="220" y={String(i * rowH + 3)} width={String(w)} height="16" rx="2" class="bar" />
              <text x={String(226 + w)} y={String(i * rowH + 15)} class="bar-value">{b.value}</text>
            </g>
          )
        })}
      </svg>
    </figure>
  )
}

/** Preview: figures, chart and the first rows, every cell escaped. */
export function Preview({ preview }: { preview: PreviewView }) {
  return (
    <section class="card" id="preview" aria-label="Preview">
      <h2>Preview</h2>
      <p class="muted small" safe>{preview.period}</p>
      <div class="row stats">
        {preview.figures.map((f) => <div class="stat"><span class="label" safe>{f.label}</span><span class="value" safe>{f.value}</span></div>)}
      </div>
      {preview.chart ? <BarChart chart={preview.chart} /> : ''}
      {preview.rows.length === 0
        ? <p class="muted">Nothing to report for this scope and period.</p>
        : (
          <div class="table-wrap">
            <table id="preview-table">
              <thead><tr>{preview.columns.map((c) => <th class={c.numeric ? 'num' : undefined} safe>{c.label}</th>)}</tr></thead>
              <tbody>
                {preview.rows.map((r) => <tr>{r.map((cell, i) => <td class={preview.columns[i]?.numeric ? 'num' : undefined} safe>{cell}</td>)}</tr>)}
              </tbody>
            </table>
          </div>
        )}
      {preview.truncated ? <p class="muted small">The preview shows the first {preview.rows.length} rows; the file has them all.</p> : ''}
    </section>
  )
}

export function RunHistory({ reportId, runs }: { reportId: string; runs: ReportRun[] }) {
  const pending = runs.some((r) => r.status === 'queued' || r.status === 'running')
  return (
    <section class="card flush" id="run-history" hx-get={pending ? `/reports/${reportId}/history` : undefined} hx-trigger={pending ? 'every 2s' : undefined} hx-swap="outerHTML">
      <h2 class="card-title">Run history</h2>
      {runs.length === 0
        ? <EmptyState title="Not run yet" text="Run now makes the file in the background; it appears here with a download link." />
        : (
          <div class="table-wrap">
            <table id="runs-table">
              <thead><tr><th>Started</th><th>By</th><th>Status</th><th>Rows</th><th>Size</th><th>File</th></tr></thead>
              <tbody>
                {runs.map((r) => (
                  <tr>
                    <td class="small"><a href={`/reports/runs/${r.id}`}><Time ms={r.createdAt} /></a></td>
                    <td class="small">{r.trigger === 'schedule' ? 'schedule' : 'on demand'}{r.emailedTo ? <span class="muted" safe>{` · emailed to ${r.emailedTo.join(', ')}`}</span> : ''}{r.emailError ? <span class="error" safe>{` · email failed: ${r.emailError}`}</span> : ''}</td>
                    <td><RunStatus run={r} />{r.error ? <div class="small error" safe>{r.error}</div> : ''}</td>
                    <td class="small num">{r.rowCount ?? '—'}</td>
                    <td class="small num" safe>{r.bytes === null ? '—' : r.bytes < 10_240 ? `${r.bytes} B` : `${Math.round(r.bytes / 1024)} KiB`}</td>
                    <td class="small">{r.status === 'done' ? <a href={`/reports/runs/${r.id}/download`} hx-boost="false" download={r.fileName ?? 'report'} safe>{r.fileName ?? 'download'}</a> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}

export type ScheduleView = ReportSchedule & { nextRunAt: number | null }

function Schedules({ page, report, schedules, canWrite, values, errors }: { page: PageProps; report: ReportDefinition; schedules: ScheduleView[]; canWrite: boolean; values: FormValues; errors?: FieldErrors }) {
  return (
    <section class="card" id="schedules">
      <h2>Schedules</h2>
      <p class="muted small">Each fire makes the file with the permissions of whoever created or last edited the schedule, and emails it to the recipients.</p>
      {schedules.length === 0 ? <p class="muted">No schedules.</p> : (
        <div class="table-wrap">
          <table id="schedules-table">
            <thead><tr><th>When</th><th>Recipients</th><th>Next</th><th>Last</th><th></th></tr></thead>
            <tbody>
              {schedules.map((s) => (
                <tr>
                  <td class="small"><code safe>{s.cron}</code> <span class="muted" safe>{s.timezone}</span>{s.enabled ? '' : <> <StatusBadge status="disabled" /></>}</td>
                  <td class="small" safe>{s.recipients.join(', ')}</td>
                  <td class="small"><Time ms={s.nextRunAt} /></td>
                  <td class="small">{s.lastRunId ? <a href={`/reports/runs/${s.lastRunId}`}><Time ms={s.lastRunAt} /></a> : <span class="muted">—</span>}</td>
                  <td class="row">{canWrite ? <>
                    <PostButton action={`/reports/schedules/${s.id}/toggle`} csrf={page.csrf} label={s.enabled ? 'Disable' : 'Enable'} small />
                    <PostButton action={`/reports/schedules/${s.id}/delete`} csrf={page.csrf} label="Delete" small danger confirm="Delete this schedule?" />
                  </> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canWrite ? (
        <form method="post" action={`/reports/${report.id}/schedules`} class="form" id="schedule-form">
          <Csrf token={page.csrf} />
          <div class="grid-2">
            <Input name="cron" label="Cron (minute hour day month weekday)" values={values} errors={errors} placeholder="0 7 1 * *" hint="0 7 1 * *: 07:00 on the first of each month; 0 7 * * 1: Mondays at 07:00." />
            <Input name="timezone" label="Time zone" values={values} errors={errors} placeholder="UTC" hint="An IANA name such as Europe/Berlin or America/New_York." />
          </div>
          <Input name="recipients" label="Recipients" values={values} errors={errors} placeholder="owner@customer.example, it@customer.example" hint="Email addresses, separated by commas." />
          <button type="submit" class="btn">Add schedule</button>
        </form>
      ) : ''}
    </section>
  )
}

export function ReportPage({ page, report, sectionLabel, scopeLabel, periodLabel, preview, previewError, runs, schedules, canWrite, scheduleValues, scheduleErrors }: {
  page: PageProps; report: ReportDefinition; sectionLabel: string; scopeLabel: string; periodLabel: string; preview: PreviewView | null; previewError: string | null; runs: ReportRun[]; schedules: ScheduleView[]
  canWrite: boolean; scheduleValues?: FormValues; scheduleErrors?: FieldErrors
}) {
  return (
    <Layout page={page} title={report.name}>
      <PageHeader title={report.name} subtitle={`${sectionLabel} · ${scopeLabel} · ${periodLabel} · ${formatLabels[report.format] ?? report.format}`}>
        {canWrite ? <>
          <PostButton action={`/reports/${report.id}/run`} csrf={page.csrf} label="Run now" />
          <a class="btn" href={`/reports/${report.id}/edit`}>Edit</a>
          <PostButton action={`/reports/${report.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this report and its schedules?" />
        </> : ''}
      </PageHeader>
      <FormError errors={scheduleErrors} />
      <RunHistory reportId={report.id} runs={runs} />
      <Schedules page={page} report={report} schedules={schedules} canWrite={canWrite} values={scheduleValues ?? { timezone: 'UTC' }} errors={scheduleErrors} />
      {preview ? <Preview preview={preview} /> : <section class="card"><h2>Preview</h2><p class="error" safe>{previewError ?? ''}</p></section>}
    </Layout>
  )
}

export function RunPage({ page, run, reportExists }: { page: PageProps; run: ReportRun; reportExists: boolean }) {
  const fileText: string = run.fileName ? `${run.fileName} (${run.bytes ?? 0} bytes)` : '—'
  return (
    <Layout page={page} title={run.name}>
      <PageHeader title={run.name} subtitle={`Run of ${new Date(run.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`}>
        {run.status === 'done' ? <a class="btn primary" href={`/reports/runs/${run.id}/download`} hx-boost="false" download={run.fileName ?? 'report'}>Download</a> : ''}
        {reportExists ? <a class="btn" href={`/reports/${run.reportId}`}>Report</a> : ''}
      </PageHeader>
      <section class="card">
        <p><RunStatus run={run} /> {run.trigger === 'schedule' ? 'scheduled' : 'on demand'}</p>
        {run.error ? <p class="error" safe>{run.error}</p> : ''}
        {run.figures?.length ? <div class="row stats">{run.figures.map((f) => <div class="stat"><span class="label" safe>{f.label}</span><span class="value" safe>{f.value}</span></div>)}</div> : ''}
        <dl class="facts">
          <dt>Period</dt><dd><Time ms={run.periodFrom} /> – <Time ms={run.periodTo} /></dd>
          <dt>Rows</dt><dd>{run.rowCount ?? '—'}</dd>
          <dt>File</dt><dd safe>{fileText}</dd>
          {run.emailedTo ? <><dt>Emailed to</dt><dd safe>{run.emailedTo.join(', ') + (run.emailError ? ` — failed: ${run.emailError}` : '')}</dd></> : ''}
        </dl>
      </section>
    </Layout>
  )
}

export function SchedulesPage({ page, schedules, reportNames }: { page: PageProps; schedules: ScheduleView[]; reportNames: Record<string, string> }) {
  return (
    <Layout page={page} title="Report schedules">
      <PageHeader title="Reports" subtitle="Schedules email a report's file to its recipients at each fire time." />
      <ReportTabs current="schedules" />
      <section class="card flush">
        {schedules.length === 0
          ? <EmptyState title="No schedules" text="Open a report and add a schedule to have it emailed, for example on the first of each month." />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Report</th><th>When</th><th>Recipients</th><th>Next</th><th>Last</th></tr></thead>
                <tbody>
                  {schedules.map((s) => (
                    <tr>
                      <td><a href={`/reports/${s.reportId}`} safe>{reportNames[s.reportId] ?? 'report'}</a></td>
                      <td class="small"><code safe>{s.cron}</code> <span class="muted" safe>{s.timezone}</span>{s.enabled ? '' : <> <StatusBadge status="disabled" /></>}</td>
                      <td class="small" safe>{s.recipients.join(', ')}</td>
                      <td class="small"><Time ms={s.nextRunAt} /></td>
                      <td class="small">{s.lastRunId ? <a href={`/reports/runs/${s.lastRunId}`}><Time ms={s.lastRunAt} /></a> : <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </Layout>
  )
}
