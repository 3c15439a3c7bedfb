// Wiring reports into a running server: the run and schedule jobs, and daily pruning of old runs.
import type { AppContext } from '../context'
import { pruneRuns, registerRunJob } from './runs'
import { registerScheduleJob } from './schedules'

export async function startReports(ctx: AppContext) {
  registerRunJob(ctx)
  registerScheduleJob(ctx)
  await ctx.jobs.every('reports.prune', 24 * 3600_000, async () => { await pruneRuns(ctx) })
}
