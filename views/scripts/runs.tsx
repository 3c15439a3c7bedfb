// Running scripts and their history: the run form, a run's per-device results, the
// execution history with filters, and one execution with its live output.
import type { Batch, ExecutionRow } from '../../src/scripts/execution-repo'
import type { Script } from '../../src/scripts/repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, FormError, PostButton } from '../components/form'
import { Layout } from '../layout'
import { KeptConfirmCount, StepUpPromptBox, type StepUpPrompt } from '../components/step-up'
import { ScriptTabs } from './editor'
import { OsBadges } from './library'

export type Choice = { id: string; label: string; detail?: string }
export type TargetChoices = { devices: Choice[]; groups: Choice[]; sites: Choice[]; orgs: Choice[] }

const finished = new Set(['completed', 'failed', 'timeout', 'cancelled', 'skipped'])
const executionStatuses = ['pending', 'queued', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped']

function duration(e: { startedAt: number | null; completedAt: number | null }) {
  if (!e.startedAt || !e.completedAt) return '—'
  const ms = e.completedAt - e.startedAt
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

function Checklist({ name, label, items, checked }: { name: string; label: string; items: Choice[]; checked: string[] }) {
  if (items.length === 0) return ''
  return (
    <fieldset>
      <legend safe>{label}</legend>
      <div class="perm-grid">
        {items.map((i) => (
          <label class="check"><input type="checkbox" name={name} value={i.id} checked={checked.includes(i.id)} /> <span safe>{i.label}</span>{i.detail ? <span class="small muted" safe> {i.detail}</span> : ''}</label>
        ))}
      </div>
    </fieldset>
  )
}

const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)])

export function RunScriptPage({ page, script, choices, values, errors, test, confirmCount, stepUp }: {
  page: PageProps; script: Script; choices: TargetChoices; values: FormValues; errors?: FieldErrors; test: boolean; confirmCount?: number; stepUp?: StepUpPrompt
}) {
  const params = (values.parameters ?? {}) as Record<string, unknown>
  return (
    <Layout page={page} title={`Run ${script.name}`}>
      <PageHeader title={test ? `Test run: ${script.name}` : `Run: ${script.name}`} subtitle={`Version ${script.version} · ${script.language} · times out after ${script.timeoutSeconds} s`}>
        <OsBadges os={script.osTypes} />
      </PageHeader>
      <ScriptTabs script={script} current="run" />
      <form class="card stack" method="post" action={`/scripts/${script.id}/run`}>
        <Csrf token={page.csrf} />
        {test ? <input type="hidden" name="test" value="1" /> : ''}
        <FormError errors={errors} />
        {confirmCount
          ? (
            <div class="callout warn">
              <p>This run reaches <strong>{confirmCount}</strong> devices. Run it on all of them?</p>
              <label class="check"><input type="checkbox" name="confirmCount" value={String(confirmCount)} required /> Yes, run on {confirmCount} devices</label>
            </div>
          )
          : ''}
        <KeptConfirmCount values={values} asking={!!confirmCount} />
        <StepUpPromptBox prompt={stepUp} errors={errors} secretsHint={script.parameters.some((p) => p.type === 'secret')} />
        <h2>Targets</h2>
        {choices.devices.length + choices.groups.length + choices.sites.length === 0
          ? <EmptyState title="No devices to run on" text="Enroll a device first, then come back to run this script on it." action={{ href: '/devices/add', label: 'Add device' }} />
          : ''}
        <Checklist name="deviceIds" label={test ? 'Device (pick one)' : 'Devices'} items={choices.devices} checked={list(values.deviceIds)} />
        {test ? '' : <Checklist name="groupIds" label="Device groups" items={choices.groups} checked={list(values.groupIds)} />}
        {test ? '' : <Checklist name="siteIds" label="Sites" items={choices.sites} checked={list(values.siteIds)} />}
        {test ? '' : <Checklist name="orgIds" label="Whole organizations" items={choices.orgs} checked={list(values.orgIds)} />}
        {errors?.targets ? <div class="error" safe>{errors.targets}</div> : ''}
        {script.parameters.length ? <h2>Parameters</h2> : ''}
        {script.parameters.map((p) => {
          const field = `parameters.${p.name}`
          const id = `f-param-${p.name}`
          const given = params[p.name] ?? (p.type === 'secret' ? undefined : p.default)
          const error = errors?.[`parameters/${p.name}`]
          return (
            <div class="field">
              <label for={id}><span safe>{p.label || p.name}</span>{p.required ? ' *' : ''} <span class="mono small muted" safe>{p.name}</span></label>
              {p.type === 'select'
                ? <select id={id} name={field}>{(p.options ?? []).map((o) => <option value={o} selected={String(given) === o} safe>{o}</option>)}</select>
                : p.type === 'boolean'
                  ? <select id={id} name={field}><option value="true" selected={String(given) === 'true'}>true</option><option value="false" selected={String(given) !== 'true'}>false</option></select>
                  : <input id={id} name={field} type={p.type === 'secret' ? 'password' : p.type === 'number' ? 'number' : 'text'} step={p.type === 'number' ? 'any' : undefined} value={p.type === 'secret' || given === undefined || given === null ? undefined : String(given)} autocomplete="off" />}
              {p.description ? <div class="hint" safe>{p.description}</div> : ''}
              {p.type === 'secret' ? <div class="hint">Secret: sent to the device only, never shown again or logged.</div> : ''}
              {error ? <div class="error" safe>{error}</div> : ''}
            </div>
          )
        })}
        <h2>Offline devices</h2>
        <div class="grid-2">
          <div class="field">
            <label for="f-offline">When a device is offline</label>
            <select id="f-offline" name="offline">
              <option value="queue" selected={values.offline !== 'skip'}>Run it when the device comes back</option>
              <option value="skip" selected={values.offline === 'skip'}>Skip the device</option>
            </select>
          </div>
          <div class="field">
            <label for="f-expires">Give up after (minutes)</label>
            <input id="f-expires" name="expiresInMinutes" type="number" min="1" max="43200" value={String(values.expiresInMinutes ?? 1440)} />
            <div class="hint">A queued run not started by then is dropped.</div>
          </div>
        </div>
        <div><button class="btn primary" type="submit">{stepUp && !stepUp.needsEnrolment ? 'Confirm and run' : test ? 'Test run' : 'Run script'}</button></div>
      </form>
    </Layout>
  )
}

