// Script output end to end (issue 11 items 8 and 15): the compiled agent on this machine runs a
// script writing 10, 50 and 200 MiB to stdout (output cap raised to match) against an
// in-process server; the server's RSS and JS heap are sampled every 20 ms. Then 50 MiB again
// with 20 clients that open the execution's live output stream and never read it. Baseline in
// the same run: a raw Bun.serve WebSocket taking 50 MiB in the same 64 KiB JSON chunks from a
// raw client process and appending them to a file (no flow control, no database).
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../src/testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../src/testing/factories'
import { startTestServer } from '../src/testing/server'
import { table } from './stats'

const MiB = 1 << 20
const step = (what: string) => process.stderr.write(`[script-output] ${new Date().toISOString().slice(11, 19)} ${what}\n`)

/** sampler records the peak RSS from now until stop(). */
function sampler() {
  Bun.gc(true)
  const base = process.memoryUsage()
  let peak = base.rss
  let heapPeak = base.heapUsed
  const sample = () => { const m = process.memoryUsage(); peak = Math.max(peak, m.rss); heapPeak = Math.max(heapPeak, m.heapUsed) }
  const timer = setInterval(sample, 20)
  return {
    stop: () => {
      clearInterval(timer)
      sample()
      Bun.gc(true)
      return { rss: (peak - base.rss) / MiB, heap: (heapPeak - base.heapUsed) / MiB, after: (process.memoryUsage().rss - base.rss) / MiB }
    },
  }
}

step('building the agent')
await agentBinary()
const s = await startTestServer({ runningClock: true })
const a = await setupAdmin(s.ctx)
const orgId = (await makeOrg(s.ctx, a.partnerId, 'Bench')).id
await makeSite(s.ctx, orgId, 'HQ')
const admin = s.client()
await admin.login(a.email, testPassword)
const { deviceId } = await startConnectedAgent(s, admin, orgId)
await admin.put('/api/v1/settings/scripts', { inlineKiB: 1024, maxMiB: 200 })
const scripts = new Map<number, string>()
async function flood(mib: number): Promise<string> {
  if (!scripts.has(mib)) scripts.set(mib, (await admin.post('/api/v1/scripts', { name: `Flood ${mib}`, description: '', category: 'Bench', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: `head -c ${mib * MiB} /dev/zero | tr "\\0" "a"\n`, parameters: [] })).json.id)
  return scripts.get(mib)!
}
const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ')

/** stalledReaders opens n raw connections to a stream URL that never read what they are sent. */
function stalledReaders(n: number, url: string): net.Socket[] {
  const { port } = new URL(s.url)
  return Array.from({ length: n }, () => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
      socket.write(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`)
      socket.pause()
    })
    socket.on('error', () => {})
    return socket
  })
}

type Growth = { rss: number; heap: number; after: number }
async function runOnce(mib: number, readers: number): Promise<[number, Growth]> {
  const total = mib * MiB
  const res = await admin.post(`/api/v1/scripts/${await flood(mib)}/execute`, { deviceIds: [deviceId] })
  const id = res.json.executions[0].id
  const sockets = readers ? stalledReaders(readers, `/executions/${id}/stream`) : []
  const rss = sampler()
  const t0 = performance.now()
  const done = await waitFor(async () => { const e = (await admin.get(`/api/v1/executions/${id}`)).json; return e.status === 'completed' ? e : null }, 300_000, 'the flood to finish')
  const ms = performance.now() - t0
  const growth = rss.stop()
  for (const socket of sockets) socket.destroy()
  if (done.outputBytes !== total) throw new Error(`expected ${total} bytes, got ${done.outputBytes}`)
  return [ms, growth]
}

step('warming up')
await runOnce(10, 0)
const rows: (string | number | null)[][] = []
const row = (what: string, mib: number, [ms, g]: [number, Growth]) => rows.push([what, mib, ms / 1000, mib / (ms / 1000), g.rss, g.heap, g.after])
// `bun bench/script-output.bench.ts [MiB…]` (default 10 50 200); DATABASE_URL=postgres://… for PostgreSQL.
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0)
for (const mib of sizes.length ? sizes : [10, 50, 200]) {
  step(`${mib} MiB`)
  row('Breeze: agent → socket → database + blob', mib, await runOnce(mib, 0))
}
step('50 MiB with 20 stalled readers')
row('Breeze, with 20 stalled live-output readers', 50, await runOnce(50, 20))

// ---- raw baseline: Bun.serve WebSocket → file ----
step('raw baseline')
const total = 50 * MiB
const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-raw-output-'))
const file = path.join(dir, 'out.log')
let received = 0
let finished: () => void
const allIn = new Promise<void>((resolve) => { finished = resolve })
const raw = Bun.serve({
  port: 0,
  fetch(req, server) { return server.upgrade(req) ? undefined : new Response('no', { status: 400 }) },
  websocket: {
    message(_ws, message) {
      const m = JSON.parse(String(message)) as { data: string }
      appendFileSync(file, m.data)
      received += m.data.length
      if (received >= total) finished()
    },
  },
})
const client = `const ws = new WebSocket('ws://127.0.0.1:${raw.port}'); const data = 'a'.repeat(65536); let seq = 0
ws.onopen = () => { for (let sent = 0; sent < ${total}; sent += data.length) ws.send(JSON.stringify({ type: 'command.output', id: 'x', seq: seq++, stream: 'stdout', data })) }`
const rawRss = sampler()
const r0 = performance.now()
const proc = Bun.spawn(['bun', '-e', client], { stdout: 'ignore', stderr: 'inherit' })
await allIn
const rawMs = performance.now() - r0
const rawGrowth = rawRss.stop()
proc.kill()
raw.stop(true)
rmSync(dir, { recursive: true, force: true })

row('raw Bun.serve WebSocket → file append (no flow control)', 50, [rawMs, rawGrowth])
console.log('### Script output from the compiled agent: server memory\n')
console.log(table(['', 'MiB', 'seconds', 'MiB/s', 'peak RSS growth MiB', 'peak JS heap growth MiB', 'RSS growth after GC MiB'], rows))
console.log()
await stopTestAgents()
await s.stop()
