// Power actions against the server with protocol-level agents (they answer as the test tells
// them): who may do what, validation naming the field, what a reboot stores and sends (audit,
// history, "Device rebooted" when the device comes back), a time ("at") as a job, a deferral
// scheduling the action again, "reboot if pending", wake-on-LAN relay selection, bulk with the
// fan-out confirmation, and the Power menu's form.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeDevice, makeDevices } from '../testing/devices'
import { enableTestMfa, makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'
import { listRebootsAwaitingBoot } from './power-repo'

let s: TestServer
let anon: TestClient
let viewer: TestClient
let tech: TestClient
let otherTech: TestClient
let admin: TestClient
let orgA: string
let siteA: string
let offlineId: string

async function signIn(email: string): Promise<TestClient> {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBeLessThan(400)
  return c
}

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  offlineId = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux' })).id
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })
  anon = s.client()
  admin = await signIn(a.email)
  viewer = await signIn('viewer@a.example')
  tech = await signIn('tech@a.example')
  otherTech = await signIn('tech@b.example')
}, 60_000)
afterAll(() => s.stop())

async function connectedDevice(): Promise<ProtocolAgent> {
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'protocol' })).json.key
  const agent = await enrollProtocolAgent(s, key)
  await agent.connect()
  return agent
}

const answered = new Set<string>()
/** answer acknowledges the next command of `type` and reports `result` for it; returns the command's payload. */
async function answer(agent: ProtocolAgent, type: string, result: Record<string, unknown> | null, status = 'completed', error?: string) {
  const command = await waitFor(() => agent.inbox.map((m) => (m.type === 'command' && m.command.type === type && !answered.has(m.command.id) ? m.command : null)).find(Boolean), 10_000, `a ${type} command`)
  answered.add(command.id)
  agent.send({ type: 'command.ack', id: command.id })
  agent.send({ type: 'command.result', id: command.id, status, result, error: error ?? null })
  return { id: command.id, payload: JSON.parse(command.payload) }
}

const changes = async (deviceId: string) => (await admin.get(`/api/v1/devices/${deviceId}/changes?limit=50`)).json.data as { action: string; summary: string }[]
const done = { outcome: 'done', command: ['systemctl', 'reboot'], users: ['alice'], output: '' }

describe('who may do what', () => {
  const bodies = [{ action: 'reboot' }, { action: 'shutdown', message: 'bye' }, { action: 'wake' }, { action: 'checkin' }]
  for (const body of bodies) {
    test(`${body.action}: 401 signed out, 403 viewer, 404 other tenant`, async () => {
      const url = `/api/v1/devices/${offlineId}/actions`
      expect((await anon.post(url, body)).status).toBe(401)
      const v = await viewer.post(url, body)
      expect({ status: v.status, code: v.json.error?.code }).toEqual({ status: 403, code: 'forbidden' })
      expect((await otherTech.post(url, body)).status).toBe(404)
      const bulk = await viewer.post('/api/v1/devices/actions', { ...body, deviceIds: [offlineId] })
      expect(bulk.status).toBe(403)
      expect((await otherTech.post('/api/v1/devices/actions', { ...body, deviceIds: [offlineId] })).status).toBe(404)
    })
  }

  test('pages: the viewer has no Power menu and is refused; a technician has it', async () => {
    expect((await viewer.get(`/devices/${offlineId}`)).text).not.toContain('power-menu')
    expect((await viewer.request('POST', `/devices/${offlineId}/power`, { form: { action: 'reboot' } })).status).toBe(403)
    expect((await otherTech.request('POST', `/devices/${offlineId}/power`, { form: { action: 'reboot' } })).status).toBe(404)
    const page = (await tech.get(`/devices/${offlineId}`)).text
    expect(page).toContain('power-menu')
    expect(page).toContain(`action="/devices/${offlineId}/power"`)
  })
})

describe('validation names the field and writes nothing', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown action', { action: 'explode' }, 'action'],
    ['at in the past', { action: 'reboot', at: '2001-01-01T00:00:00Z' }, 'at'],
    ['at not a time', { action: 'reboot', at: 'tomorrow-ish' }, 'at'],
    ['message too long', { action: 'reboot', message: 'x'.repeat(501) }, 'message'],
    ['delay too long', { action: 'reboot', delaySeconds: 99_999 }, 'delaySeconds'],
    ['wake takes no message', { action: 'wake', message: 'hi' }, 'message'],
    ['onlyIfPending is for reboot', { action: 'shutdown', onlyIfPending: true }, 'onlyIfPending'],
    ['unknown field', { action: 'reboot', force: true }, 'force'],
  ]
  for (const [name, body, field] of cases) {
    test(name, async () => {
      const before = (await s.ctx.db.select().from(t.agentCommands)).length
      const res = await tech.post(`/api/v1/devices/${offlineId}/actions`, body)
      expect(res.status).toBe(400)
      expect(JSON.stringify(res.json)).toContain(field)
      expect((await s.ctx.db.select().from(t.agentCommands)).length).toBe(before)
    })
  }
})

