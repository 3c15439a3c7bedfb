// Device actions against the server alone (fixture devices, no agent): who may do what (a viewer
// gets 403 everywhere, another tenant 404, nobody signed in 401), validation naming the field,
// and what a technician's action stores and sends.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { waitFor } from '../testing/agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let anon: TestClient
let viewer: TestClient
let tech: TestClient
let otherTech: TestClient
let deviceId: string
let admin: TestClient
let orgA: string

async function signIn(email: string): Promise<TestClient> {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBeLessThan(400)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  const siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  deviceId = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', services: [{ name: 'nginx', state: 'running', startMode: 'enabled' }] })).id
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })
  anon = s.client()
  admin = await signIn(a.email)
  viewer = await signIn('viewer@a.example')
  tech = await signIn('tech@a.example')
  otherTech = await signIn('tech@b.example')
}, 60_000)
afterAll(() => s.stop())

type Route = { name: string; method: 'GET' | 'POST'; path: (id: string) => string; body?: unknown; /** what a technician of the device's org gets from a device that is not connected */ tech: number }

const routes: Route[] = [
  { name: 'process list', method: 'GET', path: (id) => `/api/v1/devices/${id}/processes`, tech: 409 },
  { name: 'kill', method: 'POST', path: (id) => `/api/v1/devices/${id}/processes/123/kill`, body: { tree: true }, tech: 409 },
  { name: 'service start', method: 'POST', path: (id) => `/api/v1/devices/${id}/services/nginx/start`, tech: 409 },
  { name: 'service stop', method: 'POST', path: (id) => `/api/v1/devices/${id}/services/nginx/stop`, tech: 409 },
  { name: 'service restart', method: 'POST', path: (id) => `/api/v1/devices/${id}/services/nginx/restart`, tech: 409 },
  { name: 'service start type', method: 'POST', path: (id) => `/api/v1/devices/${id}/services/nginx/start-type`, body: { startType: 'manual' }, tech: 409 },
]

const call = (c: TestClient, r: Route) => (r.method === 'GET' ? c.get(r.path(deviceId)) : c.post(r.path(deviceId), r.body))

describe('permissions and tenancy of every action', () => {
  for (const r of routes) {
    test(`${r.name}: 401 signed out, 403 viewer, 404 other tenant, technician ${r.tech}`, async () => {
      expect((await call(anon, r)).status).toBe(401)
      const v = await call(viewer, r)
      expect(v.status).toBe(403)
      expect(v.json.error.code).toBe('forbidden')
      expect((await call(otherTech, r)).status).toBe(404)
      expect((await call(tech, r)).status).toBe(r.tech)
    })
  }

  test('pages: the viewer sees no Processes tab and gets 403 on it', async () => {
    const page = await viewer.get(`/devices/${deviceId}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain(`/devices/${deviceId}/processes"`)
    expect((await viewer.get(`/devices/${deviceId}/processes`)).status).toBe(403)
    expect((await tech.get(`/devices/${deviceId}`)).text).toContain(`/devices/${deviceId}/processes"`)
    expect((await tech.get(`/devices/${deviceId}/processes`)).status).toBe(200)
    expect((await otherTech.get(`/devices/${deviceId}/processes`)).status).toBe(404)
  })
})

/** connectedDevice enrolls a protocol-level agent (it answers commands as the test tells it) and connects it. */
async function connectedDevice(): Promise<ProtocolAgent> {
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'protocol' })).json.key
  const agent = await enrollProtocolAgent(s, key)
  await agent.connect()
  return agent
}

/** answer acknowledges the next command of `type` and reports `result` for it. */
const answered = new Set<string>()
async function answer(agent: ProtocolAgent, type: string, result: Record<string, unknown> | ((payload: any) => Record<string, unknown>), status = 'completed', error?: string) {
  const command = await waitFor(() => agent.inbox.map((m) => (m.type === 'command' && m.command.type === type && !answered.has(m.command.id) ? m.command : null)).find(Boolean), 10_000, `a ${type} command`)
  answered.add(command.id)
  const payload = JSON.parse(command.payload)
  agent.send({ type: 'command.ack', id: command.id })
  agent.send({ type: 'command.result', id: command.id, status, result: status === 'completed' ? (typeof result === 'function' ? result(payload) : result) : null, error: error ?? null })
  return payload
}

