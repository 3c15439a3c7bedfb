// Schedules in several time zones, across daylight-saving changes, driven through the real job
// queue with a controllable clock; time windows; a missed fire while the server was down.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { bearerClient, runJobs } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { checkCron, inTimeWindow, nextRuns } from './schedule'

const iso = (xs: number[]) => xs.map((x) => new Date(x).toISOString())
const at = (s: string) => Date.parse(s)

describe('cron in time zones', () => {
  test('spring forward: a time that does not exist runs at the next valid time, once', () => {
    // 2025-03-09 02:30 does not exist in New York (clocks jump 02:00 → 03:00 EDT).
    expect(iso(nextRuns('30 2 * * *', 'America/New_York', at('2025-03-08T12:00:00Z'), 3))).toEqual(['2025-03-09T07:00:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-11T06:30:00.000Z'])
    // London: 2025-03-30 01:30 GMT does not exist (01:00 → 02:00 BST).
    expect(iso(nextRuns('30 1 * * *', 'Europe/London', at('2025-03-29T12:00:00Z'), 2))).toEqual(['2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z'])
  })

  test('fall back: a repeated wall time runs once a day', () => {
    // 2025-11-02 01:30 happens twice in New York; the daily job runs at the first.
    expect(iso(nextRuns('30 1 * * *', 'America/New_York', at('2025-11-01T12:00:00Z'), 3))).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z', '2025-11-04T06:30:00.000Z'])
    // Sydney, southern hemisphere: 2025-04-06 02:30 happens twice (AEDT then AEST).
    expect(iso(nextRuns('30 2 * * *', 'Australia/Sydney', at('2025-04-05T00:00:00Z'), 2))).toEqual(['2025-04-05T15:30:00.000Z', '2025-04-06T16:30:00.000Z'])
  })

  test('the same expression, other zones, no DST', () => {
    expect(iso(nextRuns('0 9 * * 1-5', 'Asia/Tokyo', at('2025-06-06T00:30:00Z'), 2))).toEqual(['2025-06-09T00:00:00.000Z', '2025-06-10T00:00:00.000Z'])
    expect(iso(nextRuns('15 */6 * * *', 'UTC', at('2025-06-06T00:30:00Z'), 2))).toEqual(['2025-06-06T06:15:00.000Z', '2025-06-06T12:15:00.000Z'])
  })

  test('invalid expressions say what is wrong', () => {
    expect(checkCron('0 2 * *')).toContain('five fields')
    expect(checkCron('0 25 * * *')).toContain('hour')
    expect(checkCron('0 0 31 2 *')).toContain('never')
    expect(checkCron('*/15 8-18 * * MON-FRI')).toBeNull()
  })

  test('time windows, including one across midnight, in local time', () => {
    const w = { days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00', timezone: 'Europe/Paris' }
    expect(inTimeWindow(at('2025-06-02T21:30:00Z'), w)).toBe(true) // Mon 23:30 CEST
    expect(inTimeWindow(at('2025-06-03T03:00:00Z'), w)).toBe(true) // Tue 05:00, Monday's window
    expect(inTimeWindow(at('2025-06-03T05:00:00Z'), w)).toBe(false) // Tue 07:00
    expect(inTimeWindow(at('2025-06-08T02:00:00Z'), w)).toBe(false) // Sun 04:00: Saturday's window is not chosen
    expect(inTimeWindow(at('2025-06-02T10:00:00Z'), { days: [1], from: '09:00', to: '17:00', timezone: 'America/Los_Angeles' })).toBe(false) // 03:00 PDT
  })
})

describe('schedule triggers through the job queue', () => {
  let s: TestServer
  let c: TestClient
  let orgId: string
  let deviceId: string

  beforeAll(async () => {
    s = await startTestServer()
    // Friday 2025-03-28, 12:00 UTC: Europe/Berlin switches to summer time on Sunday the 30th.
    s.clock.set(at('2025-03-28T12:00:00Z'))
    const a = await setupAdmin(s.ctx)
    orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
    const site = await makeSite(s.ctx, orgId, 'HQ')
    deviceId = (await makeDevice(s.ctx, { orgId, siteId: site.id, osType: 'linux' })).id
    c = await bearerClient(s, a.email, testPassword)
  })
  afterAll(() => s.stop())

  const runsOf = async (id: string) => (await c.get(`/api/v1/automations/${id}/runs`)).json.runs as { triggerKey: string; status: string; triggerData: { scheduledFor: string } }[]
  const tick = async (to: string) => { s.clock.set(at(to)); await runJobs(s.ctx); await runJobs(s.ctx) }

  test('09:00 Berlin fires at 08:00 UTC before the change and 07:00 UTC after it; each time once', async () => {
    const made = await c.post('/api/v1/automations', { orgId, name: 'Morning', trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Berlin' }, actions: [{ id: 't', type: 'update_device', addTags: ['morning'], target: { deviceIds: [deviceId] } }] })
    expect(made.status).toBe(201)
    await tick('2025-03-29T07:59:00Z')
    expect(await runsOf(made.json.id)).toHaveLength(0)
    await tick('2025-03-29T08:00:00Z')
    await tick('2025-03-29T08:00:30Z')
    expect((await runsOf(made.json.id)).map((r) => r.triggerData.scheduledFor)).toEqual(['2025-03-29T08:00:00.000Z'])
    await tick('2025-03-30T06:59:00Z')
    expect(await runsOf(made.json.id)).toHaveLength(1)
    await tick('2025-03-30T07:00:00Z')
    const runs = await runsOf(made.json.id)
    expect(runs.map((r) => r.triggerData.scheduledFor)).toEqual(['2025-03-30T07:00:00.000Z', '2025-03-29T08:00:00.000Z'])
    expect(runs.every((r) => r.status === 'completed')).toBe(true)
  })

  test('editing the cron reschedules; disabling stops it; a missed fire runs once when the server is back', async () => {
    const made = await c.post('/api/v1/automations', { orgId, name: 'Hourly', trigger: { type: 'schedule', cron: '0 * * * *', timezone: 'UTC' }, actions: [{ id: 't', type: 'update_device', addTags: ['hourly'], target: { deviceIds: [deviceId] } }] })
    const id = made.json.id
    await c.patch(`/api/v1/automations/${id}`, { trigger: { type: 'schedule', cron: '30 * * * *', timezone: 'UTC' } })
    await tick('2025-03-30T07:29:00Z')
    expect(await runsOf(id)).toHaveLength(0)
    await tick('2025-03-30T07:30:00Z')
    // The job queued for the old expression (08:00) does nothing.
    await tick('2025-03-30T08:00:00Z')
    await tick('2025-03-30T08:30:00Z')
    expect((await runsOf(id)).map((r) => r.triggerData.scheduledFor)).toEqual(['2025-03-30T08:30:00.000Z', '2025-03-30T07:30:00.000Z'])
    await c.post(`/api/v1/automations/${id}/disable`)
    await tick('2025-03-30T09:30:00Z')
    expect(await runsOf(id)).toHaveLength(2)
    await c.post(`/api/v1/automations/${id}/enable`)
    // The server is "down" for three hours: 10:30, 11:30 and 12:30 are missed; one catch-up run, then on schedule.
    await tick('2025-03-30T12:45:00Z')
    expect((await runsOf(id)).map((r) => r.triggerData.scheduledFor)).toEqual(['2025-03-30T10:30:00.000Z', '2025-03-30T08:30:00.000Z', '2025-03-30T07:30:00.000Z'])
    await tick('2025-03-30T13:30:00Z')
    expect((await runsOf(id)).map((r) => r.triggerData.scheduledFor)[0]).toBe('2025-03-30T13:30:00.000Z')
  })

  test('a time window keeps a schedule from running outside it', async () => {
    const made = await c.post('/api/v1/automations', {
      orgId, name: 'Business hours', trigger: { type: 'schedule', cron: '0 * * * *', timezone: 'UTC' },
      conditions: { timeWindow: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timezone: 'Europe/Berlin' } },
      actions: [{ id: 't', type: 'update_device', addTags: ['office'], target: { deviceIds: [deviceId] } }],
    })
    await tick('2025-03-30T14:00:00Z') // Sunday
    await tick('2025-03-31T06:00:00Z') // Monday 08:00 CEST
    expect(await runsOf(made.json.id)).toHaveLength(0)
    await tick('2025-03-31T07:00:00Z') // Monday 09:00 CEST
    expect(await runsOf(made.json.id)).toHaveLength(1)
  })
})
