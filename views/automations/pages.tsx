// Automation pages: list, one automation in words, the visual editor's shell (the editor itself
// is static/js/automations.js over the JSON API), and a run's per-step log.
import type { Automation, AutomationRun, RunStep } from '../../src/automations/repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, PostButton } from '../components/form'
import { Layout } from '../layout'

type Row = { id: string; name: string; enabled: boolean; owner: string; trigger: string; triggerType: string; steps: number; runCount: number; last: { status: string; at: number } | null }

const triggerLabels: Record<string, string> = { schedule: 'Schedule', event: 'Event', webhook: 'Webhook', manual: 'Manual' }

export function AutomationsPage({ page, rows, query, canCreate }: { page: PageProps; rows: Row[]; query: { search?: string; trigger?: string }; canCreate: boolean }) {
  return (
    <Layout page={page} title="Automations">
      <PageHeader title="Automations" subtitle="Workflows that run on a schedule, on events, from a webhook or by hand">
        {canCreate ? <a class="btn primary" href="/automations/new">New automation</a> : ''}
      </PageHeader>
      <form class="filters" method="get" action="/automations" hx-boost="false">
        <div class="field"><label for="q-search">Search</label><input id="q-search" type="search" name="search" value={query.search} /></div>
        <div class="field">
          <label for="q-trigger">Trigger</label>
          <select id="q-trigger" name="trigger">
            <option value="">Any</option>
            {Object.entries(triggerLabels).map(([v, l]) => <option value={v} selected={query.trigger === v} safe>{l}</option>)}
          </select>
        </div>
        <button class="btn" type="submit">Filter</button>
        <button class="btn" type="submit" formaction="/automations/export.csv" id="automations-export">Export CSV</button>
      </form>
      {rows.length === 0
        ? <div class="card"><EmptyState title="No automations yet" text="An automation runs steps — scripts, notifications, device changes, waits and conditions — when its trigger fires." action={canCreate ? { href: '/automations/new', label: 'New automation' } : undefined} /></div>
        : (
          <section class="card flush table-wrap">
            <table>
              <thead><tr><th>Name</th><th>Belongs to</th><th>Trigger</th><th>Steps</th><th>Last run</th><th>Runs</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td><a href={`/automations/${r.id}`} safe>{r.name}</a> {r.enabled ? '' : <span class="badge">disabled</span>}</td>
                    <td safe>{r.owner}</td>
                    <td><span class="badge info" safe>{triggerLabels[r.triggerType] ?? r.triggerType}</span> <span class="small muted" safe>{r.trigger}</span></td>
                    <td>{r.steps}</td>
                    <td>{r.last ? <><StatusBadge status={r.last.status} /> <Time ms={r.last.at} /></> : <span class="muted">never</span>}</td>
                    <td>{r.runCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
    </Layout>
  )
}

type StepLine = { path: string; depth: number; text: string; type: string; warning: string | null }
type Choice = { id: string; label: string }

export function AutomationPage(p: {
  page: PageProps; automation: Automation; trigger: string; conditions: string[]; steps: StepLine[]; runs: AutomationRun[]; canEdit: boolean; canRun: boolean
  devices: Choice[]; orgs: Choice[]; webhookUrl: string | null; schedule: { at: string; local: string }[]; secret: string | null
}) {
  const a = p.automation
  return (
    <Layout page={p.page} title={a.name}>
      <PageHeader title={a.name} subtitle={a.description || `Version ${a.version}`}>
        {a.enabled ? <span class="badge ok">enabled</span> : <span class="badge">disabled</span>}
        {p.canEdit ? <a class="btn" href={`/automations/${a.id}/edit`}>Edit</a> : ''}
        {p.canEdit ? <PostButton action={`/automations/${a.id}/${a.enabled ? 'disable' : 'enable'}`} csrf={p.page.csrf} label={a.enabled ? 'Disable' : 'Enable'} /> : ''}
        {p.canEdit ? <PostButton action={`/automations/${a.id}/delete`} csrf={p.page.csrf} label="Delete" danger confirm="Delete this automation? Its past runs are kept." /> : ''}
      </PageHeader>
      {p.secret
        ? (
          <div class="callout warn" role="status">
            <p><strong>New webhook secret.</strong> Copy it now: it is not shown again.</p>
            <div class="secret" id="webhook-secret" safe>{p.secret}</div>
          </div>
        )
        : ''}
      <div class="grid-2">
        <section class="card">
          <h2>Trigger</h2>
          <p safe>{p.trigger}</p>
          {p.schedule.length ? <><p class="small muted">Next runs:</p><ul class="small">{p.schedule.map((n) => <li safe>{n.local}</li>)}</ul></> : ''}
          {p.webhookUrl
            ? (
              <div class="stack-sm">
                <label for="webhook-url">Webhook URL</label>
                <div class="secret" id="webhook-url" safe>{p.webhookUrl}</div>
                <p class="small muted">POST with X-Breeze-Timestamp and X-Breeze-Signature: sha256=HMAC-SHA256(secret, "timestamp.body"). A JSON body may name a deviceId. See docs/automations.md.</p>
                {p.canEdit ? <PostButton action={`/automations/${a.id}/webhook-secret`} csrf={p.page.csrf} label="Issue a new secret" small confirm="The old secret stops working at once. Continue?" /> : ''}
              </div>
            )
            : ''}
          {p.conditions.length ? <><h3>Conditions</h3><ul>{p.conditions.map((x) => <li safe>{x}</li>)}</ul></> : ''}
          <p class="small muted">On failure: {a.onFailure === 'stop' ? 'stop the run' : a.onFailure === 'continue' ? 'carry on with the next step' : 'stop and notify'}.</p>
        </section>
        <section class="card">
          <h2>Steps</h2>
          <ol class="auto-steps">
            {p.steps.map((s) => (
              <li class={`depth-${Math.min(s.depth, 5)}`}>
                <span class="badge" safe>{s.type.replace('_', ' ')}</span> <span safe>{s.text}</span>
                {s.warning ? <div class="callout warn small" safe>{s.warning}</div> : ''}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {p.canRun
        ? (
          <section class="card">
            <h2>Run it now</h2>
            <div class="grid-2">
              <form method="post" action={`/automations/${a.id}/run`} class="stack-sm">
                <Csrf token={p.page.csrf} />
                {p.orgs.length ? <div class="field"><label for="run-org">Organization</label><select id="run-org" name="orgId">{p.orgs.map((o) => <option value={o.id} safe>{o.label}</option>)}</select></div> : ''}
                <div class="field">
                  <label for="run-device">About a device (optional)</label>
                  <select id="run-device" name="deviceId"><option value="">No device</option>{p.devices.map((d) => <option value={d.id} safe>{d.label}</option>)}</select>
                </div>
                <button class="btn primary" type="submit">Run now</button>
              </form>
              <form method="post" action={`/automations/${a.id}/run`} class="stack-sm">
                <Csrf token={p.page.csrf} />
                <input type="hidden" name="test" value="1" />
                <div class="field">
                  <label for="test-device">Test run on one device</label>
                  <select id="test-device" name="deviceId" required><option value="">Choose a device</option>{p.devices.map((d) => <option value={d.id} safe>{d.label}</option>)}</select>
                  <div class="hint">Every step acts on this device only; waits are cut to 5 s and messages are marked [TEST].</div>
                </div>
                <button class="btn" type="submit">Test run</button>
              </form>
            </div>
          </section>
        )
        : ''}
      <section class="card flush">
        <h2 class="card-title">Recent runs</h2>
        <RunsTable runs={p.runs} />
      </section>
    </Layout>
  )
}

function RunsTable({ runs }: { runs: AutomationRun[] }) {
  if (runs.length === 0) return <div class="pad muted">No runs yet.</div>
  return (
    <table>
      <thead><tr><th>Started</th><th>Status</th><th>Trigger</th><th>Devices</th><th>Note</th></tr></thead>
      <tbody>
        {runs.map((r) => (
          <tr>
            <td><a href={`/automation-runs/${r.id}`}><Time ms={r.createdAt} /></a></td>
            <td><StatusBadge status={r.status} />{r.test ? <span class="badge info">test</span> : ''}</td>
            <td class="small" safe>{r.triggeredBy}</td>
            <td class="small">{r.devicesTargeted ? `${r.devicesSucceeded} ok, ${r.devicesFailed} failed` : '—'}</td>
            <td class="small muted truncate" safe>{r.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function AutomationEditorPage({ page, automation, owners, owner }: { page: PageProps; automation: { id: string; name: string } | null; owners: { value: string; label: string }[]; owner: string }) {
  const title = automation ? `Edit ${automation.name}` : 'New automation'
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle="Trigger on top, then the steps in order; conditions branch into then/else. Problems show as you type." />
      {!automation && owners.length === 0
        ? <div class="card"><EmptyState title="Nowhere to create automations" text="You need the automations:write permission in an organization." /></div>
        : (
          <div id="automation-editor" class="stack" x-data="automationEditor" data-automation-id={automation?.id ?? ''} data-owner={owner}>
            {!automation && owners.length > 1
              ? (
                <div class="card field">
                  <label for="f-owner">Belongs to</label>
                  <select id="f-owner" data-owner-select="">{owners.map((o) => <option value={o.value} selected={o.value === owner} safe>{o.label}</option>)}</select>
                </div>
              )
              : ''}
            <noscript><div class="callout warn">The visual editor needs JavaScript. The same definitions can be sent to /api/v1/automations.</div></noscript>
            <div data-editor-root="" class="stack"><p class="muted">Loading the editor…</p></div>
          </div>
        )}
    </Layout>
  )
}

type RunProps = { run: AutomationRun; steps: RunStep[]; automationName: string; automationId: string | null; canCancel: boolean }

const unfinished = new Set(['queued', 'running', 'waiting'])

export function RunPage(p: RunProps & { page: PageProps }) {
  const r = p.run
  return (
    <Layout page={p.page} title={`Run of ${p.automationName}`}>
      <PageHeader title={`Run of ${p.automationName}`} subtitle={`Started ${new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' ')} UTC · ${r.triggeredBy}`}>
        {p.automationId ? <a class="btn" href={`/automations/${p.automationId}`}>Automation</a> : ''}
      </PageHeader>
      <div id="run-live" hx-get={`/automation-runs/${r.id}`} hx-trigger={unfinished.has(r.status) ? 'live:automation.run from:body, every 5s' : 'live:automation.run from:body'} hx-target="this" hx-swap="innerHTML">
        <RunSteps {...p} csrf={p.page.csrf} />
      </div>
    </Layout>
  )
}

/** The live part of a run page: status, counts and the step log. */
export function RunSteps(p: RunProps & { csrf: string }) {
  const r = p.run
  return (
    <div class="stack">
      {p.canCancel && unfinished.has(r.status) ? <div class="row"><PostButton action={`/automation-runs/${r.id}/cancel`} csrf={p.csrf} label="Cancel run" danger confirm="Stop this run? Steps already done are not undone." /></div> : ''}
      <section class="card row stats">
        <div class="stat"><span class="label">Status</span><span id="run-status" data-status={r.status}><StatusBadge status={r.status} />{r.test ? <span class="badge info">test run</span> : ''}</span></div>
        <div class="stat"><span class="label">Devices</span><span class="value">{r.devicesTargeted}</span></div>
        <div class="stat"><span class="label">Succeeded</span><span class="value">{r.devicesSucceeded}</span></div>
        <div class="stat"><span class="label">Failed</span><span class="value">{r.devicesFailed}</span></div>
        <div class="stat"><span class="label">Finished</span><Time ms={r.completedAt} /></div>
      </section>
      {r.error ? <div class={`callout ${r.status === 'skipped' ? '' : 'bad'}`} safe>{r.error}</div> : ''}
      <section class="card flush">
        <h2 class="card-title">Steps</h2>
        {p.steps.length === 0
          ? <div class="pad muted">{r.status === 'queued' ? 'Queued: waiting for a free slot in this organization.' : 'No step has run.'}</div>
          : (
            <ol class="run-log">
              {p.steps.map((s) => <StepEntry step={s} />)}
            </ol>
          )}
      </section>
    </div>
  )
}

type ExecutionLine = { executionId: string; deviceId: string; hostname: string | null; status: string; exitCode: number | null; error: string | null }
type ChannelLine = { channel: string; type: string; ok: boolean; error: string | null }

const stepKinds: Record<string, string> = { succeeded: 'ok', failed: 'bad', waiting: 'info', running: 'info', disabled: 'warn', skipped: '' }

function StepBadge({ status }: { status: string }) {
  return <span class={`badge ${stepKinds[status] ?? ''}`} safe>{status}</span>
}

function StepEntry({ step }: { step: RunStep }) {
  const depth = (step.path.split('.').length - 1) / 2
  const d = step.details as { executions?: ExecutionLine[]; channels?: ChannelLine[]; clauses?: string[]; ticketId?: string; number?: number; childRunId?: string }
  return (
    <li class={`run-step depth-${Math.min(depth, 5)}`} data-step={step.stepId} data-step-status={step.status}>
      <div class="row">
        <strong safe>{step.title}</strong> <StepBadge status={step.status} /> <span class="small muted mono" safe>{step.path}</span>
      </div>
      <div safe>{step.summary}</div>
      {d.clauses?.length ? <ul class="small">{d.clauses.map((c) => <li class="mono" safe>{c}</li>)}</ul> : ''}
      {d.executions?.length
        ? (
          <table class="small">
            <thead><tr><th>Device</th><th>Status</th><th>Exit code</th><th></th></tr></thead>
            <tbody>
              {d.executions.map((e) => (
                <tr>
                  <td safe>{e.hostname ?? e.deviceId}</td>
                  <td><StatusBadge status={e.status} /></td>
                  <td>{e.exitCode ?? '—'}</td>
                  <td><a href={`/executions/${e.executionId}`}>Output</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : ''}
      {d.channels?.length ? <ul class="small">{d.channels.map((ch) => <li><span safe>{ch.channel}</span> <span safe>{`(${ch.type}):`}</span> {ch.ok ? 'sent' : <span safe>{`failed: ${ch.error ?? ''}`}</span>}</li>)}</ul> : ''}
      {d.childRunId ? <a class="small" href={`/automation-runs/${d.childRunId}`}>The child run</a> : ''}
      {d.ticketId ? <a class="small" href={`/tickets/${d.ticketId}`} safe>{`Ticket #${d.number ?? ''}`}</a> : ''}
    </li>
  )
}
