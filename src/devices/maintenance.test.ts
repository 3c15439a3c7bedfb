// Maintenance mode over the API and the pages: start (duration, reason), change, end by hand
// and by the expiry job with the clock, back to online or offline; online/offline tracking and
// alerts leave a device in maintenance alone; bulk; validation, permissions and tenant scope.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { markOverdueOffline } from '../agents/status'
import { t } from '../db/tables'
import { bearerClient, runJobs, startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient, tech: TestClient, viewer: TestClient, otherAdmin: TestClient
let orgA: string, siteA: string
const receiver = startReceiver()
const min = 60_000
const evil = '<img src=x onerror=alert(1)>'
const events: { name: string; deviceId: string }[] = []

const row = async (id: string) => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, id)))[0]
const device = (over: Partial<Parameters<typeof makeDevice>[1]> = {}) => makeDevice(s.ctx, { orgId: orgA, siteId: siteA, lastSeenAt: s.clock.now(), ...over })
const audits = async (action: string, deviceId: string) => (await admin.get(`/api/v1/audit/logs?action=${action}`)).json.data.filter((a: { resourceId: string | null; details: { deviceIds?: string[] } | null }) => a.resourceId === deviceId || a.details?.deviceIds?.includes(deviceId))

beforeAll(async () => {
  s = await startTestServer()
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'admin@b.example', 'org_admin', { orgId: orgB })
  // API keys: these tests move the clock by hours, which would end browser sessions.
  admin = await bearerClient(s, a.email, testPassword)
  tech = await bearerClient(s, 'tech@a.example', testPassword)
  viewer = await bearerClient(s, 'viewer@a.example', testPassword)
  otherAdmin = await bearerClient(s, 'admin@b.example', testPassword)
  for (const name of ['device.updated', 'device.online', 'device.offline'] as const) s.ctx.events.on(name, (e) => { events.push({ name, deviceId: e.deviceId }) })
})
afterAll(async () => {
  await s.stop()
  receiver.stop()
})

