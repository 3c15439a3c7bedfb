import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'
import type { BuiltinRoleKey } from './permissions'

let s: TestServer
let admin: Awaited<ReturnType<typeof setupAdmin>>
let adminClient: TestClient
let orgA: string
let orgB: string
let siteB: string

beforeAll(async () => {
  s = await startTestServer()
  admin = await setupAdmin(s.ctx)
  adminClient = s.client()
  await adminClient.login(admin.email, testPassword)
  orgA = (await makeOrg(s.ctx, admin.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, admin.partnerId, 'Org B')).id
  siteB = (await makeSite(s.ctx, orgB, 'B HQ')).id
})
afterAll(() => s.stop())

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

describe('organizations and sites API', () => {
  test('create validates: 400 names the field and nothing is written', async () => {
    const res = await adminClient.post('/api/v1/orgs', { name: '', status: 'active' })
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('name')
    const bad = await adminClient.post('/api/v1/orgs', { name: 'X', contractStart: '2026-02-30x' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('contractStart')
    const backwards = await adminClient.post('/api/v1/orgs', { name: 'Backwards', contractStart: '2026-05-01', contractEnd: '2026-01-01' })
    expect(backwards.status).toBe(400)
    expect(backwards.json.error.details.field).toBe('contractEnd')
    expect((await adminClient.get('/api/v1/orgs?search=Backwards')).json.data).toEqual([])
  })

  test('create, read, update, soft delete an organization', async () => {
    const created = await adminClient.post('/api/v1/orgs', { name: 'Contoso Ltd', status: 'trial', contractStart: '2026-01-01', billingContact: { email: 'ap@contoso.example' } })
    expect(created.status).toBe(201)
    expect(created.json.slug).toBe('contoso-ltd')
    const id = created.json.id
    expect((await adminClient.get(`/api/v1/orgs/${id}`)).json.status).toBe('trial')
    const patched = await adminClient.patch(`/api/v1/orgs/${id}`, { status: 'active', maxDevices: 50 })
    expect(patched.json.maxDevices).toBe(50)
    expect((await adminClient.delete(`/api/v1/orgs/${id}`)).status).toBe(200)
    expect((await adminClient.get(`/api/v1/orgs/${id}`)).status).toBe(404)
    expect((await adminClient.get('/api/v1/orgs?search=Contoso')).json.data).toEqual([])
    // A deleted org's slug can be reused.
    expect((await adminClient.post('/api/v1/orgs', { name: 'Contoso Ltd' })).json.slug).toBe('contoso-ltd')
  })

  test('a duplicate slug is a 409', async () => {
    await adminClient.post('/api/v1/orgs', { name: 'Dup', slug: 'dup-slug' })
    const res = await adminClient.post('/api/v1/orgs', { name: 'Dup 2', slug: 'dup-slug' })
    expect(res.status).toBe(409)
  })

  test('sites: create with a time zone, list by org, unknown zone is a 400', async () => {
    const bad = await adminClient.post('/api/v1/sites', { orgId: orgA, name: 'Nowhere', timezone: 'Mars/Olympus' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('timezone')
    const res = await adminClient.post('/api/v1/sites', { orgId: orgA, name: 'A HQ', timezone: 'Europe/Berlin', address: { city: 'Berlin' } })
    expect(res.status).toBe(201)
    const list = await adminClient.get(`/api/v1/sites?orgId=${orgA}`)
    expect(list.json.data.map((x: { name: string }) => x.name)).toContain('A HQ')
  })

  test('inviting yourself is a 409', async () => {
    const roles = (await adminClient.get('/api/v1/roles')).json.data
    const viewer = roles.find((r: { key: string }) => r.key === 'org_viewer').id
    const self = await adminClient.post('/api/v1/users', { email: admin.email, membership: { orgId: orgA, roleId: viewer } })
    expect(self.status).toBe(409)
  })

  test('a body over the limit is refused with 413', async () => {
    const res = await fetch(`${s.url}/api/v1/orgs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(17 * 1024 * 1024) })
    expect(res.status).toBe(413)
  })
})

type Row = { name: string; method: string; path: () => string; body?: () => unknown; allowed: BuiltinRoleKey[] }

// What each built-in role may do in org A (a 403 or 404 otherwise, and nothing written).
const matrix: Row[] = [
  { name: 'read org', method: 'GET', path: () => `/api/v1/orgs/${orgA}`, allowed: ['partner_admin', 'partner_technician', 'partner_viewer', 'org_admin', 'org_technician', 'org_viewer'] },
  { name: 'edit org', method: 'PATCH', path: () => `/api/v1/orgs/${orgA}`, body: () => ({ status: 'active' }), allowed: ['partner_admin', 'org_admin'] },
  { name: 'create org', method: 'POST', path: () => '/api/v1/orgs', body: () => ({ name: `New ${Math.random()}` }), allowed: ['partner_admin'] },
  { name: 'create site', method: 'POST', path: () => '/api/v1/sites', body: () => ({ orgId: orgA, name: `Site ${Math.random()}` }), allowed: ['partner_admin', 'partner_technician', 'org_admin', 'org_technician'] },
  { name: 'invite user', method: 'POST', path: () => '/api/v1/users', body: () => ({ email: `u${Math.random().toString(36).slice(2)}@example.com`, membership: { orgId: orgA, roleId: roleIds.org_viewer } }), allowed: ['partner_admin', 'org_admin'] },
  { name: 'create role', method: 'POST', path: () => '/api/v1/roles', body: () => ({ name: `R ${Math.random()}`, scope: 'organization', orgId: orgA, permissions: ['orgs:read'] }), allowed: ['partner_admin', 'org_admin'] },
  { name: 'read audit', method: 'GET', path: () => '/api/v1/audit/logs', allowed: ['partner_admin', 'partner_technician', 'partner_viewer', 'org_admin', 'org_technician', 'org_viewer'] },
  { name: 'change appliance settings', method: 'PUT', path: () => '/api/v1/settings/security', body: () => ({ sessionIdleMinutes: 60, sessionMaxHours: 24, lockoutThreshold: 5, lockoutMinutes: 15 }), allowed: [] },
]
const roleIds: Record<string, string> = {}

describe('every built-in role: allowed and denied actions', () => {
  const roles: BuiltinRoleKey[] = ['partner_admin', 'partner_technician', 'partner_viewer', 'org_admin', 'org_technician', 'org_viewer']
  const clients: Record<string, TestClient> = {}

  beforeAll(async () => {
    for (const r of (await adminClient.get('/api/v1/roles')).json.data) if (r.key) roleIds[r.key] = r.id
    for (const role of roles) {
      const email = `${role}@example.com`
      await makeUser(s.ctx, email, role, role.startsWith('partner') ? { partnerId: admin.partnerId, orgAccess: 'selected', orgIds: [orgA] } : { orgId: orgA })
      clients[role] = await clientAs(email)
    }
  })

  for (const row of matrix) {
    for (const role of ['partner_admin', 'partner_technician', 'partner_viewer', 'org_admin', 'org_technician', 'org_viewer'] as BuiltinRoleKey[]) {
      const allowed = row.allowed.includes(role)
      test(`${role} ${allowed ? 'may' : 'may not'} ${row.name}`, async () => {
        const res = await clients[role].request(row.method, row.path(), row.body ? { json: row.body() } : {})
        if (allowed) expect(res.status).toBeLessThan(300)
        else expect([403, 404]).toContain(res.status)
      })
    }
  }

  test('a technician cannot grant a role with more than they have', async () => {
    const res = await clients.org_technician.post('/api/v1/roles', { name: 'Escalate', scope: 'organization', orgId: orgA, permissions: ['users:write'] })
    expect([403, 404]).toContain(res.status)
    const admin2 = await clients.org_admin.post('/api/v1/users', { email: 'boss@example.com', membership: { partnerId: admin.partnerId, roleId: roleIds.partner_admin, orgAccess: 'all' } })
    expect([403, 404]).toContain(admin2.status)
  })

  test('a permission denial is audited as a security event', async () => {
    await clients.org_viewer.patch(`/api/v1/orgs/${orgA}`, { status: 'active' })
    const log = await adminClient.get('/api/v1/audit/logs?action=permission.denied')
    expect(log.json.data.some((r: { actorEmail: string; result: string }) => r.actorEmail === 'org_viewer@example.com' && r.result === 'denied')).toBe(true)
  })
})

describe('tenant isolation: a user of org A never sees org B', () => {
  let a: TestClient
  let bRole: string
  let bUser: string

  beforeAll(async () => {
    await makeUser(s.ctx, 'a-admin@example.com', 'org_admin', { orgId: orgA })
    await makeUser(s.ctx, 'a-tech@example.com', 'partner_technician', { partnerId: admin.partnerId, orgAccess: 'selected', orgIds: [orgA] })
    bUser = (await makeUser(s.ctx, 'b-admin@example.com', 'org_admin', { orgId: orgB })).id
    bRole = (await adminClient.post('/api/v1/roles', { name: 'B custom', scope: 'organization', orgId: orgB, permissions: ['orgs:read'] })).json.id
    await adminClient.patch(`/api/v1/orgs/${orgB}`, { status: 'active' })
    a = await clientAs('a-admin@example.com')
  })

  const byId = () => [
    ['GET', `/api/v1/orgs/${orgB}`], ['PATCH', `/api/v1/orgs/${orgB}`], ['DELETE', `/api/v1/orgs/${orgB}`],
    ['GET', `/api/v1/sites/${siteB}`], ['PATCH', `/api/v1/sites/${siteB}`], ['DELETE', `/api/v1/sites/${siteB}`],
    ['GET', `/api/v1/users/${bUser}`], ['PATCH', `/api/v1/users/${bUser}`], ['DELETE', `/api/v1/users/${bUser}`],
    ['GET', `/api/v1/roles/${bRole}`], ['PATCH', `/api/v1/roles/${bRole}`], ['DELETE', `/api/v1/roles/${bRole}`],
    ['GET', `/orgs/${orgB}`], ['GET', `/sites/${siteB}`], ['GET', `/users/${bUser}`], ['GET', `/roles/${bRole}`],
  ]

  test('every object of org B answers 404 by id, for pages and API', async () => {
    for (const email of ['a-admin@example.com', 'a-tech@example.com']) {
      const c = await clientAs(email)
      for (const [method, path] of byId()) {
        const res = await c.request(method, path, method === 'PATCH' ? { json: { name: 'hijack' } } : {})
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 })
      }
    }
  })

  test('creating inside org B is a 404', async () => {
    expect((await a.post('/api/v1/sites', { orgId: orgB, name: 'Intruder' })).status).toBe(404)
    expect((await a.post('/api/v1/users', { email: 'x@example.com', membership: { orgId: orgB, roleId: roleIds.org_viewer } })).status).toBe(404)
  })

  test('org B is absent from every list, count and export', async () => {
    const orgs = await a.get('/api/v1/orgs')
    expect(orgs.json.data.map((o: { id: string }) => o.id)).toEqual([orgA])
    expect(orgs.json.pagination.total).toBe(1)
    expect((await a.get('/api/v1/sites')).json.data.every((x: { orgId: string }) => x.orgId === orgA)).toBe(true)
    expect((await a.get(`/api/v1/sites?orgId=${orgB}`)).json.data).toEqual([])
    const users = (await a.get('/api/v1/users')).json.data.map((u: { email: string }) => u.email)
    expect(users).not.toContain('b-admin@example.com')
    expect((await a.get('/api/v1/roles')).json.data.map((r: { id: string }) => r.id)).not.toContain(bRole)
    const audit = await a.get('/api/v1/audit/logs?limit=500')
    expect(audit.json.data.length).toBeGreaterThan(0)
    expect(audit.json.data.some((r: { orgId: string | null }) => r.orgId === orgB)).toBe(false)
    for (const format of ['csv', 'json']) {
      const exp = await a.get(`/api/v1/audit/logs/export?format=${format}`)
      expect(exp.status).toBe(200)
      expect(exp.text).not.toContain(orgB)
      expect(exp.text).toContain(orgA)
    }
    const page = await a.get('/orgs')
    expect(page.text).not.toContain('Org B')
  })
})
