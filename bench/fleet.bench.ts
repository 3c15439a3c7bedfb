// Fleet simulator (issue 3): N simulated agents against the compiled server on this machine
// (SQLite). Each agent is a real WebSocket with the agent's credential and hello, and real
// heartbeat POSTs. Measures: a reconnect storm of all N (time until every socket is admitted,
// with the agents' retry rules) and /healthz latency meanwhile; heartbeats/s and latency
// closed-loop (as fast as the server answers) and open-loop at 2,000/s; each beside a raw
// Bun.serve + bun:sqlite server doing the same insert and update.
//   bun bench/fleet.bench.ts [agents=10000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config'
import { t } from '../src/db/tables'
import { randomToken, sha256Hex } from '../src/lib/crypto'
import { newId } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import { createContext } from '../src/server'
import { deviceRow } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin } from '../src/testing/factories'
import { percentile, table } from './stats'

const N = Number(process.argv[2] ?? 10_000)
const step = (what: string) => process.stderr.write(`[fleet] ${new Date().toISOString().slice(11, 19)} ${what}\n`)
const root = path.join(import.meta.dir, '..')
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-fleet-'))
const dataDir = path.join(work, 'data')

// ---- setup: the compiled server, an org with N enrolled devices ----
step('compiling the server')
const breeze = path.join(work, 'breeze')
const build = Bun.spawnSync(['bun', 'build', '--compile', '--minify', 'src/main.ts', '--outfile', breeze], { cwd: root, stderr: 'pipe' })
if (build.exitCode !== 0) throw new Error(build.stderr.toString())

step('creating devices')
type Agent = { deviceId: string; agentId: string; auth: string; hardwareId: string }
const agents: Agent[] = []
{
  const ctx = await createContext(loadConfig({ 'data-dir': dataDir, 'database-url': '' }, { BREEZE_LOG_LEVEL: 'error' }), { log: silentLogger })
  const admin = await setupAdmin(ctx)
  const org = await makeOrg(ctx, admin.partnerId, 'Fleet')
  const site = await makeSite(ctx, org.id, 'DC')
  const rows = []
  for (let i = 0; i < N; i++) {
    const id = newId()
    const secret = randomToken(32)
    const agentId = newId()
    const hardwareId = `fleet-machine-${i}`
    agents.push({ deviceId: id, agentId, auth: `BreezeAgent ${agentId}.${secret}`, hardwareId })
    rows.push(deviceRow(ctx, { id, orgId: org.id, siteId: site.id, agentId, agentSecretHash: sha256Hex(secret), hardwareId, osType: 'linux', status: 'offline', agentVersion: '0.1.0' }))
  }
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insert(t.devices).values(rows.slice(i, i + 500))
  await ctx.database.close()
}

async function waitHealthy(url: string) {
  for (let i = 0; i < 500; i++) {
    try { if ((await fetch(`${url}/healthz`)).ok) return } catch {}
    await Bun.sleep(20)
  }
  throw new Error(`${url} did not start`)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : NaN
}

step('starting the server')
const port = 20000 + Math.floor(Math.random() * 20000)
const server = Bun.spawn([breeze, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
  env: { ...process.env, BREEZE_LOG_LEVEL: 'error', DATABASE_URL: '' }, stdout: 'ignore', stderr: 'inherit',
})
const url = `http://127.0.0.1:${port}`
await waitHealthy(url)

