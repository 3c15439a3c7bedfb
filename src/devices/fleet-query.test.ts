// Fleet queries: the rule language over software with real version ordering (dpkg, rpm,
// Windows, semver), software.* conditions describing one package, custom fields, errors that
// name the position, tenancy, saved queries, CSV, "make this a group" — and the same query on
// the real inventory the compiled agent reports from this Debian machine.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
const ids: Record<string, string> = {}

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  ids.orgA = (await makeOrg(s.ctx, a.partnerId, 'Query A')).id
  ids.orgB = (await makeOrg(s.ctx, a.partnerId, 'Query B')).id
  const siteA = (await makeSite(s.ctx, ids.orgA, 'A HQ')).id
  const siteB = (await makeSite(s.ctx, ids.orgB, 'B HQ')).id
  const ssl = (version: string, source: string) => [{ name: 'openssl', version, source }]
  const rows = await makeDevices(s.ctx, [
    { orgId: ids.orgA, siteId: siteA, hostname: 'deb-old', osType: 'linux', software: ssl('3.0.2-0ubuntu1.15', 'dpkg') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'deb-backport', osType: 'linux', software: ssl('3.0.13-1~deb12u1', 'dpkg') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'deb-new', osType: 'linux', software: ssl('3.0.13-1', 'dpkg') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'rhel', osType: 'linux', software: ssl('1:3.0.7-27.el9', 'rpm') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'rhel-noepoch', osType: 'linux', software: ssl('3.0.7-27.el9', 'rpm') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'win', osType: 'windows', software: ssl('3.1.4', 'registry') },
    { orgId: ids.orgA, siteId: siteA, hostname: 'mac', osType: 'macos', software: ssl('3.0.12', 'app') },
    // Two packages: neither is "openssl older than 3.0.13" on its own.
    { orgId: ids.orgA, siteId: siteA, hostname: 'mixed', osType: 'linux', software: [{ name: 'openssl', version: '3.2.0', source: 'dpkg' }, { name: 'libssl', version: '1.0.0', source: 'dpkg' }] },
    { orgId: ids.orgB, siteId: siteB, hostname: 'other-tenant', osType: 'linux', software: ssl('1.0.2', 'dpkg') },
  ])
  for (const r of rows) ids[r.hostname] = r.id
  await s.ctx.db.insert(t.deviceCustomFields).values({ id: newId(), deviceId: ids.win, orgId: ids.orgA, name: 'warranty', value: 'expired', updatedAt: s.clock.now(), updatedByRun: null })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: ids.orgA })
  admin = s.client()
  await admin.login(a.email, testPassword)
})
afterAll(async () => { await stopTestAgents(); await s.stop() })

/** hosts: the hostnames a query finds (in org A unless `extra` says otherwise). */
const hosts = async (c: TestClient, q: string, extra = `&orgId=${ids.orgA}`) => {
  const r = await c.get(`/api/v1/inventory/query?q=${encodeURIComponent(q)}${extra}`)
  expect(r.status).toBe(200)
  return (r.json.data as { hostname: string }[]).map((d) => d.hostname).sort()
}

