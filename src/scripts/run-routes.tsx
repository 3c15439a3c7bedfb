// Running scripts and their history: pages and /api/v1 (execute, executions, runs, cancel,
// re-run, full output download, live output stream).
import { Elysia, t } from 'elysia'
import { BatchPage, ExecutionPage, ExecutionsPage, RunScriptPage, type TargetChoices } from '../../views/scripts/runs'
import type { StepUpPrompt } from '../../views/components/step-up'
import { parseWhen } from '../audit/query'
import type { UserActor } from '../auth/actor'
import { stepUpPromptOf } from '../auth/fleet-guard'
import { stepUp } from '../auth/step-up'
import type { AppContext } from '../context'
import { listGroupsOfOrgs } from '../devices/group-repo'
import { listDevices } from '../devices/repo'
import { deviceVisibility } from '../devices/visibility'
import { getScriptOutputSettings } from '../settings/service'
import { listOrgNames, listSites } from '../tenancy/repo'
import { can, orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { AppError } from '../lib/errors'
import { checkValues, fieldErrorsOf, formObject, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { sseEvent, sseResponse } from '../web/sse'
import { ConfirmationRequiredError, executeScript, type ExecuteInput } from './execute'
import { findBatch, findExecution } from './execution-repo'
import { cancelExecution, displayedParameters, getBatch, getExecution, rerunBatch, searchExecutions } from './executions'
import { getScript, listScripts } from './library'
import { onOutput } from './output'
import { csvExport, isoTime } from '../web/csv'
import { executeBody, executionQuery, rerunBody, runFormFields, runPageQuery, type ExecuteBody, type ExecutionQuery } from './run-model'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })

// note: one encoded copy of each output chunk, shared by every stream watching it.
const encodedChunks = new WeakMap<object, Uint8Array>()
const encoder = new TextEncoder()
function encodedChunk(event: { chunk: { stream: string; data: string } }): Uint8Array {
  let bytes = encodedChunks.get(event)
  if (!bytes) encodedChunks.set(event, bytes = encoder.encode(sseEvent('chunk', event.chunk)))
  return bytes
}

function toInput(b: ExecuteBody): ExecuteInput {
  return {
    targets: { deviceIds: b.deviceIds, groupIds: b.groupIds, siteIds: b.siteIds, orgIds: b.orgIds },
    parameters: b.parameters, offline: b.offline, expiresInMinutes: b.expiresInMinutes, confirmCount: b.confirmCount,
  }
}

function toFilter(q: ExecutionQuery) {
  return { kind: q.kind, scriptId: q.scriptId, deviceId: q.deviceId, userId: q.userId, batchId: q.batchId, status: q.status, from: parseWhen(q.from, 'from'), to: parseWhen(q.to, 'to'), before: q.before }
}

/** What the run form offers: devices, groups, sites and orgs where the user may run scripts. */
async function targetChoices(ctx: AppContext, actor: UserActor, onlyDeviceId?: string): Promise<TargetChoices> {
  const v = deviceVisibility(actor.scope, 'scripts:execute')
  const { rows } = await listDevices(ctx.db, v, onlyDeviceId ? { ids: [onlyDeviceId] } : {}, { sort: 'name', order: 'asc', limit: 500 })
  const orgIds = orgIdsWith(actor.scope, 'scripts:execute')
  const allOrgIds = [...new Set([...orgIds, ...v.siteOrgIds])]
  return {
    devices: rows.map((d) => ({ id: d.id, label: d.displayName ?? d.hostname, detail: `${d.osType} · ${d.status} · ${d.orgName} / ${d.siteName}` })),
    groups: (await listGroupsOfOrgs(ctx.db, allOrgIds)).map((g) => ({ id: g.id, label: g.name })),
    sites: (await listSites(ctx.db, orgIds)).map(({ site }) => ({ id: site.id, label: site.name })),
    orgs: (await listOrgNames(ctx.db, orgIds)).map((o) => ({ id: o.id, label: o.name })),
  }
}

