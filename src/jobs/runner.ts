// The one job runner: a poll loop over the jobs table. A job is claimed by taking a lease;
// if its worker dies the lease lapses and another claim picks it up, so a crash never
// loses a job. Recurring jobs are single rows that are rescheduled after each run.
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { lockedForUpdate } from '../db/sql'
import { t } from '../db/tables'
import type { Clock } from '../lib/clock'
import { newId } from '../lib/ids'
import type { Logger } from '../lib/log'
import { storageCause } from '../lib/storage'

export type JobHandler = (payload: any, job: { id: string; attempts: number }) => Promise<void>

type Registration = { handler: JobHandler; maxAttempts: number; leaseMs: number; everyMs?: number }

export class JobRunner {
  private handlers = new Map<string, Registration>()
  private timer: Timer | null = null
  private running = new Map<Promise<void>, string>()
  private polling: Promise<void> | null = null
  private stopped = true
  /** Set by stop(): no job is claimed any more, by the loop or by runDue. */
  private closing = false
  /** Told of every finished run (src/observability counts them). */
  onFinished: ((type: string, result: 'done' | 'retry' | 'failed') => void) | null = null

  constructor(private db: Db, private clock: Clock, private log: Logger, private opts = { pollMs: 1000, concurrency: 4 }) {}

  /** register declares how to run jobs of `type`. */
  register(type: string, handler: JobHandler, opts: { maxAttempts?: number; leaseMs?: number } = {}) {
    this.handlers.set(type, { handler, maxAttempts: opts.maxAttempts ?? 5, leaseMs: opts.leaseMs ?? 5 * 60_000 })
  }

  /** every registers a recurring job run every `intervalMs` (first run one interval after start). */
  async every(type: string, intervalMs: number, handler: () => Promise<void>) {
    this.handlers.set(type, { handler, maxAttempts: 1_000_000, leaseMs: Math.max(intervalMs, 60_000), everyMs: intervalMs })
    await this.db.insert(t.jobs).values(this.row(type, {}, this.clock.now() + intervalMs, `every:${type}`)).onConflictDoNothing()
  }

  /** enqueue adds a job; with uniqueKey, a second enqueue while one is pending is a no-op. */
  async enqueue(type: string, payload: unknown, opts: { runAt?: number; uniqueKey?: string; db?: Db } = {}) {
    const row = this.row(type, payload, opts.runAt ?? this.clock.now(), opts.uniqueKey ?? null)
    await (opts.db ?? this.db).insert(t.jobs).values(row).onConflictDoNothing()
    if (row.runAt <= this.clock.now()) this.poke()
    return row.id
  }

  private row(type: string, payload: unknown, runAt: number, uniqueKey: string | null) {
    const reg = this.handlers.get(type)
    return { id: newId(), type, payload, status: 'pending' as const, runAt, leaseUntil: null, leaseMs: reg?.leaseMs ?? 5 * 60_000, attempts: 0, maxAttempts: reg?.maxAttempts ?? 5, lastError: null, uniqueKey, createdAt: this.clock.now(), finishedAt: null }
  }

  start() {
    this.stopped = false
    this.schedule(0)
  }

  /**
   * stop stops claiming at once and waits for the jobs in hand to finish (before the database
   * closes). Jobs still running at `deadline` (epoch ms) are released: their lease is given
   * back, so the next start (or another node) runs them again at once, without counting the
   * interrupted attempt. Returns the ids released.
   */
  async stop(deadline = Infinity): Promise<string[]> {
    this.stopped = true
    this.closing = true
    if (this.timer) clearTimeout(this.timer)
    const settled = Promise.all([this.polling, ...this.running.keys()]).then(() => true)
    const inTime = deadline === Infinity ? await settled
      : await Promise.race([settled, Bun.sleep(Math.max(0, deadline - Date.now())).then(() => false)])
    if (inTime || this.running.size === 0) return []
    const ids = [...this.running.values()]
    await this.db.update(t.jobs).set({ status: 'pending', leaseUntil: null, attempts: sql`case when ${t.jobs.attempts} > 0 then ${t.jobs.attempts} - 1 else 0 end` })
      .where(and(inArray(t.jobs.id, ids), eq(t.jobs.status, 'running')))
    this.log.warn('jobs still running at the shutdown deadline were released; they run again on the next start', { ids })
    return ids
  }

  /**
   * queueStats: jobs waiting (not yet due), due and unclaimed, running, and the run time of the
   * oldest due one. One aggregate over the (status, run_at) index; finished jobs are not read.
   */
  async queueStats(): Promise<{ pending: number; due: number; running: number; oldestDueRunAt: number | null }> {
    const now = this.clock.now()
    const j = t.jobs
    const [row] = await this.db.select({
      pending: sql<number>`coalesce(sum(case when ${j.status} = 'pending' and ${j.runAt} > ${now} then 1 else 0 end), 0)`.mapWith(Number),
      due: sql<number>`coalesce(sum(case when ${j.status} = 'pending' and ${j.runAt} <= ${now} then 1 else 0 end), 0)`.mapWith(Number),
      running: sql<number>`coalesce(sum(case when ${j.status} = 'running' then 1 else 0 end), 0)`.mapWith(Number),
      oldest: sql<number | null>`min(case when ${j.status} = 'pending' and ${j.runAt} <= ${now} then ${j.runAt} end)`,
    }).from(j).where(inArray(j.status, ['pending', 'running']))
    return { pending: row.pending, due: row.due, running: row.running, oldestDueRunAt: row.oldest === null ? null : Number(row.oldest) }
  }

