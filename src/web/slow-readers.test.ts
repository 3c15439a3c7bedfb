// Readers that never read: raw TCP clients that send a request and then leave the answer in
// their socket. Every stream keeps a per-client byte budget, so they cost the server a bounded
// amount of memory and are disconnected, while a client that reads keeps its stream.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import { waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'
import { pullStream } from './pull-stream'
import { sseBudgetBytes } from './sse'

let s: TestServer
let admin: TestClient
let agent: ProtocolAgent
let orgId: string

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key
  agent = await enrollProtocolAgent(s, key)
  await agent.connect()
}, 60_000)
afterAll(async () => {
  agent?.close()
  await s.stop()
})

/** A client that sends one GET and never reads: what the server writes stays in the sockets' buffers. */
type Stalled = { socket: net.Socket; closed: boolean }
function stalledGet(path: string, cookies: Map<string, string>): Promise<Stalled> {
  const { port } = new URL(s.url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) })
    const c: Stalled = { socket, closed: false }
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCookie: ${[...cookies].map(([k, v]) => `${k}=${v}`).join('; ')}\r\n\r\n`)
      socket.pause()
      resolve(c)
    })
    socket.on('close', () => { c.closed = true })
    socket.on('error', reject)
  })
}

/** drain reads what a stalled client was sent until the server closes the connection. */
function drain(c: Stalled, timeoutMs = 20_000): Promise<{ bytes: number; ended: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0
    const timer = setTimeout(() => { c.socket.destroy(); resolve({ bytes, ended: false }) }, timeoutMs)
    c.socket.on('data', (d) => { bytes += d.length })
    c.socket.on('end', () => { clearTimeout(timer); resolve({ bytes, ended: true }) })
    c.socket.on('close', () => { clearTimeout(timer); resolve({ bytes, ended: true }) })
    c.socket.resume()
  })
}

const rss = () => { Bun.gc(true); return process.memoryUsage().rss }
const MiB = 1 << 20

describe('slow readers', () => {
  test('20 clients that never read a script\'s live output while 40 MiB streams: memory stays bounded, they are disconnected, a reading client gets everything', async () => {
    const scriptId = (await admin.post('/api/v1/scripts', { name: 'Flood', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'yes', parameters: [], outputCapMib: 64 })).json.id
    const run = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] })
    const executionId = run.json.executions[0].id
    const command = await agent.command('script.run')
    agent.send({ type: 'command.ack', id: command.id })

    const stalled = await Promise.all(Array.from({ length: 20 }, () => stalledGet(`/executions/${executionId}/stream`, admin.cookies)))
    // One reader that keeps up: it receives every chunk.
    const reading = await fetch(`${s.url}/executions/${executionId}/stream`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    const reader = reading.body!.getReader()
    let readBytes = 0
    let readText = ''
    const readAll = (async () => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        readBytes += value.length
        readText = (readText + new TextDecoder().decode(value)).slice(-200)
      }
    })()
    const before = rss()

    const piece = 'y\n'.repeat(32 * 1024) // 64 KiB
    const total = 40 * MiB
    let peak = before
    for (let seq = 0; seq * piece.length < total; seq++) {
      agent.send({ type: 'command.output', id: command.id, seq, stream: 'stdout', data: piece })
      // The agent's pace: a real one waits for the server (flow control); this one lets it catch up every 4 MiB.
      if (seq % 64 === 63) {
        await waitFor(async () => Number((await admin.get(`/api/v1/executions/${executionId}`)).json.outputBytes) >= (seq + 1) * piece.length, 30_000, 'the server to store the output')
        peak = Math.max(peak, rss())
      }
    }
    const growth = (Math.max(peak, rss()) - before) / MiB
    console.log(`RSS growth with 20 stalled readers and 40 MiB of output: ${growth.toFixed(1)} MiB`)
    expect(growth).toBeLessThan(120)

    // Every stalled client has been disconnected: reading now ends, after at most its budget.
    const drained = await Promise.all(stalled.map((c) => drain(c)))
    for (const d of drained) expect(d.ended).toBe(true)
    for (const d of drained) expect(d.bytes).toBeLessThan(total / 2)

    agent.send({ type: 'command.result', id: command.id, status: 'completed', result: { exitCode: 0, durationMs: 1, outputBytes: total, truncated: false } })
    await readAll
    // The client that read got every chunk after its reset, then the end.
    expect(readBytes).toBeGreaterThan(total)
    expect(readText).toContain('event: end')
  }, 120_000)

  test('a tab that never reads /live is disconnected once its events pass the budget; a reading tab stays', async () => {
    const stalled = await Promise.all(Array.from({ length: 5 }, () => stalledGet('/live', admin.cookies)))
    const reading = await fetch(`${s.url}/live`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    const reader = reading.body!.getReader()
    let received = 0
    void (async () => { for (;;) { const { value, done } = await reader.read(); if (done) return; received += value.length } })()
    await waitFor(() => s.ctx.live.size === 6, 5_000, 'six subscribers')
    const event = { text: 'x'.repeat(4096) }
    // Well past what loopback socket buffers take, so the stalled tabs' queues pass their
    // budget; in bursts well under it, so the reading tab keeps up.
    for (let i = 0; i < 8_000; i++) {
      s.ctx.live.publish({ orgId, perm: 'devices:read' }, 'test.flood', event)
      if (i % 25 === 24) await Bun.sleep(1)
    }
    await waitFor(() => s.ctx.live.size === 1, 10_000, 'the stalled tabs to be disconnected')
    expect(received).toBeGreaterThan(8_000 * 4096)
    for (const d of await Promise.all(stalled.map((c) => drain(c)))) {
      expect(d.ended).toBe(true)
      expect(d.bytes).toBeLessThan(8_000 * 4096 / 2)
      expect(d.bytes).toBeGreaterThan(sseBudgetBytes / 2)
    }
    await reader.cancel()
  }, 60_000)

  test('a pull stream produces the next piece only when the client has taken the last', async () => {
    let produced = 0
    const server = Bun.serve({
      port: 0,
      fetch: () => new Response(pullStream((async function* () {
        for (let i = 0; i < 1600; i++) { produced++; yield 'z'.repeat(64 * 1024) }
      })())),
    })
    try {
      const socket = net.connect({ host: '127.0.0.1', port: server.port! })
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`)
      socket.pause()
      await Bun.sleep(1000)
      // 100 MiB offered; what was produced is what the kernel's buffers took, plus the high-water mark.
      expect(produced * 64 * 1024).toBeLessThan(24 * MiB)
      let bytes = 0
      socket.on('data', (d) => { bytes += d.length })
      socket.resume()
      await waitFor(() => produced === 1600 && bytes >= 1600 * 64 * 1024, 30_000, 'everything to arrive once read')
      socket.destroy()
    } finally {
      server.stop(true)
    }
  }, 60_000)
})