// ---- 1. reconnect storm: every agent connects at once and follows the agent's retry rules ----
const sockets: WebSocket[] = []
let busyCloses = 0
let errors = 0
function connect(a: Agent, attempt = 1): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/agents/${a.agentId}`, { headers: { authorization: a.auth } } as unknown as string[])
    let admitted = false
    ws.onopen = () => ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 1, agentVersion: '0.1.0', hardwareId: a.hardwareId }))
    ws.onmessage = (m) => {
      if (!admitted && String(m.data).includes('"server.hello"')) { admitted = true; sockets.push(ws); resolve() }
    }
    ws.onclose = (e) => {
      if (admitted) return
      // The agent's rules: the server's retry hint (+ up to 1 s), else full jitter capped at 60 s.
      let delay: number
      if (e.code === 4029) { busyCloses++; delay = Number(/retry-after=(\d+)/.exec(e.reason)?.[1] ?? 10) * 1000 + Math.random() * 1000 }
      else { errors++; if (errors <= 3) step(`socket closed before admission: ${e.code} ${e.reason}`); delay = Math.random() * Math.min(60_000, 1000 * 2 ** (attempt - 1)) }
      setTimeout(() => connect(a, attempt + 1).then(resolve), delay)
    }
  })
}
// /healthz is probed from its own process, so the storm's client work does not delay the probe.
const probeSrc = path.join(work, 'probe.ts')
await Bun.write(probeSrc, `const lat = []
let on = true
process.on('SIGTERM', () => { on = false })
while (on) {
  const t0 = performance.now()
  await fetch(${JSON.stringify(`${url}/healthz`)})
  lat.push(performance.now() - t0)
  await Bun.sleep(50)
}
console.log(JSON.stringify(lat))
`)
const probe = Bun.spawn(['bun', probeSrc], { stdout: 'pipe', stderr: 'inherit' })
await Bun.sleep(500)
step('reconnect storm')
const stormStart = performance.now()
const firstWave: number[] = []
await Promise.all(agents.map((a) => connect(a).then(() => { if (firstWave.length < N) firstWave.push(performance.now() - stormStart) })))
const stormMs = performance.now() - stormStart
probe.kill('SIGTERM')
const healthDuring = JSON.parse(await new Response(probe.stdout).text()) as number[]
const serverRssConnected = rssMb(server.pid)

// ---- 2. heartbeats ----
const heartbeatBody = (a: Agent) => JSON.stringify({
  agentVersion: '0.1.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 86_400, lastUser: 'jdoe', loggedInUsers: ['jdoe'], pendingReboot: false,
  metrics: { cpuPercent: Math.random() * 100, ramPercent: 40 + Math.random() * 20, ramUsedMb: 6000, diskPercent: 61.5, diskUsedGb: 120, volumes: { '/': 61.5, '/boot': 22 }, netInBytes: 123_456, netOutBytes: 65_432, processCount: 212 },
})

type Target = { url(a: Agent): string; headers(a: Agent): Record<string, string> }
const breezeTarget: Target = { url: (a) => `${url}/api/v1/agents/${a.agentId}/heartbeat`, headers: (a) => ({ authorization: a.auth }) }

async function send(target: Target, a: Agent): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(target.url(a), { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers(a) }, body: heartbeatBody(a) })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`heartbeat answered ${res.status}`)
  return performance.now() - t0
}

/** closedLoop keeps `concurrency` heartbeats in flight for `ms`. */
async function closedLoop(target: Target, concurrency: number, ms: number) {
  const lat: number[] = []
  let next = 0
  const end = performance.now() + ms
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) lat.push(await send(target, agents[next++ % agents.length]))
  }))
  return { perSecond: lat.length / ((performance.now() - started) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99) }
}

/** openLoop sends `rate` heartbeats per second for `ms`, whether or not earlier ones were answered. */
async function openLoop(target: Target, rate: number, ms: number) {
  const lat: number[] = []
  const pending: Promise<void>[] = []
  let next = 0
  const started = performance.now()
  while (performance.now() - started < ms) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate)
    while (next < due) pending.push(send(target, agents[next++ % agents.length]).then((l) => { lat.push(l) }))
    await Bun.sleep(2)
  }
  await Promise.all(pending)
  return { perSecond: lat.length / ((performance.now() - started) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99) }
}

step('heartbeats')
await closedLoop(breezeTarget, 32, 3_000) // warm-up
const breezeClosed = await closedLoop(breezeTarget, 64, 20_000)
const breezeOpen = await openLoop(breezeTarget, 2_000, 15_000)
const serverRssAfter = rssMb(server.pid)
for (const ws of sockets) ws.close()
server.kill('SIGTERM')
await server.exited

step('raw baseline')
// ---- 3. raw baseline: Bun.serve + bun:sqlite, same insert and update per heartbeat ----
const rawSrc = path.join(work, 'raw.ts')
await Bun.write(rawSrc, `
import { Database } from 'bun:sqlite'
const db = new Database(${JSON.stringify(path.join(work, 'raw.db'))})
db.exec('PRAGMA journal_mode = WAL'); db.exec('PRAGMA synchronous = NORMAL')
db.exec('CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, last_seen_at INTEGER, cpu INTEGER, ram INTEGER, disk INTEGER)')
db.exec('CREATE TABLE IF NOT EXISTS metrics (device_id TEXT, at INTEGER, cpu INTEGER, ram INTEGER, disk INTEGER, net_in INTEGER, net_out INTEGER, procs INTEGER, PRIMARY KEY (device_id, at))')
const insert = db.prepare('INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
const update = db.prepare('UPDATE devices SET last_seen_at = ?, cpu = ?, ram = ?, disk = ? WHERE id = ?')
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', async fetch(req) {
  const id = new URL(req.url).pathname.split('/')[4]
  const b = await req.json()
  const now = Date.now(), m = b.metrics
  insert.run(id, now, Math.round(m.cpuPercent), Math.round(m.ramPercent), Math.round(m.diskPercent), m.netInBytes, m.netOutBytes, m.processCount)
  update.run(now, Math.round(m.cpuPercent), Math.round(m.ramPercent), Math.round(m.diskPercent), id)
  return Response.json({ serverTime: now, heartbeatSeconds: 60, commands: [], upgrade: null })
} })
console.log(server.port)
`)
const raw = Bun.spawn(['bun', rawSrc], { stdout: 'pipe', stderr: 'inherit' })
const rawPort = Number(new TextDecoder().decode((await raw.stdout.getReader().read()).value).trim())
const rawTarget: Target = { url: (a) => `http://127.0.0.1:${rawPort}/api/v1/agents/${a.agentId}/heartbeat`, headers: () => ({}) }
await closedLoop(rawTarget, 32, 3_000)
const rawClosed = await closedLoop(rawTarget, 64, 20_000)
const rawOpen = await openLoop(rawTarget, 2_000, 15_000)
raw.kill()
await raw.exited

