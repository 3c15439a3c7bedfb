// SIGTERM on the real server process (issue 11, item 16): with jobs due, an agent connected and
// a page's live stream open, the server drains and exits 0 in time, the agent is told 1012, the
// SQLite WAL is checkpointed away, and no job is left claimed: what was not run runs after the
// restart. A slow client cannot hold the exit past the deadline; a second signal exits at once.
import { afterAll, expect, test } from 'bun:test'
import { Database as Sqlite } from 'bun:sqlite'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import postgres from 'postgres'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { PROTOCOL_VERSION } from '../protocol'
import { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { prepareData, spawnServer, waitFor, type ServerProcess } from '../testing/process'
import { freshPostgresDatabase, usingPostgres } from '../testing/server'

const cleanups: (() => unknown)[] = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function dataDirAndDatabase() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bz-stop-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const pg = usingPostgres ? await freshPostgresDatabase() : null
  if (pg) cleanups.push(() => pg.drop())
  return { dataDir, databaseUrl: pg?.url ?? '' }
}

function killOnExit(server: ServerProcess) {
  cleanups.push(() => { server.proc.kill('SIGKILL') })
}

const backlog = 1000
const jobType = 'automations.offline-check'

/** countJobs reads the job table while the server is stopped (SQLite: no second connection left open). */
async function countJobs(dataDir: string, databaseUrl: string) {
  return prepareData(dataDir, databaseUrl, async (ctx) => {
    const rows = await ctx.db.select({ status: t.jobs.status }).from(t.jobs).where(eq(t.jobs.type, jobType))
    const running = await ctx.db.select({ type: t.jobs.type }).from(t.jobs).where(eq(t.jobs.status, 'running'))
    return { total: rows.length, done: rows.filter((r) => r.status === 'done').length, pending: rows.filter((r) => r.status === 'pending').length, runningAnyType: running.length }
  })
}