describe('reboot and shutdown', () => {
  test('an offline device is not rebooted later by surprise (409); a time is scheduled instead', async () => {
    const now409 = await tech.post(`/api/v1/devices/${offlineId}/actions`, { action: 'reboot' })
    expect(now409.status).toBe(409)
    const at = Date.now() + 3600_000
    const res = await tech.post(`/api/v1/devices/${offlineId}/actions`, { action: 'shutdown', at: new Date(at).toISOString(), message: 'Maintenance tonight' })
    expect(res.status).toBe(202)
    expect(res.json).toMatchObject({ action: 'shutdown', status: 'scheduled', at })
    const [job] = await s.ctx.db.select().from(t.jobs).where(eq(t.jobs.id, res.json.jobId))
    expect(job).toMatchObject({ type: 'device-actions.power', status: 'pending', runAt: at })
    expect((job.payload as { payload: { message: string } }).payload.message).toBe('Maintenance tonight')
    expect((await changes(offlineId))[0].summary).toContain('Shutdown scheduled for')
    const audit = (await admin.get('/api/v1/audit/logs?action=device.power_shutdown')).json.data
    expect(audit[0]).toMatchObject({ resourceId: offlineId, details: { at, message: 'Maintenance tonight', jobId: res.json.jobId } })

    // Listed for anyone who sees the device, on the page too; cancelled only with devices:power.
    const listed = (await viewer.get(`/api/v1/devices/${offlineId}/actions/scheduled`)).json
    expect(listed).toEqual([{ jobId: res.json.jobId, action: 'shutdown', at, by: 'tech@a.example', message: 'Maintenance tonight', deferred: false }])
    expect((await viewer.get(`/devices/${offlineId}`)).text).toContain('Maintenance tonight')
    expect((await viewer.get(`/devices/${offlineId}`)).text).not.toContain(`/power/${res.json.jobId}/cancel`)
    expect((await tech.get(`/devices/${offlineId}`)).text).toContain(`/power/${res.json.jobId}/cancel`)
    const url = `/api/v1/devices/${offlineId}/actions/scheduled/${res.json.jobId}`
    expect((await otherTech.get(`/api/v1/devices/${offlineId}/actions/scheduled`)).status).toBe(404)
    expect((await viewer.request('DELETE', url)).status).toBe(403)
    expect((await otherTech.request('DELETE', url)).status).toBe(404)
    expect((await anon.request('DELETE', url)).status).toBe(401)
    const cancel = await tech.request('DELETE', url)
    expect({ status: cancel.status, body: cancel.json }).toEqual({ status: 200, body: { cancelled: true } })
    expect((await tech.request('DELETE', url)).status).toBe(404)
    expect(await s.ctx.db.select().from(t.jobs).where(eq(t.jobs.id, res.json.jobId))).toEqual([])
    expect((await changes(offlineId))[0].summary).toContain('cancelled by tech@a.example')
    expect((await admin.get('/api/v1/audit/logs?action=device.power_cancel')).json.data[0]).toMatchObject({ resourceId: offlineId, details: { jobId: res.json.jobId, action: 'shutdown' } })
  })

  test('a reboot reaches the agent with the message; the history says so, and "Device rebooted" when it comes back', async () => {
    const agent = await connectedDevice()
    const sent = tech.post(`/api/v1/devices/${agent.deviceId}/actions`, { action: 'reboot', message: 'Patching <now>', delaySeconds: 0 })
    const command = await answer(agent, 'power.reboot', done)
    expect(command.payload).toEqual({ message: 'Patching <now>', delaySeconds: 0, onlyIfPending: false, deferralsLeft: 0, deferMinutes: 60, promptSeconds: 120 })
    const res = await sent
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ action: 'reboot', status: 'completed', result: { outcome: 'done', users: ['alice'] } })
    await waitFor(async () => (await changes(agent.deviceId)).some((c) => c.action === 'power_reboot_done'), 10_000, 'the result in the history')
    const history = await changes(agent.deviceId)
    expect(history.find((c) => c.action === 'power_reboot')!.summary).toBe('Reboot requested by tech@a.example (message "Patching <now>")')
    expect(history.find((c) => c.action === 'power_reboot_done')!.summary).toBe('Reboot started on the device; signed in: alice')
    const audit = (await admin.get('/api/v1/audit/logs?action=device.power_reboot')).json.data
    expect(audit[0]).toMatchObject({ resourceId: agent.deviceId, details: { message: 'Patching <now>', commandId: command.id } })

    // A restarted server would know it still waits for this device to boot (from the stored command).
    const awaiting = async () => (await listRebootsAwaitingBoot(s.ctx.db, 0)).map((r) => r.deviceId)
    expect(await awaiting()).toContain(agent.deviceId)

    // The machine comes back: a heartbeat with a short uptime.
    const hb = await fetch(`${s.url}/api/v1/agents/${agent.agentId}/heartbeat`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: agent.auth },
      body: JSON.stringify({ agentVersion: '0.1.0', hardwareId: agent.hardwareId, collectedAt: Date.now(), uptimeSeconds: 3, lastUser: null, loggedInUsers: [], pendingReboot: false,
        metrics: { cpuPercent: 1, ramPercent: 1, ramUsedMb: 1, diskPercent: 1, diskUsedGb: 1, volumes: {}, netInBytes: 0, netOutBytes: 0, processCount: 10 } }),
    })
    expect(hb.status).toBe(200)
    await waitFor(async () => (await changes(agent.deviceId)).some((c) => c.action === 'rebooted'), 10_000, '"Device rebooted" in the history')
    expect(await awaiting()).not.toContain(agent.deviceId)
    agent.close()
  })

  test('the user defers: the reboot is scheduled again deferMinutes later with one deferral fewer', async () => {
    const agent = await connectedDevice()
    const res = await tech.post(`/api/v1/devices/${agent.deviceId}/actions`, { action: 'reboot', deferrals: 2, deferMinutes: 30 })
    expect(res.status).toBe(202)
    const command = await answer(agent, 'power.reboot', { ...done, outcome: 'deferred' })
    expect(command.payload).toMatchObject({ deferralsLeft: 2, deferMinutes: 30 })
    const job = await waitFor(async () => (await s.ctx.db.select().from(t.jobs).where(and(eq(t.jobs.type, 'device-actions.power'), eq(t.jobs.uniqueKey, `power:${agent.deviceId}:defer:${command.id}`))))[0], 10_000, 'the deferred job')
    expect((job.payload as { payload: { deferralsLeft: number } }).payload.deferralsLeft).toBe(1)
    expect(job.runAt - Date.now()).toBeGreaterThan(29 * 60_000)
    expect((await changes(agent.deviceId)).find((c) => c.action === 'power_reboot_deferred')!.summary).toContain('1 deferral left')
    agent.close()
  })

  test('a scheduled reboot is sent when it is due', async () => {
    const agent = await connectedDevice()
    const res = await tech.post(`/api/v1/devices/${agent.deviceId}/actions`, { action: 'reboot', at: Date.now() + 1500, delaySeconds: 0 })
    expect(res.json.status).toBe('scheduled')
    const command = await answer(agent, 'power.reboot', done)
    expect(command.payload.delaySeconds).toBe(0)
    agent.close()
  })

  test('reboot if pending: skipped when the device reports none, sent when it does', async () => {
    const agent = await connectedDevice()
    const skip = await tech.post(`/api/v1/devices/${agent.deviceId}/actions`, { action: 'reboot', onlyIfPending: true })
    expect({ status: skip.status, body: skip.json }).toEqual({ status: 202, body: { action: 'reboot', status: 'skipped', reason: 'no reboot pending' } })
    await s.ctx.db.update(t.devices).set({ pendingReboot: true }).where(eq(t.devices.id, agent.deviceId))
    const sent = tech.post(`/api/v1/devices/${agent.deviceId}/actions`, { action: 'reboot', onlyIfPending: true })
    const command = await answer(agent, 'power.reboot', { ...done, outcome: 'not_needed' })
    expect(command.payload.onlyIfPending).toBe(true)
    expect((await sent).json.result.outcome).toBe('not_needed')
    agent.close()
  })

  test('the Power menu form sends a reboot at a time, with the message', async () => {
    const at = new Date(Date.now() + 7200_000).toISOString()
    const res = await tech.request('POST', `/devices/${offlineId}/power`, { form: { action: 'reboot', when: 'at', at, message: 'From the menu', delaySeconds: '300', deferrals: '1', deferMinutes: '15' } })
    expect(res.status).toBe(303)
    const summary = (await changes(offlineId))[0].summary
    expect(summary).toContain('Reboot scheduled for')
    expect(summary).toContain('300 s warning, 1 deferral of 15 min, message "From the menu"')
    // …and Cancel from the page's callout.
    const [job] = (await tech.get(`/api/v1/devices/${offlineId}/actions/scheduled`)).json
    expect((await tech.request('POST', `/devices/${offlineId}/power/${job.jobId}/cancel`, { form: {} })).status).toBe(303)
    expect((await tech.get(`/api/v1/devices/${offlineId}/actions/scheduled`)).json).toEqual([])
  })
})

