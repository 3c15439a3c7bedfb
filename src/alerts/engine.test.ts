// The evaluation engine driven through the real event bus and job runner with a controllable
// clock: duration windows, auto-resolve, cooldown, offline, per-volume disks, AND/OR, software,
// services, pending reboot, agent version, custom metrics, maintenance windows, correlation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { t } from '../db/tables'
import { bearerClient, heartbeat, runJobs, startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { waitFor } from '../testing/agent'

let s: TestServer
let admin: TestClient
let orgId: string
let siteId: string
const receiver = startReceiver()
const min = 60_000

beforeAll(async () => {
  s = await startTestServer()
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Engine Org')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = await bearerClient(s, a.email, testPassword)
})
afterAll(async () => {
  await s.stop()
  receiver.stop()
})

const device = (over: Parameters<typeof makeDevice>[1] extends infer O ? Partial<O> : never = {}) => makeDevice(s.ctx, { orgId, siteId, ...over })

async function rule(deviceIds: string[], body: Record<string, unknown>) {
  const res = await admin.post('/api/v1/alert-rules', { orgId, name: 'Test rule', severity: 'high', cooldownMinutes: 0, targets: { kind: 'devices', ids: deviceIds }, ...body })
  expect(res.status).toBe(201)
  return res.json as { id: string }
}

async function alertsOf(deviceId: string, status = 'all') {
  return (await admin.get(`/api/v1/alerts?deviceId=${deviceId}&status=${status}`)).json.data as any[]
}

const cond = (items: Record<string, unknown>[], match = 'all') => ({ match, items })

describe('metric thresholds', () => {
  test('fires only after the duration and auto-resolves with the resolving value', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90, durationMinutes: 5 }]), titleTemplate: 'CPU {{value}}% on {{device.name}}' })
    const started = s.clock.now()
    await heartbeat(s.ctx, d, { cpuPercent: 95 })
    const { eq } = await import('drizzle-orm')
    const watches = () => s.ctx.db.select().from(t.alertWatches).where(eq(t.alertWatches.deviceId, d.id))
    // A condition that just started holding costs no write; one that lasts is stored (restarts keep it).
    expect(await watches()).toEqual([])
    s.clock.advance(3 * min)
    await heartbeat(s.ctx, d, { cpuPercent: 96 })
    expect(await alertsOf(d.id)).toEqual([])
    expect((await watches()).map((w) => w.pending)).toEqual([{ 0: started }])
    s.clock.advance(2 * min)
    await heartbeat(s.ctx, d, { cpuPercent: 97 })
    const [fired] = await alertsOf(d.id)
    expect(fired).toMatchObject({ status: 'active', severity: 'high', title: `CPU 97% on ${d.hostname}` })
    expect(fired.context).toMatchObject({ metric: 'cpu_percent', value: 97, threshold: 90 })
    s.clock.advance(min)
    await heartbeat(s.ctx, d, { cpuPercent: 97 })
    expect(await alertsOf(d.id)).toHaveLength(1)
    s.clock.advance(min)
    await heartbeat(s.ctx, d, { cpuPercent: 40 })
    const [resolved] = await alertsOf(d.id)
    expect(resolved.status).toBe('resolved')
    expect(resolved.resolvedBy).toBeNull()
    expect(resolved.resolvingValues).toMatchObject({ value: 40 })
    const detail = (await admin.get(`/api/v1/alerts/${resolved.id}`)).json
    expect(detail.events.map((e: { kind: string }) => e.kind)).toEqual(['triggered', 'resolved'])
  })

  test('a dip below the threshold restarts the duration window', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'ram_percent', operator: 'gte', value: 90, durationMinutes: 5 }]) })
    await heartbeat(s.ctx, d, { ramPercent: 95 })
    s.clock.advance(4 * min)
    await heartbeat(s.ctx, d, { ramPercent: 80 })
    s.clock.advance(2 * min)
    await heartbeat(s.ctx, d, { ramPercent: 95 })
    s.clock.advance(4 * min)
    await heartbeat(s.ctx, d, { ramPercent: 95 })
    expect(await alertsOf(d.id)).toEqual([])
    s.clock.advance(min)
    await heartbeat(s.ctx, d, { ramPercent: 95 })
    expect(await alertsOf(d.id)).toHaveLength(1)
  })

  test('a heartbeat without the metric changes nothing (no data is not a recovery)', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }]) })
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    await heartbeat(s.ctx, d, { cpuPercent: null })
    expect((await alertsOf(d.id)).map((a) => a.status)).toEqual(['active'])
  })

  test('cooldown: no new alert for the same device until it has passed', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }]), cooldownMinutes: 10 })
    await heartbeat(s.ctx, d, { cpuPercent: 95 })
    await heartbeat(s.ctx, d, { cpuPercent: 20 })
    for (let i = 0; i < 5; i++) {
      s.clock.advance(min)
      await heartbeat(s.ctx, d, { cpuPercent: i % 2 ? 20 : 95 })
    }
    expect(await alertsOf(d.id)).toHaveLength(1)
    s.clock.advance(6 * min)
    await heartbeat(s.ctx, d, { cpuPercent: 95 })
    const list = await alertsOf(d.id)
    expect(list.map((a) => a.status).sort()).toEqual(['active', 'resolved'])
  })

  test('per-volume disk rules keep one alert per volume', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'disk_volume_percent', operator: 'gt', value: 90 }]), titleTemplate: '{{volume}} {{value}}%' })
    await heartbeat(s.ctx, d, { volumes: { 'C:': 95, 'D:': 50 } })
    await heartbeat(s.ctx, d, { volumes: { 'C:': 96, 'D:': 93 } })
    let list = await alertsOf(d.id)
    expect(list.map((a) => [a.subject, a.status]).sort()).toEqual([['C:', 'active'], ['D:', 'active']])
    await heartbeat(s.ctx, d, { volumes: { 'C:': 40, 'D:': 93 } })
    list = await alertsOf(d.id)
    expect(list.map((a) => [a.subject, a.status]).sort()).toEqual([['C:', 'resolved'], ['D:', 'active']])
    expect(list.find((a) => a.subject === 'D:').title).toBe('D: 93%')
  })

  test('AND needs every condition, OR any one; custom metrics from heartbeats', async () => {
    const a = await device()
    const b = await device()
    await rule([a.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 80 }, { type: 'metric', metric: 'ram_percent', operator: 'gt', value: 80 }]) })
    await rule([b.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 80 }, { type: 'metric', metric: 'custom.queue_depth', operator: 'gte', value: 1000 }], 'any') })
    await heartbeat(s.ctx, a, { cpuPercent: 90, ramPercent: 50 })
    expect(await alertsOf(a.id)).toEqual([])
    await heartbeat(s.ctx, a, { cpuPercent: 90, ramPercent: 85 })
    expect(await alertsOf(a.id)).toHaveLength(1)
    await heartbeat(s.ctx, b, { cpuPercent: 10, custom: { queue_depth: 1500 } })
    const [alert] = await alertsOf(b.id)
    expect(alert.context).toMatchObject({ metric: 'custom.queue_depth', value: 1500 })
  })
})