describe('maintenance over the API', () => {
  test('a technician starts it for a duration with a reason: status, list, dashboard, history, audit, event', async () => {
    const d = await device({ hostname: 'maint-api-1' })
    const now = s.clock.now()
    const res = await tech.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 240, reason: 'Disk swap' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ id: d.id, status: 'maintenance', maintenance: { startedAt: now, endsAt: now + 240 * min, reason: 'Disk swap', startedByEmail: 'tech@a.example' } })
    expect((await admin.get(`/api/v1/devices/${d.id}`)).json).toMatchObject({ status: 'maintenance', maintenance: { reason: 'Disk swap' } })
    expect((await admin.get(`/api/v1/devices?orgId=${orgA}&status=maintenance`)).json.data.map((x: { id: string }) => x.id)).toContain(d.id)
    const changes = (await admin.get(`/api/v1/devices/${d.id}/changes?kind=status`)).json.data
    expect(changes[0]).toMatchObject({ action: 'maintenance_started', summary: 'Maintenance started for 4 h: Disk swap' })
    expect(await audits('device.maintenance.start', d.id)).toHaveLength(1)
    await s.ctx.events.settle()
    expect(events.some((e) => e.name === 'device.updated' && e.deviceId === d.id)).toBe(true)
  })

  test('without a duration it lasts until ended; ending it by hand brings a recently seen device back online', async () => {
    const d = await device({ hostname: 'maint-api-2' })
    const res = await tech.post(`/api/v1/devices/${d.id}/maintenance`, {})
    expect(res.json).toMatchObject({ status: 'maintenance', maintenance: { endsAt: null, reason: null } })
    s.clock.advance(2 * 24 * 60 * min)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('maintenance')
    // Seen a moment ago (as a heartbeat would record it).
    await s.ctx.db.update(t.devices).set({ lastSeenAt: s.clock.now() - min }).where(eq(t.devices.id, d.id))
    const end = await tech.delete(`/api/v1/devices/${d.id}/maintenance`)
    expect(end.status).toBe(200)
    expect(end.json).toMatchObject({ status: 'online', maintenance: null })
    expect(await s.ctx.db.select().from(t.deviceMaintenance).where(eq(t.deviceMaintenance.deviceId, d.id))).toEqual([])
    expect(await audits('device.maintenance.end', d.id)).toHaveLength(1)
    await s.ctx.events.settle()
    expect(events.some((e) => e.name === 'device.online' && e.deviceId === d.id)).toBe(true)
    // Ending again changes nothing.
    expect((await tech.delete(`/api/v1/devices/${d.id}/maintenance`)).json).toMatchObject({ status: 'online', maintenance: null })
    expect(await audits('device.maintenance.end', d.id)).toHaveLength(1)
  })

  test('posting again changes the end and reason but keeps the start', async () => {
    const d = await device({ hostname: 'maint-api-3' })
    const first = (await tech.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 60 })).json.maintenance
    s.clock.advance(10 * min)
    const second = (await admin.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 1440, reason: 'Longer' })).json.maintenance
    expect(second).toMatchObject({ startedAt: first.startedAt, endsAt: s.clock.now() + 1440 * min, reason: 'Longer', startedByEmail: 'tech@a.example' })
    expect(await audits('device.maintenance.update', d.id)).toHaveLength(1)
  })

  test('the online/offline tracking leaves it alone: no offline transition while silent, no online one on contact', async () => {
    const d = await device({ hostname: 'maint-api-4' })
    await tech.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 1440 })
    s.clock.advance(30 * min)
    await markOverdueOffline(s.ctx)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('maintenance')
    const { markOnline } = await import('../agents/status')
    await markOnline(s.ctx, d)
    expect((await row(d.id)).status).toBe('maintenance')
  })

  test('when the time runs out the job ends it: a silent device goes offline, with history and a system audit entry', async () => {
    const d = await device({ hostname: 'maint-expire-1' })
    const seen = await device({ hostname: 'maint-expire-2' })
    for (const x of [d, seen]) expect((await tech.post(`/api/v1/devices/${x.id}/maintenance`, { durationMinutes: 60, reason: 'Patching' })).status).toBe(200)
    s.clock.advance(59 * min)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('maintenance')
    s.clock.advance(2 * min)
    await s.ctx.db.update(t.devices).set({ lastSeenAt: s.clock.now() - 30_000 }).where(eq(t.devices.id, seen.id))
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('offline')
    expect((await row(seen.id)).status).toBe('online')
    const [change] = (await admin.get(`/api/v1/devices/${d.id}/changes?kind=status`)).json.data
    expect(change).toMatchObject({ action: 'maintenance_ended', summary: 'Maintenance ended (its time ran out); the device is offline' })
    const [entry] = await audits('device.maintenance.end', d.id)
    expect(entry).toMatchObject({ actorType: 'system', details: { expired: true, status: 'offline' } })
    expect(events.some((e) => e.name === 'device.offline' && e.deviceId === d.id)).toBe(true)
  })

  test('a device decommissioned during maintenance stays decommissioned; the job drops its maintenance', async () => {
    const d = await device({ hostname: 'maint-decommission' })
    await tech.post(`/api/v1/devices/${d.id}/maintenance`, {})
    expect((await admin.delete(`/api/v1/devices/${d.id}`)).json.status).toBe('decommissioned')
    s.clock.advance(min)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('decommissioned')
    expect(await s.ctx.db.select().from(t.deviceMaintenance).where(eq(t.deviceMaintenance.deviceId, d.id))).toEqual([])
  })

  test('bad input is a 400 naming the field and changes nothing', async () => {
    const d = await device({ hostname: 'maint-bad' })
    for (const [body, field] of [[{ durationMinutes: 0 }, 'durationMinutes'], [{ durationMinutes: 1.5 }, 'durationMinutes'], [{ durationMinutes: 'soon' }, 'durationMinutes'],
      [{ durationMinutes: 60 * 24 * 31 }, 'durationMinutes'], [{ reason: 'x'.repeat(501) }, 'reason']] as const) {
      const res = await tech.post(`/api/v1/devices/${d.id}/maintenance`, body)
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
    }
    expect((await row(d.id)).status).toBe('online')
  })

  test('scope: 404 outside the caller\'s organizations, 403 without devices:write, 401 signed out', async () => {
    const d = await device({ hostname: 'maint-scope' })
    expect((await otherAdmin.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 60 })).status).toBe(404)
    expect((await otherAdmin.delete(`/api/v1/devices/${d.id}/maintenance`)).status).toBe(404)
    expect((await otherAdmin.get(`/api/v1/devices/${d.id}`)).status).toBe(404)
    expect((await viewer.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 60 })).status).toBe(403)
    expect((await s.client().post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 60 })).status).toBe(401)
    expect((await tech.post('/api/v1/devices/no-such-device/maintenance', {})).status).toBe(404)
    expect((await row(d.id)).status).toBe('online')
    const retired = await device({ hostname: 'maint-retired', status: 'decommissioned', decommissionedAt: s.clock.now() })
    const res = await tech.post(`/api/v1/devices/${retired.id}/maintenance`, {})
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('status')
  })

  test('bulk: maintenance for a selection, then end it (another tenant\'s devices are a 404)', async () => {
    const a = await device({ hostname: 'maint-bulk-1' })
    const b = await device({ hostname: 'maint-bulk-2', status: 'offline', lastSeenAt: s.clock.now() - 60 * min })
    const res = await tech.post('/api/v1/devices/bulk', { action: 'maintenance', deviceIds: [a.id, b.id], durationMinutes: 120, reason: 'Rack move' })
    expect(res.json).toMatchObject({ matched: 2, changed: 2 })
    for (const x of [a, b]) expect((await admin.get(`/api/v1/devices/${x.id}`)).json).toMatchObject({ status: 'maintenance', maintenance: { reason: 'Rack move', endsAt: s.clock.now() + 120 * min } })
    expect(await audits('device.bulk.maintenance', a.id)).toHaveLength(1)
    expect((await otherAdmin.post('/api/v1/devices/bulk', { action: 'endMaintenance', deviceIds: [a.id] })).status).toBe(404)
    expect((await tech.post('/api/v1/devices/bulk', { action: 'endMaintenance', deviceIds: [a.id, b.id] })).json).toMatchObject({ matched: 2, changed: 2 })
    expect((await row(a.id)).status).toBe('online')
    // b has not been heard from for an hour: it comes back offline.
    expect((await row(b.id)).status).toBe('offline')
    const bad = await tech.post('/api/v1/devices/bulk', { action: 'maintenance', deviceIds: [a.id], durationMinutes: -1 })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('durationMinutes')
  })
})

