// Starting runs: conditions (time window, device filter), the loop and runaway guards, and one
// row per (automation, trigger event) — the unique trigger key is what makes a trigger seen
// twice (a retried job, a repeated webhook) start at most one run. The run is then advanced by
// jobs (engine.ts).
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { parseRule } from '../devices/rules'
import { matchingDeviceIds } from '../devices/rules-repo'
import { newId } from '../lib/ids'
import { findDeviceFacts, findOrgFacts, listPartnerOrgIds } from './facts-repo'
import { bumpRunCount, countRecentRuns, findRunByTrigger, insertRunOnce, type Automation, type AutomationRun } from './repo'
import { inTimeWindow } from './schedule'
import type { RunState } from './types'

export const advanceJob = 'automations.advance'

/** Guards: a chain of automations starting each other stops at this depth; one automation starts at most this many runs a minute. */
export const guards = { maxChain: 5, maxRunsPerMinute: 120 }

export type TriggerInput = {
  type: AutomationRun['triggerType']
  /** Identity of the trigger event (unique per automation). */
  key: string
  /** For people: "schedule", "alert:<id>", "manual:<email>"… */
  by: string
  data?: Record<string, unknown>
  deviceId?: string | null
  /** The org to run in (events, partner-wide automations); default: the automation's org, or every org of its partner. */
  orgId?: string
  userId?: string | null
  test?: boolean
  chain?: string[]
  parentRunId?: string | null
  /** Started by a person or a parent run: conditions that are not met leave a skipped run saying why. */
  manual?: boolean
}

/** wake queues the engine for a run (now, or at `at`). */
export async function wake(ctx: Pick<AppContext, 'jobs' | 'db'>, runId: string, at?: number) {
  await ctx.jobs.enqueue(advanceJob, { runId }, { runAt: at, db: ctx.db })
}

/** loopReason: why starting `automationId` after `chain` would be a loop, or null. */
export function loopReason(chain: string[], automationId: string): string | null {
  if (chain.includes(automationId)) return `loop guard: this automation is already part of the chain that started it (${chain.length} automation${chain.length === 1 ? '' : 's'} deep)`
  if (chain.length >= guards.maxChain) return `loop guard: automations may start each other at most ${guards.maxChain} levels deep`
  return null
}

/**
 * startRun starts the automation for one trigger event: in its org, or for a partner-wide one
 * in the event's org (or every org of the partner). Returns the runs made or found; an event
 * whose conditions do not hold starts nothing (a manual start records a skipped run instead).
 */
export async function startRun(ctx: AppContext, a: Automation, tr: TriggerInput): Promise<AutomationRun[]> {
  const device = tr.deviceId ? await findDeviceFacts(ctx.db, tr.deviceId) : undefined
  let orgIds: string[]
  if (a.orgId) orgIds = [a.orgId]
  else if (tr.orgId) orgIds = [tr.orgId]
  else if (device) orgIds = [device.orgId]
  else orgIds = await listPartnerOrgIds(ctx.db, a.partnerId)
  const out: AutomationRun[] = []
  for (const orgId of orgIds) {
    const run = await startInOrg(ctx, a, tr, orgId, device && device.orgId === orgId ? device.id : null)
    if (run) out.push(run)
  }
  return out
}

async function startInOrg(ctx: AppContext, a: Automation, tr: TriggerInput, orgId: string, deviceId: string | null): Promise<AutomationRun | null> {
  const org = await findOrgFacts(ctx.db, orgId)
  if (!org || org.partnerId !== a.partnerId) return null
  // A partner-wide automation runs once per org for one trigger event.
  const key = a.orgId ? tr.key : `${tr.key}:${orgId}`
  const existing = await findRunByTrigger(ctx.db, a.id, key)
  if (existing) return existing
  const now = ctx.clock.now()
  const chain = tr.chain ?? []

  let skip: string | null = loopReason(chain, a.id)
  const w = a.conditions.timeWindow
  if (!skip && w && !tr.test && !inTimeWindow(now, w)) skip = `outside the time window (${w.from}–${w.to} ${w.timezone})`
  const filter = a.conditions.deviceFilter?.trim()
  if (!skip && filter && deviceId) {
    const match = await matchingDeviceIds(ctx.db, parseRule(filter), { orgId, amongIds: [deviceId] })
    if (match.length === 0) skip = `the device does not match the filter "${filter}"`
  }
  if (skip && !tr.manual && !skip.startsWith('loop guard')) return null
  if (!skip && !tr.manual && (await countRecentRuns(ctx.db, a.id, now - 60_000)) >= guards.maxRunsPerMinute) {
    ctx.log.warn('automation runaway guard: trigger ignored', { automationId: a.id, trigger: tr.key })
    return null
  }

  const state: RunState = { frames: [{ list: '', index: 0 }], current: null, last: null, seq: 0, failures: 0, targeted: deviceId ? [deviceId] : [], failedDevices: [] }
  const run: AutomationRun = {
    id: newId(), automationId: a.id, automationVersion: a.version, orgId, triggerType: tr.test ? 'test' : tr.type, triggerKey: key, triggeredBy: tr.by,
    userId: tr.userId ?? null, deviceId, triggerData: tr.data ?? {}, test: !!tr.test, status: skip ? 'skipped' : 'queued',
    definition: { name: a.name, actions: a.actions, onFailure: a.onFailure, notifyChannelIds: a.notifyChannelIds, deviceFilter: a.conditions.deviceFilter },
    state, chain, parentRunId: tr.parentRunId ?? null, devicesTargeted: 0, devicesSucceeded: 0, devicesFailed: 0, resumeAt: null, leaseUntil: null,
    error: skip, createdAt: now, startedAt: null, completedAt: skip ? now : null,
  }
  const inserted = await withTx(ctx.db, async (tx) => {
    if (!(await insertRunOnce(tx, run))) return false
    await bumpRunCount(tx, a.id, now)
    if (!skip) await wake({ ...ctx, db: tx }, run.id)
    return true
  })
  if (!inserted) return (await findRunByTrigger(ctx.db, a.id, key)) ?? null
  if (skip) ctx.log.info('automation run skipped', { automationId: a.id, reason: skip })
  ctx.live.publish({ orgId, perm: 'automations:read' }, 'automation.run', { id: run.id, automationId: a.id, status: run.status })
  return run
}