describe('device state conditions', () => {
  test('offline for N minutes, driven by the clock and the job; a heartbeat resolves it', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'offline', minutes: 10 }]), titleTemplate: '{{device.name}} offline' })
    s.clock.advance(5 * min)
    await runJobs(s.ctx)
    expect(await alertsOf(d.id)).toEqual([])
    s.clock.advance(6 * min)
    await runJobs(s.ctx)
    const [alert] = await alertsOf(d.id)
    expect(alert).toMatchObject({ status: 'active', title: `${d.hostname} offline` })
    expect(alert.context.lastSeenMinutesAgo).toBeGreaterThanOrEqual(10)
    await heartbeat(s.ctx, d)
    expect((await alertsOf(d.id))[0].status).toBe('resolved')
  })

  test('software installed matching a pattern fires once per open alert', async () => {
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'software', event: 'installed', pattern: '*teamviewer*, *anydesk*' }]), titleTemplate: '{{software}} installed' })
    s.ctx.events.emit('software.changed', { deviceId: d.id, orgId, installed: [{ name: 'Notepad++', version: '8' }], removed: [], updated: [] })
    await s.ctx.events.settle()
    expect(await alertsOf(d.id)).toEqual([])
    s.ctx.events.emit('software.changed', { deviceId: d.id, orgId, installed: [{ name: 'AnyDesk', version: '8.0' }], removed: [], updated: [] })
    await s.ctx.events.settle()
    s.ctx.events.emit('software.changed', { deviceId: d.id, orgId, installed: [{ name: 'TeamViewer 15', version: '15' }], removed: [], updated: [] })
    await s.ctx.events.settle()
    const list = await alertsOf(d.id)
    expect(list).toHaveLength(1)
    expect(list[0].title).toBe('AnyDesk installed')
    const events = (await admin.get(`/api/v1/alerts/${list[0].id}`)).json.events
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['triggered', 'matched'])
  })

  test('service stopped, from inventory; running again resolves', async () => {
    const d = await device({ osType: 'windows' })
    await rule([d.id], { conditions: cond([{ type: 'service', name: 'WinDefend' }]), titleTemplate: '{{service}} {{state}}' })
    await s.ctx.db.insert(t.deviceServices).values({ id: Bun.randomUUIDv7(), deviceId: d.id, name: 'WinDefend', displayName: 'Microsoft Defender Antivirus Service', state: 'stopped', startMode: 'auto', updatedAt: s.clock.now() })
    s.ctx.events.emit('inventory.received', { deviceId: d.id, orgId, at: s.clock.now(), sections: ['services'] })
    await s.ctx.events.settle()
    expect((await alertsOf(d.id))[0]).toMatchObject({ status: 'active', title: 'Microsoft Defender Antivirus Service stopped' })
    const { eq } = await import('drizzle-orm')
    await s.ctx.db.update(t.deviceServices).set({ state: 'running' }).where(eq(t.deviceServices.deviceId, d.id))
    s.ctx.events.emit('inventory.received', { deviceId: d.id, orgId, at: s.clock.now(), sections: ['services'] })
    await s.ctx.events.settle()
    expect((await alertsOf(d.id))[0].status).toBe('resolved')
  })

  test('pending reboot for N days, and agent version outdated', async () => {
    const d = await device({ agentVersion: '0.0.9' })
    await rule([d.id], { conditions: cond([{ type: 'pending_reboot', days: 3 }]), titleTemplate: 'reboot' })
    await rule([d.id], { conditions: cond([{ type: 'agent_outdated', minVersion: '0.1.0' }]), titleTemplate: 'agent {{agentVersion}} < {{minVersion}}' })
    // A new rule is evaluated against the stored state at once: the device row's agent version.
    await waitFor(async () => (await alertsOf(d.id)).length > 0, 20_000, 'the outdated-agent alert of the new rule')
    await heartbeat(s.ctx, d, { pendingReboot: true })
    // Later, the version is checked when the agent (re)starts and sends its inventory.
    s.ctx.events.emit('inventory.received', { deviceId: d.id, orgId, at: s.clock.now(), sections: ['software'] })
    await s.ctx.events.settle()
    expect((await alertsOf(d.id)).map((a) => a.title)).toEqual(['agent 0.0.9 < 0.1.0'])
    s.clock.advance(2 * 24 * 60 * min)
    await heartbeat(s.ctx, d, { pendingReboot: true })
    expect(await alertsOf(d.id)).toHaveLength(1)
    s.clock.advance(24 * 60 * min)
    await heartbeat(s.ctx, d, { pendingReboot: true })
    expect((await alertsOf(d.id)).map((a) => a.title).sort()).toEqual(['agent 0.0.9 < 0.1.0', 'reboot'])
  })
})

