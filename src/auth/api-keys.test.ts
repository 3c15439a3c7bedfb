import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: Awaited<ReturnType<typeof setupAdmin>>
let orgA: string
let orgB: string

beforeAll(async () => {
  s = await startTestServer()
  admin = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, admin.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, admin.partnerId, 'Org B')).id
})
afterAll(() => s.stop())

async function keyFor(email: string, body: Record<string, unknown>) {
  const c = s.client()
  await c.login(email, testPassword)
  const res = await c.post('/api/v1/api-keys', body)
  return { res, client: c }
}

describe('API keys', () => {
  test('a key is shown once, stored hashed, and authenticates without cookies or CSRF', async () => {
    const { res, client } = await keyFor(admin.email, { name: 'full' })
    expect(res.status).toBe(201)
    expect(res.json.key).toStartWith('brz_')
    const list = await client.get('/api/v1/api-keys')
    expect(list.text).not.toContain(res.json.key)
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.post('/api/v1/orgs', { name: 'Made by key' })).status).toBe(201)
    const [row] = (await list.json.data) as { lastUsedAt: number | null }[]
    expect(row).toBeTruthy()
  })

  test('a key limited to read permissions cannot write', async () => {
    const { res } = await keyFor(admin.email, { name: 'reader', permissions: ['orgs:read', 'sites:read'] })
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.get('/api/v1/orgs')).status).toBe(200)
    const denied = await bearer.post('/api/v1/sites', { orgId: orgA, name: 'Nope' })
    expect(denied.status).toBe(403)
    expect((await bearer.get(`/api/v1/sites?orgId=${orgA}`)).json.data).toEqual([])
  })

  test('a key limited to one org sees nothing of the others (404)', async () => {
    const { res } = await keyFor(admin.email, { name: 'org A only', orgIds: [orgA] })
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.get(`/api/v1/orgs/${orgA}`)).status).toBe(200)
    expect((await bearer.get(`/api/v1/orgs/${orgB}`)).status).toBe(404)
    const ids = (await bearer.get('/api/v1/orgs')).json.data.map((o: { id: string }) => o.id)
    expect(ids).toEqual([orgA])
  })

  test('a key cannot have more than its creator', async () => {
    await makeUser(s.ctx, 'viewer@example.com', 'org_viewer', { orgId: orgA })
    const { res } = await keyFor('viewer@example.com', { name: 'grab', permissions: ['orgs:write'] })
    expect(res.status).toBe(403)
    const other = await keyFor('viewer@example.com', { name: 'other org', orgIds: [orgB] })
    expect(other.res.status).toBe(400)
    expect(other.res.json.error.details.field).toBe('orgIds/0')
  })

  test('unknown permission names are a 400 naming the entry', async () => {
    const { res } = await keyFor(admin.email, { name: 'typo', permissions: ['orgs:read', 'orgs:destroy'] })
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('permissions/1')
  })

  test('a revoked key stops working at once', async () => {
    const { res, client } = await keyFor(admin.email, { name: 'temp' })
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.get('/api/v1/orgs')).status).toBe(200)
    expect((await client.delete(`/api/v1/api-keys/${res.json.apiKey.id}`)).status).toBe(200)
    const after = await bearer.get('/api/v1/orgs')
    expect(after.status).toBe(401)
    expect(after.json.error.message).toMatch(/revoked/)
  })

  test('an expired key stops working', async () => {
    const { res } = await keyFor(admin.email, { name: 'short', expiresInDays: 1 })
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.get('/api/v1/orgs')).status).toBe(200)
    s.clock.advance(86_400_000 + 1000)
    expect((await bearer.get('/api/v1/orgs')).status).toBe(401)
  })

  test('a key loses what its creator loses', async () => {
    const tech = await makeUser(s.ctx, 'tech@example.com', 'org_admin', { orgId: orgA })
    const { res } = await keyFor('tech@example.com', { name: 'tech key' })
    const bearer = TestClient.withBearer(s.url, res.json.key)
    expect((await bearer.post('/api/v1/sites', { orgId: orgA, name: 'Site by key' })).status).toBe(201)
    const adminClient = s.client()
    await adminClient.login(admin.email, testPassword)
    const viewerRole = (await adminClient.get('/api/v1/roles')).json.data.find((r: { key: string }) => r.key === 'org_viewer').id
    expect((await adminClient.patch(`/api/v1/users/${tech.id}`, { membership: { orgId: orgA, roleId: viewerRole } })).status).toBe(200)
    expect((await bearer.post('/api/v1/sites', { orgId: orgA, name: 'Second' })).status).toBe(403)
  })

  test('the CLI prints a working key for a user', async () => {
    const proc = Bun.spawnSync(['bun', 'src/main.ts', 'api-key', 'create', '--email', admin.email, '--name', 'provisioning', '--expires-in', '30d', '--data-dir', s.dataDir, ...(s.databaseUrl ? ['--database-url', s.databaseUrl] : [])], { env: { ...process.env, BREEZE_LOG_LEVEL: 'error' } })
    expect(proc.exitCode).toBe(0)
    const key = proc.stdout.toString().trim()
    expect(key).toStartWith('brz_')
    expect((await TestClient.withBearer(s.url, key).get('/api/v1/orgs')).status).toBe(200)
  })
})
