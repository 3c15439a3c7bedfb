// Re-enrolling a known machine never silently takes its device over (issue 11 item 1): the
// takeover attack and its variants, approval (replace / keep both), rejection, expiry,
// automatic re-attach only for offline devices with a key that allows it, tenancy, the
// page, audit rows and notifications. Played over raw HTTP and WebSocket (the compiled
// agent's side is in agent.test.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { expireEnrollmentRequests } from './approvals'
import { queueCommand } from './commands'
import { markOverdueOffline } from './status'

let s: TestServer
let admin: TestClient
let orgId: string
let otherOrgId: string
let partnerId: string

type Fake = { deviceId: string; agentId: string; secret: string; auth: string; hardwareId: string }
type Live = { ws: WebSocket; got: any[]; closed: { code: number; reason: string } | null }

const body = (key: string, hardwareId: string, over: Record<string, unknown> = {}) => ({
  enrollmentKey: key, hostname: 'laptop-7', osType: 'linux', osVersion: 'Debian 12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.2.0', protocolVersion: 2, hardwareId, ...over,
})
const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => null)) as any }))
const enroll = (key: string, hardwareId: string, over: Record<string, unknown> = {}) => post('/api/v1/agents/enroll', body(key, hardwareId, over))
const poll = (p: { requestId: string; requestToken: string }) => post('/api/v1/agents/enroll/poll', { requestId: p.requestId, requestToken: p.requestToken })
const newKey = async (over: Record<string, unknown> = {}) => (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'rollout', ...over })).json.key as string
const deviceRow = async (id: string) => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, id)))[0]
const auditOf = async (action: string) => s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, action))
const heartbeat = (a: { agentId: string; auth: string; hardwareId: string }) => post(`/api/v1/agents/${a.agentId}/heartbeat`, {
  agentVersion: '0.2.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 100, lastUser: null, loggedInUsers: [], pendingReboot: false,
  metrics: { cpuPercent: 5, ramPercent: 50, ramUsedMb: 100, diskPercent: 20, diskUsedGb: 3, volumes: {}, netInBytes: 1, netOutBytes: 2, processCount: 100 },
}, { authorization: a.auth })

async function fakeAgent(key: string, hardwareId = `hw-${newId()}`): Promise<Fake> {
  const r = await enroll(key, hardwareId)
  expect(r.status).toBe(200)
  return { deviceId: r.json.deviceId, agentId: r.json.agentId, secret: r.json.agentSecret, auth: `BreezeAgent ${r.json.agentId}.${r.json.agentSecret}`, hardwareId }
}

