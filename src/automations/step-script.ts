// run_script: start the script on the step's devices through the scripts domain, then (unless
// told not to) wait for every execution to end; script.completed wakes the run, and the step
// times out at its deadline. A script that was deleted disables the step with the reason.
import { orgVisibility } from '../devices/visibility'
import { AppError, NotFoundError } from '../lib/errors'
import { executeScriptForOrg } from '../scripts/execute'
import { batchCounts, finishedStatuses, listExecutions } from '../scripts/execution-repo'
import { deletedScriptReason } from './references'
import { stepDevices } from './step-targets'
import type { Executor, Outcome, RunCtx } from './step-types'
import type { AutomationStep } from './types'
import { render } from './values'

const defaultTimeoutMinutes = 60

function parametersOf(rc: RunCtx, step: AutomationStep): Record<string, unknown> {
  return Object.fromEntries(Object.entries(step.parameters ?? {}).map(([k, v]) => [k, typeof v === 'string' ? render(v, rc.facts) : v]))
}

export const runScript: Executor = {
  async start(rc, step) {
    const targets = await stepDevices(rc, step)
    if ('error' in targets) return { status: 'failed', summary: targets.error, error: targets.error }
    if (targets.ids.length === 0) return { status: 'skipped', summary: 'no device matched the step\'s targets', devices: { targeted: [], failed: [] } }
    const timeoutMinutes = step.timeoutMinutes ?? defaultTimeoutMinutes
    try {
      const { batch, executions } = await executeScriptForOrg(rc.ctx, rc.run.orgId, step.scriptId!, {
        targets: { deviceIds: targets.ids }, parameters: parametersOf(rc, step), offline: 'queue', expiresInMinutes: timeoutMinutes,
      }, { type: 'automation', userId: null })
      const skipped = executions.filter((e) => e.status === 'skipped')
      const summary = `${batch.scriptName} started on ${executions.length - skipped.length} device${executions.length - skipped.length === 1 ? '' : 's'}${skipped.length ? `, ${skipped.length} skipped` : ''}`
      const details = { batchId: batch.id, scriptName: batch.scriptName, deadline: rc.ctx.clock.now() + timeoutMinutes * 60_000 }
      if (step.waitForResult === false) {
        return { status: 'succeeded', summary: `${summary} (not waiting for the result)`, details, refId: batch.id, devices: { targeted: targets.ids, failed: [] } }
      }
      return { status: 'waiting', summary: `${summary}; waiting for the result`, details, refId: batch.id, deadline: details.deadline }
    } catch (err) {
      if (err instanceof NotFoundError) {
        const reason = deletedScriptReason(step.scriptId!)
        return { status: 'disabled', summary: reason, error: reason }
      }
      if (err instanceof AppError && err.status < 500) return { status: 'failed', summary: err.message, error: err.message, devices: { targeted: targets.ids, failed: targets.ids } }
      throw err
    }
  },

  async resume(rc, _step, row): Promise<Outcome> {
    const batchId = row.refId!
    const details = row.details as { deadline?: number; scriptName?: string }
    const counts = await batchCounts(rc.ctx.db, batchId)
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)
    const done = finishedStatuses.reduce((a, s) => a + (counts[s] ?? 0), 0)
    const timedOut = done < total && details.deadline !== undefined && rc.ctx.clock.now() >= details.deadline
    if (done < total && !timedOut) return { status: 'waiting', summary: `${details.scriptName ?? 'Script'}: ${done} of ${total} devices finished`, details, refId: batchId }
    const executions = await listExecutions(rc.ctx.db, orgVisibility(rc.run.orgId), { batchId }, 10_000)
    const ok = executions.filter((e) => e.status === 'completed')
    const failed = executions.filter((e) => e.status !== 'completed' && e.status !== 'skipped')
    const one = executions.length === 1 ? executions[0] : null
    const list = executions.slice(0, 200).map((e) => ({ executionId: e.id, deviceId: e.deviceId, hostname: e.hostname, status: e.status, exitCode: e.exitCode, error: e.errorMessage }))
    const summary = timedOut
      ? `timed out: ${total - done} of ${total} devices had not finished`
      : `${ok.length} succeeded, ${failed.length} failed${executions.length - ok.length - failed.length ? `, ${executions.length - ok.length - failed.length} skipped` : ''}${one?.exitCode !== null && one?.exitCode !== undefined ? ` (exit code ${one.exitCode})` : ''}`
    return {
      status: failed.length || timedOut ? 'failed' : ok.length ? 'succeeded' : 'skipped',
      summary, details: { ...details, executions: list }, refId: batchId,
      error: failed.length || timedOut ? summary : null,
      result: { exitCode: one?.exitCode ?? null, output: (one?.stdout ?? '').slice(0, 4000), succeeded: ok.length, failed: failed.length },
      devices: { targeted: executions.filter((e) => e.status !== 'skipped').map((e) => e.deviceId), failed: failed.map((e) => e.deviceId) },
    }
  },
}