describe('maintenance windows', () => {
  test('alerts created during a window are suppressed without notifications, and notify when it ends', async () => {
    const d = await device()
    const ch = await admin.post('/api/v1/notification-channels', { orgId, name: 'Maint hook', type: 'webhook', config: { url: `${receiver.url}/maint` } })
    expect(ch.status).toBe(201)
    const w = await admin.post('/api/v1/maintenance-windows', { orgId, name: 'Patch night', targets: { kind: 'devices', ids: [d.id] }, startsAt: s.clock.now() - min, endsAt: s.clock.now() + 60 * min })
    expect(w.status).toBe(201)
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }]), channelIds: [ch.json.id] })
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    await runJobs(s.ctx)
    const [alert] = await alertsOf(d.id)
    expect(alert).toMatchObject({ status: 'suppressed', suppressReason: 'maintenance' })
    expect(receiver.requests.filter((r) => r.path === '/maint')).toHaveLength(0)
    s.clock.advance(61 * min)
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    await runJobs(s.ctx)
    expect((await alertsOf(d.id))[0].status).toBe('active')
    const [hook] = await receiver.waitFor(1, (r) => r.path === '/maint')
    expect(hook.json).toMatchObject({ event: 'alert.triggered', alert: { id: alert.id } })
  })

  test('a recurring window in a time zone covers its occurrence only', async () => {
    const d = await device()
    // Every day 02:00–03:00 in Berlin: pick the clock inside tomorrow's window.
    const berlin2am = Date.parse('2030-06-11T00:30:00Z') // 02:30 CEST
    s.clock.set(berlin2am)
    const w = await admin.post('/api/v1/maintenance-windows', { orgId, name: 'Nightly', targets: { kind: 'sites', ids: [siteId] }, cron: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlin' })
    expect(w.status).toBe(201)
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'process_count', operator: 'gt', value: 1000 }]) })
    await heartbeat(s.ctx, d, { processCount: 2000 })
    expect((await alertsOf(d.id))[0].status).toBe('suppressed')
    await admin.delete(`/api/v1/maintenance-windows/${w.json.id}`)
  })

  test('bad windows are a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ cron: 'every night', durationMinutes: 60 }, 'cron'],
      [{ cron: '0 2 * * *' }, 'durationMinutes'],
      [{ startsAt: '2030-01-01T02:00', endsAt: '2030-01-01T01:00' }, 'endsAt'],
      [{ startsAt: '2030-01-01T02:00', endsAt: '2030-01-01T03:00', timezone: 'Mars/Olympus' }, 'timezone'],
      [{ startsAt: '2030-01-01T02:00' }, 'endsAt'],
      [{ cron: '0 2 * * *', durationMinutes: -5 }, 'durationMinutes'],
    ]
    for (const [body, field] of cases) {
      const res = await admin.post('/api/v1/maintenance-windows', { orgId, name: 'Bad', ...body })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
    expect((await admin.get('/api/v1/maintenance-windows')).json.data.filter((w: { name: string }) => w.name === 'Bad')).toEqual([])
  })
})

