// Answers that arrive after an evaluation: an agent's `policy.check` result, a check script
// finishing, a remediation script finishing (recorded, then the device is checked again), and
// fresh inventory (server rules re-checked for that device).
import { getCommand, queueCommand, registerCommandType, type CommandOutcome, type CommandRow } from '../agents/commands'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import type { PolicyCheckResult } from '../protocol/policy-check'
import { findCompliance, insertHistory, listComplianceOfDevice, listUnappliedChecks, upsertCompliance, type Compliance } from './compliance-repo'
import { evaluatePolicy, policyCheckType, recordDaily } from './evaluate'
import { findPolicyDevice } from './facts-repo'
import { entry, raiseOrResolve, settle, startRemediation } from './outcomes'
import { withPolicyLock } from './lock'
import { findPolicy, listActivePolicies } from './repo'
import { ruleWhere, type RuleResult } from './types'

type Ctx = AppContext

/** applyResults updates some rule results of one (policy, device) row, if `still` holds for it, and settles what follows. */
async function applyResults(ctx: Ctx, policyId: string, deviceId: string, still: (row: Compliance) => boolean, update: (d: RuleResult) => RuleResult, extra: Partial<Compliance> = {}) {
  await withPolicyLock(policyId, async () => {
    const row = await findCompliance(ctx.db, policyId, deviceId)
    const policy = await findPolicy(ctx.db, policyId)
    const device = await findPolicyDevice(ctx.db, deviceId)
    if (!row || !still(row) || !policy || !device || policy.status !== 'active') return
    const now = ctx.clock.now()
    const s = settle(policy, device, { ...row, ...extra }, row.details.map(update), now)
    const history = [...s.history]
    if (s.remediate) history.push(...await startRemediation(ctx, policy, [{ device, s }]))
    if (s.alert) await raiseOrResolve(ctx, policy, device, s)
    await withTx(ctx.db, async (tx) => {
      await upsertCompliance(tx, [s.row])
      await insertHistory(tx, history)
    })
    await recordDaily(ctx, policy)
    ctx.live.publish({ orgId: policy.orgId, perm: 'policies:read' }, 'compliance.changed', { policyId: policy.id, deviceId: device.id, status: s.row.status })
  })
}

/** onCheckResult: the agent answered a policy.check (or the command expired, failed or timed out). */
export async function onCheckResult(ctx: Ctx, command: CommandRow, outcome: CommandOutcome) {
  if (command.sourceType !== 'policy' || !command.sourceId) return
  const now = ctx.clock.now()
  const results = outcome.status === 'completed' ? (outcome.result as PolicyCheckResult | null)?.results ?? [] : []
  await applyResults(ctx, command.sourceId, command.deviceId, (row) => row.checkCommandId === command.id, (d) => {
    if (ruleWhere[d.kind] !== 'agent' || d.status === 'overridden' || d.ref !== command.id) return d
    const r = results.find((x) => x.id === d.ruleId)
    const { awaiting: _, ...rest } = d
    if (r) return { ...rest, status: r.status, actual: r.actual, checkedAt: now }
    if (outcome.status === 'expired') return d.checkedAt ? rest : { ...rest, status: 'pending', actual: 'the device was offline; checked on its next turn' }
    return { ...rest, status: 'error', actual: outcome.error ?? `the check ${outcome.status}`, checkedAt: now }
  }, { checkCommandId: null })
}

/** onScriptCompleted: a check script's result, or a remediation's end. */
export async function onScriptCompleted(ctx: Ctx, e: { batchId: string; deviceId: string; status: string; exitCode: number | null; executionId: string }) {
  const rows = await listComplianceOfDevice(ctx.db, e.deviceId)
  const now = ctx.clock.now()
  for (const row of rows) {
    if (row.details.some((d) => d.kind === 'script' && d.ref === e.batchId)) {
      await applyResults(ctx, row.policyId, row.deviceId, (r) => r.details.some((d) => d.kind === 'script' && d.ref === e.batchId), (d) => {
        if (d.kind !== 'script' || d.ref !== e.batchId) return d
        const { awaiting: _, ...rest } = d
        return { ...rest, status: e.status === 'completed' ? 'pass' : e.status === 'failed' && e.exitCode !== null ? 'fail' : 'error', actual: e.exitCode !== null ? `exit code ${e.exitCode}` : e.status, checkedAt: now }
      })
    }
    if (row.remediationBatchId === e.batchId) {
      const policy = await findPolicy(ctx.db, row.policyId)
      if (!policy) continue
      const finished = await withPolicyLock(policy.id, async () => {
        const current = await findCompliance(ctx.db, row.policyId, row.deviceId)
        if (!current || current.remediationBatchId !== e.batchId) return false
        await withTx(ctx.db, async (tx) => {
          await upsertCompliance(tx, [{ ...current, remediationBatchId: null, updatedAt: now }])
          await insertHistory(tx, [entry(policy, { id: e.deviceId }, now, e.status === 'completed' ? 'completed' : 'failed', `Remediation ${e.status === 'completed' ? 'finished' : 'failed'}${e.exitCode !== null ? ` (exit code ${e.exitCode})` : ''}; checking again`, { batchId: e.batchId, executionId: e.executionId })])
        })
        return true
      })
      if (!finished) continue
      // The fix may have changed the inventory: ask for it, and check again now.
      await queueCommand(ctx, { deviceId: e.deviceId, type: 'inventory.refresh', payload: {} }).catch(() => {})
      await evaluatePolicy(ctx, policy, { deviceIds: [e.deviceId] })
    }
  }
}

/** onInventory re-checks the server rules of every active policy that covers a device whose inventory changed. */
export async function onInventory(ctx: Ctx, e: { deviceId: string; orgId: string; sections: string[] }) {
  if (!e.sections.some((s) => s === 'software' || s === 'services')) return
  const rows = await listComplianceOfDevice(ctx.db, e.deviceId)
  if (rows.length === 0) return
  const active = new Map((await listActivePolicies(ctx.db, e.orgId)).map((p) => [p.id, p]))
  for (const row of rows) {
    const policy = active.get(row.policyId)
    if (!policy || row.remediationBatchId) continue
    const serverRules = (policy.settings.rules ?? []).some((r) => ruleWhere[r.kind] === 'server')
    if (serverRules) await evaluatePolicy(ctx, policy, { deviceIds: [e.deviceId], serverOnly: true })
  }
}

export const checkResultJob = 'policies.check-result'

registerCommandType(policyCheckType, {
  // note: applying a check settles compliance, may start a remediation and raise an alert (work
  // that waits on the policy's lock and sends commands): too much for the command's transaction.
  // What commits with the command's end is a job that applies it at once, and again after a
  // crash; applying twice is a no-op (the row no longer waits for this command).
  async onResult(ctx, command) {
    if (command.sourceType === 'policy' && command.sourceId) await ctx.jobs.enqueue(checkResultJob, { commandId: command.id }, { db: ctx.db, uniqueKey: `${checkResultJob}:${command.id}` })
  },
  unfinished: (ctx) => listUnappliedChecks(ctx.db),
})

/** applyCheckResult (the job) applies an ended policy.check command's stored outcome. */
export async function applyCheckResult(ctx: Ctx, commandId: string) {
  const command = await getCommand(ctx, commandId)
  if (!command) return
  await onCheckResult(ctx, command, { status: command.status as CommandOutcome['status'], result: command.result ?? null, error: command.error ?? null })
}
