// Roll-ups against hand-computed values, retention, and the metrics API's resolutions.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { addMetrics, makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'
import { DAY, HOUR, pickResolution, retentionDefaults, rollupMetrics } from './metrics'

let s: TestServer
let admin: TestClient
let deviceId: string
let otherOrgDevice: string
let day: number // midnight UTC two days ago

const rollups = (resolution: 'hour' | 'day') => s.ctx.db.select().from(t.deviceMetricRollups)
  .where(and(eq(t.deviceMetricRollups.deviceId, deviceId), eq(t.deviceMetricRollups.resolution, resolution))).orderBy(t.deviceMetricRollups.bucket)

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const org = await makeOrg(s.ctx, a.partnerId, 'Metrics Org')
  const site = await makeSite(s.ctx, org.id, 'HQ')
  const other = await makeOrg(s.ctx, a.partnerId, 'Other Org')
  const otherSite = await makeSite(s.ctx, other.id, 'Elsewhere')
  deviceId = (await makeDevice(s.ctx, { orgId: org.id, siteId: site.id })).id
  otherOrgDevice = (await makeDevice(s.ctx, { orgId: other.id, siteId: otherSite.id })).id
  await makeUser(s.ctx, 'viewer@metrics.example', 'org_viewer', { orgId: other.id })
  admin = s.client()
  await admin.login(a.email, testPassword)
  day = Math.floor(s.clock.now() / DAY) * DAY - 2 * DAY
  const at = (h: number, m: number) => day + h * HOUR + m * 60_000
  // Hour 10: cpu 10, 20, 40 · ram –, 30, 50 · net in 100, 200, 300
  // Hour 11: cpu 50, 70    · ram –, –      · net in 1000, –
  await addMetrics(s.ctx, deviceId, [
    { at: at(10, 0), cpuPercent: 10, ramPercent: null, diskPercent: 60, netInBytes: 100, processCount: 100 },
    { at: at(10, 20), cpuPercent: 20, ramPercent: 30, diskPercent: 61, netInBytes: 200, processCount: 101 },
    { at: at(10, 59), cpuPercent: 40, ramPercent: 50, diskPercent: 62, netInBytes: 300, processCount: 102 },
    { at: at(11, 0), cpuPercent: 50, ramPercent: null, diskPercent: 70, netInBytes: 1000, processCount: 110 },
    { at: at(11, 30), cpuPercent: 70, ramPercent: null, diskPercent: 71, netInBytes: null, processCount: 111 },
  ])
  await addMetrics(s.ctx, otherOrgDevice, [{ at: at(10, 5), cpuPercent: 99 }])
})
afterAll(() => s.stop())

