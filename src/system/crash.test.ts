// kill -9 while agents report results (issue 11, item 17): the real server process is killed at
// random moments while an agent acknowledges and finishes a stream of script runs. After every
// crash, before anything repairs it, the database holds no half-applied change: no ended
// command whose execution is still open, no script run without its audit row. After the last
// restart every run has ended and every finished one started its automation exactly once.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, inArray } from 'drizzle-orm'
import { t } from '../db/tables'
import { PROTOCOL_VERSION, type ServerMessage } from '../protocol'
import { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { prepareData, spawnServer, waitFor, type ServerProcess } from '../testing/process'
import { freshPostgresDatabase, usingPostgres } from '../testing/server'

const loops = 3
const runsPerLoop = 12

const cleanups: (() => unknown)[] = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

type Agent = { agentId: string; deviceId: string; auth: string; hardwareId: string }

/** connectAgent opens the agent's socket and answers every command: ack, one line of output, the result. */
async function connectAgent(url: string, a: Agent, onResult: () => void = () => {}): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/agents/${a.agentId}`, { headers: { authorization: a.auth } } as unknown as string[])
  const hello = Promise.withResolvers<void>()
  ws.onopen = () => ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: PROTOCOL_VERSION, agentVersion: '0.1.0', hardwareId: a.hardwareId, running: [] }))
  ws.onerror = () => hello.reject(new Error('the agent socket failed'))
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data)) as ServerMessage
    if (msg.type === 'server.hello') hello.resolve()
    if (msg.type !== 'command' || msg.command.type !== 'script.run') return
    const id = msg.command.id
    const send = (x: unknown) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(x)) }
    send({ type: 'command.ack', id })
    send({ type: 'command.output', id, seq: 0, stream: 'stdout', data: 'hi\n' })
    send({ type: 'command.result', id, status: 'completed', result: { exitCode: 0, durationMs: 3, outputBytes: 3, truncated: false }, error: null })
    onResult()
  }
  await hello.promise
  return ws
}

/** halfApplied reads the stopped server's database: what a crash must never leave behind. */
async function halfApplied(dataDir: string, databaseUrl: string) {
  return prepareData(dataDir, databaseUrl, async (ctx) => {
    const openAfterEnd = await ctx.db.select({ id: t.scriptExecutions.id, command: t.agentCommands.status, execution: t.scriptExecutions.status })
      .from(t.scriptExecutions).innerJoin(t.agentCommands, eq(t.agentCommands.sourceId, t.scriptExecutions.id))
      .where(and(inArray(t.agentCommands.status, ['completed', 'failed', 'timeout', 'cancelled', 'expired']), inArray(t.scriptExecutions.status, ['pending', 'queued', 'running'])))
    const batches = await ctx.db.select({ id: t.scriptBatches.id }).from(t.scriptBatches)
    const audited = new Set((await ctx.db.select({ details: t.auditLogs.details }).from(t.auditLogs).where(eq(t.auditLogs.action, 'script.execute'))).map((r) => (r.details as { batchId?: string } | null)?.batchId))
    const executions = await ctx.db.select({ status: t.scriptExecutions.status }).from(t.scriptExecutions)
    return {
      openAfterEnd,
      batchesWithoutAudit: batches.filter((b) => !audited.has(b.id)).length,
      ended: executions.filter((e) => !['pending', 'queued', 'running'].includes(e.status)).length,
      total: executions.length,
    }
  })
}

test(`${loops} kill -9 loops while results arrive leave nothing half-applied`, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bz-crash-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const pg = usingPostgres ? await freshPostgresDatabase() : null
  if (pg) cleanups.push(() => pg.drop())
  const databaseUrl = pg?.url ?? ''
  const { orgId, email } = await prepareData(dataDir, databaseUrl, async (ctx) => {
    const a = await setupAdmin(ctx)
    const org = await makeOrg(ctx, a.partnerId, 'Acme')
    await makeSite(ctx, org.id, 'HQ')
    return { orgId: org.id, email: a.email }
  })
  let server: ServerProcess | null = null
  cleanups.push(() => server?.proc.kill('SIGKILL'))
  const boot = async () => {
    server = await spawnServer({ dataDir, databaseUrl })
    const web = new TestClient(server.url)
    expect((await web.login(email, testPassword)).status).toBeLessThan(400)
    return { server, web }
  }

  let { web } = await boot()
  const key = (await web.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key as string
  const hardwareId = `hw-crash-${Date.now()}`
  const enrolled = await fetch(`${server!.url}/api/v1/agents/enroll`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentKey: key, hostname: 'crash-1', osType: 'linux', osVersion: '12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, hardwareId }),
  }).then((r) => r.json() as Promise<{ agentId: string; deviceId: string; agentSecret: string }>)
  const agent: Agent = { agentId: enrolled.agentId, deviceId: enrolled.deviceId, auth: `BreezeAgent ${enrolled.agentId}.${enrolled.agentSecret}`, hardwareId }
  const scriptId = (await web.post('/api/v1/scripts', { name: 'Echo', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo hi', parameters: [] })).json.id as string
  expect((await web.post('/api/v1/automations', { orgId, name: 'after echo', trigger: { type: 'event', event: 'script.completed', scriptId }, actions: [{ id: 't', type: 'update_device', addTags: ['echoed'], target: { triggerDevice: true } }] })).status).toBe(201)

  for (let loop = 0; loop < loops; loop++) {
    if (loop > 0) ({ web } = await boot())
    // Runs are started and answered; the server is killed at a random moment while results arrive.
    const killAfter = 1 + Math.floor(Math.random() * (runsPerLoop - 2))
    let results = 0
    const victim = server!
    const ws = await connectAgent(server!.url, agent, () => {
      if (++results === killAfter) setTimeout(() => victim.proc.kill('SIGKILL'), Math.floor(Math.random() * 15))
    })
    const started = (async () => {
      for (let i = 0; i < runsPerLoop; i++) if (!(await web.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] }).catch(() => null))) return
    })()
    await Promise.race([victim.exited, started.then(() => Bun.sleep(2_000)).then(() => victim.proc.kill('SIGKILL'))])
    await server!.exited
    ws.close()
    const after = await halfApplied(dataDir, databaseUrl)
    expect({ loop, openAfterEnd: after.openAfterEnd, batchesWithoutAudit: after.batchesWithoutAudit }).toEqual({ loop, openAfterEnd: [], batchesWithoutAudit: 0 })
  }

  // A last, clean run: every run ends (lost ones fail, undelivered ones are delivered and answered).
  ;({ web } = await boot())
  const ws = await connectAgent(server!.url, agent)
  const settled = await waitFor('every run to end', async () => {
    const r = await prepareCount(dataDir, databaseUrl)
    return r.total > 0 && r.open === 0 ? r : (await Bun.sleep(200), null)
  }, 60_000)
  // Every run that finished started its automation once (durable script.completed, delivered again after a crash).
  await waitFor('the automations of finished runs', async () => (await automationGaps(dataDir, databaseUrl)).missing === 0 || (await Bun.sleep(200), false), 30_000).catch(async (err) => {
    console.log(JSON.stringify(await readWhileRunning(dataDir, databaseUrl, async (q) => ({
      missing: await q(`select e.id, e.status, e.completed_at from script_executions e where e.status in ('completed','failed') and not exists (select 1 from automation_runs r where r.trigger_key = 'script:' || e.id)`),
      jobs: await q(`select type, status, run_at, attempts, last_error from jobs where type = 'events.redeliver'`),
      now: Date.now(),
    }))))
    console.log(server!.logs().split('\n').filter((l) => l.includes('"error"') || l.includes('"warn"')).slice(-20).join('\n'))
    throw err
  })
  ws.close()
  server!.proc.kill('SIGTERM')
  expect(await server!.exited).toBe(0)
  const gaps = await automationGaps(dataDir, databaseUrl)
  expect(gaps.duplicated).toBe(0)
  console.log(`${loops} kill -9 loops: ${settled.total} runs, all ended; ${gaps.runs} automation runs, none missing or twice`)
}, 240_000)

/** prepareCount: executions in total and still open, read with a short-lived reader while the server runs. */
async function prepareCount(dataDir: string, databaseUrl: string) {
  return readWhileRunning(dataDir, databaseUrl, async (q) => {
    const [row] = await q(`select count(*) as total, sum(case when status in ('pending','queued','running') then 1 else 0 end) as open from script_executions`)
    return { total: Number(row.total), open: Number(row.open ?? 0) }
  })
}

/** automationGaps: finished executions without their automation run, and any with more than one. */
async function automationGaps(dataDir: string, databaseUrl: string) {
  return readWhileRunning(dataDir, databaseUrl, async (q) => {
    const finished = await q(`select id from script_executions where status in ('completed','failed')`)
    const runs = await q(`select trigger_key as k, count(*) as n from automation_runs group by trigger_key`)
    const byKey = new Map(runs.map((r) => [String(r.k), Number(r.n)]))
    return { missing: finished.filter((e) => !byKey.has(`script:${e.id}`)).length, duplicated: [...byKey.values()].filter((n) => n > 1).length, runs: runs.length }
  })
}

type Query = (text: string) => Promise<Record<string, unknown>[]>

/** readWhileRunning opens a short-lived connection next to the running server (SQLite in WAL mode allows a reader). */
async function readWhileRunning<T>(dataDir: string, databaseUrl: string, fn: (q: Query) => Promise<T>): Promise<T> {
  if (!databaseUrl) {
    const { Database } = await import('bun:sqlite')
    const db = new Database(path.join(dataDir, 'breeze.db'), { readonly: true })
    try { return await fn(async (text) => db.query(text).all() as Record<string, unknown>[]) } finally { db.close() }
  }
  const { default: postgres } = await import('postgres')
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try { return await fn(async (text) => [...(await client.unsafe(text))] as Record<string, unknown>[]) } finally { await client.end() }
}

