// The devices API: list (filters, sort, offset and cursor pages), detail and inventory,
// rename/tag/move/decommission, bulk actions, CSV export, and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { addChange, makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string, orgB: string, siteA1: string, siteA2: string, siteB: string
const d: Record<string, string> = {}
const events: { deviceId: string; fields: string[] }[] = []

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}
const hostnames = (res: { json: { data: { hostname: string }[] } }) => res.json.data.map((x) => x.hostname)

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  siteA1 = (await makeSite(s.ctx, orgA, 'A HQ')).id
  siteA2 = (await makeSite(s.ctx, orgA, 'A Branch')).id
  siteB = (await makeSite(s.ctx, orgB, 'B HQ')).id
  const now = s.clock.now()
  d.web1 = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA1, hostname: 'web-01', osType: 'linux', cpuPercent: 91, tags: ['servers', 'web'], lastSeenAt: now - 1000, software: [{ name: 'nginx', version: '1.24.0', publisher: 'nginx' }, { name: 'OpenSSL', version: '3.0.13' }] })).id
  d.web2 = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA1, hostname: 'web-02', osType: 'linux', cpuPercent: 15, tags: ['servers', 'web'], status: 'offline', lastSeenAt: now - 3600_000, software: [{ name: 'nginx', version: '1.22.1' }] })).id
  d.desk = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA2, hostname: 'DESKTOP-ACC1', displayName: 'Accounting PC', osType: 'windows', cpuPercent: 40, lastUser: 'alice', ip: '192.168.7.20', software: [{ name: 'Google Chrome', version: '120.0.6099.110', publisher: 'Google LLC' }] })).id
  d.mac = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA2, hostname: 'mbp-ceo', osType: 'macos', cpuPercent: null })).id
  d.old = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA1, hostname: 'retired-01', status: 'decommissioned', decommissionedAt: now })).id
  d.b = (await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: 'b-secret-host' })).id
  await addChange(s.ctx, d.desk, { at: now - 5000, kind: 'software', action: 'installed', summary: 'Installed Google Chrome 120.0.6099.110', details: { name: 'Google Chrome', version: '120.0.6099.110' } })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'branch@a.example', 'org_technician', { orgId: orgA, siteIds: [siteA2] })
  await makeUser(s.ctx, 'admin@b.example', 'org_admin', { orgId: orgB })
  admin = await clientAs(a.email)
  s.ctx.events.on('device.updated', (e) => { events.push({ deviceId: e.deviceId, fields: e.fields }) })
})
afterAll(() => s.stop())

describe('device list', () => {
  test('lists visible devices sorted by name, hiding decommissioned ones, with site and org names', async () => {
    const res = await admin.get(`/api/v1/devices?orgId=${orgA}`)
    expect(res.status).toBe(200)
    expect(hostnames(res)).toEqual(['DESKTOP-ACC1', 'mbp-ceo', 'web-01', 'web-02'])
    expect(res.json.pagination).toMatchObject({ page: 1, perPage: 50, total: 4, nextCursor: null })
    const desk = res.json.data[0]
    expect(desk).toMatchObject({ displayName: 'Accounting PC', siteName: 'A Branch', orgName: 'Org A' })
    expect(desk.agentSecretHash).toBeUndefined()
  })

  test('filters: site, OS, status, tag, search (name, user, IP), decommissioned by status', async () => {
    expect(hostnames(await admin.get(`/api/v1/devices?siteId=${siteA1}`))).toEqual(['web-01', 'web-02'])
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}&os=windows`))).toEqual(['DESKTOP-ACC1'])
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}&status=offline`))).toEqual(['web-02'])
    expect(hostnames(await admin.get('/api/v1/devices?tag=WEB'))).toEqual(['web-01', 'web-02'])
    expect(hostnames(await admin.get('/api/v1/devices?search=accounting'))).toEqual(['DESKTOP-ACC1'])
    expect(hostnames(await admin.get('/api/v1/devices?search=alice'))).toEqual(['DESKTOP-ACC1'])
    expect(hostnames(await admin.get('/api/v1/devices?search=192.168.7'))).toEqual(['DESKTOP-ACC1'])
    expect(hostnames(await admin.get('/api/v1/devices?status=decommissioned'))).toEqual(['retired-01'])
    expect(hostnames(await admin.get('/api/v1/devices?search=100%25'))).toEqual([])
  })

  test('sorts (nulls last when descending) and pages by offset and by cursor', async () => {
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}&sort=cpu`))).toEqual(['web-01', 'DESKTOP-ACC1', 'web-02', 'mbp-ceo'])
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}&sort=cpu&order=asc`))).toEqual(['mbp-ceo', 'web-02', 'DESKTOP-ACC1', 'web-01'])
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}&perPage=3&page=2`))).toEqual(['web-02'])
    const seen: string[] = []
    let cursor = ''
    for (let i = 0; i < 5; i++) {
      const res = await admin.get(`/api/v1/devices?orgId=${orgA}&sort=cpu&perPage=1${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...hostnames(res))
      if (!res.json.pagination.nextCursor) break
      cursor = res.json.pagination.nextCursor
    }
    expect(seen).toEqual(['web-01', 'DESKTOP-ACC1', 'web-02', 'mbp-ceo'])
    const bad = await admin.get(`/api/v1/devices?sort=name&cursor=${cursor}`)
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('cursor')
  })

  test('bad query values are a 400 naming the field', async () => {
    for (const [q, field] of [['os=solaris', 'os'], ['sort=colour', 'sort'], ['status=gone', 'status']]) {
      const res = await admin.get(`/api/v1/devices?${q}`)
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
    }
    expect((await admin.get('/api/v1/devices?perPage=0')).status).toBe(400)
  })

  test('CSV export: the chosen columns of every matching device, formula injection defused', async () => {
    await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: '=HYPERLINK("http://evil")' })
    const csv = await admin.get(`/api/v1/devices/export?orgId=${orgA}&columns=name,status,site,tags`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toStartWith('text/csv')
    expect(csv.text.split('\r\n')).toEqual(['Name,Status,Site,Tags', 'Accounting PC,online,A Branch,', 'mbp-ceo,online,A Branch,', 'web-01,online,A HQ,servers web', 'web-02,offline,A HQ,servers web', ''])
    const evil = await admin.get(`/api/v1/devices/export?orgId=${orgB}&columns=name`)
    expect(evil.text).toContain(`"'=HYPERLINK(""http://evil"")"`)
  })
})