describe('fleet query language', () => {
  test.each([
    ['software.name = "openssl" AND software.version < "3.0.13"', ['deb-old', 'mac', 'rhel-noepoch']],
    ['software.name = openssl AND software.version >= 3.0.13', ['deb-backport', 'deb-new', 'mixed', 'rhel', 'win']],
    ['software.name = openssl AND software.version = "3.0.13-1"', ['deb-new']],
    ['software.name = openssl AND software.version IN ("3.1.4", "3.0.12")', ['mac', 'win']],
    ['software.name = openssl AND software.source = rpm', ['rhel', 'rhel-noepoch']],
    ['software.name != libssl AND hostname startswith "deb"', ['deb-backport', 'deb-new', 'deb-old']],
    ['custom.warranty = expired', ['win']],
    ['os.family = windows OR hardware.ram_gb > 100000', ['win']],
    ['software.version < "3.0.13" AND software.name = openssl AND NOT os = macos', ['deb-old', 'rhel-noepoch']],
  ])('%s', async (q, want) => {
    expect(await hosts(admin, q)).toEqual(want)
  })

  test('matched packages come with each device', async () => {
    const r = await admin.get(`/api/v1/inventory/query?q=${encodeURIComponent('software.name = openssl AND software.version < 3.0.13')}`)
    const mac = r.json.data.find((d: { hostname: string }) => d.hostname === 'mac')
    expect(mac.packages).toEqual([{ name: 'openssl', version: '3.0.12', source: 'app', publisher: null }])
  })

  test('a mistake answers 400 naming q and the position; nothing else is read', async () => {
    const r = await admin.get(`/api/v1/inventory/query?q=${encodeURIComponent('software.version << 3')}`)
    expect(r.status).toBe(400)
    expect(r.json.error.details.field).toBe('q')
    expect(r.json.error.message).toContain('position 19')
    expect((await admin.get('/api/v1/inventory/query')).status).toBe(400)
    expect((await admin.get(`/api/v1/inventory/query?q=${encodeURIComponent('custom. = x')}`)).json.error.message).toContain('custom field')
  })

  test('only the caller\'s devices: another organization never shows', async () => {
    const tech = s.client()
    await tech.login('tech@a.example', testPassword)
    expect(await hosts(tech, 'software.name = openssl AND software.version < 1.1', '')).toEqual([])
    expect(await hosts(admin, 'software.name = openssl AND software.version < 1.1', '')).toEqual(['other-tenant'])
    expect(await hosts(admin, 'software.name = openssl', `&orgId=${ids.orgB}`)).toEqual(['other-tenant'])
    expect((await s.client().get('/api/v1/inventory/query?q=os%3Dlinux')).status).toBe(401)
  })

  test('saved queries, CSV and the device list page', async () => {
    const q = 'software.name = openssl AND software.version < "3.0.13"'
    expect((await admin.post('/api/v1/inventory/queries', { name: 'Old OpenSSL', q: 'software.version <' })).status).toBe(400)
    const saved = await admin.post('/api/v1/inventory/queries', { name: 'Old OpenSSL', q })
    expect(saved.status).toBe(201)
    expect((await admin.get('/api/v1/inventory/queries')).json.data).toEqual([expect.objectContaining({ id: saved.json.id, name: 'Old OpenSSL', q })])
    const tech = s.client()
    await tech.login('tech@a.example', testPassword)
    expect((await tech.delete(`/api/v1/inventory/queries/${saved.json.id}`)).status).toBe(404)
    const csv = await admin.get(`/api/v1/inventory/query/export?q=${encodeURIComponent(q)}&columns=name,os&orgId=${ids.orgA}`)
    expect(csv.status).toBe(200)
    expect(csv.text.trim().split('\n').slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['deb-old', 'mac', 'rhel-noepoch'])
    const page = await admin.get(`/devices?q=${encodeURIComponent(q)}&orgId=${ids.orgA}`)
    expect(page.text).toContain('deb-old')
    expect(page.text).not.toContain('deb-new')
    expect(page.text).toContain('Make this a group')
    const bad = await admin.get(`/devices?q=${encodeURIComponent('software.version ~ 1')}`)
    expect(bad.status).toBe(200)
    expect(bad.text).toContain('The query has an error')
    // "Make this a group": the form comes prefilled, and the group's members are the query's.
    const form = await admin.get(`/groups/new?type=dynamic&rule=${encodeURIComponent(q)}&orgId=${ids.orgA}`)
    expect(form.text).toContain('software.version &lt; &quot;3.0.13&quot;')
    const group = await admin.post('/api/v1/device-groups', { orgId: ids.orgA, name: 'Old OpenSSL', type: 'dynamic', rule: q })
    expect(group.status).toBe(201)
    const members = await waitFor(async () => {
      const r = await admin.get(`/api/v1/devices?groupId=${group.json.id}`)
      return r.json.data.length === 3 ? r.json.data : null
    }, 15_000, 'group members')
    expect(members.map((d: { hostname: string }) => d.hostname).sort()).toEqual(['deb-old', 'mac', 'rhel-noepoch'])
    expect((await admin.delete(`/api/v1/inventory/queries/${saved.json.id}`)).status).toBe(204)
  })

  test('packages stored before version keys get theirs', async () => {
    await s.ctx.db.update(t.deviceSoftware).set({ versionKey: null }).where(eq(t.deviceSoftware.deviceId, ids['deb-old']))
    await s.ctx.jobs.enqueue('devices.software.version-keys', {})
    await s.ctx.jobs.runDue()
    expect(await hosts(admin, 'software.name = openssl AND software.version < 3.0.3')).toEqual(['deb-old'])
  })
})

describe('on real inventory from the compiled agent', () => {
  test('dpkg ordering of this machine\'s bash package', async () => {
    const real = Bun.spawnSync(['dpkg-query', '-W', '-f=${Version}', 'bash']).stdout.toString().trim()
    expect(real).not.toBe('')
    await agentBinary()
    const { deviceId } = await startConnectedAgent(s, admin, ids.orgA)
    await waitFor(async () => (await s.ctx.db.select().from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, deviceId))).some((p) => p.name === 'bash'), 60_000, 'the agent\'s software inventory')
    const found = async (cond: string) => (await admin.get(`/api/v1/inventory/query?q=${encodeURIComponent(`software.name = bash AND software.version ${cond}`)}`)).json.data.some((d: { id: string }) => d.id === deviceId)
    expect(await found(`= "${real}"`)).toBe(true)
    expect(await found(`< "${real}"`)).toBe(false)
    expect(await found(`< "${real}+b1"`)).toBe(true) // '+' sorts after the end of a version
    expect(await found(`> "${real}~"`)).toBe(true) // '~' sorts before it
    expect(await found(`< "${real.split('.')[0]}.99"`)).toBe(true)
    expect(await found(`< "${real.split('.')[0]}.0"`)).toBe(false)
  }, 120_000)
})
