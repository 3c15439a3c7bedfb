// The agent protocol's refusals, spoken over raw HTTP and WebSocket (the real agent never
// sends bad messages, so these play a hostile or broken one).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { TestClient } from '../testing/client'
import { handshakeLimits } from './hub'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let siteB: string

const enrollBody = (key: string, hardwareId = `hw-${newId()}`, over: Record<string, unknown> = {}) => ({
  enrollmentKey: key, hostname: 'host-1', osType: 'linux', osVersion: 'Debian 12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: 1, hardwareId, ...over,
})
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => null)) as any }))

type Fake = { deviceId: string; agentId: string; secret: string; auth: string; hardwareId: string }
async function fakeAgent(key: string): Promise<Fake> {
  const hardwareId = `hw-${newId()}`
  const r = await post('/api/v1/agents/enroll', enrollBody(key, hardwareId))
  expect(r.status).toBe(200)
  return { deviceId: r.json.deviceId, agentId: r.json.agentId, secret: r.json.agentSecret, auth: `BreezeAgent ${r.json.agentId}.${r.json.agentSecret}`, hardwareId }
}
const heartbeat = (a: Fake, over: Record<string, unknown> = {}) => ({
  agentVersion: '0.1.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 100, lastUser: null, loggedInUsers: [], pendingReboot: false,
  metrics: { cpuPercent: 5, ramPercent: 50, ramUsedMb: 100, diskPercent: 20, diskUsedGb: 3, volumes: { '/': 20 }, netInBytes: 1, netOutBytes: 2, processCount: 100 }, ...over,
})
const metricsOf = async (deviceId: string) => s.ctx.db.select().from(t.deviceMetrics).where(eq(t.deviceMetrics.deviceId, deviceId))
const newKey = async (body: Record<string, unknown> = {}) => (await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'k', ...body })).json

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  await makeSite(s.ctx, orgA, 'A HQ')
  siteB = (await makeSite(s.ctx, orgB, 'B HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
})
afterAll(() => s.stop())

describe('enrollment keys API', () => {
  test('created keys are shown once, listed without their secret, and scoped to the caller\'s orgs', async () => {
    const created = await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'Laptops', maxUses: 5, expiresAt: new Date(s.clock.now() + 86_400_000).toISOString() })
    expect(created.status).toBe(201)
    expect(created.json.key).toMatch(/^brz_/)
    expect(created.json).not.toHaveProperty('keyHash')
    const techA = await makeUser(s.ctx, 'tech-a@example.com', 'org_technician', { orgId: orgA })
    const c = s.client()
    await c.login(techA.email, testPassword)
    const list = (await c.get('/api/v1/enrollment-keys')).json.data
    expect(list.every((k: { orgId: string }) => k.orgId === orgA)).toBe(true)
    expect(JSON.stringify(list)).not.toContain(created.json.key)
    const bKey = (await admin.post('/api/v1/enrollment-keys', { orgId: orgB, name: 'B' })).json
    const cases: [string, () => Promise<{ status: number }>, number][] = [
      ['unauthenticated list', () => s.client().get('/api/v1/enrollment-keys'), 401],
      ['unauthenticated create', () => s.client().post('/api/v1/enrollment-keys', { orgId: orgA, name: 'x' }), 401],
      ['create in a foreign org', () => c.post('/api/v1/enrollment-keys', { orgId: orgB, name: 'x' }), 404],
      ['revoke a foreign org\'s key', () => c.delete(`/api/v1/enrollment-keys/${bKey.id}`), 404],
      ['site of another org', () => admin.post('/api/v1/enrollment-keys', { orgId: orgA, siteId: siteB, name: 'x' }), 400],
      ['expiry in the past', () => admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'x', expiresAt: s.clock.now() - 1 }), 400],
      ['no name', () => admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: '' }), 400],
    ]
    for (const [name, call, status] of cases) expect({ name, status: (await call()).status }).toEqual({ name, status })
    const empty = await makeOrg(s.ctx, (await s.ctx.db.select().from(t.partners))[0].id, 'No sites')
    expect((await admin.post('/api/v1/enrollment-keys', { orgId: empty.id, name: 'x' })).status).toBe(422)
  })
})

