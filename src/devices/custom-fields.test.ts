// Device custom fields over the API and the overview page: read, set, change, remove; the
// same name and length rules as automations; escaping; history, audit; permissions and scope.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient, tech: TestClient, viewer: TestClient, other: TestClient
let orgA: string, siteA: string
const evil = '<img src=x onerror=alert(1)>'

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}
const device = (hostname: string, over: Record<string, unknown> = {}) => makeDevice(s.ctx, { orgId: orgA, siteId: siteA, hostname, ...over })
const fields = async (id: string, c = admin) => (await c.get(`/api/v1/devices/${id}/custom-fields`)).json.data as { name: string; value: string; updatedByRun: string | null }[]

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'admin@b.example', 'org_admin', { orgId: orgB })
  admin = await clientAs(a.email)
  tech = await clientAs('tech@a.example')
  viewer = await clientAs('viewer@a.example')
  other = await clientAs('admin@b.example')
})
afterAll(() => s.stop())

describe('custom fields API', () => {
  test('PUT sets, changes and (with null) removes fields, keeping the others; GET lists them by name', async () => {
    const d = await device('cf-api-1')
    expect(await fields(d.id)).toEqual([])
    const put = await tech.put(`/api/v1/devices/${d.id}/custom-fields`, { warranty_end: '2027-03-31', asset_tag: 'A-1001' })
    expect(put.status).toBe(200)
    expect(put.json.data.map((f: { name: string; value: string }) => [f.name, f.value])).toEqual([['asset_tag', 'A-1001'], ['warranty_end', '2027-03-31']])
    await tech.put(`/api/v1/devices/${d.id}/custom-fields`, { asset_tag: 'A-2002', warranty_end: null, owner: evil })
    expect((await fields(d.id, viewer)).map((f) => [f.name, f.value, f.updatedByRun])).toEqual([['asset_tag', 'A-2002', null], ['owner', evil, null]])
    // Removing a field that does not exist, or setting the same value, changes nothing.
    await tech.put(`/api/v1/devices/${d.id}/custom-fields`, { nothing_here: null, asset_tag: 'A-2002' })
    const changes = (await admin.get(`/api/v1/devices/${d.id}/changes?kind=admin`)).json.data
    expect(changes.map((c: { summary: string }) => c.summary)).toEqual(['Custom fields set: asset_tag, owner; Custom fields removed: warranty_end', 'Custom fields set: warranty_end, asset_tag'])
    const audit = (await admin.get('/api/v1/audit/logs?action=device.custom_fields.update')).json.data.filter((e: { resourceId: string }) => e.resourceId === d.id)
    expect(audit).toHaveLength(2)
    expect(audit[0]).toMatchObject({ actorEmail: 'tech@a.example', details: { set: { asset_tag: 'A-2002', owner: evil }, removed: ['warranty_end'], previous: { asset_tag: 'A-1001', warranty_end: '2027-03-31' } } })
  })

  test('names and lengths follow the automation rules: a 400 naming the field, nothing changed', async () => {
    const d = await device('cf-api-bad')
    await tech.put(`/api/v1/devices/${d.id}/custom-fields`, { kept: 'yes' })
    for (const [body, field] of [[{ '9lives': 'x' }, '9lives'], [{ 'has space': 'x' }, 'has space'], [{ ['a'.repeat(41)]: 'x' }, 'a'.repeat(41)],
      [{ long: 'x'.repeat(1001) }, 'long'], [{ num: 5 }, 'num']] as const) {
      const res = await tech.put(`/api/v1/devices/${d.id}/custom-fields`, body)
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
    }
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'x']))
    expect((await tech.put(`/api/v1/devices/${d.id}/custom-fields`, many)).status).toBe(400)
    expect((await fields(d.id)).map((f) => f.name)).toEqual(['kept'])
    // The same rule applies to automations' update_device step.
    const automation = (customFields: Record<string, string>) => admin.post('/api/v1/automations', { orgId: orgA, name: 'Fields', trigger: { type: 'manual' }, actions: [{ id: 'f', type: 'update_device', customFields }] })
    expect((await automation({ good_name: 'x' })).status).toBe(201)
    const bad = await automation({ 'bad name': 'x' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toContain('customFields')
  })

  test('scope: another tenant gets 404, a viewer reads but cannot write (403), signed out 401', async () => {
    const d = await device('cf-api-scope')
    expect((await other.get(`/api/v1/devices/${d.id}/custom-fields`)).status).toBe(404)
    expect((await other.put(`/api/v1/devices/${d.id}/custom-fields`, { x: 'y' })).status).toBe(404)
    expect((await viewer.get(`/api/v1/devices/${d.id}/custom-fields`)).status).toBe(200)
    expect((await viewer.put(`/api/v1/devices/${d.id}/custom-fields`, { x: 'y' })).status).toBe(403)
    expect((await s.client().get(`/api/v1/devices/${d.id}/custom-fields`)).status).toBe(401)
    expect(await fields(d.id)).toEqual([])
  })
})