describe('one device', () => {
  test('detail, hardware, software (searchable), network and change history', async () => {
    const dev = await admin.get(`/api/v1/devices/${d.desk}`)
    expect(dev.json).toMatchObject({ hostname: 'DESKTOP-ACC1', osType: 'windows', status: 'online' })
    const hw = await admin.get(`/api/v1/devices/${d.desk}/hardware`)
    expect(hw.json.hardware).toMatchObject({ ramTotalMb: 16384, cpuCores: 8 })
    expect(hw.json.disks[0]).toMatchObject({ mount: 'C:', fsType: 'NTFS' })
    expect((await admin.get(`/api/v1/devices/${d.web1}/software?search=ssl`)).json.data.map((x: { name: string }) => x.name)).toEqual(['OpenSSL'])
    expect((await admin.get(`/api/v1/devices/${d.desk}/network`)).json.data[0]).toMatchObject({ ipAddress: '192.168.7.20', isPrimary: true })
    expect((await admin.get(`/api/v1/devices/${d.desk}/changes`)).json.data[0]).toMatchObject({ kind: 'software', summary: 'Installed Google Chrome 120.0.6099.110' })
  })

  test('rename, tag (normalised), move within the org; each is audited, recorded and announced', async () => {
    const tech = await clientAs('tech@a.example')
    const res = await tech.patch(`/api/v1/devices/${d.mac}`, { displayName: '  CEO laptop ', tags: ['VIP', 'laptops', 'vip'], siteId: siteA1 })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ displayName: 'CEO laptop', tags: ['laptops', 'vip'], siteId: siteA1 })
    await s.ctx.events.settle()
    expect(events.find((e) => e.deviceId === d.mac)?.fields.sort()).toEqual(['displayName', 'siteId', 'tags'])
    const changes = (await admin.get(`/api/v1/devices/${d.mac}/changes?kind=admin`)).json.data.map((c: { summary: string }) => c.summary)
    expect(changes).toEqual(expect.arrayContaining(['Renamed to "CEO laptop"', 'Tags set to laptops, vip', 'Moved to site "A HQ"']))
    const audit = await admin.get('/api/v1/audit/logs?action=device.update')
    expect(audit.json.data[0]).toMatchObject({ actorEmail: 'tech@a.example', resourceId: d.mac })
    // Clearing the display name goes back to the hostname.
    expect((await tech.patch(`/api/v1/devices/${d.mac}`, { displayName: '' })).json.displayName).toBeNull()
  })

  test('invalid updates are a 400 naming the field and change nothing', async () => {
    const before = (await admin.get(`/api/v1/devices/${d.web1}`)).json
    for (const [body, field] of [[{ tags: ['<b>'] }, 'tags/0'], [{ siteId: siteB }, 'siteId'], [{ displayName: 'x'.repeat(201) }, 'displayName']] as const) {
      const res = await admin.patch(`/api/v1/devices/${d.web1}`, body)
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
    }
    expect((await admin.get(`/api/v1/devices/${d.web1}`)).json).toEqual(before)
  })

  test('decommission needs devices:delete; it leaves lists, counts and targets and announces device.updated', async () => {
    const tech = await clientAs('tech@a.example')
    expect((await tech.delete(`/api/v1/devices/${d.web2}`)).status).toBe(403)
    const res = await admin.delete(`/api/v1/devices/${d.web2}`)
    expect(res.json).toMatchObject({ status: 'decommissioned' })
    await s.ctx.events.settle()
    expect(events.some((e) => e.deviceId === d.web2 && e.fields.includes('status'))).toBe(true)
    expect(hostnames(await admin.get(`/api/v1/devices?orgId=${orgA}`))).not.toContain('web-02')
    expect((await admin.patch(`/api/v1/devices/${d.web2}`, { displayName: 'zombie' })).status).toBe(400)
    expect((await admin.get(`/api/v1/devices/${d.web2}`)).json.status).toBe('decommissioned')
  })
})