function ExecutionTable({ rows, showScript }: { rows: ExecutionRow[]; showScript: boolean }) {
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>Device</th>{showScript ? <th>Script</th> : ''}<th>Status</th><th>Exit</th><th>Duration</th><th>By</th><th>Started</th></tr></thead>
        <tbody>
          {rows.map((e) => (
            <tr id={`execution-${e.id}`}>
              <td><a href={`/executions/${e.id}`} safe>{e.hostname ?? 'removed device'}</a>{e.errorMessage && e.status === 'skipped' ? <div class="small muted" safe>{e.errorMessage}</div> : ''}</td>
              {showScript ? <td>{e.scriptId ? <a href={`/scripts/${e.scriptId}`} safe>{e.scriptName}</a> : <span><span class="badge">command</span> <code safe>{e.scriptName}</code></span>}</td> : ''}
              <td><StatusBadge status={e.status} /></td>
              <td class="mono" safe>{e.exitCode === null ? '—' : String(e.exitCode)}</td>
              <td safe>{duration(e)}</td>
              <td class="small" safe>{e.userName ?? 'system'}</td>
              <td><Time ms={e.startedAt ?? e.createdAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function BatchPage({ page, batch, executions, counts, parameters, canRun }: {
  page: PageProps; batch: Batch; executions: ExecutionRow[]; counts: Record<string, number>; parameters: Record<string, unknown>; canRun: boolean
}) {
  const running = executions.some((e) => !finished.has(e.status))
  return (
    <Layout page={page} title={`Run of ${batch.scriptName}`}>
      <PageHeader title={batch.command ? `Command: ${batch.scriptName}` : `Run of ${batch.scriptName}`} subtitle={`${batch.command ? batch.command.shell : `Version ${batch.scriptVersion}`} on ${batch.deviceCount} device${batch.deviceCount === 1 ? '' : 's'}`}>
        {batch.scriptId ? <a class="btn" href={`/scripts/${batch.scriptId}`}>Script</a> : ''}
        {canRun ? <PostButton action={`/script-runs/${batch.id}/rerun`} csrf={page.csrf} label="Run again" fields={batch.deviceCount > 50 ? { confirmCount: String(batch.deviceCount) } : {}} confirm={`Run ${batch.scriptName} again on ${batch.deviceCount} device(s) with the same parameters?`} /> : ''}
      </PageHeader>
      <section class="card" id="batch-summary" hx-get={`/script-runs/${batch.id}`} hx-select="#batch-body" hx-target="#batch-body" hx-swap="outerHTML" hx-trigger={running ? 'live:execution from:body throttle:1s' : 'none'}>
        <p class="row">{Object.entries(counts).map(([status, n]) => <span><StatusBadge status={status} /> {n}</span>)}</p>
        <dl class="props">
          <dt>Started</dt><dd><Time ms={batch.createdAt} /></dd>
          <dt>Trigger</dt><dd>{batch.triggerType}</dd>
          <dt>Offline devices</dt><dd>{batch.offline === 'queue' ? <>queued until <Time ms={batch.expiresAt} /></> : 'skipped'}</dd>
          {batch.command
            ? <><dt>Command</dt><dd><pre class="output command-line" safe>{batch.command.command}</pre></dd></>
            : <><dt>Parameters</dt><dd>{Object.keys(parameters).length ? <code safe>{Object.entries(parameters).map(([k, v]) => `${k}=${String(v)}`).join('  ')}</code> : <span class="muted">none</span>}</dd></>}
        </dl>
      </section>
      <section class="card flush" id="batch-body">
        <ExecutionTable rows={executions} showScript={false} />
      </section>
    </Layout>
  )
}

export type HistoryQuery = { scriptId?: string; deviceId?: string; userId?: string; status?: string; from?: string; to?: string }

export function ExecutionsPage({ page, rows, query, nextBefore, scripts, script }: {
  page: PageProps; rows: ExecutionRow[]; query: HistoryQuery; nextBefore: string | null; scripts: { id: string; name: string }[]; script?: Script
}) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as [string, string][])
  const base = script ? `/scripts/${script.id}/runs` : '/executions'
  return (
    <Layout page={page} title={script ? `Runs of ${script.name}` : 'Script runs'}>
      <PageHeader title={script ? script.name : 'Script runs'} subtitle="Every execution on every device, newest first." />
      {script ? <ScriptTabs script={script} current="runs" /> : ''}
      <form class="filters" method="get" action={base}>
        {script ? '' : (
          <div class="field"><label for="f-script">Script</label>
            <select id="f-script" name="scriptId"><option value="">Any</option>{scripts.map((s) => <option value={s.id} selected={query.scriptId === s.id} safe>{s.name}</option>)}</select>
          </div>
        )}
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status" name="status"><option value="">Any</option>{executionStatuses.map((s) => <option value={s} selected={query.status === s} safe>{s}</option>)}</select>
        </div>
        <div class="field"><label for="f-from">From</label><input id="f-from" type="date" name="from" value={query.from} /></div>
        <div class="field"><label for="f-to">To</label><input id="f-to" type="date" name="to" value={query.to} /></div>
        {query.deviceId ? <input type="hidden" name="deviceId" value={query.deviceId} /> : ''}
        {query.userId ? <input type="hidden" name="userId" value={query.userId} /> : ''}
        <button class="btn" type="submit">Filter</button>
        <a class="btn" href={`${base}/export.csv?${new URLSearchParams([...params].filter(([k]) => k !== 'before'))}`} hx-boost="false" download="script-runs.csv" id="runs-export">Export CSV</a>
      </form>
      <section class="card flush" hx-get={`${base}?${params}`} hx-select="#history-body" hx-target="#history-body" hx-swap="outerHTML" hx-trigger="live:execution from:body throttle:2s">
        <div id="history-body">
          {rows.length === 0
            ? <EmptyState title="No runs yet" text="Run a script from the library on a device, and its result shows up here." action={{ href: '/scripts', label: 'Script library' }} />
            : <ExecutionTable rows={rows} showScript={!script} />}
          {nextBefore ? <div class="pagination"><a class="btn small" href={`${base}?${new URLSearchParams({ ...Object.fromEntries(params), before: nextBefore })}`}>Older</a></div> : ''}
        </div>
      </section>
    </Layout>
  )
}

export function ExecutionPage({ page, execution, batch, parameters, canCancel, inlineLimit }: {
  page: PageProps; execution: ExecutionRow; batch: Batch; parameters: Record<string, unknown>; canCancel: boolean; inlineLimit: number
}) {
  const live = !finished.has(execution.status)
  return (
    <Layout page={page} title={`${execution.scriptName} on ${execution.hostname ?? 'device'}`}>
      <PageHeader title={batch.command ? `Command: ${execution.scriptName}` : execution.scriptName} subtitle={`on ${execution.hostname ?? 'a removed device'}`}>
        <a class="btn" href={`/script-runs/${batch.id}`}>Whole run</a>
        <span id="execution-actions">{canCancel && live ? <PostButton action={`/executions/${execution.id}/cancel`} csrf={page.csrf} label="Cancel" danger confirm={batch.command ? 'Stop this command on the device?' : 'Stop this script on the device?'} /> : ''}</span>
      </PageHeader>
      <ExecutionSummary execution={execution} batch={batch} parameters={parameters} />
      <section class="card">
        <h2>Output</h2>
        <ExecutionOutput execution={execution} inlineLimit={inlineLimit} />
      </section>
    </Layout>
  )
}

/** ExecutionSummary: status, exit code, times and what ran (#execution-summary: the live output refreshes it from the execution's page). */
export function ExecutionSummary({ execution, batch, parameters }: { execution: ExecutionRow; batch: Batch; parameters: Record<string, unknown> }) {
  return (
    <section class="card" id="execution-summary">
      <dl class="props">
        <dt>Status</dt><dd><StatusBadge status={execution.status} />{execution.errorMessage ? <span class="small muted" safe> {execution.errorMessage}</span> : ''}</dd>
        <dt>Exit code</dt><dd class="mono" safe>{execution.exitCode === null ? '—' : String(execution.exitCode)}</dd>
        <dt>Duration</dt><dd safe>{duration(execution)}</dd>
        <dt>Queued</dt><dd><Time ms={execution.createdAt} /></dd>
        <dt>Started</dt><dd><Time ms={execution.startedAt} /></dd>
        <dt>Finished</dt><dd><Time ms={execution.completedAt} /></dd>
        <dt>By</dt><dd safe>{execution.userName ?? 'system'}</dd>
        {batch.command
          ? <><dt>Command</dt><dd><span class="small muted" safe>{`${batch.command.shell}, as ${batch.command.runAs}, times out after ${batch.command.timeoutSeconds} s`}</span><pre class="output command-line" safe>{batch.command.command}</pre></dd></>
          : <>
            <dt>Script version</dt><dd safe>{String(batch.scriptVersion ?? '—')}</dd>
            <dt>Parameters</dt><dd>{Object.keys(parameters).length ? <code safe>{Object.entries(parameters).map(([k, v]) => `${k}=${String(v)}`).join('  ')}</code> : <span class="muted">none</span>}</dd>
          </>}
        <dt>Output</dt><dd>{execution.outputBytes} bytes{execution.truncated ? ' (truncated)' : ''}{execution.outputBlobKey ? <> · <a href={`/api/v1/executions/${execution.id}/output`} hx-boost="false">download the full output</a></> : ''}</dd>
      </dl>
    </section>
  )
}

/** ExecutionOutput: the output so far, streaming live while the execution runs. */
export function ExecutionOutput({ execution, inlineLimit }: { execution: ExecutionRow; inlineLimit: number }) {
  const live = !finished.has(execution.status)
  return (
    <>
      {execution.outputBytes > inlineLimit ? <p class="small muted">The first {Math.round(inlineLimit / 1024)} KiB are shown; download the full output above.</p> : ''}
      <pre class="output" id="output" x-data={live ? 'liveOutput' : 'ansiOutput'} data-stream={live ? `/executions/${execution.id}/stream` : undefined} data-page={`/executions/${execution.id}`} data-status={execution.status}>
        {execution.stdout ? <span class="stdout" safe>{execution.stdout}</span> : ''}{execution.stderr ? <span class="stderr" safe>{execution.stderr}</span> : ''}
      </pre>
    </>
  )
}
