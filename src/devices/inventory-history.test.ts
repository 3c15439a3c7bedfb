// Inventory time-travel: a protocol agent sends three inventories at different test-clock
// times; the API answers what the device had as of each date and what changed between two,
// the change history filters by date and kind, the page shows both (escaped), and callers
// outside the device's org get 404.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'
import { reconstructAt } from './inventory-history'

let s: TestServer
let admin: TestClient
let agent: ProtocolAgent
let deviceId: string

const DAY = 86_400_000
const T0 = Date.parse('2026-03-02T10:00:00Z')
const T1 = T0 + 2 * DAY // 2026-03-04
const T2 = T1 + 2 * DAY // 2026-03-06
const evil = '<img src=x onerror=alert(1)>'

const hw = (ramTotalMb: number) => ({ cpuModel: 'Xeon', cpuCores: 4, cpuThreads: 8, ramTotalMb, diskTotalGb: 100, gpuModel: null, serialNumber: 'SN1', manufacturer: 'Dell', model: 'R640', biosVersion: '2.1' })
const pkg = (name: string, version: string, publisher: string | null = 'Debian') => ({ name, version, publisher, installDate: null, installLocation: null, source: 'dpkg' })
const os = (osVersion: string) => ({ hostname: 'tt-host', osType: 'linux' as const, osVersion, osBuild: null, distro: 'debian', kernel: '6.1', architecture: 'x64', bootTime: null })

async function report(at: number, body: Record<string, unknown>) {
  s.clock.set(at)
  const res = await fetch(`${s.url}/api/v1/agents/${agent.agentId}/inventory`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: agent.auth }, body: JSON.stringify({ full: true, collectedAt: at, ...body }) })
  expect(res.status).toBe(200)
}

beforeAll(async () => {
  s = await startTestServer()
  s.clock.set(T0 - DAY)
  const a = await setupAdmin(s.ctx)
  const org = await makeOrg(s.ctx, a.partnerId, 'Acme')
  await makeSite(s.ctx, org.id, 'HQ')
  const other = await makeOrg(s.ctx, a.partnerId, 'Other')
  await makeUser(s.ctx, 'outsider@example.com', 'org_admin', { orgId: other.id })
  await makeUser(s.ctx, 'viewer@example.com', 'org_viewer', { orgId: org.id })
  admin = s.client()
  await admin.login(a.email, testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'k' })).json.key
  agent = await enrollProtocolAgent(s, key, { hostname: 'tt-host' })
  deviceId = agent.deviceId
  await report(T0, { os: os('12.1'), hardware: hw(8192), software: [pkg('openssl', '3.0.11'), pkg('curl', '7.88'), pkg('vim', '9.0')] })
  await report(T1, { os: os('12.2'), hardware: hw(16384), software: [pkg('openssl', '3.0.13'), pkg('curl', '7.88'), pkg('htop', '3.2', 'Hisham'), pkg(evil, '1.0')] })
  await report(T2, { software: [pkg('openssl', '3.0.13'), pkg('curl', '8.5'), pkg('htop', '3.2', 'htop-dev'), pkg(evil, '1.0')] })
  s.clock.set(T2 + DAY)
  await admin.login(a.email, testPassword)
}, 60_000)
afterAll(async () => {
  agent?.close()
  await s.stop()
})

const names = (list: { name: string; version: string | null }[]) => list.map((p) => `${p.name} ${p.version}`)