async function connect(a: Fake): Promise<Live> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws/agents/${a.agentId}`, { headers: { authorization: a.auth } } as any)
  const live: Live = { ws, got: [], closed: null }
  ws.onmessage = (m) => live.got.push(JSON.parse(String(m.data)))
  ws.onclose = (e) => { live.closed = { code: e.code, reason: e.reason } }
  await new Promise((r) => { ws.onopen = r })
  ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 2, agentVersion: '0.2.0', hardwareId: a.hardwareId }))
  await waitFor(() => live.got.some((m) => m.type === 'server.hello'))
  return live
}

async function waitFor(check: () => unknown, ms = 10_000) {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out')
    await Bun.sleep(20)
  }
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  partnerId = a.partnerId
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  otherOrgId = (await makeOrg(s.ctx, a.partnerId, 'Globex')).id
  await makeSite(s.ctx, orgId, 'HQ')
  await makeSite(s.ctx, otherOrgId, 'Plant')
  admin = s.client()
  await admin.login(a.email, testPassword)
}, 60_000)
afterAll(() => s.stop())

describe('re-enrollment of a known machine', () => {
  test('the takeover attack fails: the attacker waits for approval, the real agent keeps its socket, commands and credential', async () => {
    const victim = await fakeAgent(await newKey({ name: 'office' }))
    const live = await connect(victim)
    const before = await deviceRow(victim.deviceId)
    const requestsBefore = (await auditOf('device.enroll_request')).length
    // The attacker holds some other active key of the org (also one that allows re-attach) and the victim's hardware id.
    const attempts = [await newKey({ name: 'leaked' }), await newKey({ name: 'leaked, re-attach', allowReattach: true })]
    const pending: { requestId: string; requestToken: string }[] = []
    for (const key of attempts) {
      const r = await enroll(key, victim.hardwareId, { hostname: 'attacker-box' })
      expect(r.status).toBe(202)
      expect(r.json).toMatchObject({ status: 'pending', pollSeconds: expect.any(Number) })
      // Nothing of the device: no id, no agent id, no secret, no org or site.
      for (const field of ['deviceId', 'agentId', 'agentSecret', 'orgId', 'siteId', 'serverPublicKey']) expect(r.json).not.toHaveProperty(field)
      expect(JSON.stringify(r.json)).not.toContain(victim.deviceId)
      pending.push(r.json)
    }
    // A credential of another device (or a wrong secret) proves nothing about this one.
    const other = await fakeAgent(await newKey())
    for (const currentCredential of [{ agentId: other.agentId, secret: other.secret }, { agentId: victim.agentId, secret: 'x'.repeat(43) }]) {
      const r = await enroll(attempts[1], victim.hardwareId, { currentCredential })
      expect(r.status).toBe(202)
      pending.push(r.json)
    }
    expect((await deviceRow(other.deviceId)).agentId).toBe(other.agentId)
    // An agent of protocol 1 cannot wait: refused outright, nothing filed.
    const old = await enroll(attempts[0], victim.hardwareId, { protocolVersion: 1 })
    expect({ status: old.status, code: old.json.error.code }).toEqual({ status: 409, code: 'approval_required' })

    // The device and its agent are untouched.
    expect(await deviceRow(victim.deviceId)).toEqual(before)
    await Bun.sleep(200)
    expect(live.closed).toBeNull()
    expect(s.ctx.agents.get(victim.deviceId)?.agentId).toBe(victim.agentId)
    const cmd = await queueCommand(s.ctx, { deviceId: victim.deviceId, type: 'heartbeat.now', payload: {} })
    await waitFor(() => live.got.some((m) => m.type === 'command' && m.command.id === cmd.id))
    expect((await heartbeat(victim)).status).toBe(200)
    // The attacker learns nothing by polling, and its token is no credential.
    for (const p of pending) {
      const r = await poll(p)
      expect(r.status).toBe(202)
      expect(r.json).not.toHaveProperty('requestToken')
      expect(r.json).not.toHaveProperty('deviceId')
    }
    const req = (await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, pending[0].requestId)))[0]
    expect((await heartbeat({ agentId: req.agentId, auth: `BreezeAgent ${req.agentId}.${pending[0].requestToken}`, hardwareId: victim.hardwareId })).status).toBe(401)
    // Audited and announced.
    expect((await auditOf('device.enroll_request')).length).toBe(requestsBefore + pending.length)
    const inbox = (await admin.get('/api/v1/notifications')).json
    expect(JSON.stringify(inbox)).toContain('Approve or reject')
    // Listed for approval, with why each waits.
    const listed = (await admin.get('/api/v1/enrollment-requests')).json.data.filter((r: any) => r.deviceId === victim.deviceId)
    expect(listed.length).toBe(pending.length)
    expect(listed[0]).toMatchObject({ state: 'pending', reason: 'online', hostname: expect.any(String), canDecide: true })
    expect(JSON.stringify(listed)).not.toContain(req.tokenHash)
    expect(listed[0]).not.toHaveProperty('agentId')
    // Reject them all: each poll says so, the device stays as it was.
    for (const p of pending) expect((await admin.post(`/api/v1/enrollment-requests/${p.requestId}/reject`)).status).toBe(200)
    for (const p of pending) {
      const r = await poll(p)
      expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 403, code: 'enrollment_rejected' })
    }
    expect((await deviceRow(victim.deviceId)).agentId).toBe(victim.agentId)
    expect(live.closed).toBeNull()
    expect((await auditOf('enrollment_request.reject')).length).toBe(pending.length)
    live.ws.close()
  })

  test('approve "replace": the new agent takes the device over; the old agent is disconnected and its credential dies', async () => {
    const old = await fakeAgent(await newKey())
    const live = await connect(old)
    const p = (await enroll(await newKey(), old.hardwareId, { hostname: 'laptop-7-reinstalled' })).json
    expect(p.status).toBe('pending')
    const approved = await admin.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'replace' })
    expect(approved.status).toBe(200)
    expect(approved.json).toMatchObject({ state: 'approved_replace', resultDeviceId: old.deviceId })
    await waitFor(() => live.closed)
    expect(live.closed!.code).toBe(4002)
    const r = await poll(p)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ status: 'enrolled', deviceId: old.deviceId, reattached: true })
    expect(r.json).not.toHaveProperty('agentSecret')
    const fresh = { deviceId: old.deviceId, agentId: r.json.agentId, secret: p.requestToken, auth: `BreezeAgent ${r.json.agentId}.${p.requestToken}`, hardwareId: old.hardwareId }
    expect((await heartbeat(old)).status).toBe(401)
    expect((await heartbeat(fresh)).status).toBe(200)
    expect((await deviceRow(old.deviceId)).hostname).toBe('laptop-7-reinstalled')
    const audit = (await auditOf('enrollment_request.approve')).find((a) => (a.details as any).requestId === p.requestId)!
    expect(audit.details).toMatchObject({ mode: 'replace', deviceId: old.deviceId })
    // Deciding twice is a conflict.
    expect((await admin.post(`/api/v1/enrollment-requests/${p.requestId}/reject`)).status).toBe(409)
    expect((await admin.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'clone' })).status).toBe(409)
  })

  test('approve "keep both": the new agent is a separate device marked as a clone; both work', async () => {
    const first = await fakeAgent(await newKey())
    const live = await connect(first)
    const p = (await enroll(await newKey(), first.hardwareId, { hostname: 'vm-copy' })).json
    const approved = await admin.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'clone' })
    expect(approved.status).toBe(200)
    const r = await poll(p)
    expect(r.json).toMatchObject({ status: 'enrolled', clone: true, reattached: false })
    expect(r.json.deviceId).not.toBe(first.deviceId)
    const clone = await deviceRow(r.json.deviceId)
    expect(clone).toMatchObject({ cloneOf: first.deviceId, hardwareId: first.hardwareId, hostname: 'vm-copy', orgId, agentId: r.json.agentId })
    expect((await heartbeat(first)).status).toBe(200)
    expect((await heartbeat({ agentId: r.json.agentId, auth: `BreezeAgent ${r.json.agentId}.${p.requestToken}`, hardwareId: first.hardwareId })).status).toBe(200)
    expect(live.closed).toBeNull()
    // The clone's page says what it is.
    expect((await admin.get(`/devices/${clone.id}`)).text).toContain('keep both')
    live.ws.close()
  })

  test('automatic re-attach only for a device offline beyond its window, and only with a key that allows it', async () => {
    const allow = await newKey({ allowReattach: true })
    const deny = await newKey()
    const d = await fakeAgent(deny)
    // Seen within its window (socket closed a moment ago): pending even with the allowing key.
    const recent = await enroll(allow, d.hardwareId)
    expect(recent.status).toBe(202)
    expect((await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, recent.json.requestId)))[0].reason).toBe('online')
    // Offline beyond its window.
    s.clock.advance(3 * 60_000 + 5_000)
    await markOverdueOffline(s.ctx)
    expect((await deviceRow(d.deviceId)).status).toBe('offline')
    const refused = await enroll(deny, d.hardwareId)
    expect(refused.status).toBe(202)
    expect((await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, refused.json.requestId)))[0].reason).toBe('reattach_not_allowed')
    const auto = await enroll(allow, d.hardwareId, { hostname: 'laptop-after-disk-swap' })
    expect(auto.status).toBe(200)
    expect(auto.json).toMatchObject({ status: 'enrolled', deviceId: d.deviceId, reattached: true })
    expect((await heartbeat(d)).status).toBe(401)
    const audit = (await auditOf('device.reattach')).find((a) => a.resourceId === d.deviceId)!
    expect(audit.details).toMatchObject({ via: 'offline_reattach_key', previousAgentId: d.agentId })
    const inbox = (await admin.get('/api/v1/notifications')).json
    expect(JSON.stringify(inbox)).toContain('re-attached to a new agent')
    // The requests filed before now point at a device with another agent: approving one replaces that agent again (a person decided), rejecting is the usual answer.
    expect((await admin.post(`/api/v1/enrollment-requests/${refused.json.requestId}/reject`)).status).toBe(200)
  })

  test('the device\'s own agent (holding its current credential) re-keys without approval', async () => {
    const d = await fakeAgent(await newKey())
    const live = await connect(d)
    const r = await enroll(await newKey(), d.hardwareId, { currentCredential: { agentId: d.agentId, secret: d.secret } })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ deviceId: d.deviceId, reattached: true })
    await waitFor(() => live.closed)
    expect((await auditOf('device.reattach')).find((a) => a.resourceId === d.deviceId)!.details).toMatchObject({ via: 'own_credential' })
  })

  test('requests expire; a poll, a decision and the job all see it; at most 5 wait per device', async () => {
    const d = await fakeAgent(await newKey())
    const key = await newKey()
    const open = [] as any[]
    for (let i = 0; i < 5; i++) open.push((await enroll(key, d.hardwareId)).json)
    const sixth = await enroll(key, d.hardwareId)
    expect({ status: sixth.status, code: sixth.json.error.code }).toEqual({ status: 429, code: 'too_many_pending' })
    s.clock.advance(24 * 3600_000 + 1_000)
    await admin.login('admin@example.com', testPassword)
    const r = await poll(open[0])
    expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 403, code: 'enrollment_expired' })
    expect((await admin.post(`/api/v1/enrollment-requests/${open[1].requestId}/approve`, { mode: 'replace' })).status).toBe(409)
    // (the job may have run on its own after the clock moved)
    await expireEnrollmentRequests(s.ctx)
    const rows = await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.deviceId, d.deviceId))
    expect(rows.every((x) => x.status === 'expired')).toBe(true)
    expect((await auditOf('enrollment_request.expire')).filter((a) => a.resourceId === d.deviceId).length).toBe(5)
    // A wrong token or id is refused like an unknown request.
    expect((await poll({ requestId: open[2].requestId, requestToken: 'y'.repeat(43) })).status).toBe(404)
    expect((await poll({ requestId: newId(), requestToken: open[2].requestToken })).status).toBe(404)
    // A malformed poll is a 400 naming the field.
    const bad = await post('/api/v1/agents/enroll/poll', { requestId: open[2].requestId })
    expect({ status: bad.status, field: bad.json.error.details.field }).toEqual({ status: 400, field: 'requestToken' })
  })

  test('tenancy: other orgs see 404, viewers may not decide (403), anonymous callers get 401', async () => {
    const d = await fakeAgent(await newKey())
    const p = (await enroll(await newKey(), d.hardwareId)).json
    const outsider = await makeUser(s.ctx, `tech-${newId()}@example.com`, 'org_technician', { orgId: otherOrgId })
    const viewer = await makeUser(s.ctx, `viewer-${newId()}@example.com`, 'org_viewer', { orgId })
    const tech = await makeUser(s.ctx, `tech-${newId()}@example.com`, 'org_technician', { orgId })
    const as = async (email: string) => { const c = s.client(); await c.login(email, testPassword); return c }
    const [o, v, te] = [await as(outsider.email), await as(viewer.email), await as(tech.email)]
    const cases: [string, () => Promise<{ status: number }>, number][] = [
      ['outsider get', () => o.get(`/api/v1/enrollment-requests/${p.requestId}`), 404],
      ['outsider approve', () => o.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'replace' }), 404],
      ['outsider reject', () => o.post(`/api/v1/enrollment-requests/${p.requestId}/reject`), 404],
      ['outsider page approve', () => o.form(`/devices/approvals/${p.requestId}/approve`, { mode: 'replace' }, '/devices/approvals'), 404],
      ['viewer approve', () => v.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'replace' }), 403],
      ['anonymous list', () => s.client().get('/api/v1/enrollment-requests'), 401],
      ['anonymous approve', () => s.client().post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'replace' }), 401],
      ['bad mode', () => te.post(`/api/v1/enrollment-requests/${p.requestId}/approve`, { mode: 'merge' }), 400],
    ]
    for (const [name, call, status] of cases) expect({ name, status: (await call()).status }).toEqual({ name, status })
    expect((await o.get('/api/v1/enrollment-requests?state=all')).json.data.some((r: any) => r.id === p.requestId)).toBe(false)
    expect((await v.get('/api/v1/enrollment-requests')).json.data.find((r: any) => r.id === p.requestId)).toMatchObject({ canDecide: false })
    expect((await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, p.requestId)))[0].status).toBe('pending')
    // The org's technician decides.
    expect((await te.post(`/api/v1/enrollment-requests/${p.requestId}/reject`)).status).toBe(200)
    const audit = (await auditOf('enrollment_request.reject')).find((a) => (a.details as any).requestId === p.requestId)!
    expect(audit.actorId).toBe(tech.id)
  })

  test('the approvals page escapes what the machine reported and decides over htmx', async () => {
    const hostile = '<img src=x onerror=alert(1)>"\''
    const d = await fakeAgent(await newKey())
    const p = (await enroll(await newKey(), d.hardwareId, { hostname: hostile })).json
    const page = await admin.get('/devices/approvals')
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('<img src=x')
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page.text).toContain(`/devices/approvals/${p.requestId}/approve`)
    const res = await admin.request('POST', `/devices/approvals/${p.requestId}/approve`, {
      form: { _csrf: admin.csrf, mode: 'clone' }, headers: { 'hx-request': 'true', 'hx-target': 'approvals' },
    })
    expect(res.status).toBe(200)
    expect(res.text).toContain('id="approvals"')
    expect(res.text).not.toContain('<img src=x')
    const row = (await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, p.requestId)))[0]
    expect(row.status).toBe('approved_clone')
    const clone = (await s.ctx.db.select().from(t.devices).where(and(eq(t.devices.orgId, orgId), eq(t.devices.cloneOf, d.deviceId))))[0]
    expect(clone.hostname).toBe(hostile)
    // Without the CSRF token nothing is decided.
    const p2 = (await enroll(await newKey(), d.hardwareId)).json
    expect((await admin.request('POST', `/devices/approvals/${p2.requestId}/reject`, { form: { mode: 'x' }, csrf: false })).status).toBe(403)
    expect((await s.ctx.db.select().from(t.enrollmentRequests).where(eq(t.enrollmentRequests.id, p2.requestId)))[0].status).toBe('pending')
    expect(partnerId).toBeTruthy()
  })

  test('the enrollment key form offers the re-attach option (off by default)', async () => {
    const page = await admin.get('/devices/add')
    expect(page.text).toContain('name="allowReattach"')
    expect(page.text).not.toMatch(/name="allowReattach"[^>]*checked/)
    const created = await admin.form('/devices/add', { target: `org:${orgId}`, name: 'reinstalls', expiresInDays: '7', allowReattach: 'true' })
    expect(created.status).toBe(201)
    const keys = (await admin.get(`/api/v1/enrollment-keys?orgId=${orgId}`)).json.data
    expect(keys.find((k: any) => k.name === 'reinstalls')).toMatchObject({ allowReattach: true })
    expect(keys.find((k: any) => k.name === 'office')).toMatchObject({ allowReattach: false })
  })
})
