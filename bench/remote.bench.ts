// Remote access benchmarks (issue 6), with the compiled agent on this machine:
//   1. terminal keystroke echo round trip (p50/p95) over the relay and over WebRTC, beside a
//      raw PTY echo (Bun.spawn terminal, no network) and a raw WebSocket echo;
//   2. file transfer throughput (MiB/s) both ways over the relay and over WebRTC, beside a raw
//      TCP socket copy on the same machine;
//   3. server memory per active relayed terminal session.
// The WebRTC figures are werift on both ends (the agent, and werift standing in for the
// browser in this process).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { agentBinary, startTestAgent, stopTestAgents, waitFor } from '../src/testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../src/testing/factories'
import { quietHome, RemoteViewer } from '../src/testing/remote'
import { startTestServer } from '../src/testing/server'
import { percentile, table } from './stats'

const MiB = 1024 * 1024
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-remote-bench-'))
await agentBinary()
const s = await startTestServer()
const a = await setupAdmin(s.ctx)
const org = await makeOrg(s.ctx, a.partnerId, 'Bench')
await makeSite(s.ctx, org.id, 'HQ')
const admin = s.client()
await admin.login(a.email, testPassword)
// Recording costs a little per output chunk; measure the path itself.
await admin.put(`/api/v1/remote/settings/${org.id}`, { requireMfa: false, recordTerminal: false, recordingRetentionDays: 30, idleTimeoutMinutes: 60, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true })
const key = (await admin.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'bench' })).json.key
const agent = await startTestAgent(s.url, key, { env: quietHome() })
const deviceId = agent.identity().deviceId
await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')

async function open(type: 'terminal' | 'files') {
  // note: the test server's clock only moves when told; keep it on real time (command expiry).
  s.clock.set(Date.now())
  const res = await admin.post('/api/v1/remote/sessions', { deviceId, type })
  if (res.status !== 201) throw new Error(res.text)
  const viewer = await RemoteViewer.connect(admin, res.json.session.id, res.json.ticket).catch(async (err) => {
    throw new Error(`${(err as Error).message}: ${JSON.stringify((await admin.get(`/api/v1/remote/sessions/${res.json.session.id}`)).json)}\n${agent.logs().split('\n').slice(-10).join('\n')}`)
  })
  await viewer.frame('ready', 15_000)
  return { id: res.json.session.id as string, viewer }
}

// ---- 0. click to prompt ----

