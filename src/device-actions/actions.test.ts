// Device actions against the server alone (fixture devices, no agent): who may do what (a viewer
// gets 403 everywhere, another tenant 404, nobody signed in 401), validation naming the field,
// and what a technician's action stores and sends.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let anon: TestClient
let viewer: TestClient
let tech: TestClient
let otherTech: TestClient
let deviceId: string

async function signIn(email: string): Promise<TestClient> {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBeLessThan(400)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  const siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  deviceId = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', services: [{ name: 'nginx', state: 'running', startMode: 'enabled' }] })).id
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })
  anon = s.client()
  viewer = await signIn('viewer@a.example')
  tech = await signIn('tech@a.example')
  otherTech = await signIn('tech@b.example')
}, 60_000)
afterAll(() => s.stop())

type Route = { name: string; method: 'GET' | 'POST'; path: (id: string) => string; body?: unknown; /** what a technician of the device's org gets from a device that is not connected */ tech: number }

const routes: Route[] = [
  { name: 'process list', method: 'GET', path: (id) => `/api/v1/devices/${id}/processes`, tech: 409 },
  { name: 'kill', method: 'POST', path: (id) => `/api/v1/devices/${id}/processes/123/kill`, body: { tree: true }, tech: 409 },
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
})