describe('enrollment refusals', () => {
  test('unknown, expired, revoked and exhausted keys are refused with a reason; nothing is created', async () => {
    const expiring = await newKey({ expiresAt: s.clock.now() + 1_000 })
    const revoked = await newKey()
    expect((await admin.delete(`/api/v1/enrollment-keys/${revoked.id}`)).status).toBe(200)
    const once = await newKey({ maxUses: 1 })
    await fakeAgent(once.key)
    s.clock.advance(2_000)
    const before = (await s.ctx.db.select().from(t.devices)).length
    const cases: [string, string, string][] = [
      ['foreign', 'brz_not-a-key-of-this-server', 'key_unknown'],
      ['expired', expiring.key, 'key_expired'],
      ['revoked', revoked.key, 'key_revoked'],
      ['exhausted', once.key, 'key_exhausted'],
    ]
    for (const [name, key, code] of cases) {
      const r = await post('/api/v1/agents/enroll', enrollBody(key))
      expect({ name, status: r.status, code: r.json.error.code }).toEqual({ name, status: 403, code })
      expect(r.json.error.message.length).toBeGreaterThan(10)
    }
    expect((await s.ctx.db.select().from(t.devices)).length).toBe(before)
    const denied = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'device.enroll'))
    expect(denied.filter((r) => r.result === 'denied').length).toBe(3)
  })

  test('a malformed enrollment is a 400 naming the field', async () => {
    const r = await post('/api/v1/agents/enroll', enrollBody((await newKey()).key, undefined, { osType: 'beos' }))
    expect(r.status).toBe(400)
    expect(r.json.error.details.field).toBe('osType')
  })
})