/** From "Open terminal" (the API call the page makes) to the shell's prompt on the viewer's screen. */
const toPrompt: number[] = []
for (let i = 0; i < 15; i++) {
  s.clock.set(Date.now())
  const t0 = performance.now()
  const res = await admin.post('/api/v1/remote/sessions', { deviceId, type: 'terminal' })
  const v = await RemoteViewer.connect(admin, res.json.session.id, res.json.ticket)
  await v.untilScreen(/[#$] $/, 10_000)
  toPrompt.push(performance.now() - t0)
  await admin.delete(`/api/v1/remote/sessions/${res.json.session.id}`)
  await v.close()
}
console.log('### Open a terminal: from the start request to the shell prompt on screen (relay, login shell)\n')
console.log(table(['', 'p50 ms', 'max ms'], [['start → prompt', percentile(toPrompt, 50), Math.max(...toPrompt)]]))
console.log(`target: a real shell within 2 s — ${Math.max(...toPrompt) < 2000 ? 'met' : 'NOT met'} (max)\n`)

// ---- 1. keystroke echo ----

/** echo types single characters at a quiet `cat` and times each until its echo is on screen. */
async function echo(v: RemoteViewer, n: number): Promise<number[]> {
  v.type('stty raw -echo; cat\r')
  await v.untilScreen(/cat\r?\n/)
  await Bun.sleep(300)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const before = v.screen.length
    const c = String.fromCharCode(97 + (i % 26))
    const t0 = performance.now()
    v.type(c)
    await v.until(() => v.screen.length > before && v.screen.endsWith(c), 5_000, 'echo')
    out.push(performance.now() - t0)
  }
  return out
}

const samples = 300
const relayTerm = await open('terminal')
const relayEcho = await echo(relayTerm.viewer, samples)
const rtcTerm = await open('terminal')
await rtcTerm.viewer.upgrade()
const rtcEcho = await echo(rtcTerm.viewer, samples)

// Raw baselines: a PTY in this process (the floor), and a WebSocket echo over loopback.
const rawPty: number[] = []
{
  let got = ''
  const proc = Bun.spawn(['sh', '-c', 'stty raw -echo; cat'], { terminal: { cols: 80, rows: 24, data: (_t, d) => { got += new TextDecoder().decode(d) } } })
  await Bun.sleep(300)
  for (let i = 0; i < samples; i++) {
    const c = String.fromCharCode(97 + (i % 26))
    const before = got.length
    const t0 = performance.now()
    proc.terminal!.write(c)
    while (got.length <= before) await new Promise((r) => setImmediate(r))
    rawPty.push(performance.now() - t0)
  }
  proc.kill()
}
const rawWs: number[] = []
{
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response('no')), websocket: { message: (ws, m) => { ws.send(m) } } })
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}`)
  await new Promise((r) => { ws.onopen = r })
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now()
    const back = new Promise((r) => { ws.onmessage = r })
    ws.send('x')
    await back
    rawWs.push(performance.now() - t0)
  }
  ws.close()
  server.stop(true)
}
console.log('### Terminal keystroke echo round trip (one character into `cat` on the agent\'s PTY and back)\n')
const ms2 = (xs: number[]) => [percentile(xs, 50), percentile(xs, 95), Math.max(...xs)].map((v) => v.toFixed(2))
console.log(table(['path', 'p50 ms', 'p95 ms', 'max ms'], [
  ['relay (browser → server → agent → PTY → agent → server → browser)', ...ms2(relayEcho)],
  ['WebRTC data channel (werift ↔ werift)', ...ms2(rtcEcho)],
  ['raw PTY echo in one process (no network)', ...ms2(rawPty)],
  ['raw WebSocket echo over loopback', ...ms2(rawWs)],
]))
console.log(`target: under 50 ms on a LAN — relay ${percentile(relayEcho, 95) < 50 ? 'met' : 'NOT met'} (p95), WebRTC ${percentile(rtcEcho, 95) < 50 ? 'met' : 'NOT met'} (p95)\n`)
for (const x of [relayTerm, rtcTerm]) { await admin.delete(`/api/v1/remote/sessions/${x.id}`); await x.viewer.close() }

// ---- 2. file transfers ----

function fill(file: string, size: number) {
  const piece = Buffer.alloc(4 * MiB)
  for (let i = 0; i < piece.length; i += 4) piece.writeUInt32LE((i * 2654435761) >>> 0, i)
  const fd = require('node:fs').openSync(file, 'w')
  for (let at = 0; at < size; at += piece.length) require('node:fs').writeSync(fd, piece, 0, Math.min(piece.length, size - at), at)
  require('node:fs').closeSync(fd)
}

async function transfer(viewer: RemoteViewer, size: number, tag: string) {
  const src = path.join(work, `${tag}-src.bin`)
  fill(src, size)
  let t0 = performance.now()
  const up = await viewer.upload(src, path.join(work, `${tag}-on-device.bin`), { transferId: `${tag}-up`, overwrite: true })
  const upMs = performance.now() - t0
  if (up.result.t !== 'up.done') throw new Error(`upload failed: ${JSON.stringify(up.result)}`)
  t0 = performance.now()
  const down = await viewer.download(path.join(work, `${tag}-on-device.bin`), path.join(work, `${tag}-back.bin`), { transferId: `${tag}-down` })
  const downMs = performance.now() - t0
  if (down.end?.t !== 'down.end') throw new Error(`download failed: ${JSON.stringify(down.end)}`)
  return { up: size / MiB / (upMs / 1000), down: size / MiB / (downMs / 1000) }
}

const relaySize = 256 * MiB
const rtcSize = 16 * MiB
const relayFiles = await open('files')
const relayRate = await transfer(relayFiles.viewer, relaySize, 'relay')
await admin.delete(`/api/v1/remote/sessions/${relayFiles.id}`)
const rtcFiles = await open('files')
await rtcFiles.viewer.upgrade()
const rtcRate = await transfer(rtcFiles.viewer, rtcSize, 'rtc')
await admin.delete(`/api/v1/remote/sessions/${rtcFiles.id}`)
await rtcFiles.viewer.close()

// Raw baseline: one TCP connection on loopback carrying the same bytes, written to a file on arrival.
async function rawTcp(size: number): Promise<number> {
  const out = Bun.file(path.join(work, 'raw-tcp.bin')).writer()
  let got = 0
  let done!: () => void
  const finished = new Promise<void>((r) => { done = r })
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data(_s, d) { out.write(d); got += d.length; if (got >= size) done() } } })
  const chunk = Buffer.alloc(64 * 1024, 1)
  const t0 = performance.now()
  const client = await Bun.connect({ hostname: '127.0.0.1', port: server.port, socket: { data() {}, drain(sock) { pump(sock) } } })
  let sent = 0
  function pump(sock: typeof client) {
    while (sent < size) {
      const n = sock.write(chunk)
      sent += n
      if (n < chunk.length) return
    }
  }
  pump(client)
  await finished
  await out.end()
  const ms = performance.now() - t0
  client.end()
  server.stop(true)
  return size / MiB / (ms / 1000)
}
const tcp = await rawTcp(relaySize)
console.log('### File transfer throughput (SHA-256 computed on both sides, written to disk on arrival)\n')
console.log(table(['path', 'file', 'upload MiB/s', 'download MiB/s'], [
  ['relay (WebSocket through the server)', `${relaySize / MiB} MiB`, relayRate.up, relayRate.down],
  ['WebRTC data channel (werift ↔ werift)', `${rtcSize / MiB} MiB`, rtcRate.up, rtcRate.down],
  ['raw TCP socket copy on loopback', `${relaySize / MiB} MiB`, tcp, null],
]))
console.log()

// ---- 2b. a 2 GiB file both ways: nobody holds it in memory ----

function agentRssMb(): number {
  const pid = Number(require('node:fs').readFileSync(path.join(agent.configDir, 'agent.pid'), 'utf8'))
  return Number(/VmRSS:\s+(\d+)/.exec(require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
}
{
  const big = await open('files')
  const peak = { agent: agentRssMb(), server: process.memoryUsage().rss / MiB }
  const start = { ...peak }
  const sampler = setInterval(() => { peak.agent = Math.max(peak.agent, agentRssMb()); peak.server = Math.max(peak.server, process.memoryUsage().rss / MiB) }, 200)
  const rate = await transfer(big.viewer, 2048 * MiB, 'two-gib')
  clearInterval(sampler)
  await admin.delete(`/api/v1/remote/sessions/${big.id}`)
  for (const f of ['two-gib-src.bin', 'two-gib-on-device.bin', 'two-gib-back.bin']) rmSync(path.join(work, f), { force: true })
  console.log('### A 2 GiB file up and back over the relay (memory sampled every 200 ms)\n')
  console.log(table(['', 'upload MiB/s', 'download MiB/s', 'agent RSS before → peak MiB', 'server process RSS before → peak MiB'], [
    ['2 GiB', rate.up, rate.down, `${start.agent.toFixed(0)} → ${peak.agent.toFixed(0)}`, `${start.server.toFixed(0)} → ${peak.server.toFixed(0)}`],
  ]))
  console.log()
}

// ---- 3. server memory per active relayed terminal session ----

const sessions = 40
Bun.gc(true)
await Bun.sleep(500)
const rssBefore = process.memoryUsage().rss
const heapBefore = process.memoryUsage().heapUsed
const open40: { id: string; viewer: RemoteViewer }[] = []
for (let i = 0; i < sessions; i++) {
  const x = await open('terminal')
  x.viewer.type(`seq 1 200\r`)
  open40.push(x)
}
await Promise.all(open40.map((x) => x.viewer.untilScreen(/\n200\r?\n/, 30_000)))
Bun.gc(true)
await Bun.sleep(500)
const rssAfter = process.memoryUsage().rss
const heapAfter = process.memoryUsage().heapUsed
console.log(`### Server memory per active relayed terminal session (${sessions} sessions, each with a relay viewer and some output)\n`)
console.log(table(['', 'per session KiB'], [
  ['RSS growth of the process (server + the in-process viewers)', (rssAfter - rssBefore) / 1024 / sessions],
  ['JS heap growth', (heapAfter - heapBefore) / 1024 / sessions],
]))
console.log('\nNB: the viewers run in the same process as the server here, so these are upper bounds for the server alone.\n')
for (const x of open40) await admin.delete(`/api/v1/remote/sessions/${x.id}`)

await stopTestAgents()
await s.stop()
rmSync(work, { recursive: true, force: true })