describe('custom fields on the overview page', () => {
  test('shown escaped to everyone who sees the device; editable by a technician only', async () => {
    const d = await device('cf-page-1')
    await admin.put(`/api/v1/devices/${d.id}/custom-fields`, { owner: evil, rack: 'R12' })
    await admin.put(`/api/v1/devices/${d.id}/custom-fields`, { quoted: `"><script>alert(1)</script>` })
    for (const c of [tech, viewer]) {
      const page = await c.get(`/devices/${d.id}`)
      expect(page.text).toContain('Custom fields')
      // What is left outside attribute values holds no markup from the values.
      const markup = page.text.replace(/="[^"]*"/g, '')
      expect(markup).not.toContain('<img src=x')
      expect(markup).not.toContain('<script>alert')
    }
    // The viewer reads text; the technician edits the value in an input.
    expect((await viewer.get(`/devices/${d.id}`)).text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect((await tech.get(`/devices/${d.id}`)).text).toContain('Add field')
    const seen = (await viewer.get(`/devices/${d.id}`)).text
    expect(seen).not.toContain('Add field')
    expect(seen).toContain('R12')
  })

  test('the htmx form adds, edits and removes a field, answering with the card; bad names re-render it with the message', async () => {
    const d = await device('cf-page-2')
    await tech.get(`/devices/${d.id}`)
    const htmx = { 'hx-request': 'true', 'hx-target': 'custom-fields' }
    const post = (form: Record<string, string>) => tech.request('POST', `/devices/${d.id}/custom-fields`, { form: { _csrf: tech.csrf, ...form }, headers: htmx })
    const added = await post({ name: 'asset_tag', value: 'A-77' })
    expect(added.status).toBe(200)
    expect(added.text).toContain('id="custom-fields"')
    expect(added.text).toContain('value="A-77"')
    expect(added.text).not.toContain('<html')
    expect((await post({ name: 'asset_tag', value: 'A-78' })).text).toContain('value="A-78"')
    expect(await fields(d.id)).toMatchObject([{ name: 'asset_tag', value: 'A-78' }])
    const bad = await post({ name: 'bad name', value: 'x' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('a field name is a letter')
    expect(bad.text).toContain('value="bad name"')
    const removed = await post({ name: 'asset_tag', value: 'A-78', remove: '1' })
    expect(removed.text).toContain('No custom fields yet.')
    expect(await fields(d.id)).toEqual([])
    // Without htmx the form comes back to the page.
    const plain = await tech.form(`/devices/${d.id}/custom-fields`, { name: 'rack', value: 'R1' })
    expect(plain.status).toBe(303)
    expect(await fields(d.id)).toMatchObject([{ name: 'rack', value: 'R1' }])
  })

  test('a viewer\'s post is a 403 and another tenant\'s a 404; nothing changes', async () => {
    const d = await device('cf-page-3')
    await viewer.get(`/devices/${d.id}`)
    expect((await viewer.form(`/devices/${d.id}/custom-fields`, { name: 'x', value: 'y' })).status).toBe(403)
    await other.get('/devices')
    expect((await other.form(`/devices/${d.id}/custom-fields`, { name: 'x', value: 'y' })).status).toBe(404)
    expect(await fields(d.id)).toEqual([])
  })
})
