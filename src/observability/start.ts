// Wiring the process metrics to the parts that feed them: database timings, job results and
// the scrape-time sources. Hot paths (heartbeats, deliveries, HTTP) increment their counters
// directly through ctx.metrics.
import type { AppContext } from '../context'

export function startObservability(ctx: AppContext) {
  const m = ctx.metrics
  // note: labelled children are made once; observe() on them is a bucket search and two adds.
  const reads = m.dbStatement.labels('read')
  const writes = m.dbStatement.labels('write')
  ctx.database.observe({
    statement: (kind, seconds) => (kind === 'read' ? reads : writes).observe(seconds),
    transaction: (seconds) => m.dbTransaction.observe(seconds),
  })
  ctx.jobs.onFinished = (type, result) => m.jobsRun.inc({ type, result })
  m.start({
    agentsConnected: () => ctx.agents.size,
    jobQueue: () => ctx.jobs.queueStats(),
    now: () => ctx.clock.now(),
    storageFailing: () => ctx.health.storage.current.map((f) => f.area),
  })
}
