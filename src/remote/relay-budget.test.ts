// The relay's per-socket byte budget, with sockets that report how much waits in them: a
// viewer that does not read is cut off (close 4008, it reconnects and is replayed the
// screen) while the others keep getting output; a viewer whose frames pile up on an agent
// that does not read is cut off too. End to end with a real agent: terminal.test.ts.
import { describe, expect, test } from 'bun:test'
import { createLogger } from '../lib/log'
import { encodeOutput } from '../protocol/remote'
import { SessionRelay, slowViewerBytes, type RawSocket } from './relay'

class FakeSocket implements RawSocket {
  buffered = 0
  sent = 0
  closed: { code?: number; reason?: string } | null = null
  constructor(private reads: boolean) {}
  send(data: string | Uint8Array) {
    if (this.closed) return 0
    const n = typeof data === 'string' ? data.length : data.length
    if (this.reads) this.sent += n
    else this.buffered += n
    return n
  }
  close(code?: number, reason?: string) { this.closed = { code, reason } }
  getBufferedAmount() { return this.buffered }
}

function relay() {
  const ctx = { clock: { now: () => Date.now() }, log: createLogger('error') }
  const hooks = { agentLost() {}, signal: () => true, transportChanged() {}, transfer() {}, abandoned() {}, ready() {} }
  return new SessionRelay(ctx as never, { id: 's1', orgId: 'o', siteId: 'x', deviceId: 'd', userId: 'u', type: 'terminal', opener }, 60_000, hooks)
}

const opener = { userId: 'u', sessionId: 's', apiKeyId: null }
const hello = { kind: 'terminal' as const, status: 'active', transport: 'auto' as const, iceServers: [] }

describe('relay budget', () => {
  test('a viewer that never reads is cut off past the budget; a reading viewer gets all the output', () => {
    const r = relay()
    const agent = new FakeSocket(true)
    r.attachAgent(agent)
    const stalled = new FakeSocket(false)
    const reading = new FakeSocket(true)
    r.attachViewer(stalled, { userId: 'u', name: 'A', role: 'control', credential: opener }, hello)
    r.attachViewer(reading, { userId: 'v', name: 'B', role: 'view', credential: opener }, hello)
    const piece = new Uint8Array(60 * 1024).fill(65)
    const total = 3 * slowViewerBytes
    for (let seq = 0; seq * piece.length < total; seq++) r.agentBinary(encodeOutput(seq, piece))
    expect(stalled.closed?.code).toBe(4008)
    expect(stalled.buffered).toBeLessThanOrEqual(slowViewerBytes + piece.length + 64)
    expect(reading.closed).toBeNull()
    expect(reading.sent).toBeGreaterThan(total)
    r.close('test', null)
  })

  test('a viewer whose frames pile up on an agent that does not read is cut off', () => {
    const r = relay()
    const agent = new FakeSocket(false)
    r.attachAgent(agent)
    const viewer = new FakeSocket(true)
    const v = r.attachViewer(viewer, { userId: 'u', name: 'A', role: 'control', credential: opener }, hello)!
    const frame = { t: 'input', seq: 0, data: 'x'.repeat(30 * 1024) }
    for (let i = 0; i < 2 * slowViewerBytes / (30 * 1024) && !viewer.closed; i++) r.viewerText(v, { ...frame, seq: i }, 30 * 1024 + 40)
    expect(viewer.closed?.code).toBe(4008)
    expect(agent.buffered).toBeLessThanOrEqual(slowViewerBytes + 64 * 1024)
    r.close('test', null)
  })

  test('the budget leaves room for a flow-controlled file transfer', () => {
    expect(slowViewerBytes).toBeGreaterThanOrEqual(2 * 8 * 1024 * 1024)
    expect(slowViewerBytes).toBeLessThanOrEqual(32 * 1024 * 1024)
  })
})