describe('inventory as of a date', () => {
  test('ingestion records what reconstruction needs: hardware baseline and publisher changes', async () => {
    const rows = await s.ctx.db.select().from(t.deviceChanges).where(and(eq(t.deviceChanges.deviceId, deviceId)))
    expect(rows.find((r) => r.kind === 'hardware' && r.action === 'baseline')?.at).toBe(T0)
    expect(rows.find((r) => r.kind === 'software' && r.action === 'publisher')?.details).toMatchObject({ name: 'htop', previousPublisher: 'Hisham', publisher: 'htop-dev' })
    expect(rows.find((r) => r.kind === 'software' && r.action === 'updated' && r.details?.name === 'openssl')?.details).toMatchObject({ previousVersion: '3.0.11', version: '3.0.13', source: 'dpkg' })
  })

  test('as of the first day: the old package versions, the old hardware and OS', async () => {
    const r = await admin.get(`/api/v1/devices/${deviceId}/inventory?at=2026-03-02`)
    expect(r.status).toBe(200)
    expect(names(r.json.software)).toEqual(['curl 7.88', 'openssl 3.0.11', 'vim 9.0'])
    expect(r.json.hardware.ramTotalMb).toBe(8192)
    expect(r.json.os.version).toBe('12.1')
    expect(r.json.at).toBe(Date.parse('2026-03-03T00:00:00Z') - 1)
  })

  test('between reports, and now; publisher as it was', async () => {
    const mid = (await admin.get(`/api/v1/devices/${deviceId}/inventory?at=${T1 + 1000}`)).json
    expect(names(mid.software)).toEqual([`${evil} 1.0`, 'curl 7.88', 'htop 3.2', 'openssl 3.0.13'])
    expect(mid.software.find((p: { name: string }) => p.name === 'htop').publisher).toBe('Hisham')
    expect(mid.hardware.ramTotalMb).toBe(16384)
    const now = (await admin.get(`/api/v1/devices/${deviceId}/inventory`)).json
    expect(names(now.software)).toContain('curl 8.5')
    expect(now.software.find((p: { name: string }) => p.name === 'htop').publisher).toBe('htop-dev')
  })

  test('before the first report: nothing reported yet', async () => {
    const r = await admin.get(`/api/v1/devices/${deviceId}/inventory?at=${new Date(T0 - 1).toISOString()}`)
    expect(r.status).toBe(200)
    expect(r.json.software).toBeNull()
    expect(r.json.hardware).toBeNull()
  })

  test('diff between two dates lists added, removed and changed', async () => {
    const r = await admin.get(`/api/v1/devices/${deviceId}/inventory/diff?from=${T0 + 1000}&to=2026-03-06`)
    expect(r.status).toBe(200)
    expect(names(r.json.software.added)).toEqual([`${evil} 1.0`, 'htop 3.2'])
    expect(names(r.json.software.removed)).toEqual(['vim 9.0'])
    expect(r.json.software.changed.map((c: { name: string; from: string; to: string }) => `${c.name} ${c.from}→${c.to}`)).toEqual(['curl 7.88→8.5', 'openssl 3.0.11→3.0.13'])
    expect(r.json.hardware).toEqual([{ field: 'ramTotalMb', from: 8192, to: 16384 }])
    expect(r.json.os).toMatchObject({ from: { version: '12.1' }, to: { version: '12.2' } })
    // From a bare date: its start, before the first report — everything was added.
    const all = (await admin.get(`/api/v1/devices/${deviceId}/inventory/diff?from=2026-03-02&to=2026-03-02`)).json
    expect(names(all.software.added)).toEqual(['curl 7.88', 'openssl 3.0.11', 'vim 9.0'])
  })

  test('the change history filters by date and kind', async () => {
    const r = await admin.get(`/api/v1/devices/${deviceId}/changes?kind=software&from=2026-03-04&to=2026-03-04`)
    expect(r.status).toBe(200)
    expect(r.json.data.length).toBeGreaterThan(0)
    expect(r.json.data.every((c: { at: number; kind: string }) => c.at === T1 && c.kind === 'software')).toBe(true)
    expect((await admin.get(`/api/v1/devices/${deviceId}/changes?from=2026-03-05&to=2026-03-04`)).json.details?.field ?? 'from').toBe('from')
  })

  test.each([
    ['/inventory?at=yesterday', 'at'],
    ['/inventory?at=2026-13-45', 'at'],
    ['/inventory/diff?from=2026-03-02', 'to'],
    ['/inventory/diff?to=2026-03-02', 'from'],
    ['/inventory/diff?from=2026-03-06&to=2026-03-02', 'from'],
    ['/changes?from=soon', 'from'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const r = await admin.get(`/api/v1/devices/${deviceId}${path}`)
    expect(r.status).toBe(400)
    expect(JSON.stringify(r.json)).toContain(field)
  })

  test('scoped: 404 outside the org, a viewer of the org may read', async () => {
    const out = s.client()
    await out.login('outsider@example.com', testPassword)
    expect((await out.get(`/api/v1/devices/${deviceId}/inventory`)).status).toBe(404)
    expect((await out.get(`/api/v1/devices/${deviceId}/inventory/diff?from=2026-03-01&to=2026-03-06`)).status).toBe(404)
    expect((await out.get(`/devices/${deviceId}/inventory`)).status).toBe(404)
    const viewer = s.client()
    await viewer.login('viewer@example.com', testPassword)
    expect((await viewer.get(`/api/v1/devices/${deviceId}/inventory?at=2026-03-02`)).status).toBe(200)
    expect((await s.client().get(`/api/v1/devices/${deviceId}/inventory`)).status).toBe(401)
  })

  test('the page: as of a date and compare two dates, names escaped', async () => {
    const at = await admin.get(`/devices/${deviceId}/inventory?at=2026-03-02`)
    expect(at.status).toBe(200)
    expect(at.text).toContain('3.0.11')
    expect(at.text).toContain('8192')
    const diff = await admin.get(`/devices/${deviceId}/inventory?from=2026-03-03&to=2026-03-06`)
    expect(diff.status).toBe(200)
    expect(diff.text).toMatch(/id="diff-removed"[\s\S]*vim/)
    expect(diff.text).toMatch(/id="diff-changed"[\s\S]*3\.0\.11[\s\S]*3\.0\.13/)
    expect(diff.text).not.toContain(evil)
    expect(diff.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const bad = await admin.get(`/devices/${deviceId}/inventory?from=2026-03-03`)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('to: choose the second date')
    const history = await admin.get(`/devices/${deviceId}/history?kind=hardware&from=2026-03-04&to=2026-03-04`)
    expect(history.text).toContain('Hardware changed: ramTotalMb')
    expect(history.text).not.toContain('Hardware inventory:')
  })
})

test('reconstruction undoes rows written before source was recorded (match by name)', () => {
  const state = reconstructAt({ os: { version: '1', build: null }, hardware: null, software: [{ name: 'a', version: '2', source: 'dpkg', publisher: null }] },
    [{ kind: 'software', action: 'updated', details: { name: 'a', version: '2', previousVersion: '1' } }], 0)
  expect(state.software).toEqual([{ name: 'a', version: '1', source: 'dpkg', publisher: null }])
})
