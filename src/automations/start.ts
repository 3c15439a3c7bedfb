// Wiring automations into a running server: the jobs (schedules, the engine, offline checks),
// the event listeners, and picking up runs left unfinished by the previous process.
import type { AppContext } from '../context'
import { registerEngineJob } from './engine'
import { deleteFinishedRunsBefore, listUnfinishedRuns } from './repo'
import { wake } from './runs'
import { registerScheduleJob } from './schedules'
import { listenForTriggers, registerTriggerJobs } from './triggers'

/** Finished runs (and their step logs) are kept this long. */
export const runRetentionDays = 90

export async function startAutomations(ctx: AppContext) {
  registerScheduleJob(ctx)
  registerEngineJob(ctx)
  registerTriggerJobs(ctx)
  listenForTriggers(ctx)
  await ctx.jobs.every('automations.prune', 24 * 3600_000, async () => { await deleteFinishedRunsBefore(ctx.db, ctx.clock.now() - runRetentionDays * 24 * 3600_000) })
  // A run that was mid-step when the last process stopped is resumed; a sleeping one keeps
  // its timer job (waking it early does nothing).
  for (const run of await listUnfinishedRuns(ctx.db)) {
    if (run.status !== 'waiting') await wake(ctx, run.id)
  }
}
