// Saved views of the device list over HTTP: the API (create, list, read, rename, delete), the
// checks (400 naming the field, 409 on a duplicate name, another user's view is a 404), and the
// page's forms: save what is shown, open a view (its columns and density become the browser's),
// delete it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let tech: TestClient
let orgId: string

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Views Org')).id
  const siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  await makeDevices(s.ctx, [{ orgId, siteId, hostname: 'lin-01', osType: 'linux', status: 'offline' }, { orgId, siteId, hostname: 'win-01' }])
  await makeUser(s.ctx, 'tech@views.example', 'org_technician', { orgId })
  admin = await clientAs(a.email)
  tech = await clientAs('tech@views.example')
})
afterAll(() => s.stop())

describe('saved views API', () => {
  test('create, list, read, rename, delete', async () => {
    const made = await tech.post('/api/v1/device-views', { name: 'Offline Linux', filters: { os: 'linux', status: 'offline', sort: 'lastSeen', order: 'desc' }, columns: ['name', 'status', 'lastSeen'], density: 'compact' })
    expect(made.status).toBe(201)
    expect(made.json).toMatchObject({ name: 'Offline Linux', filters: { os: 'linux', status: 'offline', sort: 'lastSeen', order: 'desc' }, columns: ['name', 'status', 'lastSeen'], density: 'compact' })
    const id = made.json.id
    // Defaults: no filters, the default columns, comfortable.
    const plain = (await tech.post('/api/v1/device-views', { name: 'Everything' })).json
    expect(plain).toMatchObject({ filters: {}, density: 'comfortable' })
    expect(plain.columns).toContain('name')
    expect((await tech.get('/api/v1/device-views')).json.data.map((v: { name: string }) => v.name)).toEqual(['Everything', 'Offline Linux'])
    expect((await tech.get(`/api/v1/device-views/${id}`)).json.name).toBe('Offline Linux')
    const renamed = await tech.patch(`/api/v1/device-views/${id}`, { name: 'Linux, offline', density: 'comfortable' })
    expect(renamed.json).toMatchObject({ name: 'Linux, offline', density: 'comfortable', filters: { os: 'linux' }, columns: ['name', 'status', 'lastSeen'] })
    expect((await tech.delete(`/api/v1/device-views/${plain.id}`)).status).toBe(204)
    expect((await tech.get(`/api/v1/device-views/${plain.id}`)).status).toBe(404)
  })

  test('bad input is a 400 naming the field; a duplicate name is a 409; nothing is written', async () => {
    const before = (await tech.get('/api/v1/device-views')).json.data.length
    const cases: [unknown, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(81) }, 'name'],
      [{ name: 'Bad os', filters: { os: 'beos' } }, 'os'],
      [{ name: 'Bad column', columns: ['name', 'shoe_size'] }, 'columns'],
      [{ name: 'Bad density', density: 'cosy' }, 'density'],
    ]
    for (const [body, field] of cases) {
      const res = await tech.post('/api/v1/device-views', body)
      expect({ body, status: res.status }).toEqual({ body, status: 400 })
      expect(res.text).toContain(field)
    }
    expect((await tech.post('/api/v1/device-views', { name: 'Linux, offline' })).status).toBe(409)
    expect((await tech.get('/api/v1/device-views')).json.data.length).toBe(before)
    // A filter the list does not have is refused like any unknown field, and nothing is stored.
    const odd = await tech.post('/api/v1/device-views', { name: 'Unknown filter', filters: { color: 'red', os: 'linux' } })
    expect(odd.status).toBe(400)
    expect(odd.text).toContain('color')
    expect((await tech.get('/api/v1/device-views')).json.data.length).toBe(before)
  })

  test('views are each user\'s own: another user\'s is a 404 and never listed; signed out is a 401', async () => {
    const mine = (await tech.get('/api/v1/device-views')).json.data[0]
    expect((await admin.get('/api/v1/device-views')).json.data).toEqual([])
    expect((await admin.get(`/api/v1/device-views/${mine.id}`)).status).toBe(404)
    expect((await admin.patch(`/api/v1/device-views/${mine.id}`, { name: 'Taken over' })).status).toBe(404)
    expect((await admin.delete(`/api/v1/device-views/${mine.id}`)).status).toBe(404)
    expect((await admin.get(`/devices?view=${mine.id}`)).status).toBe(404)
    expect((await tech.get(`/api/v1/device-views/${mine.id}`)).json.name).toBe('Linux, offline')
    expect((await s.client().get('/api/v1/device-views')).status).toBe(401)
  })
})

describe('saved views on the device list page', () => {
  test('save what is shown, open it again later, delete it', async () => {
    const c = await clientAs('tech@views.example')
    await c.get('/devices')
    // The browser chose compact and three columns; the table shows Linux devices.
    await c.form('/devices/columns', { columns: ['status', 'os'], density: 'compact', back: '/devices?os=linux' })
    const list = await c.get('/devices?os=linux')
    expect(list.text).toContain('class="devices compact"')
    const saved = await c.form('/devices/views', { name: 'Linux, compact', 'filter.os': 'linux' })
    expect(saved.status).toBe(303)
    expect(saved.headers.get('location')).toBe('/devices?os=linux')
    const view = ((await c.get('/api/v1/device-views')).json.data as { id: string; name: string; filters: object; columns: string[]; density: string }[]).find((v) => v.name === 'Linux, compact')!
    expect(view).toMatchObject({ filters: { os: 'linux' }, columns: ['name', 'status', 'os'], density: 'compact' })
    // The menu marks it as the view on screen.
    expect((await c.get('/devices?os=linux')).text).toContain('View: Linux, compact')

    // Elsewhere: comfortable, other filters. Opening the view brings all of it back.
    await c.form('/devices/columns', { columns: ['status', 'tags'], density: 'comfortable', back: '/devices' })
    const open = await c.get(`/devices?view=${view.id}`)
    expect(open.status).toBe(303)
    expect(open.headers.get('location')).toBe('/devices?os=linux')
    const reopened = await c.get('/devices?os=linux')
    expect(reopened.text).toContain('class="devices compact"')
    expect(reopened.text).toContain('lin-01')
    expect(reopened.text).not.toContain('win-01')
    expect(reopened.text).toContain('<span>Operating system</span></a></th>')
    expect(reopened.text).not.toContain('<th><span>Tags</span></th>')

    // A bad name comes back as a message; nothing saved.
    await c.form('/devices/views', { name: '   ' })
    expect((await c.get('/devices')).text).toContain('name')
    expect((await c.form(`/devices/views/${view.id}/delete`, {})).status).toBe(303)
    expect((await c.get(`/api/v1/device-views/${view.id}`)).status).toBe(404)
  })
})
