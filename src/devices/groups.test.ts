// Device groups: static and dynamic, nesting, rules evaluated in SQL on both databases,
// membership kept current from device events, and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'
import { groupEvalDelayMs } from './group-eval'
import { matchingDeviceIds } from './rules-repo'
import { parseRule } from './rules'

let s: TestServer
let admin: TestClient
let orgA: string, orgB: string, hq: string, branch: string, siteB: string
const d: Record<string, string> = {}

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}
const memberNames = async (c: TestClient, id: string) => (await c.get(`/api/v1/device-groups/${id}/members?perPage=500`)).json.data.map((x: { hostname: string }) => x.hostname).sort()
/** runGroupJobs moves time past the debounce and runs what is due (the evaluation job). */
async function runGroupJobs() {
  await s.ctx.events.settle()
  s.clock.advance(groupEvalDelayMs + 1)
  await s.ctx.jobs.runDue()
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  hq = (await makeSite(s.ctx, orgA, 'Headquarters')).id
  branch = (await makeSite(s.ctx, orgA, 'Branch')).id
  siteB = (await makeSite(s.ctx, orgB, 'B site')).id
  d.winBig = (await makeDevice(s.ctx, { orgId: orgA, siteId: hq, hostname: 'WIN-BIG', osType: 'windows', tags: ['servers'], hardware: { ramTotalMb: 32768, cpuCores: 16 }, software: [{ name: 'Google Chrome', version: '120.0', publisher: 'Google LLC' }] })).id
  d.winSmall = (await makeDevice(s.ctx, { orgId: orgA, siteId: hq, hostname: 'WIN-SMALL', osType: 'windows', tags: ['servers'], hardware: { ramTotalMb: 8192 }, software: [{ name: 'Google Chrome', version: '119.0' }] })).id
  d.winNoChrome = (await makeDevice(s.ctx, { orgId: orgA, siteId: branch, hostname: 'WIN-BRANCH', osType: 'windows', tags: ['servers'], hardware: { ramTotalMb: 16384, serialNumber: null }, lastUser: null, cpuPercent: 95 })).id
  d.linux = (await makeDevice(s.ctx, { orgId: orgA, siteId: branch, hostname: 'nas-01', osType: 'linux', tags: ['storage'], pendingReboot: true, ip: '10.20.0.5', hardware: { ramTotalMb: 65536, manufacturer: 'Synology' } })).id
  d.mac = (await makeDevice(s.ctx, { orgId: orgA, siteId: hq, hostname: 'mbp-design', displayName: 'Design Mac', osType: 'macos', status: 'offline' })).id
  d.retired = (await makeDevice(s.ctx, { orgId: orgA, siteId: hq, hostname: 'WIN-RETIRED', osType: 'windows', tags: ['servers'], status: 'decommissioned', hardware: { ramTotalMb: 32768 }, software: [{ name: 'Google Chrome' }] })).id
  d.b = (await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: 'B-WIN', osType: 'windows', tags: ['servers'], hardware: { ramTotalMb: 32768 }, software: [{ name: 'Google Chrome' }] })).id
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'branch@a.example', 'org_technician', { orgId: orgA, siteIds: [branch] })
  await makeUser(s.ctx, 'admin@b.example', 'org_admin', { orgId: orgB })
  admin = await clientAs(a.email)
})
afterAll(() => s.stop())

