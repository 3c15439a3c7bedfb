// The run engine. A run's whole position lives in its row (state: a stack of step-list frames
// and the current step), and each step's outcome in its log row, so any process can pick a run
// up after a restart. Jobs (`automations.advance`) drive it: started runs, timers, deadlines,
// and wake-ups from script.completed and finished child runs. A run holds one of its org's
// slots while it executes (waiting on a timer gives it back), which is the per-org concurrency
// limit; a lease on the row keeps two processes from advancing one run at once.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { newId } from '../lib/ids'
import { findDeviceFacts, findOrgFacts } from './facts-repo'
import { listCustomFields } from '../devices/custom-fields-repo'
import {
  findAutomation, findRun, findStep, findWaitingStepsByRef, insertStep, leaseRun, listQueuedRuns, listSteps, releaseSlot, takeSlot, updateRunRow, updateStepRow,
  type AutomationRun, type RunStep,
} from './repo'
import { advanceJob, wake } from './runs'
import { runScript } from './step-script'
import { updateDeviceStep } from './step-device'
import { condition, runAutomation, wait } from './step-flow'
import { createTicketStep, notify, sendToChannels } from './step-notify'
import type { Executor, Finished, Outcome, RunCtx } from './step-types'
import type { AutomationStep, RunState, RunStatus, StepType } from './types'
import type { Facts } from './values'
import { publicLink } from '../settings/public-url'

/** Runs of one org executing at once (a run waiting on a timer does not count). note: tests lower it. */
export const engineLimits = { perOrgConcurrency: 10, leaseMs: 5 * 60_000 }

const executors: Record<StepType, Executor> = {
  run_script: runScript, notify, update_device: updateDeviceStep, run_automation: runAutomation, wait, condition, create_ticket: createTicketStep,
}

/** Runs this process is advancing now; a wake-up meanwhile makes it go round once more. */
const active = new Map<string, { again: boolean }>()

/** advanceRun moves a run as far as it can go now. Safe to call any number of times. */
export async function advanceRun(ctx: AppContext, runId: string): Promise<void> {
  const mine = active.get(runId)
  if (mine) { mine.again = true; return }
  const mark = { again: false }
  active.set(runId, mark)
  try {
    do { mark.again = false; await advanceOnce(ctx, runId) } while (mark.again)
  } finally {
    active.delete(runId)
  }
}

const finished = (s: RunStatus) => s === 'completed' || s === 'failed' || s === 'partial' || s === 'cancelled' || s === 'skipped'

async function advanceOnce(ctx: AppContext, runId: string) {
  const now = ctx.clock.now()
  let run = await findRun(ctx.db, runId)
  if (!run || finished(run.status)) return
  if (run.status === 'waiting' && run.resumeAt !== null && run.resumeAt > now) return
  if (!(await leaseRun(ctx.db, runId, now, engineLimits.leaseMs))) {
    // Another process has it; look again shortly in case it missed this wake-up.
    await wake(ctx, runId, now + 5_000)
    return
  }
  try {
    if (run.status !== 'running') {
      const slot = await takeSlot(ctx.db, runId, run.orgId, engineLimits.perOrgConcurrency, now)
      if (slot === null) {
        if (run.status !== 'queued') await updateRunRow(ctx.db, runId, { status: 'queued' })
        return
      }
      run = { ...run, status: 'running', startedAt: run.startedAt ?? now, resumeAt: null }
      await updateRunRow(ctx.db, runId, { status: 'running', startedAt: run.startedAt, resumeAt: null })
      publish(ctx, run)
    }
    await execute(ctx, run)
  } finally {
    await updateRunRow(ctx.db, runId, { leaseUntil: null })
  }
}

export function runUrl(ctx: Pick<AppContext, 'db' | 'config'>, runId: string, partnerId: string | null): Promise<string> {
  return publicLink(ctx, `/automation-runs/${runId}`, partnerId)
}

async function runContext(ctx: AppContext, run: AutomationRun): Promise<RunCtx> {
  const a = await findAutomation(ctx.db, run.automationId)
  const device = run.deviceId ? await deviceFacts(ctx, run.deviceId) : null
  const orgRow = device ? null : await findOrgFacts(ctx.db, run.orgId)
  const org = device ? { id: device.orgId, name: device.orgName } : orgRow ? { id: orgRow.id, name: orgRow.name } : null
  const facts: Facts = {
    automation: { id: run.automationId, name: run.definition.name }, run: { id: run.id, url: await runUrl(ctx, run.id, a?.partnerId ?? device?.partnerId ?? null), test: run.test },
    org, device, trigger: run.triggerData, last: run.state.last,
  }
  return { ctx, run, owner: { orgId: a?.orgId ?? null, partnerId: a?.partnerId ?? device?.partnerId ?? '' }, facts }
}