describe('wake-on-LAN', () => {
  test('another online agent on the subnet sends the packet; none: a clear 409', async () => {
    const relay = await connectedDevice()
    await s.ctx.db.insert(t.deviceNetwork).values({ id: crypto.randomUUID(), deviceId: relay.deviceId, interfaceName: 'eth1', macAddress: '02:aa:00:00:00:01', ipAddress: '10.77.3.9', ipType: 'ipv4', prefixLength: 24, isPrimary: false, updatedAt: Date.now() })
    const target = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'windows', ip: '10.77.3.50' })).id
    const [nic] = await s.ctx.db.select().from(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, target))
    const sent = tech.post(`/api/v1/devices/${target}/actions`, { action: 'wake' })
    const command = await answer(relay, 'power.wake', { sent: 1, broadcast: '10.77.3.255', interface: 'eth1' })
    expect(command.payload).toEqual({ macs: [nic.macAddress!.toLowerCase()], broadcast: '10.77.3.255', port: 9 })
    const res = await sent
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ action: 'wake', status: 'completed', relayDeviceId: relay.deviceId, result: { sent: 1 } })
    await waitFor(async () => (await changes(target)).some((c) => c.action === 'power_wake_completed'), 10_000, 'the wake in the target\'s history')
    expect((await admin.get('/api/v1/audit/logs?action=device.power_wake')).json.data[0]).toMatchObject({ resourceId: target, details: { relayDeviceId: relay.deviceId } })

    const elsewhere = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'windows', ip: '10.88.0.5' })).id
    const none = await tech.post(`/api/v1/devices/${elsewhere}/actions`, { action: 'wake' })
    expect(none.status).toBe(409)
    expect(none.json.error.message).toContain('no online agent of this organization is on the device\'s subnet')
    relay.close()
  })
})

