// The closed agent protocol on the wire (issue 11 item 7): unknown fields, over-long map keys,
// unknown message types, results of the wrong shape for their command type and deep nesting
// are refused whole — 400 naming the field on HTTP, close 4400 on the socket — and nothing of
// the message is written.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { protocolLimits } from '../protocol'

let s: TestServer
let key: string
type Fake = { deviceId: string; agentId: string; secret: string; auth: string; hardwareId: string }
let a: Fake

const post = (path: string, body: unknown, headers: Record<string, string> = {}, raw = false) =>
  fetch(s.url + path, { method: 'POST', headers: { 'content-type': raw ? 'text/plain' : 'application/json', ...headers }, body: raw ? String(body) : JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, json: (await r.json().catch(() => null)) as any }))
const enrollBody = (over: Record<string, unknown> = {}) => ({
  enrollmentKey: key, hostname: 'host-1', osType: 'linux', osVersion: 'Debian 12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.2.0', protocolVersion: 2, hardwareId: `hw-${newId()}`, ...over,
})
const metrics = { cpuPercent: 5, ramPercent: 50, ramUsedMb: 100, diskPercent: 20, diskUsedGb: 3, volumes: { '/': 20 }, netInBytes: 1, netOutBytes: 2, processCount: 100 }
const heartbeat = (over: Record<string, unknown> = {}) => ({
  agentVersion: '0.2.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 100, lastUser: null, loggedInUsers: [], pendingReboot: false, metrics, ...over,
})
const os = { hostname: 'h', osType: 'linux', osVersion: 'Debian 12', osBuild: null, distro: null, kernel: null, architecture: 'x64', bootTime: null }
const soft = { name: 'bash', version: '5.2', publisher: null, installDate: null, installLocation: null, source: 'dpkg' }
/** nested builds a value `levels` deep (arrays in arrays). */
const nested = (levels: number): unknown => { let v: unknown = 1; for (let i = 0; i < levels; i++) v = [v]; return v }

async function insertCommand(type: string) {
  const id = newId()
  await s.ctx.db.insert(t.agentCommands).values({ id, deviceId: a.deviceId, type, payload: {}, status: 'sent', createdAt: s.clock.now(), expiresAt: s.clock.now() + 60_000, timeoutMs: 60_000 })
  return id
}
const commandRow = async (id: string) => (await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id)))[0]
const snapshot = async () => ({
  devices: (await s.ctx.db.select().from(t.devices)).length,
  device: (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, a.deviceId)))[0],
  metrics: (await s.ctx.db.select().from(t.deviceMetrics).where(eq(t.deviceMetrics.deviceId, a.deviceId))).length,
  software: (await s.ctx.db.select().from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, a.deviceId))).length,
  requests: (await s.ctx.db.select().from(t.enrollmentRequests)).length,
})

beforeAll(async () => {
  s = await startTestServer()
  const admin = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, admin.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  const c = s.client()
  await c.login(admin.email, testPassword)
  key = (await c.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key
  const r = await post('/api/v1/agents/enroll', enrollBody())
  a = { deviceId: r.json.deviceId, agentId: r.json.agentId, secret: r.json.agentSecret, auth: `BreezeAgent ${r.json.agentId}.${r.json.agentSecret}`, hardwareId: `x` }
  a.hardwareId = (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, a.deviceId)))[0].hardwareId
}, 60_000)
afterAll(() => s.stop())