describe('services from the device page', () => {
  test('a technician stops a service on a connected device: the row comes back stopped; the viewer has no buttons', { timeout: 30_000 }, async () => {
    const agent = await connectedDevice()
    await s.ctx.db.insert((await import('../db/tables')).t.deviceServices).values({ id: crypto.randomUUID(), deviceId: agent.deviceId, name: 'cron', displayName: 'Regular background program processing daemon', state: 'running', startMode: 'enabled', updatedAt: s.clock.now() })
    const page = await tech.get(`/devices/${agent.deviceId}/services`)
    expect(page.text).toContain('<th>Actions</th>')
    expect(page.text).toContain('value="stop" data-confirm="Stop cron?"')
    expect((await viewer.get(`/devices/${agent.deviceId}/services`)).text).not.toContain('<th>Actions</th>')

    const payload = answer(agent, 'service.control', (p) => ({ name: p.name, state: 'stopped', startMode: 'enabled', output: '' }))
    const res = await tech.request('POST', `/devices/${agent.deviceId}/services/control`, { form: { name: 'cron', action: 'stop' }, headers: { 'hx-request': 'true' } })
    expect(await payload).toEqual({ name: 'cron', action: 'stop' })
    expect(res.status).toBe(200)
    expect(res.text).toStartWith('<tr data-service="cron">')
    expect(res.text).toContain('<span class="badge ">stopped</span>')
    expect(res.text).toContain('Stopped: now stopped.')
    expect(res.text).toContain('value="start"')
    const changes = (await tech.get(`/api/v1/devices/${agent.deviceId}/changes?kind=service`)).json.data
    expect(changes[0].summary).toBe('Service cron stopped (was running)')

    // A failure is shown in the row with the service manager's words; the viewer is refused.
    const failing = answer(agent, 'service.control', {}, 'failed', 'Job for cron.service failed')
    const bad = await tech.request('POST', `/devices/${agent.deviceId}/services/control`, { form: { name: 'cron', action: 'start' }, headers: { 'hx-request': 'true' } })
    await failing
    expect(bad.text).toContain('Job for cron.service failed')
    expect((await viewer.request('POST', `/devices/${agent.deviceId}/services/control`, { form: { name: 'cron', action: 'start' } })).status).toBe(403)
    agent.close()
  })
})

describe('validation names the field', () => {
  test('process list and kill', async () => {
    const bad = await tech.get(`/api/v1/devices/${deviceId}/processes?limit=5000`)
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.json)).toContain('limit')
    const pid = await tech.post(`/api/v1/devices/${deviceId}/processes/abc/kill`, {})
    expect(pid.status).toBe(400)
    expect(JSON.stringify(pid.json)).toContain('pid')
    const tree = await tech.post(`/api/v1/devices/${deviceId}/processes/5/kill`, { tree: 'yes' })
    expect(tree.status).toBe(400)
    expect(JSON.stringify(tree.json)).toContain('tree')
  })

  test('service names and actions', async () => {
    const bad = await tech.post(`/api/v1/devices/${deviceId}/services/${encodeURIComponent('-rf')}/stop`)
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.json)).toContain('name')
    const verb = await tech.post(`/api/v1/devices/${deviceId}/services/nginx/explode`)
    expect(verb.status).toBe(400)
    expect(JSON.stringify(verb.json)).toContain('action')
    const type = await tech.post(`/api/v1/devices/${deviceId}/services/nginx/start-type`, { startType: 'sometimes' })
    expect(type.status).toBe(400)
    expect(JSON.stringify(type.json)).toContain('startType')
  })
})