describe('correlation', () => {
  test('an offline device groups its metric alerts; many offline devices at a site make one site alert', async () => {
    const site = await makeSite(s.ctx, orgId, 'Branch')
    const ds = await Promise.all([0, 1, 2].map(() => makeDevice(s.ctx, { orgId, siteId: site.id })))
    await rule(ds.map((d) => d.id), { conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }]) })
    const offline = await rule(ds.map((d) => d.id), { conditions: cond([{ type: 'offline', minutes: 5 }]), siteOfflineThreshold: 3 })
    await heartbeat(s.ctx, ds[0], { cpuPercent: 99 })
    s.clock.advance(6 * min)
    await runJobs(s.ctx)
    const all = (await admin.get(`/api/v1/alerts?status=open&orgId=${orgId}&limit=500`)).json.data as any[]
    const siteAlert = all.find((a) => a.kind === 'site' && a.siteId === site.id)
    expect(siteAlert).toMatchObject({ ruleId: offline.id, title: '3 devices offline at Branch', status: 'active' })
    const offlineAlerts = all.filter((a) => a.ruleId === offline.id && a.kind === 'device' && ds.some((d) => d.id === a.deviceId))
    expect(offlineAlerts).toHaveLength(3)
    expect(offlineAlerts.map((a) => [a.parentAlertId, a.muted])).toEqual(offlineAlerts.map(() => [siteAlert.id, true]))
    const cpu = all.find((a) => a.deviceId === ds[0].id && a.ruleId !== offline.id)
    const cpuParent = offlineAlerts.find((a) => a.deviceId === ds[0].id)
    expect(cpu).toMatchObject({ parentAlertId: cpuParent.id, muted: true })
    // Devices come back: their offline alerts resolve, and the site alert with the last one.
    for (const d of ds) await heartbeat(s.ctx, d, { cpuPercent: 10 })
    const after = await admin.get(`/api/v1/alerts/${siteAlert.id}`)
    expect(after.json.status).toBe('resolved')
  })
})

