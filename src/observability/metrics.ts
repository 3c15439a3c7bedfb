// Breeze's own metrics for Prometheus (`GET /metrics`): one registry per server process,
// counters and fixed-bucket histograms updated in O(1) on the hot paths, and gauges read at
// scrape time from what the process already holds (agent sockets, memory). The only database
// reads are two cheap indexed aggregates over the jobs table, cached for a few seconds.
import { monitorEventLoopDelay } from 'node:perf_hooks'

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Fixed buckets (seconds): HTTP requests, database statements, transactions. */
const httpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const dbBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

export type JobQueueStats = { pending: number; due: number; running: number; oldestDueRunAt: number | null }

/** What the metrics read at scrape time; set by server.ts once the parts exist. */
export type MetricSources = {
  agentsConnected(): number
  jobQueue(): Promise<JobQueueStats>
  now(): number
  /** Storage areas failing right now (a full disk), for breeze_storage_degraded. */
  storageFailing(): ('database' | 'files')[]
}

export class ServerMetrics {
  readonly registry = new Registry()
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>
  readonly heartbeats: Counter
  readonly agentMessages: Counter<'type'>
  readonly notifications: Counter<'channel' | 'result'>
  readonly dbStatement: Histogram<'kind'>
  readonly dbTransaction: Histogram
  readonly jobsRun: Counter<'type' | 'result'>
  readonly reportsGenerated: Counter<'format' | 'result'>
  readonly storageErrors: Counter<'area' | 'code'>
  private eventLoop: IntervalHistogram | null = null
  private sources: MetricSources | null = null
  private jobCache: { at: number; value: JobQueueStats } | null = null

  constructor(opts: { jobCacheMs?: number } = {}) {
    const registers = [this.registry]
    const jobCacheMs = opts.jobCacheMs ?? 5_000
    this.httpDuration = new Histogram({ name: 'breeze_http_request_duration_seconds', help: 'HTTP requests by method, route pattern and status class', labelNames: ['method', 'route', 'status'], buckets: httpBuckets, registers })
    this.heartbeats = new Counter({ name: 'breeze_heartbeats_total', help: 'Agent heartbeats received (rate() gives heartbeats per second)', registers })
    this.agentMessages = new Counter({ name: 'breeze_agent_messages_total', help: 'Messages received from agents over their sockets, by type', labelNames: ['type'], registers })
    this.notifications = new Counter({ name: 'breeze_notification_deliveries_total', help: 'Notification delivery attempts by channel type and result', labelNames: ['channel', 'result'], registers })
    this.dbStatement = new Histogram({ name: 'breeze_db_statement_duration_seconds', help: 'Database statement time by kind (read, write)', labelNames: ['kind'], buckets: dbBuckets, registers })
    this.dbTransaction = new Histogram({ name: 'breeze_db_transaction_duration_seconds', help: 'Time from BEGIN to COMMIT or ROLLBACK', buckets: dbBuckets, registers })
    this.jobsRun = new Counter({ name: 'breeze_jobs_run_total', help: 'Background jobs run, by type and result', labelNames: ['type', 'result'], registers })
    this.reportsGenerated = new Counter({ name: 'breeze_reports_generated_total', help: 'Report runs finished, by format and result', labelNames: ['format', 'result'], registers })
    this.storageErrors = new Counter({ name: 'breeze_storage_errors_total', help: 'Writes the storage refused (SQLITE_FULL, 53100 disk_full, ENOSPC, I/O errors), by area (database, files) and code', labelNames: ['area', 'code'], registers })
    const self = this
    new Gauge({ name: 'breeze_storage_degraded', help: '1 while writes to the area (database, files) fail for lack of space or an I/O error, until one succeeds again', labelNames: ['area'], registers, collect() {
      const failing = self.sources?.storageFailing() ?? []
      for (const area of ['database', 'files'] as const) this.set({ area }, failing.includes(area) ? 1 : 0)
    } })
    new Gauge({ name: 'breeze_agents_connected', help: 'Agents with an open socket to this process', registers, collect() { this.set(self.sources?.agentsConnected() ?? 0) } })
    const jobs = () => self.jobQueue(jobCacheMs)
    new Gauge({ name: 'breeze_job_queue_depth', help: 'Jobs by state: pending (not yet due), due (waiting for a worker), running', labelNames: ['state'], registers, async collect() {
      const q = await jobs()
      this.set({ state: 'pending' }, q.pending)
      this.set({ state: 'due' }, q.due)
      this.set({ state: 'running' }, q.running)
    } })
    new Gauge({ name: 'breeze_job_queue_lag_seconds', help: 'How long the oldest due job has waited past its run time', registers, async collect() {
      const q = await jobs()
      this.set(q.oldestDueRunAt === null ? 0 : Math.max(0, (self.sources!.now() - q.oldestDueRunAt) / 1000))
    } })
    new Gauge({ name: 'breeze_event_loop_lag_seconds', help: 'Event loop delay since the last scrape: p50, p99 and max', labelNames: ['stat'], registers, collect() {
      const h = self.eventLoop
      if (!h) return
      // note: monitorEventLoopDelay reports nanoseconds and includes its own sampling interval (10 ms).
      for (const [stat, p] of [['p50', 50], ['p99', 99], ['max', 100]] as const) this.set({ stat }, Math.max(0, (h.percentile(p) - 10e6) / 1e9))
      h.reset()
    } })
    new Gauge({ name: 'breeze_process_memory_bytes', help: 'Process memory: rss, heap_used, heap_total, external', labelNames: ['type'], registers, collect() {
      const m = process.memoryUsage()
      this.set({ type: 'rss' }, m.rss)
      this.set({ type: 'heap_used' }, m.heapUsed)
      this.set({ type: 'heap_total' }, m.heapTotal)
      this.set({ type: 'external' }, m.external)
    } })
    const started = Date.now()
    new Gauge({ name: 'breeze_process_uptime_seconds', help: 'Seconds since this process started', registers, collect() { this.set((Date.now() - started) / 1000) } })
  }

  /** start begins sampling the event loop and gives the scrape-time sources. */
  start(sources: MetricSources) {
    this.sources = sources
    if (!this.eventLoop) {
      this.eventLoop = monitorEventLoopDelay({ resolution: 10 })
      this.eventLoop.enable()
    }
  }

  stop() {
    this.eventLoop?.disable()
    this.eventLoop = null
  }

  private async jobQueue(cacheMs: number): Promise<JobQueueStats> {
    const now = Date.now()
    if (this.jobCache && now - this.jobCache.at < cacheMs) return this.jobCache.value
    const value = this.sources ? await this.sources.jobQueue() : { pending: 0, due: 0, running: 0, oldestDueRunAt: null }
    this.jobCache = { at: now, value }
    return value
  }

  /** observeHttp records one request (route is the matched pattern, never the raw path). */
  observeHttp(method: string, route: string, status: number, seconds: number) {
    this.httpDuration.observe({ method, route, status: `${Math.floor(status / 100)}xx` }, seconds)
  }

  /** text is the exposition document. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
