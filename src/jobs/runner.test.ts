// The job runner's shutdown: it waits for the jobs in hand, and a job whose failure cannot be
// written (the database went away) is logged and left to its lease, never an unhandled rejection.
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase, type Database } from '../db'
import { migrate } from '../db/migrate'
import { ManualClock } from '../lib/clock'
import { createLogger } from '../lib/log'
import { freshPostgresDatabase, usingPostgres } from '../testing/server'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { JobRunner } from './runner'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function runnerWithDatabase() {
  const pg = usingPostgres ? await freshPostgresDatabase() : null
  const database: Database = await openDatabase({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'bz-jobs-')), databaseUrl: pg?.url ?? '' })
  await migrate(database)
  const lines: string[] = []
  const runner = new JobRunner(database.db, new ManualClock(), createLogger('warn', (l) => lines.push(l)), { pollMs: 20, concurrency: 2 })
  let closed = false
  const close = async () => { if (!closed) { closed = true; await database.close() } }
  cleanups.push(async () => { await runner.stop(Date.now() + 1_000); await close(); await pg?.drop() })
  return { runner, close, lines, database }
}

test('stop waits for the jobs in hand to finish', async () => {
  const { runner } = await runnerWithDatabase()
  const steps: string[] = []
  let started!: () => void
  const running = new Promise<void>((resolve) => { started = resolve })
  runner.register('test.slow', async () => { steps.push('start'); started(); await Bun.sleep(300); steps.push('end') })
  runner.start()
  await runner.enqueue('test.slow', {})
  await running
  await runner.stop()
  steps.push('stopped')
  expect(steps).toEqual(['start', 'end', 'stopped'])
})

test('a failure that cannot be recorded is logged, not thrown', async () => {
  // note: the next poll fails too (the database is closed) while this job is still failing;
  // before, that left the job's rejection unhandled, which fails this test run.
  const { runner, close, lines } = await runnerWithDatabase()
  runner.register('test.breaks', async () => { await close(); await Bun.sleep(50); throw new Error('the work failed') })
  await runner.enqueue('test.breaks', {})
  runner.start()
  const log = () => lines.join('\n')
  for (let i = 0; i < 100 && !log().includes('could not record a failed job'); i++) await Bun.sleep(20)
  expect(log()).toContain('the work failed')
  expect(log()).toContain('could not record a failed job')
  await runner.stop()
})

test('stop stops claiming while jobs are still due, and leaves none running', async () => {
  // note: before, the claim loop ran until nothing was due, so stop() waited for the whole backlog.
  const { runner, database } = await runnerWithDatabase()
  let ran = 0
  runner.register('test.quick', async () => { ran++; await Bun.sleep(5) })
  for (let i = 0; i < 400; i++) await runner.enqueue('test.quick', { i })
  runner.start()
  while (ran < 4) await Bun.sleep(5)
  const t0 = Date.now()
  await runner.stop()
  expect(Date.now() - t0).toBeLessThan(1_000)
  const rows = await database.db.select({ status: t.jobs.status }).from(t.jobs).where(eq(t.jobs.type, 'test.quick'))
  expect(rows.filter((r) => r.status === 'running')).toEqual([])
  expect(rows.filter((r) => r.status === 'pending').length).toBeGreaterThan(100)
  expect(rows.filter((r) => r.status === 'done').length).toBe(ran)
})

test('a job still running at the stop deadline is released: pending again, the attempt not counted', async () => {
  const { runner, database } = await runnerWithDatabase()
  let started!: () => void
  const running = new Promise<void>((resolve) => { started = resolve })
  runner.register('test.stuck', async () => { started(); await new Promise(() => {}) })
  const id = await runner.enqueue('test.stuck', {})
  runner.start()
  await running
  const t0 = Date.now()
  expect(await runner.stop(Date.now() + 200)).toEqual([id])
  expect(Date.now() - t0).toBeLessThan(1_000)
  const [row] = await database.db.select().from(t.jobs).where(eq(t.jobs.id, id))
  expect(row).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null })
})
