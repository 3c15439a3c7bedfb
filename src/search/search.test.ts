// Global search over HTTP: each kind is found, results are scoped to the caller (another
// organization's, or another site's, never appear), the input is validated, and the page
// escapes what it shows.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeAlert } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
const ids: Record<string, string> = {}
const evil = '<img src=x onerror=alert(1)>'

type Group = { kind: string; label: string; results: { kind: string; id: string; title: string; subtitle: string; url: string }[] }

async function clientAs(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  ids.orgA = (await makeOrg(s.ctx, a.partnerId, 'Zephyr Alpha')).id
  ids.orgB = (await makeOrg(s.ctx, a.partnerId, 'Zephyr Beta')).id
  const siteA1 = (await makeSite(s.ctx, ids.orgA, 'A one')).id
  const siteA2 = (await makeSite(s.ctx, ids.orgA, 'A two')).id
  const siteB = (await makeSite(s.ctx, ids.orgB, 'B one')).id
  ids.devA1 = (await makeDevice(s.ctx, { orgId: ids.orgA, siteId: siteA1, hostname: 'zephyr-a1' })).id
  ids.devA2 = (await makeDevice(s.ctx, { orgId: ids.orgA, siteId: siteA2, hostname: 'zephyr-a2' })).id
  ids.devB = (await makeDevice(s.ctx, { orgId: ids.orgB, siteId: siteB, hostname: 'zephyr-b', displayName: `Zephyr ${evil}` })).id
  ids.alertA = (await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: ids.orgA, siteId: siteA1, deviceId: ids.devA1, title: 'Zephyr disk full on A' })).id
  ids.alertB = (await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: ids.orgB, siteId: siteB, deviceId: ids.devB, title: 'Zephyr disk full on B', status: 'resolved' })).id
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: ids.orgA })
  await makeUser(s.ctx, 'site@a.example', 'org_technician', { orgId: ids.orgA, siteIds: [siteA1] })
  await makeUser(s.ctx, 'viewer@b.example', 'org_viewer', { orgId: ids.orgB })
  admin = await clientAs(a.email)
  const script = (orgId: string, name: string) => admin.post('/api/v1/scripts', { name, description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'true\n', parameters: [] })
  ids.scriptA = (await script(ids.orgA, 'Zephyr cleanup A')).json.id
  ids.scriptB = (await script(ids.orgB, 'Zephyr cleanup B')).json.id
  ids.ticketA = (await admin.post('/api/v1/tickets', { orgId: ids.orgA, title: 'Zephyr printer jammed' })).json.id
  ids.ticketB = (await admin.post('/api/v1/tickets', { orgId: ids.orgB, title: `Zephyr ${evil}` })).json.id
})
afterAll(() => s.stop())

const search = async (c: TestClient, q: string) => {
  const res = await c.get(`/api/v1/search?q=${encodeURIComponent(q)}`)
  expect(res.status).toBe(200)
  return res.json.groups as Group[]
}
const found = (groups: Group[]) => groups.flatMap((g) => g.results.map((r) => r.id)).sort()

describe('global search', () => {
  test('finds every kind, grouped, with a link to each', async () => {
    const groups = await search(admin, 'zephyr')
    expect(groups.map((g) => g.kind)).toEqual(['device', 'org', 'script', 'alert', 'ticket'])
    expect(found(groups)).toEqual([ids.devA1, ids.devA2, ids.devB, ids.orgA, ids.orgB, ids.scriptA, ids.scriptB, ids.alertA, ids.alertB, ids.ticketA, ids.ticketB].sort())
    const byId = Object.fromEntries(groups.flatMap((g) => g.results).map((r) => [r.id, r]))
    expect(byId[ids.devB]).toMatchObject({ title: `Zephyr ${evil}`, subtitle: 'zephyr-b · Zephyr Beta · B one · online', url: `/devices/${ids.devB}` })
    expect(byId[ids.ticketA]).toMatchObject({ title: '#1 Zephyr printer jammed', url: `/tickets/${ids.ticketA}` })
    expect(byId[ids.alertB]).toMatchObject({ subtitle: 'high · resolved', url: `/alerts/${ids.alertB}` })
    // Not case-sensitive (the org matches by its slug, zephyr-alpha); a limit per kind.
    expect(found(await search(admin, 'ZEPHYR-A'))).toEqual([ids.devA1, ids.devA2, ids.orgA].sort())
    expect((await admin.get('/api/v1/search?q=zephyr&limit=1')).json.groups.every((g: Group) => g.results.length === 1)).toBe(true)
  })

  test('results are scoped to the caller: another organization or site never shows', async () => {
    const tech = await clientAs('tech@a.example')
    expect(found(await search(tech, 'zephyr'))).toEqual([ids.devA1, ids.devA2, ids.orgA, ids.scriptA, ids.alertA, ids.ticketA].sort())
    const siteOnly = await clientAs('site@a.example')
    const siteGroups = await search(siteOnly, 'zephyr')
    expect(found(siteGroups)).toContain(ids.devA1)
    expect(found(siteGroups)).not.toContain(ids.devA2)
    const viewerB = await clientAs('viewer@b.example')
    const b = await search(viewerB, 'zephyr')
    expect(found(b)).toEqual([ids.devB, ids.orgB, ids.scriptB, ids.alertB, ids.ticketB].sort())
    // Not even a hint of org A: no names, no ids, in the JSON or the page.
    for (const text of [JSON.stringify(b), (await viewerB.get('/search?q=zephyr')).text]) {
      for (const leak of ['Zephyr Alpha', 'zephyr-a1', 'Zephyr cleanup A', 'disk full on A', 'printer jammed', ids.orgA, ids.devA1]) expect(text).not.toContain(leak)
    }
  })

  test('input: too short finds nothing, too long or a bad limit is a 400 naming the field; signed out is a 401', async () => {
    expect((await admin.get('/api/v1/search?q=z')).json).toEqual({ query: 'z', groups: [] })
    const long = await admin.get(`/api/v1/search?q=${'x'.repeat(201)}`)
    expect(long.status).toBe(400)
    expect(long.text).toContain('q')
    expect((await admin.get('/api/v1/search?q=zephyr&limit=99')).status).toBe(400)
    expect((await s.client().get('/api/v1/search?q=zephyr')).status).toBe(401)
  })

  test('the page and the Ctrl+K fragment escape what they show', async () => {
    const page = await admin.get('/search?q=zephyr')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Zephyr &lt;img src=x onerror=alert(1)&gt;')
    expect(page.text.replace(/="[^"]*"/g, '')).not.toContain('<img src=x')
    const fragment = await admin.get('/search?q=zephyr', { 'hx-request': 'true', 'hx-target': 'search-results' })
    expect(fragment.text).not.toContain('<html')
    expect(fragment.text).toContain('role="listbox"')
    expect(fragment.text).toContain(`href="/devices/${ids.devA1}"`)
    expect((await admin.get('/search?q=nothing-like-this')).text).toContain('Nothing found for &quot;nothing-like-this&quot;')
  })
})