describe('alerts of a device in maintenance', () => {
  test('an offline alert is held back without notifications, and notifies if the device is still offline after the maintenance', async () => {
    const d = await device({ hostname: 'maint-alert' })
    const ch = await admin.post('/api/v1/notification-channels', { orgId: orgA, name: 'Maint hook', type: 'webhook', config: { url: `${receiver.url}/device-maint` } })
    expect(ch.status).toBe(201)
    const rule = await admin.post('/api/v1/alert-rules', {
      orgId: orgA, name: 'Offline', severity: 'high', cooldownMinutes: 0, targets: { kind: 'devices', ids: [d.id] },
      conditions: { match: 'all', items: [{ type: 'offline', minutes: 10 }] }, channelIds: [ch.json.id],
    })
    expect(rule.status).toBe(201)
    await tech.post(`/api/v1/devices/${d.id}/maintenance`, { durationMinutes: 60, reason: 'Reboots' })
    s.clock.advance(20 * min)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('maintenance')
    const [alert] = (await admin.get(`/api/v1/alerts?deviceId=${d.id}&status=all`)).json.data
    expect(alert).toMatchObject({ status: 'suppressed', suppressReason: 'maintenance' })
    expect(receiver.requests.filter((r) => r.path === '/device-maint')).toHaveLength(0)
    s.clock.advance(41 * min)
    await runJobs(s.ctx)
    expect((await row(d.id)).status).toBe('offline')
    await runJobs(s.ctx)
    expect((await admin.get(`/api/v1/alerts/${alert.id}`)).json.status).toBe('active')
    const [hook] = await receiver.waitFor(1, (r) => r.path === '/device-maint')
    expect(hook.json).toMatchObject({ event: 'alert.triggered', alert: { id: alert.id } })
  })
})

