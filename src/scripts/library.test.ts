import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let partnerId: string

const script = (over: Record<string, unknown> = {}) => ({
  name: 'Restart nginx', description: 'Restarts nginx', category: 'Services/Web', tags: ['web'], osTypes: ['linux'], language: 'bash',
  content: 'systemctl restart "$SERVICE"\n', parameters: [{ name: 'SERVICE', type: 'string', required: true, default: 'nginx' }], ...over,
})

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  partnerId = a.partnerId
  orgA = (await makeOrg(s.ctx, partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, partnerId, 'Org B')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
})
afterAll(() => s.stop())

async function as(email: string) {
  const c = s.client()
  await c.login(email, testPassword)
  return c
}

describe('script library', () => {
  test('create, read, update with versions and changelog, roll back', async () => {
    const created = await admin.post('/api/v1/scripts', { ...script(), orgId: orgA })
    expect(created.status).toBe(201)
    expect(created.json.version).toBe(1)
    const id = created.json.id
    const updated = await admin.patch(`/api/v1/scripts/${id}`, { content: 'systemctl reload "$SERVICE"\n', changelog: 'reload instead of restart' })
    expect(updated.json.version).toBe(2)
    const versions = (await admin.get(`/api/v1/scripts/${id}/versions`)).json.data
    expect(versions.map((v: { version: number; changelog: string }) => [v.version, v.changelog])).toEqual([[2, 'reload instead of restart'], [1, 'Created']])
    const rolled = await admin.post(`/api/v1/scripts/${id}/rollback/${versions[1].id}`)
    expect(rolled.json.version).toBe(3)
    expect(rolled.json.content).toBe('systemctl restart "$SERVICE"\n')
    const page = await admin.get(`/scripts/${id}/versions/${versions[0].id}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('class="del"')
    expect(page.text).toContain('class="add"')
  })

  test('a script may keep more or less output than the default: API and editor, and empty means the default', async () => {
    const created = await admin.post('/api/v1/scripts', { ...script({ name: 'Big logs' }), orgId: orgA, outputCapMib: 200 })
    expect(created.json.outputCapMib).toBe(200)
    const id = created.json.id
    for (const bad of [0, 2000, 1.5, -1]) {
      const res = await admin.patch(`/api/v1/scripts/${id}`, { outputCapMib: bad })
      expect(res.status).toBe(400)
      expect(JSON.stringify(res.json)).toContain('outputCapMib')
    }
    expect((await admin.get(`/api/v1/scripts/${id}`)).json.outputCapMib).toBe(200)
    // The editor: the field shows the cap; saved empty, the script goes back to the default.
    const page = await admin.get(`/scripts/${id}`)
    expect(page.text).toMatch(/name="outputCapMib"[^>]*value="200"/)
    const fields = { name: 'Big logs', language: 'bash', osTypes: 'linux', category: 'Services/Web', content: 'echo hi\n', timeoutSeconds: '300', runAs: 'system', outputCapMib: '' }
    const saved = await admin.form(`/scripts/${id}`, fields)
    expect(saved.status).toBe(303)
    expect((await admin.get(`/api/v1/scripts/${id}`)).json.outputCapMib).toBeNull()
    await admin.form(`/scripts/${id}`, { ...fields, outputCapMib: '3' })
    expect((await admin.get(`/api/v1/scripts/${id}`)).json.outputCapMib).toBe(3)
  })

  test('bad input is a 400 naming the field, and nothing is written', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ osTypes: [] }, 'osTypes'],
      [{ language: 'ruby' }, 'language'],
      [{ parameters: [{ name: '1bad', type: 'string', required: false }] }, 'parameters/0/name'],
      [{ parameters: [{ name: 'A', type: 'string', required: false }, { name: 'a', type: 'number', required: false }] }, 'parameters/1/name'],
      [{ parameters: [{ name: 'CHOICE', type: 'select', required: false }] }, 'parameters/0/options'],
      [{ parameters: [{ name: 'N', type: 'number', required: false, default: 'ten' }] }, 'parameters/0/default'],
      [{ content: '' }, 'content'],
    ]
    for (const [over, field] of cases) {
      const res = await admin.post('/api/v1/scripts', { ...script({ name: 'Broken' }), orgId: orgA, ...over })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
    expect((await admin.get('/api/v1/scripts?search=Broken')).json.data).toEqual([])
  })

  test('built-in templates are listed, read-only, and can be copied into an org', async () => {
    const all = (await admin.get('/api/v1/scripts')).json.data
    const builtIns = all.filter((x: { isSystem: boolean }) => x.isSystem)
    expect(builtIns.length).toBeGreaterThanOrEqual(25)
    const tpl = builtIns.find((x: { templateKey: string }) => x.templateKey === 'linux/disk-usage')
    expect((await admin.patch(`/api/v1/scripts/${tpl.id}`, { name: 'Mine now' })).status).toBe(403)
    const copy = await admin.post(`/api/v1/scripts/${tpl.id}/copy`, { orgId: orgA })
    expect(copy.status).toBe(201)
    expect(copy.json.isSystem).toBe(false)
    expect(copy.json.content).toBe(tpl.content)
    expect((await admin.get('/scripts/templates')).text).toContain('Disk usage report')
  })

  test('export then import round-trips scripts (all or nothing)', async () => {
    const one = (await admin.post('/api/v1/scripts', { ...script({ name: 'Exported one' }), orgId: orgA })).json
    const doc = await admin.get(`/api/v1/scripts/export?ids=${one.id}`)
    expect(doc.json.format).toBe('breeze-scripts')
    const imported = await admin.post('/api/v1/scripts/import', { orgId: orgB, scripts: doc.json.scripts })
    expect(imported.status).toBe(201)
    expect(imported.json.data[0].orgId).toBe(orgB)
    const bad = await admin.post('/api/v1/scripts/import', { orgId: orgB, scripts: [doc.json.scripts[0], { ...doc.json.scripts[0], name: 'Second', parameters: [{ name: 'X', type: 'select', required: false }] }] })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('scripts/1/parameters/0/options')
    expect((await admin.get(`/api/v1/scripts?orgId=${orgB}&search=Second`)).json.data).toEqual([])
  })

  test('partner-wide scripts are visible to every org of the partner', async () => {
    const shared = (await admin.post('/api/v1/scripts', { ...script({ name: 'Shared fix' }), partnerId })).json
    await makeUser(s.ctx, 'b-tech@example.com', 'org_technician', { orgId: orgB })
    const b = await as('b-tech@example.com')
    expect((await b.get(`/api/v1/scripts/${shared.id}`)).status).toBe(200)
    // …but an org technician cannot edit it (no scripts:write)
    expect((await b.patch(`/api/v1/scripts/${shared.id}`, { name: 'x' })).status).toBe(403)
  })

  test('tenant isolation: org B never sees org A scripts', async () => {
    const aScript = (await admin.post('/api/v1/scripts', { ...script({ name: 'A only secret sauce' }), orgId: orgA })).json
    await makeUser(s.ctx, 'b-admin@example.com', 'org_admin', { orgId: orgB })
    const b = await as('b-admin@example.com')
    for (const [method, path] of [['GET', `/api/v1/scripts/${aScript.id}`], ['PATCH', `/api/v1/scripts/${aScript.id}`], ['DELETE', `/api/v1/scripts/${aScript.id}`], ['GET', `/api/v1/scripts/${aScript.id}/versions`], ['GET', `/scripts/${aScript.id}`], ['GET', `/api/v1/scripts/export?ids=${aScript.id}`]]) {
      const res = await b.request(method, path, method === 'PATCH' ? { json: { name: 'x' } } : {})
      expect({ path, status: res.status }).toEqual({ path, status: 404 })
    }
    expect((await b.get('/api/v1/scripts?search=secret')).json.data).toEqual([])
    expect((await b.post('/api/v1/scripts', { ...script(), orgId: orgA })).status).toBe(404)
  })

  test('viewers read but cannot write; deletion is soft and audited', async () => {
    await makeUser(s.ctx, 'viewer@example.com', 'org_viewer', { orgId: orgA })
    const v = await as('viewer@example.com')
    expect((await v.get('/api/v1/scripts')).status).toBe(200)
    expect((await v.post('/api/v1/scripts', { ...script(), orgId: orgA })).status).toBe(403)
    const doomed = (await admin.post('/api/v1/scripts', { ...script({ name: 'Doomed' }), orgId: orgA })).json
    expect((await admin.delete(`/api/v1/scripts/${doomed.id}`)).status).toBe(200)
    expect((await admin.get(`/api/v1/scripts/${doomed.id}`)).status).toBe(404)
    const log = (await admin.get('/api/v1/audit/logs?action=script.')).json.data.map((r: { action: string }) => r.action)
    for (const a of ['script.create', 'script.update', 'script.delete', 'script.import']) expect(log).toContain(a)
  })

  test('the editor page saves through the HTML form, parameters included', async () => {
    await admin.get('/scripts/new')
    const res = await admin.form('/scripts', {
      name: 'Form script', owner: `org:${orgA}`, language: 'bash', osTypes: ['linux', 'macos'], content: 'echo "$GREETING"', tags: 'a, b',
      'parameters.0.name': 'GREETING', 'parameters.0.type': 'string', 'parameters.0.default': 'hi', 'parameters.0.required': 'true', timeoutSeconds: '60', runAs: 'system',
    })
    expect([res.status, [...res.text.matchAll(/class="(?:error|callout bad)"[^>]*>([^<]*)/g)].map((m) => m[1])]).toEqual([303, []])
    const created = (await admin.get('/api/v1/scripts?search=Form script')).json.data[0]
    expect(created.parameters).toEqual([{ name: 'GREETING', type: 'string', required: true, default: 'hi' }])
    expect(created.tags).toEqual(['a', 'b'])
    expect(created.osTypes).toEqual(['linux', 'macos'])
    const bad = await admin.form('/scripts', { name: 'x', owner: `org:${orgA}`, language: 'bash', content: 'true' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('choose at least one operating system')
  })
})