describe('ownership and access', () => {
  test('a partner-wide rule watches every org of the partner; org members read it but cannot change it', async () => {
    const partnerId = (await admin.get('/api/v1/partners')).json.data[0].id
    const otherOrg = (await makeOrg(s.ctx, partnerId, 'Second Org')).id
    const otherSite = (await makeSite(s.ctx, otherOrg, 'Branch')).id
    const a = await device()
    const b = await makeDevice(s.ctx, { orgId: otherOrg, siteId: otherSite })
    const res = await admin.post('/api/v1/alert-rules', { partnerId, name: 'Fleet-wide runaway processes', severity: 'medium', conditions: cond([{ type: 'metric', metric: 'process_count', operator: 'gt', value: 4000 }]) })
    expect(res.status).toBe(201)
    expect(res.json.orgId).toBeNull()
    await heartbeat(s.ctx, a, { processCount: 5000 })
    await heartbeat(s.ctx, b, { processCount: 5000 })
    expect((await alertsOf(a.id)).map((x) => x.ruleId)).toContain(res.json.id)
    expect((await alertsOf(b.id)).map((x) => x.ruleId)).toContain(res.json.id)
    await makeUser(s.ctx, 'viewer@engine.example', 'org_viewer', { orgId })
    const viewer = await bearerClient(s, 'viewer@engine.example', testPassword)
    expect((await viewer.get(`/api/v1/alert-rules/${res.json.id}`)).status).toBe(200)
    expect((await viewer.patch(`/api/v1/alert-rules/${res.json.id}`, { name: 'mine' })).status).toBe(403)
    expect((await viewer.post(`/api/v1/alerts/${(await alertsOf(a.id))[0].id}/acknowledge`)).status).toBe(403)
    // A member limited to another site sees none of this site's alerts.
    const elsewhere = (await makeSite(s.ctx, orgId, 'Elsewhere')).id
    await makeUser(s.ctx, 'sitetech@engine.example', 'org_technician', { orgId, siteIds: [elsewhere] })
    const siteTech = await bearerClient(s, 'sitetech@engine.example', testPassword)
    const alertA = (await alertsOf(a.id))[0]
    expect((await siteTech.get(`/api/v1/alerts/${alertA.id}`)).status).toBe(404)
    expect((await siteTech.get('/api/v1/alerts?status=all')).json.data.filter((x: { siteId: string }) => x.siteId !== elsewhere)).toEqual([])
  })
})

