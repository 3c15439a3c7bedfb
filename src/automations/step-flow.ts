// Flow steps: wait (a durable timer: the run sleeps in the database), condition (if/then/else
// on the last step's result, the device or the trigger), and run_automation (a child run in the
// same org, guarded against loops).
import { findAutomation, findRun } from './repo'
import { loopReason, startRun } from './runs'
import type { Executor, Outcome } from './step-types'
import { finishedRunStatuses } from './types'
import { evaluateClauses, valueOf } from './values'

/** Test runs shorten waits to this, so a test shows every step in seconds. */
export const testWaitCapSeconds = 5

export const wait: Executor = {
  async start(rc, step) {
    const seconds = rc.run.test ? Math.min(step.seconds ?? 0, testWaitCapSeconds) : step.seconds ?? 0
    const resumeAt = rc.ctx.clock.now() + seconds * 1000
    const note = rc.run.test && seconds < (step.seconds ?? 0) ? ` (test run: ${seconds} s instead of ${step.seconds} s)` : ''
    return { status: 'waiting', summary: `waiting until ${new Date(resumeAt).toISOString()}${note}`, details: { resumeAt, seconds }, resumeAt }
  },
  async resume(rc, _step, row): Promise<Outcome> {
    const { resumeAt, seconds } = row.details as { resumeAt: number; seconds: number }
    if (rc.ctx.clock.now() < resumeAt) return { status: 'waiting', summary: row.summary, details: row.details, resumeAt }
    return { status: 'succeeded', summary: `waited ${seconds} s`, details: row.details }
  },
}

export const condition: Executor = {
  async start(rc, step) {
    const clauses = step.clauses ?? []
    const match = step.match ?? 'all'
    const yes = evaluateClauses(match, clauses, rc.facts)
    const seen = clauses.map((c) => `${c.field} ${c.op} ${JSON.stringify(c.value)} (was ${JSON.stringify(valueOf(c.field, rc.facts) ?? null)})`)
    return { status: 'succeeded', summary: `${yes ? 'true' : 'false'}: running the ${yes ? 'then' : 'else'} branch`, details: { match, clauses: seen }, branch: yes ? 'then' : 'else' }
  },
}

export const runAutomation: Executor = {
  async start(rc, step, row) {
    const child = await findAutomation(rc.ctx.db, step.automationId!)
    if (!child || child.partnerId !== rc.owner.partnerId || (child.orgId !== null && child.orgId !== rc.run.orgId)) {
      const reason = `automation ${step.automationId} was deleted or is not available in this organization`
      return { status: 'disabled', summary: reason, error: reason }
    }
    const chain = [...rc.run.chain, rc.run.automationId]
    const loop = loopReason(chain, child.id)
    if (loop) return { status: 'failed', summary: loop, error: loop }
    const [run] = await startRun(rc.ctx, child, {
      type: 'automation', key: `parent:${rc.run.id}:${row.seq}`, by: `automation:${rc.run.automationId}`, orgId: rc.run.orgId, deviceId: rc.run.deviceId,
      data: { ...rc.facts.trigger, parentRunId: rc.run.id }, chain, parentRunId: rc.run.id, test: rc.run.test, manual: true,
    })
    if (!run) return { status: 'skipped', summary: `"${child.name}" did not run (its conditions were not met)` }
    if (run.status === 'skipped') return { status: 'skipped', summary: `"${child.name}" was skipped: ${run.error ?? ''}`, refId: run.id }
    if (step.waitForResult === false) return { status: 'succeeded', summary: `started "${child.name}"`, refId: run.id, details: { childRunId: run.id } }
    return { status: 'waiting', summary: `running "${child.name}"`, refId: run.id, details: { childRunId: run.id, name: child.name }, yieldSlot: true }
  },
  async resume(rc, _step, row): Promise<Outcome> {
    const child = await findRun(rc.ctx.db, row.refId!)
    if (!child) return { status: 'failed', summary: 'the child run disappeared', error: 'the child run disappeared' }
    if (!finishedRunStatuses.includes(child.status)) return { status: 'waiting', summary: row.summary, refId: child.id, details: row.details, yieldSlot: true }
    const ok = child.status === 'completed' || child.status === 'skipped'
    const name = (row.details as { name?: string }).name ?? 'the automation'
    return {
      status: ok ? 'succeeded' : 'failed', summary: `"${name}" ended ${child.status}`, refId: child.id, details: row.details, error: ok ? null : child.error ?? `ended ${child.status}`,
      result: { succeeded: child.devicesSucceeded, failed: child.devicesFailed, exitCode: child.state.last?.exitCode ?? null, output: child.state.last?.output ?? '' },
    }
  },
}