describe('rules evaluated by the database', () => {
  const names = async (rule: string) => {
    const ids = await matchingDeviceIds(s.ctx.db, parseRule(rule), { orgId: orgA })
    const byId = Object.fromEntries(Object.entries(d).map(([k, v]) => [v, k]))
    return ids.map((id) => byId[id]).sort()
  }

  test('the issue\'s example: os, ram_gb, tag and software; decommissioned and other orgs never match', async () => {
    expect(await names('os = windows AND ram_gb > 8 AND tag = servers AND software contains "Chrome"')).toEqual(['winBig'])
  })

  test('every field and operator', async () => {
    expect(await names('os != windows')).toEqual(['linux', 'mac'])
    expect(await names('os in (linux, macos)')).toEqual(['linux', 'mac'])
    expect(await names('ram_gb >= 16 AND ram_gb < 64')).toEqual(['mac', 'winBig', 'winNoChrome'])
    expect(await names('ram_gb = 64')).toEqual(['linux'])
    expect(await names('cpu_cores > 8')).toEqual(['winBig'])
    expect(await names('software = "google chrome"')).toEqual(['winBig', 'winSmall'])
    expect(await names('software startswith goo AND NOT software endswith "120.0"')).toEqual(['winBig', 'winSmall'])
    expect(await names('publisher contains google')).toEqual(['winBig'])
    expect(await names('tag != servers')).toEqual(['linux', 'mac'])
    expect(await names('tag in (storage, nothing)')).toEqual(['linux'])
    expect(await names('site = branch')).toEqual(['linux', 'winNoChrome'])
    expect(await names('site contains quarter')).toEqual(['mac', 'winBig', 'winSmall'])
    expect(await names('hostname startswith win- AND hostname endswith ALL')).toEqual(['winSmall'])
    expect(await names('name = "design mac"')).toEqual(['mac'])
    expect(await names('status = offline')).toEqual(['mac'])
    expect(await names('cpu_percent > 90')).toEqual(['winNoChrome'])
    expect(await names('pending_reboot = true')).toEqual(['linux'])
    expect(await names('ip startswith 10.20.')).toEqual(['linux'])
    expect(await names('manufacturer = synology')).toEqual(['linux'])
    expect(await names('os_version contains ubuntu')).toEqual(['linux'])
    expect(await names('arch = arm64')).toEqual(['mac'])
    expect(await names('agent_version = 0.1.0 AND os = macos')).toEqual(['mac'])
    expect(await names('disk_gb >= 512 AND os = linux')).toEqual(['linux'])
    expect(await names('cpu_model contains "Apple M1"')).toEqual(['mac'])
  })

  test('NOT and != include devices where the fact is unknown (no NULL surprises)', async () => {
    expect(await names('serial != anything AND os = windows')).toEqual(['winBig', 'winNoChrome', 'winSmall'])
    expect(await names('NOT last_user = jdoe')).toEqual(['linux', 'winNoChrome'])
    expect(await names('last_user = jdoe')).toEqual(['mac', 'winBig', 'winSmall'])
    expect(await names('NOT (os = windows OR os = linux)')).toEqual(['mac'])
    expect(await names('software contains "100%"')).toEqual([])
  })
})

