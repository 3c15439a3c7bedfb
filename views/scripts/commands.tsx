// One-off commands: the device's Run command tab (type a line, watch its output stream in place,
// the device's recent commands below) and the same form for many devices chosen in the list.
import type { Batch, ExecutionRow } from '../../src/scripts/execution-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, FormError } from '../components/form'
import { DeviceLayout, type DeviceHeader } from '../devices/detail'
import { Layout } from '../layout'
import { KeptConfirmCount, StepUpPromptBox, type StepUpPrompt } from '../components/step-up'
import { ExecutionOutput, ExecutionSummary } from './runs'

const shells = [['bash', 'Bash'], ['sh', 'sh'], ['powershell', 'PowerShell'], ['cmd', 'cmd.exe']] as const

/** The shell a device's form starts with. */
export const defaultShell = (osType: string) => (osType === 'windows' ? 'powershell' : 'bash')

function CommandFields({ values, errors, shell }: { values: FormValues; errors?: FieldErrors; shell: string }) {
  const chosen = String(values.shell ?? shell)
  return (
    <>
      <div class="row">
        <div class="field">
          <label for="f-shell">Shell</label>
          <select id="f-shell" name="shell">{shells.map(([v, label]) => <option value={v} selected={chosen === v}>{label}</option>)}</select>
        </div>
        <div class="field">
          <label for="f-timeout">Time out after (seconds)</label>
          <input id="f-timeout" name="timeoutSeconds" type="number" min="1" max="86400" value={String(values.timeoutSeconds ?? 300)} />
        </div>
        <div class="field">
          <label for="f-runas">Run as</label>
          <select id="f-runas" name="runAs">
            <option value="system" selected={values.runAs !== 'user'}>The agent's account (root / SYSTEM)</option>
            <option value="user" selected={values.runAs === 'user'}>The logged-in user</option>
          </select>
        </div>
      </div>
      <div class="field">
        <label for="f-command">Command</label>
        <textarea id="f-command" name="command" rows="3" class="mono" required spellcheck="false" placeholder="uptime" safe>{String(values.command ?? '')}</textarea>
        {errors?.command ? <div class="error" safe>{errors.command}</div> : ''}
        <div class="hint">Runs once, like a script without saving one; its output streams below and is kept in the device's script runs.</div>
      </div>
    </>
  )
}

/** CommandResult: what the device tab shows after Run (live output, the summary refreshing itself). */
export function CommandResult({ execution, batch, inlineLimit, error }: { execution?: ExecutionRow; batch?: Batch; inlineLimit: number; error?: string }) {
  if (error || !execution || !batch) return <div class="callout bad" role="alert" safe>{error ?? 'The command could not be started.'}</div>
  return (
    <div class="stack" data-execution={execution.id}>
      <p class="small"><a href={`/executions/${execution.id}`}>Open this run</a></p>
      <ExecutionSummary execution={execution} batch={batch} parameters={{}} />
      <ExecutionOutput execution={execution} inlineLimit={inlineLimit} />
    </div>
  )
}

function RecentCommands({ rows }: { rows: ExecutionRow[] }) {
  if (rows.length === 0) return <EmptyState title="No commands yet" text="Commands run on this device show up here." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>Command</th><th>Status</th><th>Exit</th><th>By</th><th>When</th></tr></thead>
        <tbody>{rows.map((e) => (
          <tr>
            <td class="mono small truncate"><a href={`/executions/${e.id}`} safe>{e.scriptName}</a></td>
            <td><StatusBadge status={e.status} /></td>
            <td class="mono" safe>{e.exitCode === null ? '—' : String(e.exitCode)}</td>
            <td class="small" safe>{e.userName ?? 'system'}</td>
            <td><Time ms={e.createdAt} /></td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  )
}

/** DeviceCommandTab: the Run command box of one device. */
export function DeviceCommandTab({ page, h, recent, values, errors, result }: { page: PageProps; h: DeviceHeader; recent: ExecutionRow[]; values: FormValues; errors?: FieldErrors; result?: JSX.Element }) {
  const url = `/devices/${h.device.id}/command`
  return (
    <DeviceLayout page={page} h={h} tab="command">
      <form class="card stack" id="command-form" method="post" action={url} hx-post={url} hx-target="#command-result" hx-select="#command-result" hx-swap="outerHTML">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <CommandFields values={values} errors={errors} shell={defaultShell(h.device.osType)} />
        <div><button class="btn primary" type="submit">Run</button></div>
      </form>
      <section class="card" id="command-result" aria-live="polite">{result !== undefined ? result : <p class="muted small">The output appears here as the device sends it.</p>}</section>
      <section class="card flush">
        <h2 class="pad">Recent commands</h2>
        <RecentCommands rows={recent} />
      </section>
    </DeviceLayout>
  )
}

/** CommandsPage: one command on several devices (from the device list's selection). */
export function CommandsPage({ page, devices, values, errors, confirmCount, stepUp }: {
  page: PageProps; devices: { id: string; label: string; detail: string }[]; values: FormValues; errors?: FieldErrors; confirmCount?: number; stepUp?: StepUpPrompt
}) {
  return (
    <Layout page={page} title="Run a command">
      <PageHeader title="Run a command" subtitle={`On ${devices.length} device${devices.length === 1 ? '' : 's'}`} />
      <form class="card stack" method="post" action="/commands">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        {confirmCount
          ? (
            <div class="callout warn">
              <p>This command reaches <strong>{confirmCount}</strong> devices. Run it on all of them?</p>
              <label class="check"><input type="checkbox" name="confirmCount" value={String(confirmCount)} required /> Yes, run on {confirmCount} devices</label>
            </div>
          )
          : ''}
        <KeptConfirmCount values={values} asking={!!confirmCount} />
        <StepUpPromptBox prompt={stepUp} errors={errors} />
        {devices.map((d) => <input type="hidden" name="deviceIds" value={d.id} />)}
        <CommandFields values={values} errors={errors} shell={devices.every((d) => d.detail.startsWith('windows')) && devices.length ? 'powershell' : 'bash'} />
        {errors?.targets ? <div class="error" safe>{errors.targets}</div> : ''}
        <div><button class="btn primary" type="submit">{stepUp && !stepUp.needsEnrolment ? 'Confirm and run' : <>Run on {devices.length} device{devices.length === 1 ? '' : 's'}</>}</button></div>
        <details>
          <summary class="small">The devices</summary>
          <ul class="small">{devices.slice(0, 500).map((d) => <li><span safe>{d.label}</span> <span class="muted" safe>{d.detail}</span></li>)}</ul>
          {devices.length > 500 ? <p class="small muted">and {devices.length - 500} more</p> : ''}
        </details>
      </form>
    </Layout>
  )
}
