// Who may open, join and end remote sessions, and what a socket must show to attach: the
// permission and tenant checks on every route, the session ticket, the WebSocket Origin,
// the agent credential on the relay, MFA re-entry, policy validation, and bad frames.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Secret, TOTP } from 'otpauth'
import { t } from '../db/tables'
import { agentBinary, startTestAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { quietHome, RemoteViewer } from '../testing/remote'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let tech: TestClient
let viewerOnly: TestClient
let outsider: TestClient
let agentA: TestAgent
let agentB: TestAgent
let deviceA: string
let deviceB: string
let orgA: string

async function client(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Globex')).id
  await makeSite(s.ctx, orgA, 'HQ')
  await makeSite(s.ctx, orgB, 'Plant')
  await makeUser(s.ctx, 'tess@example.com', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'vic@example.com', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'otto@example.com', 'org_admin', { orgId: orgB })
  admin = await client(a.email)
  tech = await client('tess@example.com')
  viewerOnly = await client('vic@example.com')
  outsider = await client('otto@example.com')
  const keyA = (await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'a' })).json.key
  const keyB = (await admin.post('/api/v1/enrollment-keys', { orgId: orgB, name: 'b' })).json.key
  agentA = await startTestAgent(s.url, keyA, { hardwareId: 'remote-access-test-a', env: quietHome() })
  agentB = await startTestAgent(s.url, keyB, { hardwareId: 'remote-access-test-b', env: quietHome() })
  deviceA = agentA.identity().deviceId
  deviceB = agentB.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceA) && s.ctx.agents.isConnected(deviceB), 30_000, 'agent sockets')
}, 180_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
})

async function startOn(c: TestClient, deviceId: string, body: Record<string, unknown> = {}) {
  return c.post('/api/v1/remote/sessions', { deviceId, type: 'terminal', ...body })
}

describe('routes: permission and tenant checks', () => {
  test('a scenario table over every route', async () => {
    const started = await startOn(tech, deviceA)
    expect(started.status).toBe(201)
    const id = started.json.session.id
    const anon = s.client()
    const rows: [string, TestClient, string, string, number, unknown?][] = [
      ['start: signed out', anon, 'POST', '/api/v1/remote/sessions', 401, { deviceId: deviceA, type: 'terminal' }],
      ['start: other org\'s device', outsider, 'POST', '/api/v1/remote/sessions', 404, { deviceId: deviceA, type: 'terminal' }],
      ['start: viewer role lacks remote:access', viewerOnly, 'POST', '/api/v1/remote/sessions', 403, { deviceId: deviceA, type: 'terminal' }],
      ['start: bad type names the field', tech, 'POST', '/api/v1/remote/sessions', 400, { deviceId: deviceA, type: 'vnc' }],
      ['read: signed out', anon, 'GET', `/api/v1/remote/sessions/${id}`, 401],
      ['read: other tenant', outsider, 'GET', `/api/v1/remote/sessions/${id}`, 404],
      ['read: no remote:access', viewerOnly, 'GET', `/api/v1/remote/sessions/${id}`, 404],
      ['read: colleague', admin, 'GET', `/api/v1/remote/sessions/${id}`, 200],
      ['join: other tenant', outsider, 'POST', `/api/v1/remote/sessions/${id}/join`, 404],
      ['end: other tenant', outsider, 'DELETE', `/api/v1/remote/sessions/${id}`, 404],
      ['recording: other tenant', outsider, 'GET', `/api/v1/remote/sessions/${id}/recording`, 404],
      ['capabilities: other tenant', outsider, 'GET', `/api/v1/remote/devices/${deviceA}/capabilities`, 404],
      ['capabilities: colleague', tech, 'GET', `/api/v1/remote/devices/${deviceA}/capabilities`, 200],
      ['page: device remote page, other tenant', outsider, 'GET', `/devices/${deviceA}/remote`, 404],
      ['page: session, other tenant', outsider, 'GET', `/remote/sessions/${id}`, 404],
      ['settings: technician may not set policy', tech, 'PUT', `/api/v1/remote/settings/${orgA}`, 403, { requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true }],
      ['settings: other tenant', outsider, 'GET', `/api/v1/remote/settings/${orgA}`, 404],
      ['ice: not a platform admin', tech, 'GET', '/api/v1/remote/ice', 404],
    ]
    for (const [name, c, method, path, status, json] of rows) {
      const res = await c.request(method, path, json === undefined ? {} : { json })
      expect({ name, status: res.status }).toEqual({ name, status })
    }
    const bad = await startOn(tech, deviceA, { type: 'vnc' })
    expect(bad.json.error.details.field).toBe('type')
    // Lists never leak another tenant's sessions.
    expect((await outsider.get('/api/v1/remote/sessions')).json.sessions).toEqual([])
    expect((await admin.get('/api/v1/remote/sessions?status=live')).json.sessions.map((x: { id: string }) => x.id)).toContain(id)
    // Only the opener controls; a colleague joins view-only.
    expect((await tech.post(`/api/v1/remote/sessions/${id}/join`)).json.role).toBe('control')
    expect((await admin.post(`/api/v1/remote/sessions/${id}/join`)).json.role).toBe('view')
    await tech.delete(`/api/v1/remote/sessions/${id}`)
    expect((await tech.post(`/api/v1/remote/sessions/${id}/join`)).status).toBe(409)
  }, 60_000)

  test('a device whose agent is not connected answers 409', async () => {
    await agentB.stop()
    await waitFor(() => !s.ctx.agents.isConnected(deviceB), 10_000, 'agent B to leave')
    const res = await startOn(admin, deviceB)
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('device_not_connected')
    agentB.start()
    await waitFor(() => s.ctx.agents.isConnected(deviceB), 30_000, 'agent B back')
  }, 60_000)
})