describe('agent credentials and messages', () => {
  let a: Fake
  let b: Fake
  beforeAll(async () => {
    const k = (await newKey()).key
    a = await fakeAgent(k)
    b = await fakeAgent(k)
  })

  test('a heartbeat that fails validation is a 400 naming the field, and nothing is written', async () => {
    const before = (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, a.deviceId)))[0]
    const cases: [Record<string, unknown>, string][] = [
      [{ metrics: { ...heartbeat(a).metrics, cpuPercent: 250 } }, 'metrics/cpuPercent'],
      [{ metrics: { ...heartbeat(a).metrics, ramPercent: 'lots' } }, 'metrics/ramPercent'],
      [{ loggedInUsers: ['x'.repeat(300)] }, 'loggedInUsers/0'],
      [{ pendingReboot: 'yes' }, 'pendingReboot'],
    ]
    for (const [over, field] of cases) {
      const r = await post(`/api/v1/agents/${a.agentId}/heartbeat`, heartbeat(a, over), { authorization: a.auth })
      expect({ field, status: r.status, got: r.json.error.details.field }).toEqual({ field, status: 400, got: field })
    }
    expect(await metricsOf(a.deviceId)).toEqual([])
    expect((await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, a.deviceId)))[0]).toEqual(before)
  })

  test('agent X cannot post for agent Y, nor use its credential outside agent routes', async () => {
    const asX = { authorization: a.auth }
    expect((await post(`/api/v1/agents/${b.agentId}/heartbeat`, heartbeat(b), asX)).status).toBe(403)
    expect((await post(`/api/v1/agents/${b.agentId}/inventory`, { full: false, collectedAt: Date.now(), software: [] }, asX)).status).toBe(403)
    expect((await post(`/api/v1/agents/${b.agentId}/heartbeat`, heartbeat(b), { authorization: `BreezeAgent ${b.agentId}.${a.secret}` })).status).toBe(401)
    expect((await post(`/api/v1/agents/${b.agentId}/heartbeat`, heartbeat(b))).status).toBe(401)
    expect(await metricsOf(b.deviceId)).toEqual([])
    expect((await fetch(`${s.url}/api/v1/enrollment-keys`, { headers: asX })).status).toBe(401)
    // A command of device Y reported by agent X changes nothing.
    const id = newId()
    await s.ctx.db.insert(t.agentCommands).values({ id, deviceId: b.deviceId, type: 'heartbeat.now', payload: {}, status: 'sent', createdAt: s.clock.now(), expiresAt: s.clock.now() + 60_000, timeoutMs: 60_000 })
    expect((await post(`/api/v1/agents/${a.agentId}/messages`, { messages: [{ type: 'command.result', id, status: 'completed', result: {} }] }, asX)).status).toBe(200)
    expect((await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id)))[0].status).toBe('sent')
    // A good heartbeat is stored.
    expect((await post(`/api/v1/agents/${a.agentId}/heartbeat`, heartbeat(a), asX)).status).toBe(200)
    expect((await metricsOf(a.deviceId)).length).toBe(1)
  })

  test('inventory strings are length-capped (400, nothing stored) and stored verbatim within the cap', async () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const os = { hostname: hostile, osType: 'linux', osVersion: 'Debian 12', osBuild: null, distro: null, kernel: null, architecture: 'x64', bootTime: null }
    const soft = (name: string) => ({ name, version: '1.0', publisher: null, installDate: null, installLocation: null, source: 'dpkg' })
    const cases: [Record<string, unknown>, string][] = [
      [{ os: { ...os, hostname: 'h'.repeat(256) } }, 'os/hostname'],
      [{ software: [soft('ok'), soft('n'.repeat(10_000))] }, 'software/1/name'],
      [{ software: Array.from({ length: 20_001 }, (_, i) => soft(`p${i}`)) }, 'software'],
    ]
    for (const [over, field] of cases) {
      const r = await post(`/api/v1/agents/${a.agentId}/inventory`, { full: false, collectedAt: Date.now(), ...over }, { authorization: a.auth })
      expect({ field, status: r.status, got: r.json.error.details.field }).toEqual({ field, status: 400, got: field })
    }
    expect(await s.ctx.db.select().from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, a.deviceId))).toEqual([])
    const ok = await post(`/api/v1/agents/${a.agentId}/inventory`, { full: true, collectedAt: Date.now(), os, software: [soft(hostile)] }, { authorization: a.auth })
    expect(ok.status).toBe(200)
    expect((await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, a.deviceId)))[0].hostname).toBe(hostile)
  })

  test('the socket refuses bad credentials, validates messages, and answers overload with a retry hint', async () => {
    const url = `${s.url.replace('http', 'ws')}/ws/agents/${a.agentId}`
    const refused = new WebSocket(url, { headers: { authorization: `BreezeAgent ${a.agentId}.${b.secret}` } } as any)
    expect(await new Promise((r) => { refused.onerror = (e: any) => r(String(e.message)) })).toContain('401')

    const ws = new WebSocket(url, { headers: { authorization: a.auth } } as any)
    const got: any[] = []
    let closedWith: { code: number; reason: string } | null = null
    ws.onmessage = (m) => got.push(JSON.parse(String(m.data)))
    ws.onclose = (e) => { closedWith = { code: e.code, reason: e.reason } }
    await new Promise((r) => { ws.onopen = r })
    ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 1, agentVersion: '0.1.0', hardwareId: a.hardwareId }))
    await waitFor(() => got.length >= 1)
    expect(got[0].type).toBe('server.hello')
    expect(s.ctx.agents.isConnected(a.deviceId)).toBe(true)
    // An invalid message is answered with the field, and the socket is closed (4400).
    ws.send(JSON.stringify({ type: 'command.output', id: 'x', seq: -1, stream: 'stdout', data: '' }))
    await waitFor(() => closedWith !== null)
    expect(got[1]).toMatchObject({ type: 'error' })
    expect(got[1].message).toContain('seq')
    expect(closedWith!.code).toBe(4400)
    expect(closedWith!.reason).toContain('seq')
    await waitFor(() => !s.ctx.agents.isConnected(a.deviceId))

    // Fill every handshake slot and the queue: the next agent is told when to come back.
    let release = () => {}
    const gate = new Promise<void>((r) => { release = r })
    const held = Array.from({ length: handshakeLimits.concurrent + handshakeLimits.queue }, () => s.ctx.agents.handshakes.enter().then(async (release) => { await gate; release?.() }))
    const busy = new WebSocket(`${s.url.replace('http', 'ws')}/ws/agents/${b.agentId}`, { headers: { authorization: b.auth } } as any)
    const closed = await new Promise<{ code: number; reason: string }>((r) => { busy.onclose = (e) => r({ code: e.code, reason: e.reason }) })
    release()
    await Promise.all(held)
    expect(closed.code).toBe(4029)
    const seconds = Number(/retry-after=(\d+)/.exec(closed.reason)?.[1])
    expect(seconds).toBeGreaterThanOrEqual(handshakeLimits.retryAfterSeconds[0])
    expect(seconds).toBeLessThanOrEqual(handshakeLimits.retryAfterSeconds[1])
    expect(s.ctx.agents.isConnected(b.deviceId)).toBe(false)
  })
})

async function waitFor(check: () => boolean, ms = 5_000) {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out')
    await Bun.sleep(20)
  }
}