describe('maintenance on the pages', () => {
  let techPage: TestClient
  let viewerPage: TestClient
  beforeAll(async () => {
    techPage = s.client()
    expect((await techPage.login('tech@a.example', testPassword)).status).toBe(200)
    viewerPage = s.client()
    expect((await viewerPage.login('viewer@a.example', testPassword)).status).toBe(200)
  })

  test('the detail page offers the form to a technician only; starting shows the status, reason (escaped) and an end button', async () => {
    const d = await device({ hostname: 'maint-page' })
    const page = await techPage.get(`/devices/${d.id}`)
    expect(page.text).toContain('Start maintenance')
    expect(page.text).toContain('Until turned off')
    expect((await viewerPage.get(`/devices/${d.id}`)).text).not.toContain('Start maintenance')
    const res = await techPage.form(`/devices/${d.id}/maintenance`, { durationMinutes: '240', reason: evil }, `/devices/${d.id}`)
    expect(res.status).toBe(303)
    const after = await techPage.get(`/devices/${d.id}`)
    expect(after.text).toContain('In maintenance')
    expect(after.text).toContain('>Maintenance</span>')
    expect(after.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(after.text.replace(/="[^"]*"/g, '')).not.toContain('<img src=x')
    expect(after.text).toContain(`/devices/${d.id}/maintenance/end`)
    expect(after.text).toContain('Change maintenance')
    expect((await row(d.id)).status).toBe('maintenance')
    // The viewer sees the state, not the button.
    const seen = await viewerPage.get(`/devices/${d.id}`)
    expect(seen.text).toContain('In maintenance')
    expect(seen.text).not.toContain('/maintenance/end')
    // The list and the dashboard count it.
    expect((await techPage.get('/devices?status=maintenance')).text).toContain('maint-page')
    const inMaintenance = (await admin.get('/api/v1/devices?status=maintenance')).json.pagination.total
    expect(inMaintenance).toBeGreaterThanOrEqual(1)
    expect((await techPage.get('/')).text).toContain(`status=maintenance"><span class="value" data-figure="maintenance">${inMaintenance}</span><span class="label">Maintenance</span>`)
    const end = await techPage.form(`/devices/${d.id}/maintenance/end`, {}, `/devices/${d.id}`)
    expect(end.status).toBe(303)
    expect((await row(d.id)).status).toBe('online')
    expect((await techPage.get(`/devices/${d.id}`)).text).not.toContain('In maintenance')
  })

  test('a bad form value re-renders the form with the message; other tenants get 404; the bulk bar offers it', async () => {
    const d = await device({ hostname: 'maint-page-bad' })
    const bad = await techPage.form(`/devices/${d.id}/maintenance`, { durationMinutes: '99999999' }, `/devices/${d.id}`)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('a whole number of minutes')
    expect((await row(d.id)).status).toBe('online')
    const other = s.client()
    await other.login('admin@b.example', testPassword)
    await other.get('/devices')
    expect((await other.form(`/devices/${d.id}/maintenance`, { durationMinutes: '60' })).status).toBe(404)
    expect((await other.form(`/devices/${d.id}/maintenance/end`, {})).status).toBe(404)
    const list = await techPage.get('/devices')
    expect(list.text).toContain('<option value="maintenance">Maintenance</option>')
    const res = await techPage.form('/devices/bulk', { action: 'maintenance', deviceIds: [d.id], durationMinutes: '', reason: 'Bulk' })
    expect(res.status).toBe(303)
    expect((await admin.get(`/api/v1/devices/${d.id}`)).json).toMatchObject({ status: 'maintenance', maintenance: { endsAt: null, reason: 'Bulk' } })
  })
})