export function scriptRunRoutes(ctx: AppContext) {
  async function runPage(c: PageContext, scriptId: string, opts: { values?: FormValues; errors?: FieldErrors; test: boolean; confirmCount?: number; deviceId?: string; stepUp?: StepUpPrompt }, status = 200) {
    const actor = userOf(c.actor)
    const script = await getScript(ctx, actor, scriptId)
    const values = opts.values ?? (opts.deviceId ? { deviceIds: [opts.deviceId] } : {})
    const { stepUpCode: _code, ...shown } = values
    return render(c, <RunScriptPage page={await pageProps(ctx, c)} script={script} choices={await targetChoices(ctx, actor)} values={shown} errors={opts.errors} test={opts.test} confirmCount={opts.confirmCount} stepUp={opts.stepUp} />, status)
  }

  async function historyPage(c: PageContext, q: ExecutionQuery, scriptId?: string) {
    const actor = userOf(c.actor)
    const script = scriptId ? await getScript(ctx, actor, scriptId) : undefined
    const { rows, nextBefore } = await searchExecutions(ctx, actor, toFilter({ ...q, scriptId: scriptId ?? q.scriptId }), q.limit ?? 50)
    const scripts = script ? [] : (await listScripts(ctx, actor)).map((s) => ({ id: s.id, name: s.name }))
    return render(c, <ExecutionsPage page={await pageProps(ctx, c)} rows={rows} query={q} nextBefore={nextBefore} scripts={scripts} script={script} />)
  }

  /** exportHistory: the run history with the page's filters as CSV (newest first, keyset pages). */
  function exportHistory(c: PageContext, q: ExecutionQuery, scriptId?: string) {
    const actor = userOf(c.actor)
    const filter = toFilter({ ...q, scriptId: scriptId ?? q.scriptId })
    return csvExport(ctx.log, 'script-runs.csv', ['Created', 'Script', 'Device', 'Status', 'Exit code', 'Started', 'Completed', 'By', 'Error', 'Execution'],
      async () => {
        const r = await searchExecutions(ctx, actor, filter, 500)
        filter.before = r.nextBefore ?? undefined
        return { rows: r.rows, perPage: r.nextBefore ? r.rows.length : r.rows.length + 1 }
      },
      (e) => [isoTime(e.createdAt), e.scriptName, e.hostname ?? '', e.status, e.exitCode, isoTime(e.startedAt), isoTime(e.completedAt), e.userName ?? '', e.errorMessage ?? '', e.id])
  }

  return new Elysia({ name: 'breeze.scripts.runs' })
    .use(actorPlugin(ctx))
    // ---- pages ----
    .get('/scripts/:id/run', (c) => runPage(c, c.params.id, { test: c.query.test === '1', deviceId: c.query.deviceId }), { params: idParams, query: runPageQuery })
    .post('/scripts/:id/run', async (c) => {
      const values = formObject(runFormFields, c.body)
      const test = values.test === '1'
      const form = checkValues(runFormFields, values)
      if (!form.ok) return runPage(c, c.params.id, { values, errors: form.errors, test }, 400)
      const f = form.value
      if (!f.deviceIds?.length && !f.groupIds?.length && !f.siteIds?.length && !f.orgIds?.length) return runPage(c, c.params.id, { values, errors: { targets: 'choose at least one device, group, site or organization' }, test }, 400)
      if (test && (f.deviceIds?.length !== 1 || f.groupIds?.length || f.siteIds?.length || f.orgIds?.length)) return runPage(c, c.params.id, { values, errors: { targets: 'a test run is on exactly one device' }, test }, 400)
      // A fleet-wide run asked for a step-up: the form came back with the code; confirm it, then run.
      if (f.stepUpCode) {
        try {
          await stepUp(ctx, userOf(c.actor), f.stepUpCode)
        } catch (err) {
          const prompt = { needsEnrolment: false, message: 'Confirm it is you to run on this many devices: enter a code from your authenticator app.' }
          return runPage(c, c.params.id, { values, test, stepUp: prompt, errors: { stepUpCode: fieldErrorsOf(err).code ?? fieldErrorsOf(err).form ?? 'that code was not accepted' } }, err instanceof AppError ? err.status : 400)
        }
      }
      try {
        const { batch, executions } = await executeScript(ctx, userOf(c.actor), c.params.id, toInput({ ...f, confirmCount: f.confirmCount }), { type: test ? 'test' : 'manual' })
        const skipped = executions.filter((e) => e.status === 'skipped').length
        setFlash(c.cookie, { kind: skipped ? 'info' : 'success', text: `Started on ${executions.length - skipped} device${executions.length - skipped === 1 ? '' : 's'}${skipped ? `; ${skipped} skipped (see why below)` : ''}.` })
        return redirect(c, executions.length === 1 ? `/executions/${executions[0].id}` : `/script-runs/${batch.id}`)
      } catch (err) {
        if (err instanceof ConfirmationRequiredError) return runPage(c, c.params.id, { values, test, confirmCount: err.count }, 409)
        const prompt = stepUpPromptOf(err)
        if (prompt) return runPage(c, c.params.id, { values, test, stepUp: prompt }, 403)
        return runPage(c, c.params.id, { values, errors: fieldErrorsOf(err), test }, 400)
      }
    }, { params: idParams })
    .get('/scripts/:id/runs', (c) => historyPage(c, c.query, c.params.id), { params: idParams, query: executionQuery })
    .get('/executions', (c) => historyPage(c, c.query), { query: executionQuery })
    .get('/executions/export.csv', (c) => exportHistory(c, c.query), { query: executionQuery })
    .get('/scripts/:id/runs/export.csv', async (c) => {
      await getScript(ctx, userOf(c.actor), c.params.id)
      return exportHistory(c, c.query, c.params.id)
    }, { params: idParams, query: executionQuery })
    .get('/script-runs/:id', async (c) => {
      const actor = userOf(c.actor)
      const run = await getBatch(ctx, actor, c.params.id)
      const canRun = run.executions.every((e) => can(actor.scope, 'scripts:execute', e.orgId))
      return render(c, <BatchPage page={await pageProps(ctx, c)} batch={run.batch} executions={run.executions} counts={run.counts} parameters={run.parameters} canRun={canRun} />)
    }, { params: idParams })
    .post('/script-runs/:id/rerun', async (c) => {
      const { batch } = await rerunBatch(ctx, userOf(c.actor), c.params.id, c.body?.confirmCount)
      setFlash(c.cookie, { kind: 'success', text: 'Started again with the same parameters.' })
      return redirect(c, `/script-runs/${batch.id}`)
    }, { params: idParams, body: rerunBody })
    .get('/executions/:id', async (c) => {
      const actor = userOf(c.actor)
      const execution = await getExecution(ctx, actor, c.params.id)
      const batch = (await findBatch(ctx.db, execution.batchId))!
      return render(c, <ExecutionPage page={await pageProps(ctx, c)} execution={execution} batch={batch} parameters={await displayedParameters(ctx, batch)} canCancel={can(actor.scope, 'scripts:execute', execution.orgId)} inlineLimit={(await getScriptOutputSettings(ctx)).inlineKiB * 1024} />)
    }, { params: idParams })
    .post('/executions/:id/cancel', async (c) => {
      await cancelExecution(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Cancelled: the device stops the script.' })
      return redirect(c, `/executions/${c.params.id}`)
    }, { params: idParams })
    /** The live output: a `reset` with the status and what is stored so far, then each `chunk` (and `status` when it starts running), then `end`. */
    .get('/executions/:id/stream', async ({ actor, params, request }) => {
      await getExecution(ctx, userOf(actor), params.id)
      return sseResponse(request, (stream) => {
        const pending: Parameters<Parameters<typeof onOutput>[1]>[0][] = []
        let seen: number | null = null
        const deliver = (event: (typeof pending)[number]) => {
          if ('done' in event) { stream.send(sseEvent('end', {})); stream.close(); return }
          if ('status' in event) return stream.send(sseEvent('status', { status: event.status }))
          if (event.offset < seen!) return
          stream.send(encodedChunk(event))
        }
        const unsubscribe = onOutput(params.id, (event) => (seen === null ? pending.push(event) : deliver(event)))
        void findExecution(ctx.db, params.id).then((row) => {
          if (!row) return stream.close()
          seen = Number(row.outputBytes)
          stream.sendSnapshot(sseEvent('reset', { status: row.status, stdout: row.stdout, stderr: row.stderr }))
          if (['completed', 'failed', 'timeout', 'cancelled', 'skipped'].includes(row.status)) { stream.send(sseEvent('end', {})); return stream.close() }
          for (const event of pending.splice(0)) deliver(event)
        })
        return unsubscribe
      }, { onOverflow: () => ctx.log.info('a slow reader of a script output stream was disconnected', { executionId: params.id }) })
    }, { params: idParams, detail: { hide: true } })

    // ---- API ----
    .post('/api/v1/scripts/:id/execute', async (c) => {
      const { batch, executions } = await executeScript(ctx, userOf(c.actor), c.params.id, toInput(c.body))
      c.set.status = 201
      return { batchId: batch.id, deviceCount: batch.deviceCount, executions: executions.map((e) => ({ id: e.id, deviceId: e.deviceId, status: e.status, reason: e.status === 'skipped' ? e.errorMessage : null })) }
    }, { params: idParams, body: executeBody, detail: { summary: 'Run a script on devices, groups, sites or organizations', tags: ['scripts'] } })
    .get('/api/v1/executions', async (c) => {
      const { rows, nextBefore } = await searchExecutions(ctx, userOf(c.actor), toFilter(c.query), c.query.limit ?? 50)
      return { executions: rows.map(publicExecution), nextBefore }
    }, { query: executionQuery, detail: { summary: 'Script execution history', tags: ['scripts'] } })
    .get('/api/v1/executions/:id', async (c) => {
      const execution = await getExecution(ctx, userOf(c.actor), c.params.id)
      const batch = (await findBatch(ctx.db, execution.batchId))!
      return { ...publicExecution(execution), stdout: execution.stdout, stderr: execution.stderr, parameters: await displayedParameters(ctx, batch), scriptVersion: batch.scriptVersion }
    }, { params: idParams, detail: { summary: 'One execution with its output', tags: ['scripts'] } })
    .get('/api/v1/executions/:id/output', async (c) => {
      const execution = await getExecution(ctx, userOf(c.actor), c.params.id)
      const blob = execution.outputBlobKey ? await ctx.blobs.get(execution.outputBlobKey) : null
      const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `attachment; filename="output-${execution.id}.log"`, 'x-content-type-options': 'nosniff' }
      return new Response(blob ?? `${execution.stdout}${execution.stderr}`, { headers })
    }, { params: idParams, detail: { summary: 'Download the full output (up to its cap: 10 MiB unless changed in Settings or on the script)', tags: ['scripts'] } })
    .post('/api/v1/executions/:id/cancel', async (c) => publicExecution(await cancelExecution(ctx, userOf(c.actor), c.params.id)), { params: idParams, detail: { summary: 'Cancel a queued or running execution', tags: ['scripts'] } })
    .get('/api/v1/script-runs/:id', async (c) => {
      const run = await getBatch(ctx, userOf(c.actor), c.params.id)
      const { parameters: _sealed, ...batch } = run.batch
      return { ...batch, parameters: run.parameters, counts: run.counts, executions: run.executions.map(publicExecution) }
    }, { params: idParams, detail: { summary: 'A run: its parameters (secrets masked) and every device', tags: ['scripts'] } })
    .post('/api/v1/script-runs/:id/rerun', async (c) => {
      const { batch, executions } = await rerunBatch(ctx, userOf(c.actor), c.params.id, c.body?.confirmCount)
      c.set.status = 201
      return { batchId: batch.id, deviceCount: batch.deviceCount, executions: executions.map((e) => ({ id: e.id, deviceId: e.deviceId, status: e.status })) }
    }, { params: idParams, body: rerunBody, detail: { summary: 'Run again with the same parameters', tags: ['scripts'] } })
}

/** The API form of an execution (the output itself only on the detail route). */
function publicExecution(e: Awaited<ReturnType<typeof getExecution>>) {
  return {
    id: e.id, batchId: e.batchId, scriptId: e.scriptId, scriptName: e.scriptName, deviceId: e.deviceId, hostname: e.hostname, orgId: e.orgId,
    status: e.status, exitCode: e.exitCode, errorMessage: e.errorMessage, outputBytes: Number(e.outputBytes), truncated: e.truncated,
    triggeredBy: e.triggeredBy, createdAt: e.createdAt, startedAt: e.startedAt, completedAt: e.completedAt,
  }
}

