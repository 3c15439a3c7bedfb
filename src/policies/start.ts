// Wiring policies into a running server: the evaluation job (active policies whose check is
// due), and the answers that arrive later — script results and fresh inventory. Agent check
// results come through the `policy.check` command type registered in checks.ts.
import type { AppContext } from '../context'
import { applyCheckResult, checkResultJob, onInventory, onScriptCompleted } from './checks'
import { pruneHistory } from './compliance-repo'
import { evaluatePolicy } from './evaluate'
import { listDuePolicies } from './repo'

export const evaluateEveryMs = 60_000
const day = 24 * 3600_000
/** Compliance history is kept a year; the daily counts behind the trend, two. */
export const retention = { historyDays: 365, dailyDays: 730 }

/** evaluateDuePolicies checks every active policy whose interval has passed. */
export async function evaluateDuePolicies(ctx: AppContext): Promise<number> {
  const due = await listDuePolicies(ctx.db, ctx.clock.now())
  for (const policy of due) {
    try {
      await evaluatePolicy(ctx, policy)
    } catch (err) {
      ctx.log.error('policy evaluation failed', { policyId: policy.id, err })
    }
  }
  return due.length
}

export async function startPolicies(ctx: AppContext) {
  await ctx.jobs.every('policies.evaluate', evaluateEveryMs, async () => { await evaluateDuePolicies(ctx) })
  await ctx.jobs.every('policies.prune', day, async () => { const now = ctx.clock.now(); await pruneHistory(ctx.db, now - retention.historyDays * day, now - retention.dailyDays * day) })
  ctx.jobs.register(checkResultJob, (p: { commandId: string }) => applyCheckResult(ctx, p.commandId), { maxAttempts: 5, leaseMs: 5 * 60_000 })
  ctx.events.on('script.completed', (e) => onScriptCompleted(ctx, e))
  ctx.events.on('inventory.received', (e) => onInventory(ctx, e))
}