describe('bulk actions', () => {
  test('tag and untag a selection; move a site\'s devices; all-or-nothing on foreign devices', async () => {
    const tech = await clientAs('tech@a.example')
    const tag = await tech.post('/api/v1/devices/bulk', { action: 'tag', deviceIds: [d.web1, d.desk], tags: ['Patched'] })
    expect(tag.json).toEqual({ action: 'tag', matched: 2, changed: 2 })
    expect((await admin.get(`/api/v1/devices/${d.desk}`)).json.tags).toEqual(['patched'])
    expect((await tech.post('/api/v1/devices/bulk', { action: 'untag', siteIds: [siteA1], tags: ['patched', 'web'] })).json).toMatchObject({ changed: 1 })
    expect((await admin.get(`/api/v1/devices/${d.web1}`)).json.tags).toEqual(['servers'])
    const foreign = await tech.post('/api/v1/devices/bulk', { action: 'tag', deviceIds: [d.web1, d.b], tags: ['x'] })
    expect(foreign.status).toBe(404)
    expect((await admin.get(`/api/v1/devices/${d.web1}`)).json.tags).toEqual(['servers'])
    const move = await tech.post('/api/v1/devices/bulk', { action: 'move', siteIds: [siteA2], siteId: siteA1 })
    expect(move.json).toMatchObject({ matched: 1, changed: 1 })
    expect(hostnames(await admin.get(`/api/v1/devices?siteId=${siteA2}`))).toEqual([])
    expect((await tech.post('/api/v1/devices/bulk', { action: 'move', deviceIds: [d.web1], siteId: siteB })).json.error.details.field).toBe('siteId')
    expect((await tech.post('/api/v1/devices/bulk', { action: 'tag', deviceIds: [d.web1] })).json.error.details.field).toBe('tags')
    expect((await tech.post('/api/v1/devices/bulk', { action: 'tag', tags: ['x'] })).json.error.details.field).toBe('deviceIds')
    expect((await tech.post('/api/v1/devices/bulk', { action: 'decommission', deviceIds: [d.web1] })).status).toBe(404)
  })
})

describe('tenant isolation and roles', () => {
  test('org B\'s devices answer 404 everywhere for org A users, and are absent from lists and exports', async () => {
    for (const email of ['tech@a.example', 'viewer@a.example']) {
      const c = await clientAs(email)
      for (const path of ['', '/hardware', '/software', '/network', '/services', '/changes', '/metrics']) {
        expect({ path, status: (await c.get(`/api/v1/devices/${d.b}${path}`)).status }).toEqual({ path, status: 404 })
      }
      expect((await c.patch(`/api/v1/devices/${d.b}`, { displayName: 'hijack' })).status).toBe(404)
      expect((await c.delete(`/api/v1/devices/${d.b}`)).status).toBe(404)
      const list = await c.get('/api/v1/devices?perPage=500')
      expect(list.json.data.every((x: { orgId: string }) => x.orgId === orgA)).toBe(true)
      expect((await c.get(`/api/v1/devices?orgId=${orgB}`)).json.pagination.total).toBe(0)
      expect((await c.get('/api/v1/devices/export')).text).not.toContain('b-secret-host')
    }
    const b = await clientAs('admin@b.example')
    expect(hostnames(await b.get('/api/v1/devices'))).not.toContain('web-01')
  })

  test('a site-limited member sees and changes only its site\'s devices', async () => {
    const branch = await clientAs('branch@a.example')
    await admin.patch(`/api/v1/devices/${d.desk}`, { siteId: siteA2 })
    expect(hostnames(await branch.get('/api/v1/devices'))).toEqual(['DESKTOP-ACC1'])
    expect((await branch.get(`/api/v1/devices/${d.web1}`)).status).toBe(404)
    expect((await branch.patch(`/api/v1/devices/${d.desk}`, { siteId: siteA1 })).json.error.details.field).toBe('siteId')
    expect((await branch.post('/api/v1/devices/bulk', { action: 'tag', siteIds: [siteA1], tags: ['x'] })).status).toBe(404)
  })

  test('viewers read but cannot change; anonymous callers get 401', async () => {
    const viewer = await clientAs('viewer@a.example')
    expect((await viewer.get(`/api/v1/devices/${d.web1}`)).status).toBe(200)
    expect((await viewer.patch(`/api/v1/devices/${d.web1}`, { displayName: 'nope' })).status).toBe(403)
    expect((await viewer.post('/api/v1/devices/bulk', { action: 'tag', deviceIds: [d.web1], tags: ['x'] })).status).toBe(404)
    const anon = s.client()
    expect((await anon.get('/api/v1/devices')).status).toBe(401)
    expect((await anon.get(`/api/v1/devices/${d.web1}`)).status).toBe(401)
  })
})