console.log(`### Fleet of ${N.toLocaleString('en')} simulated agents, compiled server on SQLite\n`)
console.log('Reconnect storm: every agent opens its socket at the same moment and follows the agent\'s retry rules.\n')
console.log(table(['', 'value'], [
  ['time until all sockets admitted (s)', stormMs / 1000],
  ['admitted in the first wave (no retry)', firstWave.filter((ms) => ms < 2_000).length],
  ['told to come back later (close 4029)', busyCloses],
  ['connection errors', errors],
  ['GET /healthz during the storm, p50 ms', percentile(healthDuring, 50)],
  ['GET /healthz during the storm, p99 ms', percentile(healthDuring, 99)],
  [`server RSS with ${N} sockets (MB)`, serverRssConnected],
]))
console.log(`\nHeartbeats (POST /api/v1/agents/:id/heartbeat, all ${N} sockets open; client on the same 2 cores)\n`)
console.log(table(['load', 'heartbeats/s', 'p50 ms', 'p99 ms'], [
  ['Breeze, closed loop (64 in flight)', breezeClosed.perSecond, breezeClosed.p50, breezeClosed.p99],
  ['raw Bun.serve + bun:sqlite, closed loop (64 in flight)', rawClosed.perSecond, rawClosed.p50, rawClosed.p99],
  ['ratio raw : Breeze (throughput)', rawClosed.perSecond / breezeClosed.perSecond, null, null],
  ['Breeze, open loop at 2,000/s', breezeOpen.perSecond, breezeOpen.p50, breezeOpen.p99],
  ['raw, open loop at 2,000/s', rawOpen.perSecond, rawOpen.p50, rawOpen.p99],
]))
console.log(`\nserver RSS after the heartbeat runs: ${serverRssAfter} MB`)
console.log(`target ≥ 2,000 heartbeats/s with p99 < 50 ms: ${breezeOpen.perSecond >= 1_950 && breezeOpen.p99 < 50 ? 'met' : 'NOT met'}\n`)
rmSync(work, { recursive: true, force: true })
process.exit(0)