describe('roll-ups', () => {
  test('the roll-up job writes hourly and daily roll-ups matching hand-computed values', async () => {
    s.clock.advance(5 * 60_000 + 1)
    await s.ctx.jobs.runDue()
    const hours = await rollups('hour')
    expect(hours.map((h) => ({ ...h, deviceId: undefined }))).toEqual([
      // avg 70/3 = 23.3 → 23; ram avg of 30 and 50; bytes add up; processes avg 101
      { deviceId: undefined, resolution: 'hour', bucket: day + 10 * HOUR, samples: 3, cpuAvg: 23, cpuMin: 10, cpuMax: 40, ramAvg: 40, ramMin: 30, ramMax: 50, diskAvg: 61, diskMin: 60, diskMax: 62, netInBytes: 600, netOutBytes: null, processAvg: 101 },
      // avg (50 + 70) / 2 = 60; no ram at all; 110.5 rounds to 111
      { deviceId: undefined, resolution: 'hour', bucket: day + 11 * HOUR, samples: 2, cpuAvg: 60, cpuMin: 50, cpuMax: 70, ramAvg: null, ramMin: null, ramMax: null, diskAvg: 71, diskMin: 70, diskMax: 71, netInBytes: 1000, netOutBytes: null, processAvg: 111 },
    ])
    const days = await rollups('day')
    // cpu: (23·3 + 60·2) / 5 = 37.8 → 38; ram: only hour 10 has values → 40; disk (61·3 + 71·2)/5 = 65
    expect(days.map((d) => ({ ...d, deviceId: undefined }))).toEqual([
      { deviceId: undefined, resolution: 'day', bucket: day, samples: 5, cpuAvg: 38, cpuMin: 10, cpuMax: 70, ramAvg: 40, ramMin: 30, ramMax: 50, diskAvg: 65, diskMin: 60, diskMax: 71, netInBytes: 1600, netOutBytes: null, processAvg: 105 },
    ])
  })

  test('running again changes nothing; a new hour is rolled up once it is complete', async () => {
    await rollupMetrics(s.ctx)
    expect((await rollups('hour')).length).toBe(2)
    const hourNow = Math.floor(s.clock.now() / HOUR) * HOUR
    await addMetrics(s.ctx, deviceId, [{ at: hourNow + 1000, cpuPercent: 5 }])
    await rollupMetrics(s.ctx)
    expect((await rollups('hour')).some((h) => h.bucket === hourNow)).toBe(false) // the current hour is not complete
    s.clock.advance(HOUR + 3 * 60_000)
    await rollupMetrics(s.ctx)
    expect((await rollups('hour')).find((h) => h.bucket === hourNow)).toMatchObject({ samples: 1, cpuAvg: 5 })
  })

  test('retention prunes raw samples after rawDays and roll-ups after theirs', async () => {
    const old = Math.floor((s.clock.now() - 10 * DAY) / HOUR) * HOUR
    await s.ctx.db.insert(t.deviceMetricRollups).values([
      { deviceId, resolution: 'hour', bucket: Math.floor((s.clock.now() - 100 * DAY) / HOUR) * HOUR, samples: 1, cpuAvg: 1, cpuMin: 1, cpuMax: 1, ramAvg: null, ramMin: null, ramMax: null, diskAvg: null, diskMin: null, diskMax: null, netInBytes: null, netOutBytes: null, processAvg: null },
      { deviceId, resolution: 'day', bucket: Math.floor((s.clock.now() - 800 * DAY) / DAY) * DAY, samples: 1, cpuAvg: 1, cpuMin: 1, cpuMax: 1, ramAvg: null, ramMin: null, ramMax: null, diskAvg: null, diskMin: null, diskMax: null, netInBytes: null, netOutBytes: null, processAvg: null },
    ])
    await addMetrics(s.ctx, deviceId, [{ at: old + 60_000, cpuPercent: 33 }])
    await rollupMetrics(s.ctx)
    const raw = await s.ctx.db.select().from(t.deviceMetrics).where(eq(t.deviceMetrics.deviceId, deviceId))
    expect(raw.some((r) => r.at === old + 60_000)).toBe(false)
    expect(raw.some((r) => r.at === day + 10 * HOUR)).toBe(true) // two days old: kept
    expect((await rollups('hour')).some((h) => h.bucket < s.clock.now() - 90 * DAY)).toBe(false)
    expect((await rollups('day')).some((h) => h.bucket < s.clock.now() - 730 * DAY)).toBe(false)
    expect((await rollups('day')).length).toBe(1)
  })
})

