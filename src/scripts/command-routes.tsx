// One-off commands: POST /api/v1/commands and GET /api/v1/commands/:id, the device's Run
// command tab (output streamed in place) and the form for many devices from the device list.
import { Elysia, t } from 'elysia'
import { CommandResult, CommandsPage, DeviceCommandTab } from '../../views/scripts/commands'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { deviceHeader } from '../devices/header'
import { listDevices } from '../devices/repo'
import { getDevice } from '../devices/service'
import { deviceVisibility } from '../devices/visibility'
import { AppError, NotFoundError } from '../lib/errors'
import { getScriptOutputSettings } from '../settings/service'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, formObject, type FieldErrors, type FormValues } from '../web/forms'
import { isHtmx } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { runCommand, type CommandInput } from './commands'
import { stepUpPromptOf } from '../auth/fleet-guard'
import { stepUp } from '../auth/step-up'
import type { StepUpPrompt } from '../../views/components/step-up'
import { ConfirmationRequiredError } from './execute'
import { getBatch, getExecution, searchExecutions } from './executions'
import { commandBody, commandForm, type CommandBody } from './run-model'

const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
const tags = ['commands']

function toInput(b: Omit<CommandBody, 'orgId' | 'groupIds' | 'siteIds'> & { orgId?: string; groupIds?: string[]; siteIds?: string[] }): CommandInput {
  return {
    shell: b.shell, command: b.command, timeoutSeconds: b.timeoutSeconds ?? 300, runAs: b.runAs ?? 'system',
    targets: { deviceIds: b.deviceIds, groupIds: b.groupIds, siteIds: b.siteIds, orgIds: b.orgId ? [b.orgId] : undefined },
    offline: b.offline, expiresInMinutes: b.expiresInMinutes, confirmCount: b.confirmCount,
  }
}

/** The API form of a command's run: what ran, and each device's status, exit code and output. */
async function publicCommand(ctx: AppContext, actor: UserActor, id: string) {
  const run = await getBatch(ctx, actor, id)
  if (!run.batch.command) throw new NotFoundError('command')
  const b = run.batch
  return {
    id: b.id, shell: b.command!.shell, command: b.command!.command, timeoutSeconds: b.command!.timeoutSeconds, runAs: b.command!.runAs,
    deviceCount: b.deviceCount, offline: b.offline, expiresAt: b.expiresAt, createdBy: b.triggeredBy, createdAt: b.createdAt, counts: run.counts,
    devices: run.executions.map((e) => ({
      executionId: e.id, deviceId: e.deviceId, hostname: e.hostname, status: e.status, exitCode: e.exitCode, errorMessage: e.errorMessage,
      stdout: e.stdout, stderr: e.stderr, outputBytes: Number(e.outputBytes), truncated: e.truncated, startedAt: e.startedAt, completedAt: e.completedAt,
    })),
  }
}