describe('sockets: ticket, origin, credentials', () => {
  test('a browser socket needs its user\'s ticket, its cookie and our Origin', async () => {
    const res = await startOn(tech, deviceA)
    const { id } = res.json.session
    const ticket = res.json.ticket as string
    const refused = async (c: TestClient, tk: string, origin?: string, sessionId = id) => {
      try { (await RemoteViewer.connect(c, sessionId, tk, { origin })).close(); return false } catch { return true }
    }
    expect(await refused(s.client(), ticket)).toBe(true) // no cookie
    expect(await refused(admin, ticket)).toBe(true) // another user's ticket
    expect(await refused(tech, ticket, 'https://evil.example')).toBe(true) // cross-site page
    expect(await refused(tech, ticket.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBe(true) // forged
    expect(await refused(tech, 'x'.repeat(20))).toBe(true)
    expect(await refused(outsider, ticket)).toBe(true)
    const other = await startOn(tech, deviceA)
    expect(await refused(tech, ticket, undefined, other.json.session.id)).toBe(true) // ticket of another session
    const ok = await RemoteViewer.connect(tech, id, ticket)
    expect(ok.hello?.role).toBe('control')
    for (const x of [id, other.json.session.id]) await tech.delete(`/api/v1/remote/sessions/${x}`)
  }, 60_000)

  test('the relay\'s agent end takes only the session\'s own agent', async () => {
    const res = await startOn(tech, deviceA)
    const { id } = res.json.session
    const attach = (authorization: string | null) => new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws/remote/${id}/agent`, { headers: authorization ? { authorization } : {} } as unknown as string[])
      ws.onopen = () => { ws.close(); resolve(101) }
      ws.onerror = () => resolve(0)
    })
    const b = agentB.identity()
    expect(await attach(null)).toBe(0)
    expect(await attach(`BreezeAgent ${b.agentId}.${b.secret}`)).toBe(0)
    expect(await attach(`BreezeAgent ${agentA.identity().agentId}.wrong-secret-wrong-secret`)).toBe(0)
    await tech.delete(`/api/v1/remote/sessions/${id}`)
  }, 60_000)

  test('malformed, oversized and unknown frames are dropped; the session carries on', async () => {
    const res = await startOn(tech, deviceA)
    const v = await RemoteViewer.connect(tech, res.json.session.id, res.json.ticket)
    await v.frame('ready', 15_000)
    v.ws.send('not json at all')
    v.ws.send(JSON.stringify({ t: 'input', seq: 'x', data: 'echo bad-seq\r' }))
    v.ws.send(JSON.stringify({ t: 'rm -rf', data: 1 }))
    v.ws.send(JSON.stringify({ t: 'input', seq: 0, data: 'x'.repeat(70_000) }))
    v.ws.send(new Uint8Array([9, 9, 9]))
    v.ws.send(JSON.stringify({ t: 'signal', signal: { kind: 'offer', sdp: 'x'.repeat(40_000) } }))
    v.type('echo still-alive\r')
    await v.untilScreen('still-alive')
    expect(v.screen).not.toContain('bad-seq')
    expect(v.closed).toBeNull()
    await tech.delete(`/api/v1/remote/sessions/${res.json.session.id}`)
  }, 60_000)
})

describe('MFA re-entry before a session', () => {
  test('an org that asks for it gets a fresh code once per ten minutes of a sign-in', async () => {
    const policy = { requireMfa: true, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true }
    expect((await admin.put(`/api/v1/remote/settings/${orgA}`, policy)).status).toBe(200)
    // Without MFA set up, the technician is told to set it up first.
    const noMfa = await startOn(tech, deviceA)
    expect(noMfa.status).toBe(403)
    expect(noMfa.json.error.code).toBe('mfa_required')
    // With MFA: a code is needed, a wrong one is refused, a right one opens it…
    const secret = new Secret({ size: 20 }).base32
    const user = (await s.ctx.db.select().from(t.users).where(eq(t.users.email, 'tess@example.com')))[0]
    await s.ctx.db.update(t.users).set({ mfaSecret: s.ctx.secrets.seal(secret), mfaEnabled: true }).where(eq(t.users.id, user.id))
    const code = () => new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: s.clock.now() })
    const c = s.client()
    await c.login('tess@example.com', testPassword, code)
    s.clock.advance(30_000)
    expect((await startOn(c, deviceA)).json.error.code).toBe('mfa_required')
    expect((await startOn(c, deviceA, { mfaCode: '000000' })).status).toBe(403)
    const first = await startOn(c, deviceA, { mfaCode: code() })
    expect(first.status).toBe(201)
    // …and covers the next sessions of this sign-in for ten minutes.
    const second = await startOn(c, deviceA)
    expect(second.status).toBe(201)
    s.clock.advance(11 * 60_000)
    expect((await startOn(c, deviceA)).status).toBe(403)
    for (const x of [first, second]) await c.delete(`/api/v1/remote/sessions/${x.json.session.id}`)
    await admin.put(`/api/v1/remote/settings/${orgA}`, { ...policy, requireMfa: false })
  }, 60_000)
})

describe('policy and ICE settings', () => {
  test('the policy page: forms per managed org, saved through the same checks', async () => {
    const page = await admin.get('/remote/settings')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Acme')
    expect(page.text).toContain('STUN and TURN servers')
    const saved = await admin.form(`/remote/settings/${orgA}`, { requireMfa: ['false', 'true'], recordTerminal: 'false', recordingRetentionDays: '14', idleTimeoutMinutes: '45', fileRoots: '/srv/share\n/home', rootsApplyToAdmins: 'false', allowDesktop: ['false', 'true'] })
    expect(saved.status).toBe(303)
    expect((await admin.get(`/api/v1/remote/settings/${orgA}`)).json).toMatchObject({ requireMfa: true, recordTerminal: false, recordingRetentionDays: 14, idleTimeoutMinutes: 45, fileRoots: ['/srv/share', '/home'], allowDesktop: true })
    const bad = await admin.form(`/remote/settings/${orgA}`, { requireMfa: 'false', recordTerminal: 'true', recordingRetentionDays: '0', idleTimeoutMinutes: '30', fileRoots: '', rootsApplyToAdmins: 'false', allowDesktop: 'true' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('keep recordings between 1 and 3650 days')
    // A technician sees no form to change it.
    expect((await tech.get('/remote/settings')).text).toContain('No organizations to manage')
    await admin.put(`/api/v1/remote/settings/${orgA}`, { requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true })
  }, 30_000)

  test('file roots must be absolute; the TURN credential is sealed and never echoed', async () => {
    const bad = await admin.put(`/api/v1/remote/settings/${orgA}`, { requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: ['srv/share'], rootsApplyToAdmins: false, allowDesktop: true })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('fileRoots')
    const ice = await admin.put('/api/v1/remote/ice', { urls: ['stun:stun.example.com:3478', 'turn:turn.example.com:3478'], turnUsername: 'breeze', turnCredential: 'turn-secret-123' })
    expect(ice.status).toBe(200)
    expect(ice.text).not.toContain('turn-secret-123')
    expect(ice.json).toEqual({ urls: ['stun:stun.example.com:3478', 'turn:turn.example.com:3478'], turnUsername: 'breeze', credentialSet: true })
    const [row] = await s.ctx.db.select().from(t.settings).where(eq(t.settings.key, 'remote.ice'))
    expect(JSON.stringify(row.value)).not.toContain('turn-secret-123')
    // Browsers get the servers with the credential (to use them), through their session's hello.
    const res = await startOn(admin, deviceA)
    const v = await RemoteViewer.connect(admin, res.json.session.id, res.json.ticket)
    expect(v.hello?.iceServers).toEqual([{ urls: ['stun:stun.example.com:3478'] }, { urls: ['turn:turn.example.com:3478'], username: 'breeze', credential: 'turn-secret-123' }])
    await admin.delete(`/api/v1/remote/sessions/${res.json.session.id}`)
    expect((await admin.put('/api/v1/remote/ice', { urls: [] })).status).toBe(200)
    expect((await admin.put('/api/v1/remote/ice', { urls: ['http://nope'] })).status).toBe(400)
  }, 60_000)
})