  /** isStarted: the runner was started and not stopped (/readyz). */
  get isStarted(): boolean { return !this.stopped }

  /** inHand is the number of jobs running now. */
  get inHand() { return this.running.size }

  private poke() { if (!this.stopped) this.schedule(0) }

  private schedule(delay: number) {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.tick(), delay)
  }

  private tick() {
    this.polling = (async () => {
      try {
        await this.runDue()
      } catch (err) {
        // note: a full disk fails every poll; it is logged once where it starts (server.ts watchStorage).
        if (storageCause(err)) this.log.debug('job poll refused: storage failing', { cause: storageCause(err)!.code })
        else this.log.error('job poll failed', { err })
      }
      this.polling = null
      if (!this.stopped) this.schedule(this.opts.pollMs)
    })()
  }

  /** runDue claims and runs every due job now; tests call it after moving the clock. */
  async runDue(): Promise<number> {
    let total = 0
    // note: `closing` is checked before every claim: while jobs are due this loop never runs
    // dry on its own, and a shutdown that waited for it never came (issue 11, item 16). On
    // SQLite every query resolves at once, so without the setImmediate a backlog ran as one
    // chain of microtasks: no request, timer or signal handler ran until it was empty.
    while (!this.closing) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (this.closing) break
      const free = this.opts.concurrency - this.running.size
      if (free <= 0) { await Promise.race([...this.running.keys()]); continue }
      const claimed = await this.claim(free)
      if (claimed.length === 0) break
      total += claimed.length
      for (const job of claimed) {
        const p: Promise<void> = this.execute(job).finally(() => this.running.delete(p))
        this.running.set(p, job.id)
      }
    }
    await Promise.all([...this.running.keys()])
    return total
  }

  private async claim(limit: number) {
    const now = this.clock.now()
    const types = [...this.handlers.keys()]
    if (types.length === 0) return []
    const due = lockedForUpdate(this.db.select({ id: t.jobs.id }).from(t.jobs).where(and(
      inArray(t.jobs.type, types),
      or(and(eq(t.jobs.status, 'pending'), lte(t.jobs.runAt, now)), and(eq(t.jobs.status, 'running'), lte(t.jobs.leaseUntil, now))),
    )).orderBy(t.jobs.runAt).limit(limit), { skipLocked: true })
    return this.db.update(t.jobs)
      .set({ status: 'running', attempts: sql`${t.jobs.attempts} + 1`, leaseUntil: sql`${t.jobs.leaseMs} + ${now}` })
      .where(inArray(t.jobs.id, due))
      .returning()
  }

  private async execute(job: typeof t.jobs.$inferSelect) {
    const reg = this.handlers.get(job.type)!
    try {
      await reg.handler(job.payload, { id: job.id, attempts: job.attempts })
      this.onFinished?.(job.type, 'done')
      if (reg.everyMs) {
        await this.db.update(t.jobs).set({ status: 'pending', attempts: 0, runAt: this.clock.now() + reg.everyMs, leaseUntil: null, lastError: null }).where(eq(t.jobs.id, job.id))
      } else {
        await this.db.update(t.jobs).set({ status: 'done', finishedAt: this.clock.now(), leaseUntil: null, uniqueKey: null }).where(eq(t.jobs.id, job.id))
      }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      const giveUp = !reg.everyMs && job.attempts >= job.maxAttempts
      const retryIn = reg.everyMs ?? backoffMs(job.attempts)
      this.onFinished?.(job.type, giveUp ? 'failed' : 'retry')
      this.log.warn('job failed', { type: job.type, id: job.id, attempts: job.attempts, giveUp, err: message })
      try {
        await this.db.update(t.jobs).set(giveUp
          ? { status: 'failed', finishedAt: this.clock.now(), leaseUntil: null, lastError: message, uniqueKey: null }
          : { status: 'pending', runAt: this.clock.now() + retryIn, leaseUntil: null, lastError: message }).where(eq(t.jobs.id, job.id))
      } catch (recordErr) {
        // note: execute never rejects (nobody would handle it); the job's lease runs out and it is claimed again.
        if (storageCause(recordErr)) this.log.debug('could not record a failed job (storage failing); it runs again when its lease expires', { type: job.type, id: job.id })
        else this.log.error('could not record a failed job; it runs again when its lease expires', { type: job.type, id: job.id, err: recordErr })
      }
    }
  }
}

/** backoffMs: exponential from 5 s, capped at one hour, with up to 20% jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5_000 * 2 ** (attempt - 1), 3_600_000)
  return Math.round(base * (1 + Math.random() * 0.2))
}
