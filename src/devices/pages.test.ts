// The device pages over HTTP: list (fragments, columns, bulk form), detail tabs, groups,
// software inventory and the dashboard; escaping of endpoint strings; isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { addChange, makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string, orgB: string, siteA: string, siteA2: string
const d: Record<string, string> = {}
const evil = '<img src=x onerror=alert(1)>'

/** withoutAttributes drops attribute values, so what is left is markup and text. */
const markup = (html: string) => html.replace(/="[^"]*"/g, '')

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  siteA2 = (await makeSite(s.ctx, orgA, 'A Lab')).id
  const siteB = (await makeSite(s.ctx, orgB, 'B HQ')).id
  d.evil = (await makeDevice(s.ctx, {
    orgId: orgA, siteId: siteA, hostname: evil, lastUser: evil, tags: ['servers'], cpuPercent: 97, software: [{ name: evil, version: evil, publisher: evil }, { name: 'Google Chrome', version: '120.0' }],
    services: [
      { name: 'WinDefend', displayName: 'Microsoft Defender Antivirus Service', state: 'running', startMode: 'auto' },
      { name: 'Spooler', displayName: 'Print Spooler', state: 'stopped', startMode: 'manual' },
      { name: evil, displayName: evil, state: 'failed', startMode: evil },
    ],
  })).id
  d.web = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, hostname: 'web-01', osType: 'linux', status: 'offline', software: [{ name: 'Google Chrome', version: '121.0' }] })).id
  d.b = (await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: 'b-only-host', software: [{ name: 'B Secret App', version: '1' }] })).id
  await addChange(s.ctx, d.evil, { at: s.clock.now() - 60_000, kind: 'software', action: 'installed', summary: `Installed ${evil}` })
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  admin = await clientAs(a.email)
})
afterAll(() => s.stop())