describe('device groups API', () => {
  let servers: string
  let bigServers: string

  test('a dynamic group gets its members from the rule at once; a bad rule is a 400 naming the position', async () => {
    const tech = await clientAs('tech@a.example')
    const bad = await tech.post('/api/v1/device-groups', { orgId: orgA, name: 'Broken', type: 'dynamic', rule: 'os = windows AND ram_gb > lots' })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ details: { field: 'rule' }, message: 'at position 27: ram_gb is a number; "lots" is not one' })
    expect((await tech.get('/api/v1/device-groups')).json.data).toEqual([])
    const res = await tech.post('/api/v1/device-groups', { orgId: orgA, name: 'Windows servers', type: 'dynamic', rule: 'os = windows AND tag = servers' })
    expect(res.status).toBe(201)
    servers = res.json.id
    expect(await memberNames(tech, servers)).toEqual(['WIN-BIG', 'WIN-BRANCH', 'WIN-SMALL'])
    const list = (await tech.get('/api/v1/device-groups')).json.data
    expect(list).toEqual([expect.objectContaining({ name: 'Windows servers', type: 'dynamic', ruleText: 'os = windows AND tag = servers', memberCount: 3 })])
    expect((await tech.post('/api/v1/device-groups', { orgId: orgA, name: 'windows SERVERS', type: 'static' })).status).toBe(409)
  })

  test('rule preview counts matches without saving', async () => {
    const res = await admin.post('/api/v1/device-groups/preview', { orgId: orgA, rule: 'software contains chrome' })
    expect(res.json.count).toBe(2)
    expect(res.json.sample.map((x: { name: string }) => x.name).sort()).toEqual(['WIN-BIG', 'WIN-SMALL'])
    expect((await admin.post('/api/v1/device-groups/preview', { orgId: orgA, rule: 'os =' })).json.error.message).toContain('position 5')
  })

  test('nested groups: a parent\'s members include its subgroups\' for lists and targets; no cycles', async () => {
    const child = await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Big servers', type: 'dynamic', rule: 'ram_gb >= 32', parentId: servers })
    expect(child.status).toBe(201)
    bigServers = child.json.id
    const parent = await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Everything', type: 'static' })
    expect((await admin.patch(`/api/v1/device-groups/${servers}`, { parentId: parent.json.id })).status).toBe(200)
    expect(await memberNames(admin, parent.json.id)).toEqual(['WIN-BIG', 'WIN-BRANCH', 'WIN-SMALL', 'nas-01'])
    const cycle = await admin.patch(`/api/v1/device-groups/${parent.json.id}`, { parentId: bigServers })
    expect(cycle.status).toBe(400)
    expect(cycle.json.error.details.field).toBe('parentId')
    // Deleting a middle group moves its children up.
    expect((await admin.delete(`/api/v1/device-groups/${servers}`)).status).toBe(200)
    expect((await admin.get(`/api/v1/device-groups/${bigServers}`)).json.parentId).toBe(parent.json.id)
    servers = (await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Windows servers', type: 'dynamic', rule: 'os = windows AND tag = servers' })).json.id
  })

  test('static groups: add and remove members; dynamic groups refuse manual members; devices must fit the group', async () => {
    const tech = await clientAs('tech@a.example')
    const group = (await tech.post('/api/v1/device-groups', { orgId: orgA, name: 'VIP', type: 'static', siteId: hq })).json
    expect((await tech.post(`/api/v1/device-groups/${group.id}/members`, { deviceIds: [d.winBig, d.mac] })).json).toEqual({ added: 2 })
    expect((await tech.post(`/api/v1/device-groups/${group.id}/members`, { deviceIds: [d.winBig] })).json).toEqual({ added: 0 })
    expect(await memberNames(tech, group.id)).toEqual(['WIN-BIG', 'mbp-design'])
    const wrongSite = await tech.post(`/api/v1/device-groups/${group.id}/members`, { deviceIds: [d.linux] })
    expect(wrongSite.status).toBe(400)
    expect((await tech.post(`/api/v1/device-groups/${group.id}/members`, { deviceIds: [d.b] })).status).toBe(404)
    expect((await tech.post(`/api/v1/device-groups/${servers}/members`, { deviceIds: [d.mac] })).status).toBe(409)
    expect((await tech.request('DELETE', `/api/v1/device-groups/${group.id}/members`, { json: { deviceIds: [d.mac] } })).json).toEqual({ removed: 1 })
    expect(await memberNames(tech, group.id)).toEqual(['WIN-BIG'])
    // Moving a device to another site drops it from groups bound to its old site.
    await tech.patch(`/api/v1/devices/${d.winBig}`, { siteId: branch })
    expect(await memberNames(tech, group.id)).toEqual([])
    await tech.patch(`/api/v1/devices/${d.winBig}`, { siteId: hq })
    // Bulk: add a site's devices to a group.
    expect((await tech.post('/api/v1/devices/bulk', { action: 'addToGroup', groupId: group.id, siteIds: [hq] })).json).toMatchObject({ changed: 3 })
  })

  test('membership follows device changes: software, tags, hardware, status (debounced, via the job runner)', async () => {
    const chrome = (await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Chrome users', type: 'dynamic', rule: 'software contains chrome' })).json.id
    const offline = (await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Offline', type: 'dynamic', rule: 'status = offline' })).json.id
    expect(await memberNames(admin, chrome)).toEqual(['WIN-BIG', 'WIN-SMALL'])
    // The agent reports Chrome installed on nas-01 (what inventory ingestion writes and announces).
    await s.ctx.db.insert(t.deviceSoftware).values({ id: newId(), deviceId: d.linux, name: 'Chrome Remote Desktop', version: '121', publisher: null, installDate: null, installLocation: null, source: 'dpkg', updatedAt: s.clock.now() })
    s.ctx.events.emit('software.changed', { deviceId: d.linux, orgId: orgA, installed: [{ name: 'Chrome Remote Desktop', version: '121' }], removed: [], updated: [] })
    await s.ctx.events.settle()
    expect(await memberNames(admin, chrome)).toEqual(['WIN-BIG', 'WIN-SMALL']) // not yet: debounced
    await runGroupJobs()
    expect(await memberNames(admin, chrome)).toEqual(['WIN-BIG', 'WIN-SMALL', 'nas-01'])
    // A tag change through the API re-evaluates too.
    await admin.patch(`/api/v1/devices/${d.mac}`, { tags: ['servers'] })
    await runGroupJobs()
    expect(await memberNames(admin, servers)).toEqual(['WIN-BIG', 'WIN-BRANCH', 'WIN-SMALL'])
    // Status: the device went offline (what the agents runtime writes and announces).
    await s.ctx.db.update(t.devices).set({ status: 'offline' }).where(eq(t.devices.id, d.winSmall))
    s.ctx.events.emit('device.offline', { deviceId: d.winSmall, orgId: orgA, lastSeenAt: s.clock.now() })
    await runGroupJobs()
    expect(await memberNames(admin, offline)).toEqual(['WIN-SMALL', 'mbp-design'])
    // Decommissioned devices leave dynamic groups.
    await admin.delete(`/api/v1/devices/${d.winSmall}`)
    await runGroupJobs()
    expect(await memberNames(admin, offline)).toEqual(['mbp-design'])
    expect((await s.ctx.db.select().from(t.deviceGroupMembers).where(eq(t.deviceGroupMembers.groupId, offline))).map((m) => m.addedBy)).toEqual(['dynamic_rule'])
  })

  test('a heartbeat re-evaluates only rules about live state', async () => {
    const hot = (await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Hot', type: 'dynamic', rule: 'cpu_percent > 80' })).json.id
    const chrome = (await admin.get('/api/v1/device-groups?search=chrome')).json.data[0].id
    expect(await memberNames(admin, hot)).toEqual(['WIN-BRANCH'])
    await s.ctx.db.update(t.devices).set({ cpuPercent: 99 }).where(eq(t.devices.id, d.winBig))
    // Chrome vanished from nas-01 without an inventory event: a heartbeat must not notice it.
    await s.ctx.db.delete(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, d.linux))
    const metrics = { cpuPercent: 99, ramPercent: 50, diskPercent: 50, volumes: {}, netInBytes: 0, netOutBytes: 0, processCount: 100, pendingReboot: false, custom: {} }
    s.ctx.events.emit('heartbeat.received', { deviceId: d.winBig, orgId: orgA, at: s.clock.now(), metrics })
    s.ctx.events.emit('heartbeat.received', { deviceId: d.linux, orgId: orgA, at: s.clock.now(), metrics })
    await runGroupJobs()
    expect(await memberNames(admin, hot)).toEqual(['WIN-BIG', 'WIN-BRANCH'])
    expect(await memberNames(admin, chrome)).toContain('nas-01')
    // The periodic sweep catches up with everything.
    s.clock.advance(15 * 60_000)
    await s.ctx.jobs.runDue()
    expect(await memberNames(admin, chrome)).not.toContain('nas-01')
  })
})

describe('groups: permissions and isolation', () => {
  test('org B\'s groups answer 404 to org A users and are never listed; creating in org B is a 404', async () => {
    const b = await clientAs('admin@b.example')
    const bGroup = (await b.post('/api/v1/device-groups', { orgId: orgB, name: 'B servers', type: 'dynamic', rule: 'tag = servers' })).json.id
    expect(await memberNames(b, bGroup)).toEqual(['B-WIN'])
    const a = await clientAs('tech@a.example')
    for (const [method, path] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['GET', '/members'], ['POST', '/members'], ['DELETE', '/members']]) {
      const res = await a.request(method, `/api/v1/device-groups/${bGroup}${path}`, method === 'GET' ? {} : { json: method === 'PATCH' ? { name: 'x' } : { deviceIds: [d.winBig] } })
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 })
    }
    expect((await a.get('/api/v1/device-groups')).json.data.map((g: { orgId: string }) => g.orgId).every((o: string) => o === orgA)).toBe(true)
    expect((await a.post('/api/v1/device-groups', { orgId: orgB, name: 'Intruder', type: 'static' })).status).toBe(404)
    expect((await a.post('/api/v1/device-groups/preview', { orgId: orgB, rule: 'os = windows' })).status).toBe(404)
    // Org A's groups never contain org B's devices, whatever the rule.
    const all = (await a.post('/api/v1/device-groups', { orgId: orgA, name: 'All windows', type: 'dynamic', rule: 'os = windows' })).json.id
    expect(await memberNames(a, all)).not.toContain('B-WIN')
  })

  test('viewers read groups but cannot change them; site-limited members manage groups of their site only', async () => {
    const viewer = await clientAs('viewer@a.example')
    expect((await viewer.get('/api/v1/device-groups')).status).toBe(200)
    expect((await viewer.post('/api/v1/device-groups', { orgId: orgA, name: 'Nope', type: 'static' })).status).toBe(403)
    const limited = await clientAs('branch@a.example')
    const orgWide = await limited.post('/api/v1/device-groups', { orgId: orgA, name: 'Org wide', type: 'static' })
    expect(orgWide.status).toBe(400)
    expect(orgWide.json.error.details.field).toBe('siteId')
    const mine = await limited.post('/api/v1/device-groups', { orgId: orgA, siteId: branch, name: 'Branch storage', type: 'dynamic', rule: 'os = linux' })
    expect(mine.status).toBe(201)
    expect(await memberNames(limited, mine.json.id)).toEqual(['nas-01'])
    const hqGroup = (await admin.get('/api/v1/device-groups?search=vip')).json.data[0].id
    expect((await limited.get(`/api/v1/device-groups/${hqGroup}`)).status).toBe(404)
    // An org-wide group is visible, but lists only the member's own devices.
    const servers = (await admin.get('/api/v1/device-groups?search=windows servers')).json.data[0].id
    expect(await memberNames(limited, servers)).toEqual(['WIN-BRANCH'])
  })
})