describe('metrics API', () => {
  test('the resolution follows the range: raw for a day, hourly for a week or a month, daily for a year', () => {
    const now = Date.UTC(2026, 5, 1)
    expect(pickResolution(now - HOUR, now, now, retentionDefaults)).toBe('raw')
    expect(pickResolution(now - DAY, now, now, retentionDefaults)).toBe('raw')
    expect(pickResolution(now - 7 * DAY, now, now, retentionDefaults)).toBe('hour')
    expect(pickResolution(now - 30 * DAY, now, now, retentionDefaults)).toBe('hour')
    expect(pickResolution(now - 365 * DAY, now, now, retentionDefaults)).toBe('day')
    // A short range whose raw samples have aged out is served from roll-ups.
    expect(pickResolution(now - 10 * DAY, now - 9 * DAY, now, retentionDefaults)).toBe('hour')
  })

  test('GET /metrics returns raw samples, hourly and daily points', async () => {
    const from = new Date(day + 9 * HOUR).toISOString()
    const to = new Date(day + 12 * HOUR).toISOString()
    const raw = await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${from}&to=${to}`)
    expect(raw.status).toBe(200)
    expect(raw.json.resolution).toBe('raw')
    expect(raw.json.points.map((p: { cpu: number }) => p.cpu)).toEqual([10, 20, 40, 50, 70])
    const hourly = await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${from}&to=${to}&resolution=hour`)
    expect(hourly.json.points.map((p: { at: number; cpu: number; cpuMax: number }) => [p.at, p.cpu, p.cpuMax])).toEqual([[day + 10 * HOUR, 23, 40], [day + 11 * HOUR, 60, 70]])
    const week = await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${s.clock.now() - 7 * DAY}&to=${s.clock.now()}`)
    expect(week.json.resolution).toBe('hour')
    expect(week.json.points.find((p: { at: number }) => p.at === day + 10 * HOUR)?.cpu).toBe(23)
    const year = await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${s.clock.now() - 365 * DAY}`)
    expect(year.json.resolution).toBe('day')
    expect(year.json.points.find((p: { at: number }) => p.at === day)?.cpu).toBe(38)
  })

  test('the newest, not yet rolled-up hour is computed from raw samples', async () => {
    const hourNow = Math.floor(s.clock.now() / HOUR) * HOUR
    await addMetrics(s.ctx, deviceId, [{ at: hourNow + 10, cpuPercent: 80 }, { at: hourNow + 20, cpuPercent: 90 }])
    const res = await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${s.clock.now() - 3 * HOUR}&to=${s.clock.now()}&resolution=hour`)
    expect(res.json.points.at(-1)).toMatchObject({ at: hourNow, samples: 2, cpu: 85, cpuMin: 80, cpuMax: 90 })
  })

  test('bad ranges are a 400 naming the field; other tenants\' devices are a 404', async () => {
    expect((await admin.get(`/api/v1/devices/${deviceId}/metrics?from=yesterday`)).json.error.details.field).toBe('from')
    expect((await admin.get(`/api/v1/devices/${deviceId}/metrics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).status).toBe(400)
    expect((await admin.get(`/api/v1/devices/${deviceId}/metrics?from=${s.clock.now() - 30 * DAY}&resolution=raw`)).json.error.details.field).toBe('resolution')
    expect((await admin.get(`/api/v1/devices/${deviceId}/metrics?resolution=minute`)).status).toBe(400)
    const viewer = s.client()
    await viewer.login('viewer@metrics.example', testPassword)
    expect((await viewer.get(`/api/v1/devices/${deviceId}/metrics`)).status).toBe(404)
    expect((await viewer.get(`/api/v1/devices/${otherOrgDevice}/metrics?from=${day}&to=${day + DAY}`)).json.points.map((p: { cpu: number }) => p.cpu)).toEqual([99])
  })

  test('retention settings: platform admins only, validated, defaults 7 / 90 / 730 days', async () => {
    const viewer = s.client()
    await viewer.login('viewer@metrics.example', testPassword)
    expect((await admin.get('/api/v1/device-metrics/retention')).json).toEqual({ rawDays: 7, hourlyDays: 90, dailyDays: 730 })
    expect((await viewer.put('/api/v1/device-metrics/retention', { rawDays: 3, hourlyDays: 30, dailyDays: 365 })).status).toBe(403)
    const bad = await admin.put('/api/v1/device-metrics/retention', { rawDays: 30, hourlyDays: 14, dailyDays: 365 })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('hourlyDays')
    expect((await admin.put('/api/v1/device-metrics/retention', { rawDays: 3, hourlyDays: 30, dailyDays: 365 })).status).toBe(200)
    expect((await admin.get('/api/v1/device-metrics/retention')).json).toEqual({ rawDays: 3, hourlyDays: 30, dailyDays: 365 })
  })

  test('the retention page: platform admins save it, others get 403, bad values come back marked', async () => {
    await admin.get('/settings/metrics')
    const bad = await admin.form('/settings/metrics', { rawDays: '10', hourlyDays: '8', dailyDays: '365' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('field invalid')
    expect((await admin.form('/settings/metrics', { rawDays: '7', hourlyDays: '90', dailyDays: '730' })).status).toBe(303)
    expect((await admin.get('/api/v1/device-metrics/retention')).json).toEqual({ rawDays: 7, hourlyDays: 90, dailyDays: 730 })
    const viewer = s.client()
    await viewer.login('viewer@metrics.example', testPassword)
    expect((await viewer.get('/settings/metrics')).status).toBe(403)
  })
})