test('SIGTERM with jobs due, an agent connected and a live stream open: drained, exit 0 in time, nothing lost', async () => {
  const { dataDir, databaseUrl } = await dataDirAndDatabase()
  const admin = await prepareData(dataDir, databaseUrl, async (ctx) => {
    const a = await setupAdmin(ctx)
    const org = await makeOrg(ctx, a.partnerId, 'Org')
    await makeSite(ctx, org.id, 'HQ')
    return { email: a.email, orgId: org.id }
  })

  const server = await spawnServer({ dataDir, databaseUrl })
  killOnExit(server)
  const web = new TestClient(server.url)
  expect((await web.login(admin.email, testPassword)).status).toBeLessThan(400)

  // A page's live stream.
  const live = await fetch(`${server.url}/live`, { headers: { cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  expect(live.status).toBe(200)
  const liveReader = live.body!.getReader()
  await liveReader.read()

  // An enrolled agent on its socket.
  const key = (await web.post('/api/v1/enrollment-keys', { orgId: admin.orgId, name: 'k' })).json.key as string
  const hardwareId = `hw-${newId()}`
  const enrolled = await fetch(`${server.url}/api/v1/agents/enroll`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentKey: key, hostname: 'host-1', osType: 'linux', osVersion: 'Debian 12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, hardwareId }),
  }).then((r) => r.json() as Promise<{ agentId: string; agentSecret: string }>)
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/agents/${enrolled.agentId}`, { headers: { authorization: `BreezeAgent ${enrolled.agentId}.${enrolled.agentSecret}` } } as unknown as string[])
  const closed = new Promise<{ code: number; reason: string }>((resolve) => { ws.onclose = (e) => resolve({ code: e.code, reason: e.reason }) })
  const hello = new Promise<void>((resolve) => { ws.onmessage = (e) => { if (JSON.parse(String(e.data)).type === 'server.hello') resolve() } })
  ws.onopen = () => ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: PROTOCOL_VERSION, agentVersion: '0.1.0', hardwareId, running: [] }))
  await hello

  // A backlog of due jobs (offline checks of an automation that no longer exists: quick no-ops);
  // the runner is working through it when the signal comes.
  await prepareData(dataDir, databaseUrl, async (ctx) => {
    const now = Date.now()
    const rows = Array.from({ length: backlog }, () => ({
      id: newId(), type: jobType, payload: { automationId: newId(), deviceId: newId(), orgId: admin.orgId, lastSeenAt: null }, status: 'pending' as const, runAt: now - 1000,
      leaseUntil: null, leaseMs: 60_000, attempts: 0, maxAttempts: 5, lastError: null, uniqueKey: null, createdAt: now, finishedAt: null,
    }))
    for (let i = 0; i < rows.length; i += 500) await ctx.db.insert(t.jobs).values(rows.slice(i, i + 500))
  })
  await waitFor('the runner to start on the backlog', async () => (await doneNow(dataDir, databaseUrl)) >= 20)
  const t0 = Date.now()
  server.proc.kill('SIGTERM')
  const code = await server.exited
  const ms = Date.now() - t0
  expect(code).toBe(0)
  expect(ms).toBeLessThan(10_000)
  expect(await closed).toEqual({ code: 1012, reason: 'server restarting' })
  let ended = false
  for (let i = 0; i < 100 && !ended; i++) ended = (await liveReader.read()).done
  expect(ended).toBe(true)
  expect(server.logs()).toContain('"msg":"breeze stopped"')
  if (!databaseUrl) {
    const wal = path.join(dataDir, 'breeze.db-wal')
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true)
    const db = new Sqlite(path.join(dataDir, 'breeze.db'), { readonly: true })
    expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    db.close()
  }
  const after = await countJobs(dataDir, databaseUrl)
  expect(after.runningAnyType).toBe(0)
  expect(after.total).toBe(backlog)
  console.log(`SIGTERM → exit 0 in ${ms} ms; backlog ${after.done} of ${backlog} run, ${after.pending} left pending`)

  // Nothing was lost: the next start runs what was left.
  const again = await spawnServer({ dataDir, databaseUrl })
  killOnExit(again)
  await waitFor('the rest of the backlog to run', async () => (await doneNow(dataDir, databaseUrl)) === backlog || (await Bun.sleep(200), false), 60_000)
  again.proc.kill('SIGTERM')
  expect(await again.exited).toBe(0)
}, 120_000)

/** doneNow counts finished backlog jobs while a server runs (a short-lived reader). */
async function doneNow(dataDir: string, databaseUrl: string): Promise<number> {
  const q = `select count(*) as n from jobs where type = '${jobType}' and status = 'done'`
  if (!databaseUrl) {
    const db = new Sqlite(path.join(dataDir, 'breeze.db'), { readonly: true })
    try { return Number((db.query(q).get() as { n: number }).n) } finally { db.close() }
  }
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try { return Number((await sql.unsafe(q))[0].n) } finally { await sql.end() }
}

/** slowUpload starts a request whose body never finishes arriving (a slow client). */
async function slowUpload(url: string): Promise<Bun.Socket> {
  const { hostname, port } = new URL(url)
  const socket = await Bun.connect({ hostname, port: Number(port), socket: { data() {} } })
  socket.write(`POST /api/v1/agents/enroll HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"enrollmentKey":`)
  return socket
}

test('a slow client cannot hold the exit past the deadline; a second signal exits at once', async () => {
  const { dataDir, databaseUrl } = await dataDirAndDatabase()
  const server = await spawnServer({ dataDir, databaseUrl, env: { BREEZE_SHUTDOWN_TIMEOUT_SECONDS: '2' } })
  killOnExit(server)
  const slow = await slowUpload(server.url)
  await Bun.sleep(200)
  const t0 = Date.now()
  server.proc.kill('SIGTERM')
  await waitFor('the drain to start', () => server.logs().includes('"msg":"shutting down"'))
  const health = await fetch(`${server.url}/healthz`)
  expect(health.status).toBe(503)
  expect(await health.json()).toMatchObject({ status: 'draining' })
  const refused = await fetch(`${server.url}/api/v1/orgs`)
  expect(refused.status).toBe(503)
  expect(refused.headers.get('retry-after')).toBe('5')
  expect((await refused.json()).error.code).toBe('shutting_down')
  expect(await server.exited).toBe(0)
  const ms = Date.now() - t0
  expect(ms).toBeGreaterThanOrEqual(1_900)
  expect(ms).toBeLessThan(6_000)
  expect(server.logs()).toContain('requests still open at the shutdown deadline were cut')
  slow.end()

  const second = await spawnServer({ dataDir, databaseUrl, env: { BREEZE_SHUTDOWN_TIMEOUT_SECONDS: '20' } })
  killOnExit(second)
  const slow2 = await slowUpload(second.url)
  // note: the server cannot be asked whether it has taken the request yet; on a loaded machine
  // 200 ms was not always enough (the drain found nothing open and exited 0 before SIGINT).
  await Bun.sleep(1_000)
  const t1 = Date.now()
  second.proc.kill('SIGTERM')
  await waitFor('the drain to start', () => second.logs().includes('"msg":"shutting down"'))
  second.proc.kill('SIGINT')
  expect(await second.exited).toBe(130)
  expect(Date.now() - t1).toBeLessThan(3_000)
  expect(second.logs()).toContain('second signal: exiting now')
  slow2.end()
}, 60_000)