describe('rule definitions', () => {
  test('invalid rules are a 400 naming the field, and nothing is written', async () => {
    const base = { orgId, name: 'Broken rule', severity: 'high' }
    const cases: [Record<string, unknown>, string][] = [
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_temperature', operator: 'gt', value: 90 }]) }, 'conditions/items/0/metric'],
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'bigger', value: 90 }]) }, 'conditions/items/0/operator'],
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90, durationMinutes: -1 }]) }, 'conditions/items/0/durationMinutes'],
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt' }]) }, 'conditions/items/0/value'],
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 150 }]) }, 'conditions/items/0/value'],
      [{ conditions: cond([{ type: 'offline' }]) }, 'conditions/items/0/minutes'],
      [{ conditions: cond([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 9 }, { type: 'software', event: 'installed', pattern: '*' }]) }, 'conditions/items/1/event'],
      [{ conditions: cond([{ type: 'nonsense' }]) }, 'conditions/items/0/type'],
      [{ conditions: cond([]) }, 'conditions/items'],
      [{ severity: 'urgent', conditions: cond([{ type: 'offline', minutes: 5 }]) }, 'severity'],
      [{ conditions: cond([{ type: 'offline', minutes: 5 }]), titleTemplate: 'Down: {{device.colour}}' }, 'titleTemplate'],
      [{ conditions: cond([{ type: 'offline', minutes: 5 }]), targets: { kind: 'devices', ids: ['nope'] } }, 'targets/ids'],
      [{ conditions: cond([{ type: 'offline', minutes: 5 }]), channelIds: ['nope'] }, 'channelIds/0'],
      [{ conditions: cond([{ type: 'offline', minutes: 5 }]), cooldownMinutes: -3 }, 'cooldownMinutes'],
    ]
    for (const [over, field] of cases) {
      const res = await admin.post('/api/v1/alert-rules', { ...base, ...over })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
    expect((await admin.get('/api/v1/alert-rules?search=Broken')).json.data).toEqual([])
  })

  test('at least 15 built-in templates, each a valid rule', async () => {
    const templates = (await admin.get('/api/v1/alert-templates')).json.data
    expect(templates.length).toBeGreaterThanOrEqual(15)
    for (const tpl of templates) {
      const res = await admin.post('/api/v1/alert-rules/from-template', { templateKey: tpl.key, orgId })
      expect({ key: tpl.key, status: res.status }).toEqual({ key: tpl.key, status: 201 })
      await admin.patch(`/api/v1/alert-rules/${res.json.id}`, { enabled: false })
    }
  })
})

describe('custom metrics from scripts', () => {
  test('BREEZE_METRIC lines of a script output feed custom-metric rules, leaving other rules alone', async () => {
    const { parseCustomMetrics, recordCustomMetrics } = await import('./custom-metrics')
    expect(parseCustomMetrics('hello\nBREEZE_METRIC queue_depth=12\nBREEZE_METRIC  app.latency_ms = 6500.5\nBREEZE_METRIC bad=abc\nBREEZE_METRIC queue_depth=1500\n')).toEqual({ queue_depth: 1500, 'app.latency_ms': 6500.5 })
    const d = await device()
    await rule([d.id], { conditions: cond([{ type: 'metric', metric: 'custom.app.latency_ms', operator: 'gt', value: 5000 }]), titleTemplate: 'slow {{value}}' })
    await rule([d.id], { conditions: cond([{ type: 'pending_reboot', days: 1 }]) })
    await heartbeat(s.ctx, d, { pendingReboot: true })
    s.clock.advance(25 * 60 * min)
    await recordCustomMetrics(s.ctx, d, parseCustomMetrics('BREEZE_METRIC app.latency_ms=6500'))
    expect((await alertsOf(d.id)).map((a) => a.title)).toEqual(['slow 6500'])
    // The reboot condition kept its start: the next real heartbeat fires it (1 day passed).
    await heartbeat(s.ctx, d, { pendingReboot: true })
    expect(await alertsOf(d.id)).toHaveLength(2)
  })
})
