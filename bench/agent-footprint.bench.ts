// Idle footprint of the compiled agent (issue 3): enrolled against a local server, left alone
// with the default 60 s heartbeat and its live socket, sampled from /proc: resident memory and
// CPU (its own plus the tools it runs, e.g. df and who), averaged over the idle period after
// its first full inventory. Beside it, the floor: a compiled Bun program that only holds a
// WebSocket open to the same server.
//   bun bench/agent-footprint.bench.ts [minutes=10]
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { agentBinary, startTestAgent, stopTestAgents, waitFor } from '../src/testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../src/testing/factories'
import { startTestServer } from '../src/testing/server'
import { table } from './stats'

const minutes = Number(process.argv[2] ?? 10)
const ticks = 100 // USER_HZ on Linux

/** cpuSeconds: user + system time of the process and its reaped children. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / ticks
}
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

async function sample(pid: number, ms: number) {
  const rss: number[] = []
  const cpu0 = cpuSeconds(pid)
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    rss.push(rssMb(pid))
    await Bun.sleep(5_000)
  }
  const elapsed = (performance.now() - t0) / 1000
  return { avgRss: rss.reduce((a, b) => a + b, 0) / rss.length, maxRss: Math.max(...rss), cpuPercent: ((cpuSeconds(pid) - cpu0) / elapsed) * 100 }
}

const s = await startTestServer({ runningClock: true })
const admin = await setupAdmin(s.ctx)
const org = await makeOrg(s.ctx, admin.partnerId, 'Footprint')
await makeSite(s.ctx, org.id, 'HQ')
const c = s.client()
await c.login(admin.email, testPassword)
const key = (await c.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'bench' })).json.key

await agentBinary()
const agent = await startTestAgent(s.url, key, { env: { BREEZE_AGENT_LOG_LEVEL: 'info' } })
await waitFor(() => agent.logs().includes('inventory sent'), 180_000, 'the first inventory')
const pid = agent.pid()!
const peakDuringStart = rssMb(pid)
await Bun.sleep(10_000)
const idle = await sample(pid, minutes * 60_000)

// The floor: a compiled Bun program holding one authenticated WebSocket, nothing else.
const floorSrc = path.join(s.dataDir, 'floor.ts')
const id = agent.identity()
await Bun.write(floorSrc, `const ws = new WebSocket(${JSON.stringify(`${s.url.replace('http', 'ws')}/ws/agents/${id.agentId}`)}, { headers: { authorization: ${JSON.stringify(`BreezeAgent ${id.agentId}.${id.secret}`)} } })
setInterval(() => {}, 60_000)\n`)
await stopTestAgents()
const floorExe = path.join(s.dataDir, 'floor')
Bun.spawnSync(['bun', 'build', '--compile', '--minify', floorSrc, '--outfile', floorExe])
const floor = Bun.spawn([floorExe], { stdout: 'ignore', stderr: 'ignore' })
await Bun.sleep(5_000)
const floorIdle = await sample(floor.pid, Math.min(minutes, 2) * 60_000)
floor.kill()
await s.stop()

console.log(`### Idle agent footprint (${minutes} min after its first inventory, 60 s heartbeats, live socket)\n`)
console.log(table(['', 'avg RSS MB', 'max RSS MB', 'CPU % of one core'], [
  ['breeze-agent (compiled)', idle.avgRss, idle.maxRss, idle.cpuPercent.toFixed(3)],
  ['floor: compiled Bun holding one WebSocket', floorIdle.avgRss, floorIdle.maxRss, floorIdle.cpuPercent.toFixed(3)],
]))
console.log(`\nRSS right after the first full inventory: ${peakDuringStart.toFixed(1)} MB`)
console.log(`targets: < 60 MB RSS ${idle.maxRss < 60 ? 'met' : 'NOT met'}, < 0.5% CPU ${idle.cpuPercent < 0.5 ? 'met' : 'NOT met'}\n`)
process.exit(0)