async function deviceFacts(ctx: AppContext, id: string): Promise<Facts['device']> {
  const d = await findDeviceFacts(ctx.db, id)
  if (!d) return null
  const custom = Object.fromEntries((await listCustomFields(ctx.db, id)).map((f) => [f.name, f.value]))
  return { ...d, custom }
}

/** listAt: the step list at a frame path ('' = the top level, '2.then' = a branch). */
function listAt(actions: AutomationStep[], path: string): AutomationStep[] {
  if (path === '') return actions
  let list = actions
  const parts = path.split('.')
  for (let i = 0; i < parts.length; i += 2) {
    const step = list[Number(parts[i])]
    list = (step?.[parts[i + 1] as 'then' | 'else'] as AutomationStep[] | undefined) ?? []
  }
  return list
}

function stepAt(actions: AutomationStep[], path: string): AutomationStep | undefined {
  const cut = path.lastIndexOf('.')
  return cut < 0 ? actions[Number(path)] : listAt(actions, path.slice(0, cut))[Number(path.slice(cut + 1))]
}

/** nextStep pops finished frames and returns the next step to run (advancing its frame), or null at the end. */
function nextStep(actions: AutomationStep[], state: RunState): { path: string; step: AutomationStep } | null {
  while (state.frames.length) {
    const top = state.frames[state.frames.length - 1]
    const list = listAt(actions, top.list)
    if (top.index < list.length) {
      const path = top.list ? `${top.list}.${top.index}` : String(top.index)
      top.index++
      return { path, step: list[top.index - 1] }
    }
    state.frames.pop()
  }
  return null
}

export function stepTitle(s: AutomationStep): string {
  if (s.label) return s.label
  switch (s.type) {
    case 'run_script': return 'Run script'
    case 'notify': return 'Send notification'
    case 'update_device': return 'Update device'
    case 'run_automation': return 'Run automation'
    case 'wait': return `Wait ${s.seconds} s`
    case 'condition': return 'Condition'
    case 'create_ticket': return 'Create ticket'
  }
}

async function execute(ctx: AppContext, run: AutomationRun) {
  const rc = await runContext(ctx, run)
  const state: RunState = structuredClone(run.state)
  const actions = run.definition.actions
  for (;;) {
    if (!state.current) {
      const next = nextStep(actions, state)
      if (!next) return finishRun(ctx, rc, state)
      const seq = state.seq + 1
      const row: RunStep = {
        id: newId(), runId: run.id, seq, stepId: next.step.id, path: next.path, type: next.step.type, title: stepTitle(next.step), status: 'running',
        summary: '', details: {}, refId: null, error: null, startedAt: ctx.clock.now(), completedAt: null,
      }
      state.seq = seq
      state.current = { seq, path: next.path, deadline: null }
      // The step's row and the run's position are saved before the step acts, so a crash
      // mid-step resumes this step instead of skipping it.
      await withTx(ctx.db, async (tx) => {
        await insertStep(tx, row)
        await updateRunRow(tx, run.id, { state })
      })
      publish(ctx, run)
    }
    const cur = state.current!
    const row = await findStep(ctx.db, run.id, cur.seq)
    const step = stepAt(actions, cur.path)
    rc.facts.last = state.last
    let outcome: Outcome
    if (!row || !step) {
      outcome = { status: 'failed', summary: 'the step is missing from the run', error: 'the step is missing from the run' }
    } else {
      const ex = executors[step.type]
      try {
        outcome = ex.resume && (row.status === 'waiting' || row.refId) ? await ex.resume(rc, step, row) : await ex.start(rc, step, row)
      } catch (err) {
        ctx.log.error('automation step failed', { runId: run.id, step: cur.path, err })
        const message = `the step failed unexpectedly: ${(err as Error).message}`
        outcome = { status: 'failed', summary: message, error: message }
      }
    }
    if (outcome.status === 'waiting') return parkRun(ctx, run, state, row!, outcome)
    await completeStep(ctx, row, outcome)
    applyOutcome(state, step, cur.path, outcome, run.definition.onFailure)
    if (step?.type === 'update_device' && run.deviceId) rc.facts.device = await deviceFacts(ctx, run.deviceId)
    await updateRunRow(ctx.db, run.id, { state })
    publish(ctx, run)
  }
}

async function completeStep(ctx: AppContext, row: RunStep | undefined, o: Finished) {
  if (!row) return
  await updateStepRow(ctx.db, row.id, {
    status: o.status, summary: o.summary.slice(0, 2000), details: o.details ?? row.details, error: o.error?.slice(0, 2000) ?? null,
    refId: o.refId === undefined ? row.refId : o.refId, completedAt: ctx.clock.now(),
  })
}