describe('device list page', () => {
  test('full page, then the table alone for htmx; endpoint strings are escaped', async () => {
    const page = await admin.get('/devices')
    expect(page.status).toBe(200)
    expect(page.text).toContain('id="device-table"')
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(markup(page.text)).not.toContain('<img src=x')
    const fragment = await admin.get(`/devices?os=linux&orgId=${orgA}`, { 'hx-request': 'true', 'hx-target': 'device-table' })
    expect(fragment.text).not.toContain('<html')
    expect(fragment.text).toContain('web-01')
    expect(fragment.text).not.toContain('onerror')
  })

  test('the columns chooser is remembered in a cookie', async () => {
    const c = await clientAs('tech@a.example')
    await c.get('/devices')
    const res = await c.form('/devices/columns', { columns: ['status', 'agent', 'bogus'], back: '/devices?os=linux' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/devices?os=linux')
    const page = await c.get('/devices')
    expect(page.text).toContain('<span>Agent</span></a></th>')
    expect(page.text).not.toContain('<th><span>Last user</span></th>')
  })

  test('bulk form: selected rows or all matching devices; a flash says what happened', async () => {
    const tech = await clientAs('tech@a.example')
    await tech.get('/devices')
    const res = await tech.form('/devices/bulk', { action: 'tag', tags: 'Fleet, lab', deviceIds: [d.web], 'filter.os': 'linux' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/devices?os=linux')
    expect((await admin.get(`/api/v1/devices/${d.web}`)).json.tags).toEqual(['fleet', 'lab'])
    expect((await tech.get('/devices?os=linux')).text).toContain('1 of 1 device changed')
    await tech.form('/devices/bulk', { action: 'untag', tags: 'fleet', allMatching: 'true', 'filter.orgId': orgA })
    expect((await admin.get(`/api/v1/devices/${d.web}`)).json.tags).toEqual(['lab'])
    const bad = await tech.form('/devices/bulk', { action: 'tag', tags: '<script>', deviceIds: [d.web] })
    expect(bad.status).toBe(303)
    expect((await tech.get('/devices')).text).toContain('tags')
    expect((await tech.form('/devices/bulk', { action: 'tag', tags: 'x', deviceIds: [d.b] })).status).toBe(303)
    expect((await admin.get(`/api/v1/devices/${d.b}`)).json.tags).toEqual([])
  })
})

describe('device detail pages', () => {
  test('every tab renders, escapes endpoint strings and has the device header', async () => {
    for (const tab of ['', '/hardware', '/software', '/services', '/network', '/processes', '/metrics', '/history']) {
      const res = await admin.get(`/devices/${d.evil}${tab}`)
      expect({ tab, status: res.status }).toEqual({ tab, status: 200 })
      expect(markup(res.text)).not.toContain('<img src=x')
      expect(res.text).toContain('<nav class="tabs"')
    }
    expect((await admin.get(`/devices/${d.evil}/software`)).text).toContain('Installed &lt;img')
    expect((await admin.get(`/devices/${d.evil}/metrics`)).text).toContain('data-url="/api/v1/devices/')
  })

  test('the services tab lists name, display name, state and start type; filters by text and state', async () => {
    const page = await admin.get(`/devices/${d.evil}/services`)
    expect(page.text).toContain('aria-current="page">Services</a>')
    const rows = [...page.text.matchAll(/<tr data-service="[^"]*"><td class="mono small">([^<]*)<\/td><td>([^<]*)<\/td><td><span class="badge ?(\w*)">([^<]*)<\/span><\/td><td class="small">([^<]*)<\/td>/g)].map((m) => m.slice(1))
    expect(rows).toEqual([
      ['&lt;img src=x onerror=alert(1)&gt;', '&lt;img src=x onerror=alert(1)&gt;', 'bad', 'failed', '&lt;img src=x onerror=alert(1)&gt;'],
      ['Spooler', 'Print Spooler', '', 'stopped', 'manual'],
      ['WinDefend', 'Microsoft Defender Antivirus Service', 'ok', 'running', 'auto'],
    ])
    expect(page.text).toContain('<option value="running">running (1)</option>')
    // The table alone for htmx, filtered by display name and by state.
    const byText = await admin.get(`/devices/${d.evil}/services?search=defender`, { 'hx-request': 'true', 'hx-target': 'services-table' })
    expect(byText.text).not.toContain('<html')
    expect([...byText.text.matchAll(/data-service="([^"]*)"/g)].map((m) => m[1])).toEqual(['WinDefend'])
    const byState = await admin.get(`/devices/${d.evil}/services?state=stopped`, { 'hx-request': 'true', 'hx-target': 'services-table' })
    expect([...byState.text.matchAll(/data-service="([^"]*)"/g)].map((m) => m[1])).toEqual(['Spooler'])
    expect((await admin.get(`/devices/${d.evil}/services?search=nothing-like-it`)).text).toContain('No services match')
    expect((await admin.get(`/devices/${d.web}/services`)).text).toContain('No services reported yet')
    // The API takes the same filter; a malformed state is a 400 naming the field.
    expect((await admin.get(`/api/v1/devices/${d.evil}/services?state=running`)).json.data.map((x: { name: string }) => x.name)).toEqual(['WinDefend'])
    const bad = await admin.get(`/api/v1/devices/${d.evil}/services?state=${encodeURIComponent('<x>')}`)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('state')
  })

  test('the overview lists open alerts only when there are some', async () => {
    expect((await admin.get(`/devices/${d.evil}`)).text).not.toContain('Open alerts')
    const now = s.clock.now()
    await s.ctx.db.insert(t.alerts).values({
      id: newId(), partnerId: (await admin.get('/api/v1/orgs')).json.data[0].partnerId, orgId: orgA, siteId: siteA, deviceId: d.evil, ruleId: null, kind: 'device', subject: '',
      status: 'active', severity: 'high', title: 'CPU above 90% for 5 minutes', message: 'cpu', context: {} as never, triggeredAt: now, acknowledgedAt: null, acknowledgedBy: null,
      resolvedAt: null, resolvedBy: null, resolutionNote: null, resolvingValues: null, suppressedUntil: null, suppressReason: null, parentAlertId: null, escalationPolicyId: null,
      escalationStep: 0, nextEscalationAt: null, muted: false, updatedAt: now,
    })
    const page = await admin.get(`/devices/${d.evil}`)
    expect(page.text).toContain('Open alerts')
    expect(page.text).toContain('CPU above 90% for 5 minutes')
  })

  test('processes are asked from the agent on demand; an unconnected device says so', async () => {
    const res = await admin.get(`/devices/${d.evil}/processes/list`)
    expect(res.status).toBe(200)
    expect(res.text).toContain('not connected')
  })

  test('the manage form renames, re-tags and moves; bad input comes back with the field marked', async () => {
    const tech = await clientAs('tech@a.example')
    await tech.get(`/devices/${d.web}`)
    const ok = await tech.form(`/devices/${d.web}`, { displayName: 'Web server', tags: 'web, prod', siteId: siteA2 })
    expect(ok.status).toBe(303)
    const dev = (await admin.get(`/api/v1/devices/${d.web}`)).json
    expect(dev).toMatchObject({ displayName: 'Web server', tags: ['prod', 'web'], siteId: siteA2 })
    const bad = await tech.form(`/devices/${d.web}`, { displayName: 'x', tags: 'ok, <bad>' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('field invalid')
    expect((await admin.get(`/api/v1/devices/${d.web}`)).json.displayName).toBe('Web server')
  })

  test('viewers see no manage form or actions; other orgs\' devices are a 404 page', async () => {
    const viewer = await clientAs('viewer@a.example')
    const page = await viewer.get(`/devices/${d.web}`)
    expect(page.text).not.toContain('Decommission')
    expect(page.text).not.toContain(`action="/devices/${d.web}"`)
    expect((await viewer.form(`/devices/${d.web}/check-in`, {})).status).toBe(403)
    for (const tab of ['', '/software', '/services', '/metrics', '/processes/list']) expect((await viewer.get(`/devices/${d.b}${tab}`)).status).toBe(404)
    expect((await viewer.get(`/api/v1/devices/${d.b}/services`)).status).toBe(404)
  })

  test('check-in queues an inventory refresh for the agent; decommission from the page', async () => {
    await admin.get(`/devices/${d.web}`)
    expect((await admin.form(`/devices/${d.web}/check-in`, {})).status).toBe(303)
    expect((await admin.get(`/devices/${d.web}`)).text).toContain('full inventory')
    expect((await admin.form(`/devices/${d.web}/decommission`, {})).status).toBe(303)
    expect((await admin.get(`/api/v1/devices/${d.web}`)).json.status).toBe('decommissioned')
    expect((await admin.get(`/devices/${d.web}`)).text).toContain('was decommissioned')
  })
})

describe('groups pages', () => {
  test('create a dynamic group with a live rule preview, see its members, edit it', async () => {
    const tech = await clientAs('tech@a.example')
    await tech.get('/groups/new')
    const preview = await tech.form('/groups/preview', { orgId: orgA, rule: 'software contains chrome' })
    expect(preview.text).toContain('Matches <strong>1</strong> device')
    const broken = await tech.form('/groups/preview', { orgId: orgA, rule: 'ram_gb > lots' })
    expect(broken.text).toContain('at position 10')
    const bad = await tech.form('/groups', { orgId: orgA, name: 'Bad', type: 'dynamic', rule: 'os =' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('at position 5')
    const created = await tech.form('/groups', { orgId: orgA, name: 'Chrome', type: 'dynamic', rule: 'software contains chrome', siteId: '', parentId: '' })
    expect(created.status).toBe(303)
    const url = created.headers.get('location')!
    const page = await tech.get(url)
    expect(page.text).toContain('software contains chrome')
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const list = await tech.get('/groups')
    expect(list.text).toContain('Chrome')
    expect((await tech.form(url, { name: 'Chrome users', type: 'dynamic', rule: 'os = linux', siteId: '', parentId: '' })).status).toBe(303)
    expect((await tech.get(url)).text).toContain('Chrome users')
  })

  test('the rule reference lists every field', async () => {
    const res = await admin.get('/groups/rules')
    for (const f of ['ram_gb', 'software', 'tag', 'pending_reboot']) expect(res.text).toContain(`>${f}<`)
  })
})

describe('software inventory and dashboard', () => {
  test('fleet software lists names with device and version counts; detail shows versions and devices', async () => {
    const list = await admin.get(`/software?search=chrome`)
    expect(list.text).toContain('Google Chrome')
    expect(markup(list.text)).not.toContain('<img src=x')
    const detail = await admin.get('/software/detail?name=Google%20Chrome')
    expect(detail.text).toContain('120.0')
    const api = await admin.get('/api/v1/software/versions?name=Google%20Chrome')
    // web-01 (121.0) was decommissioned above: it no longer counts.
    expect(api.json.versions).toEqual([{ version: '120.0', devices: 1 }])
    const viewer = await clientAs('viewer@a.example')
    expect((await viewer.get('/api/v1/software?search=secret')).json.data).toEqual([])
    expect((await viewer.get('/software/detail?name=B%20Secret%20App')).text).not.toContain('b-only-host')
  })

  test('the dashboard at / shows real counts and top consumers; a user without devices gets the empty state', async () => {
    const home = await admin.get('/')
    expect(home.status).toBe(200)
    expect(home.text).toContain('Dashboard')
    expect(home.text).toContain('Operating systems')
    expect(home.text).toContain('97%')
    expect(markup(home.text)).not.toContain('<img src=x')
    const lonely = await makeOrg(s.ctx, (await admin.get('/api/v1/orgs')).json.data[0].partnerId, 'Empty Org')
    await makeUser(s.ctx, 'empty@example.com', 'org_admin', { orgId: lonely.id })
    const empty = await (await clientAs('empty@example.com')).get('/')
    expect(empty.text).toContain('No devices yet')
    expect(empty.text).toContain('href="/devices/add"')
  })
})