describe('HTTP agent endpoints refuse what the protocol does not allow, and write nothing', () => {
  test('unknown fields, long map keys, wrong types, deep nesting and non-JSON bodies: 400 naming the field', async () => {
    const auth = { authorization: a.auth }
    const hb = `/api/v1/agents/${a.agentId}/heartbeat`
    const inv = `/api/v1/agents/${a.agentId}/inventory`
    const msgs = `/api/v1/agents/${a.agentId}/messages`
    const listed = await insertCommand('processes.list')
    const before = await snapshot()
    const cases: [string, string, unknown, string, Record<string, string>?][] = [
      ['enroll: unknown top-level field', '/api/v1/agents/enroll', enrollBody({ isAdmin: true }), 'isAdmin'],
      ['enroll: unknown field in the credential', '/api/v1/agents/enroll', enrollBody({ currentCredential: { agentId: 'a', secret: 'x'.repeat(20), role: 'admin' } }), 'currentCredential/role'],
      ['enroll: prototype-looking field', '/api/v1/agents/enroll', JSON.parse(JSON.stringify(enrollBody()).replace('{', '{"__proto__":{"x":1},')), '__proto__'],
      ['enroll: deep nesting', '/api/v1/agents/enroll', enrollBody({ osBuild: nested(5_000) }), 'osBuild' + '/0'.repeat(protocolLimits.maxDepth - 1)],
      ['poll: unknown field', '/api/v1/agents/enroll/poll', { requestId: newId(), requestToken: 'x'.repeat(43), deviceId: a.deviceId }, 'deviceId'],
      ['heartbeat: unknown top-level field', hb, heartbeat({ evil: 1 }), 'evil', auth],
      ['heartbeat: unknown metrics field', hb, heartbeat({ metrics: { ...metrics, gpuPercent: 3 } }), 'metrics/gpuPercent', auth],
      ['heartbeat: a volume name over the cap', hb, heartbeat({ metrics: { ...metrics, volumes: { ['v'.repeat(1025)]: 5 } } }), `metrics/volumes/${'v'.repeat(1025)}`, auth],
      ['heartbeat: wrong type', hb, heartbeat({ loggedInUsers: 'root' }), 'loggedInUsers', auth],
      ['heartbeat: deep nesting', hb, heartbeat({ failedUpdates: nested(100) }), 'failedUpdates' + '/0'.repeat(protocolLimits.maxDepth - 1), auth],
      ['inventory: unknown field in a section', inv, { full: true, collectedAt: 1, os: { ...os, evil: '<script>' } }, 'os/evil', auth],
      ['inventory: unknown field in a list entry', inv, { full: false, collectedAt: 1, software: [soft, { ...soft, name: 'x', license: 'GPL' }] }, 'software/1/license', auth],
      ['inventory: unknown section', inv, { full: false, collectedAt: 1, drivers: [] }, 'drivers', auth],
      ['messages: unknown top-level field', msgs, { messages: [{ type: 'command.ack', id: listed }], replay: true }, 'replay', auth],
      ['messages: unknown message field', msgs, { messages: [{ type: 'command.ack', id: listed, status: 'completed' }] }, 'messages/0/status', auth],
      ['messages: unknown message type', msgs, { messages: [{ type: 'agent.hello', protocolVersion: 2, agentVersion: '1', hardwareId: a.hardwareId }] }, 'messages/0/type', auth],
      ['messages: a result of the wrong shape for its command type', msgs, { messages: [{ type: 'command.result', id: listed, status: 'completed', result: { total: 1, processes: [], secret: 'x' } }] }, 'messages/0/result/secret', auth],
      ['messages: deep nesting in a result', msgs, { messages: [{ type: 'command.result', id: listed, status: 'completed', result: { total: nested(50) } }] }, 'messages/0/result/total' + '/0'.repeat(protocolLimits.maxDepth - 4), auth],
      // A valid message before an invalid one is not applied either: the batch is refused whole.
      ['messages: refused whole', msgs, { messages: [{ type: 'command.ack', id: listed }, { type: 'command.output', id: listed, seq: 0, stream: 'stdout', data: 'x', extra: 1 }] }, 'messages/1/extra', auth],
    ]
    for (const [name, path, body, field, headers] of cases) {
      const r = await post(path, body, headers)
      expect({ name, status: r.status, field: r.json?.error?.details?.field }).toEqual({ name, status: 400, field })
      expect(r.json.error.message).toContain(field.slice(0, 40))
    }
    for (const path of ['/api/v1/agents/enroll', hb]) {
      expect((await post(path, 'not json', auth, true)).status).toBe(415)
      expect((await post(path, [heartbeat()], auth)).status).toBe(400)
    }
    expect(await snapshot()).toEqual(before)
    expect((await commandRow(listed)).status).toBe('sent')
    // The same messages, well-formed, are taken.
    expect((await post(hb, heartbeat(), auth)).status).toBe(200)
    expect((await post(msgs, { messages: [{ type: 'command.ack', id: listed }, { type: 'command.result', id: listed, status: 'completed', result: { total: 1, processes: [] } }] }, auth)).status).toBe(200)
    expect((await commandRow(listed)).status).toBe('completed')
  })

  test('the credential is checked before the body (401 before 400)', async () => {
    const r = await post(`/api/v1/agents/${a.agentId}/heartbeat`, { evil: 1 })
    expect(r.status).toBe(401)
  })
})

describe('the socket closes (4400) on a message the protocol does not allow, and applies nothing', () => {
  async function open() {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws/agents/${a.agentId}`, { headers: { authorization: a.auth } } as any)
    const got: any[] = []
    const state: { closed: { code: number; reason: string } | null } = { closed: null }
    ws.onmessage = (m) => got.push(JSON.parse(String(m.data)))
    ws.onclose = (e) => { state.closed = { code: e.code, reason: e.reason } }
    await new Promise((r) => { ws.onopen = r })
    return { ws, got, state }
  }
  const hello = () => ({ type: 'agent.hello', protocolVersion: 2, agentVersion: '0.2.0', hardwareId: a.hardwareId })

  test('variants before and after the hello', async () => {
    const listed = await insertCommand('processes.list')
    const variants: [string, (send: (m: unknown) => void) => void, boolean][] = [
      ['hello with an unknown field', (send) => send({ ...hello(), admin: true }), false],
      ['a deeply nested hello', (send) => send({ ...hello(), running: nested(10_000) }), false],
      ['text that is not JSON', (send) => send('hello?'), false],
      ['an unknown message type', (send) => send({ type: 'command.run', id: listed }), true],
      ['a result with an unknown field', (send) => send({ type: 'command.result', id: listed, status: 'completed', result: { total: 1, processes: [] }, signedBy: 'me' }), true],
      ['a result of the wrong shape for its type', (send) => send({ type: 'command.result', id: listed, status: 'completed', result: { total: 1, processes: [{ pid: 1 }] } }), true],
      ['a remote signal with an unknown field', (send) => send({ type: 'remote.signal', sessionId: 's', viewer: 1, signal: { kind: 'close', extra: 1 } }), true],
    ]
    for (const [name, act, afterHello] of variants) {
      const { ws, got, state } = await open()
      const send = (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m))
      if (afterHello) {
        send(hello())
        await waitFor(() => got.some((m) => m.type === 'server.hello'))
      }
      act(send)
      await waitFor(() => state.closed)
      expect({ name, code: state.closed!.code }).toEqual({ name, code: 4400 })
      expect(got.find((m) => m.type === 'error')?.message).toContain('invalid message')
      await waitFor(() => !s.ctx.agents.isConnected(a.deviceId))
    }
    expect((await commandRow(listed)).status).toBe('sent')
  })
})

async function waitFor(check: () => unknown, ms = 10_000) {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out')
    await Bun.sleep(20)
  }
}