export function commandRoutes(ctx: AppContext) {
  async function deviceTab(c: PageContext, id: string, opts: { values?: FormValues; errors?: FieldErrors; result?: JSX.Element } = {}, status = 200) {
    const actor = userOf(c.actor)
    await getDevice(ctx, actor, id, 'devices:command')
    const h = await deviceHeader(ctx, actor, id)
    const { rows } = await searchExecutions(ctx, actor, { deviceId: id, kind: 'command' }, 10)
    return render(c, <DeviceCommandTab page={await pageProps(ctx, c)} h={h} recent={rows} values={opts.values ?? {}} errors={opts.errors} result={opts.result} />, status)
  }

  async function manyPage(c: PageContext, deviceIds: string[], opts: { values?: FormValues; errors?: FieldErrors; confirmCount?: number; stepUp?: StepUpPrompt } = {}, status = 200) {
    const actor = userOf(c.actor)
    const v = deviceVisibility(actor.scope, 'devices:command')
    const { rows } = deviceIds.length ? await listDevices(ctx.db, v, { ids: deviceIds }, { sort: 'name', order: 'asc', limit: 10_000 }) : { rows: [] }
    const devices = rows.map((d) => ({ id: d.id, label: d.displayName ?? d.hostname, detail: `${d.osType} · ${d.status} · ${d.orgName} / ${d.siteName}` }))
    return render(c, <CommandsPage page={await pageProps(ctx, c)} devices={devices} values={opts.values ?? {}} errors={opts.errors} confirmCount={opts.confirmCount} stepUp={opts.stepUp} />, status)
  }

  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? v.split(',') : [])

  return new Elysia({ name: 'breeze.scripts.commands' })
    .use(actorPlugin(ctx))
    // ---- pages ----
    .get('/devices/:id/command', (c) => deviceTab(c, c.params.id), { params: idParams })
    .post('/devices/:id/command', async (c) => {
      const id = c.params.id
      const values = formObject(commandForm, c.body)
      const form = checkValues(commandForm, { ...values, deviceIds: [id] })
      const inlineLimit = (await getScriptOutputSettings(ctx)).inlineKiB * 1024
      if (!form.ok) return deviceTab(c, id, { values, errors: form.errors, result: <CommandResult inlineLimit={inlineLimit} error={Object.values(form.errors)[0]} /> }, 400)
      try {
        const { batch, executions } = await runCommand(ctx, userOf(c.actor), toInput(form.value))
        const execution = await getExecution(ctx, userOf(c.actor), executions[0].id)
        if (!isHtmx(c.request)) return redirect(c, `/executions/${execution.id}`)
        return deviceTab(c, id, { values, result: <CommandResult execution={execution} batch={batch} inlineLimit={inlineLimit} /> })
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
        return deviceTab(c, id, { values, errors: fieldErrorsOf(err), result: <CommandResult inlineLimit={inlineLimit} error={err.message} /> }, err.status)
      }
    }, { params: idParams })
    /** Many devices: the device list's "Run command" posts its selection here (GET takes ?deviceIds=a,b). */
    .get('/commands/new', (c) => manyPage(c, list((c.query as Record<string, unknown>).deviceIds)))
    .post('/commands', async (c) => {
      const values = formObject(commandForm, c.body)
      const deviceIds = list(values.deviceIds)
      // The device list's bulk bar arrives without a command: show the form for its selection.
      if (values.command === undefined) return manyPage(c, deviceIds)
      const form = checkValues(commandForm, values)
      if (!form.ok) return manyPage(c, deviceIds, { values, errors: form.errors }, 400)
      if (!deviceIds.length) return manyPage(c, deviceIds, { values, errors: { targets: 'choose at least one device' } }, 400)
      // The step-up prompt's code came with the form: confirm it, then run.
      const code = typeof (c.body as Record<string, unknown>)?.stepUpCode === 'string' ? String((c.body as Record<string, unknown>).stepUpCode).slice(0, 32) : ''
      if (code) {
        try {
          await stepUp(ctx, userOf(c.actor), code)
        } catch (err) {
          if (!(err instanceof AppError)) throw err
          const stepUpPrompt = { needsEnrolment: false, message: 'Confirm it is you to run on this many devices: enter a code from your authenticator app.' }
          return manyPage(c, deviceIds, { values, stepUp: stepUpPrompt, errors: { stepUpCode: err.message } }, err.status)
        }
      }
      try {
        const { batch, executions } = await runCommand(ctx, userOf(c.actor), toInput(form.value))
        const skipped = executions.filter((e) => e.status === 'skipped').length
        setFlash(c.cookie, { kind: skipped ? 'info' : 'success', text: `Started on ${executions.length - skipped} device${executions.length - skipped === 1 ? '' : 's'}${skipped ? `; ${skipped} skipped (see why below)` : ''}.` })
        return redirect(c, executions.length === 1 ? `/executions/${executions[0].id}` : `/script-runs/${batch.id}`)
      } catch (err) {
        if (err instanceof ConfirmationRequiredError) return manyPage(c, deviceIds, { values, confirmCount: err.count }, 409)
        // Fleet-wide without a recent step-up (or MFA): the form stays filled and asks for the code.
        const prompt = stepUpPromptOf(err)
        if (prompt) return manyPage(c, deviceIds, { values, stepUp: prompt }, 403)
        if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
        return manyPage(c, deviceIds, { values, errors: fieldErrorsOf(err) }, err.status)
      }
    })

    // ---- API ----
    .post('/api/v1/commands', async (c) => {
      const actor = userOf(c.actor)
      const { batch, executions } = await runCommand(ctx, actor, toInput(c.body))
      c.set.status = 201
      return { id: batch.id, deviceCount: batch.deviceCount, executions: executions.map((e) => ({ id: e.id, deviceId: e.deviceId, status: e.status, reason: e.status === 'skipped' ? e.errorMessage : null })) }
    }, { body: commandBody, detail: { summary: 'Run a one-off shell or PowerShell command on devices, groups, sites or an organization (devices:command); more than 50 devices need confirmCount', tags } })
    .get('/api/v1/commands/:id', async (c) => publicCommand(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'A one-off command: what ran and, per device, its status, exit code and output (the first part; /api/v1/executions/:id/output has all of it)', tags } })
}