describe('bulk', () => {
  test('more than 50 devices need the count confirmed; offline devices are skipped for reboots, queued for check-ins', async () => {
    const many = await makeDevices(s.ctx, Array.from({ length: 52 }, (_, i) => ({ orgId: orgA, siteId: siteA, osType: 'linux' as const, hostname: `bulk-${i}` })))
    const ids = many.map((d) => d.id)
    const ask = await tech.post('/api/v1/devices/actions', { action: 'checkin', deviceIds: ids })
    expect({ status: ask.status, code: ask.json.error.code, count: ask.json.error.details?.count }).toEqual({ status: 409, code: 'confirmation_required', count: 52 })
    const wrong = await tech.post('/api/v1/devices/actions', { action: 'checkin', deviceIds: ids, confirmCount: 51 })
    expect(wrong.status).toBe(409)
    const ok = await tech.post('/api/v1/devices/actions', { action: 'checkin', deviceIds: ids, confirmCount: 52 })
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ action: 'checkin', matched: 52, sent: 52, skippedCount: 0 })
    // A reboot above the threshold needs a recent step-up too (a check-in does not: src/auth/fleet-guard.test.ts).
    const [techUser] = await s.ctx.db.select().from(t.users).where(eq(t.users.email, 'tech@a.example'))
    const mfa = await enableTestMfa(s.ctx, techUser.id)
    expect((await tech.post('/api/v1/devices/actions', { action: 'reboot', deviceIds: ids, confirmCount: 52 })).json.error.code).toBe('step_up_required')
    expect((await tech.post('/api/v1/auth/step-up', { code: mfa.code() })).status).toBe(200)
    const reboot = await tech.post('/api/v1/devices/actions', { action: 'reboot', siteIds: [siteA], confirmCount: ok.json.matched + 0 })
    // The site has more devices than the 52 (the ones other tests made): the count must be exact.
    expect(reboot.status).toBe(409)
    const count = reboot.json.error.details.count
    const again = await tech.post('/api/v1/devices/actions', { action: 'reboot', siteIds: [siteA], confirmCount: count, message: 'Bulk' })
    expect(again.status).toBe(200)
    expect(again.json.skipped.filter((x: { reason: string }) => x.reason === 'offline').length).toBe(count)
    expect((await admin.get('/api/v1/audit/logs?action=device.bulk.checkin')).json.data[0]).toMatchObject({ orgId: orgA, details: { count: 52 } })
  })

  test('the device list\'s bulk bar sends a reboot to the selected devices', async () => {
    const agent = await connectedDevice()
    const sent = tech.request('POST', '/devices/bulk', { form: { action: 'power:reboot', deviceIds: agent.deviceId, message: 'From the list' } })
    const command = await answer(agent, 'power.reboot', done)
    expect(command.payload.message).toBe('From the list')
    expect((await sent).status).toBe(303)
    agent.close()
  })
})