function applyOutcome(state: RunState, step: AutomationStep | undefined, path: string, o: Finished, onFailure: string) {
  state.current = null
  if (o.devices) {
    state.targeted = [...new Set([...state.targeted, ...o.devices.targeted])]
    state.failedDevices = [...new Set([...state.failedDevices, ...o.devices.failed])]
  }
  if (step?.type !== 'condition') {
    state.last = {
      status: o.status, type: step?.type ?? 'notify', exitCode: o.result?.exitCode ?? null, output: o.result?.output ?? '',
      succeeded: o.result?.succeeded ?? (o.status === 'succeeded' ? 1 : 0), failed: o.result?.failed ?? (o.status === 'failed' ? 1 : 0),
    }
  }
  if (o.status === 'failed') {
    state.failures++
    if (onFailure !== 'continue') state.frames = []
  }
  if (o.branch) state.frames.push({ list: `${path}.${o.branch}`, index: 0 })
}

/** parkRun saves a waiting step; a timer or a child run gives the org slot back meanwhile. */
async function parkRun(ctx: AppContext, run: AutomationRun, state: RunState, row: RunStep, o: Extract<Outcome, { status: 'waiting' }>) {
  const firstTime = row.status !== 'waiting'
  const sleeps = !!o.resumeAt || !!o.yieldSlot
  await updateStepRow(ctx.db, row.id, { status: 'waiting', summary: o.summary.slice(0, 2000), details: o.details ?? row.details, refId: o.refId ?? row.refId })
  if (sleeps) {
    await withTx(ctx.db, async (tx) => {
      await updateRunRow(tx, run.id, { state, status: 'waiting', resumeAt: o.resumeAt ?? null })
      await releaseSlot(tx, run.id)
      if (o.resumeAt && firstTime) await wake({ ...ctx, db: tx }, run.id, o.resumeAt)
    })
    await startQueued(ctx, run.orgId)
  } else {
    await updateRunRow(ctx.db, run.id, { state })
    if (firstTime && o.deadline) await wake(ctx, run.id, o.deadline)
  }
  publish(ctx, { ...run, status: sleeps ? 'waiting' : 'running' })
}

async function finishRun(ctx: AppContext, rc: RunCtx, state: RunState) {
  const { run } = rc
  const now = ctx.clock.now()
  const failed = state.failures > 0
  const status: RunStatus = !failed ? 'completed' : run.definition.onFailure === 'continue' ? 'partial' : 'failed'
  const failedDevices = new Set(state.failedDevices)
  if (failed && failedDevices.size === 0 && run.deviceId) failedDevices.add(run.deviceId)
  const targeted = new Set([...state.targeted, ...failedDevices])
  const error = failed ? await lastError(ctx, run.id) : null
  await withTx(ctx.db, async (tx) => {
    await updateRunRow(tx, run.id, {
      status, state, completedAt: now, resumeAt: null, error,
      devicesTargeted: targeted.size, devicesFailed: failedDevices.size, devicesSucceeded: targeted.size - failedDevices.size,
    })
    await releaseSlot(tx, run.id)
  })
  publish(ctx, { ...run, status })
  if (failed && run.definition.onFailure === 'notify' && run.definition.notifyChannelIds.length) {
    const title = `${run.test ? '[TEST] ' : ''}Automation "${run.definition.name}" failed`
    const message = `${error ?? 'A step failed.'}${rc.facts.device ? `\nDevice: ${rc.facts.device.displayName || rc.facts.device.hostname}` : ''}\n${rc.facts.run.url}`
    await sendToChannels(ctx, rc.owner, run.definition.notifyChannelIds, rc.facts, { key: `${run.id}:failed`, title, message, severity: 'high' })
  }
  await startQueued(ctx, run.orgId)
  if (run.parentRunId) for (const step of await findWaitingStepsByRef(ctx.db, run.id)) await wake(ctx, step.runId)
}

async function lastError(ctx: AppContext, runId: string): Promise<string | null> {
  const failedStep = (await listSteps(ctx.db, runId)).filter((s) => s.status === 'failed').pop()
  return failedStep ? `${failedStep.title}: ${failedStep.error ?? failedStep.summary}`.slice(0, 2000) : null
}

/** startQueued wakes the org's oldest queued runs now that a slot may be free. */
export async function startQueued(ctx: AppContext, orgId: string) {
  for (const id of await listQueuedRuns(ctx.db, orgId, engineLimits.perOrgConcurrency)) await wake(ctx, id)
}

function publish(ctx: AppContext, run: Pick<AutomationRun, 'id' | 'orgId' | 'automationId' | 'status'>) {
  ctx.live.publish({ orgId: run.orgId, perm: 'automations:read' }, 'automation.run', { id: run.id, automationId: run.automationId, status: run.status })
}

/** wakeWaitingOn wakes runs whose step waits on `refId` (a script batch that made progress). */
export async function wakeWaitingOn(ctx: AppContext, refId: string) {
  for (const step of await findWaitingStepsByRef(ctx.db, refId)) await wake(ctx, step.runId)
}

export function registerEngineJob(ctx: AppContext) {
  ctx.jobs.register(advanceJob, (payload) => advanceRun(ctx, (payload as { runId: string }).runId), { maxAttempts: 20, leaseMs: engineLimits.leaseMs })
}
