// Liveness of the live channel (issue 11 item 19, issue 22 item 11) with the compiled agent:
// a socket that goes silent (the agent process stopped with SIGSTOP: a half-open connection)
// is dropped within a bound derived from the heartbeat interval, not after Bun's 2 minutes; a
// socket that closes (the agent killed) makes the device offline after a short grace, not
// after three missed heartbeats; and an offline alert never fires while the device still
// shows online. Heartbeat 5 s here: probes every 2 s, silent beyond 6 s; grace 3 s.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { livenessBoundMs, livenessProbeMs } from '../protocol'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { alertTick } from '../alerts/start'

let s: TestServer
let admin: TestClient
let orgId: string
let siteId: string
let agent: TestAgent
let deviceId: string

const device = async (id = deviceId) => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, id)))[0]
const alertsOf = async (id: string) => s.ctx.db.select().from(t.alerts).where(eq(t.alerts.deviceId, id))
async function offlineRule(ids: string[]) {
  const r = await admin.post('/api/v1/alert-rules', { orgId, name: 'Offline', severity: 'high', cooldownMinutes: 0, targets: { kind: 'devices', ids }, conditions: { match: 'all', items: [{ type: 'offline', minutes: 1 }] } })
  expect(r.status).toBe(201)
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true, env: { BREEZE_AGENT_HEARTBEAT_SECONDS: '5', BREEZE_AGENT_OFFLINE_GRACE_SECONDS: '3' } })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgId))
}, 120_000)

afterAll(async () => {
  const pid = agent?.pid()
  if (pid) try { process.kill(pid, 'SIGCONT') } catch {}
  await stopTestAgents()
  await s.stop()
})

describe('liveness of agent sockets', () => {
  test('the bounds derive from the heartbeat interval', () => {
    expect([livenessProbeMs(5), livenessBoundMs(5)]).toEqual([2_000, 6_000])
    expect([livenessProbeMs(60), livenessBoundMs(60)]).toEqual([15_000, 32_000])
    expect([livenessProbeMs(3600), livenessBoundMs(3600)]).toEqual([15_000, 32_000])
  })

  test('a socket that says nothing but answers the server\'s probes (pongs) stays open', async () => {
    // A bare WebSocket client: after its hello it sends nothing; its WebSocket stack answers pings by itself.
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'bare' })).json.key
    const hardwareId = `bare-${Date.now()}`
    const enrolled = await fetch(`${s.url}/api/v1/agents/enroll`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentKey: key, hostname: 'bare', osType: 'linux', osVersion: '12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.2.0', protocolVersion: 2, hardwareId }),
    }).then((r) => r.json() as any)
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws/agents/${enrolled.agentId}`, { headers: { authorization: `BreezeAgent ${enrolled.agentId}.${enrolled.agentSecret}` } } as any)
    let closed = false
    ws.onclose = () => { closed = true }
    await new Promise((r) => { ws.onopen = r })
    ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 2, agentVersion: '0.2.0', hardwareId }))
    await waitFor(() => s.ctx.agents.isConnected(enrolled.deviceId), 10_000, 'hello')
    const socket = s.ctx.agents.get(enrolled.deviceId)
    await Bun.sleep(livenessBoundMs(5) + 3_000)
    expect(closed).toBe(false)
    expect(s.ctx.agents.get(enrolled.deviceId)).toBe(socket)
    ws.close()
  }, 30_000)

  test('a stopped agent (half-open socket) is dropped within the bound, goes offline, and comes back when it resumes', async () => {
    const pid = agent.pid()!
    const before = s.ctx.agents.get(deviceId)!
    const stoppedAt = Date.now()
    process.kill(pid, 'SIGSTOP')
    try {
      await waitFor(() => s.ctx.agents.get(deviceId) !== before, 20_000, 'the silent socket to be dropped')
      const droppedAfter = Date.now() - stoppedAt
      console.log(`silent socket dropped ${droppedAfter} ms after the agent stopped (bound ${livenessBoundMs(5)} ms)`)
      expect(droppedAfter).toBeLessThan(livenessBoundMs(5) + 4_000)
      await waitFor(async () => (await device()).status === 'offline', 10_000, 'offline')
      const [change] = await s.ctx.db.select().from(t.deviceChanges).where(and(eq(t.deviceChanges.deviceId, deviceId), eq(t.deviceChanges.action, 'offline')))
      expect(change.summary).toContain('connection closed')
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await waitFor(async () => s.ctx.agents.isConnected(deviceId) && (await device()).status === 'online', 40_000, 'back online')
  }, 90_000)

  test('an offline alert never fires while the device shows online', async () => {
    // Not heard from for 10 minutes, but shown online (its socket just closed; the grace is not over).
    const d = await makeDevice(s.ctx, { orgId, siteId, status: 'online', lastSeenAt: s.clock.now() - 10 * 60_000, lastHeartbeatAt: s.clock.now() - 10 * 60_000 })
    await offlineRule([d.id])
    await alertTick(s.ctx)
    await s.ctx.events.settle()
    expect(await alertsOf(d.id)).toEqual([])
    // Shown offline: now it fires.
    await s.ctx.db.update(t.devices).set({ status: 'offline' }).where(eq(t.devices.id, d.id))
    await alertTick(s.ctx)
    await s.ctx.events.settle()
    await waitFor(async () => (await alertsOf(d.id)).length === 1, 10_000, 'the offline alert')
  })

  test('a killed agent: offline after the grace (not three missed heartbeats), and only then its offline alert', async () => {
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'connected')
    await offlineRule([deviceId])
    const killedAt = Date.now()
    await agent.kill()
    // As if it had not been heard from for long: the alert's minute is over, only the status holds it back.
    await s.ctx.db.update(t.devices).set({ lastSeenAt: s.clock.now() - 10 * 60_000 }).where(eq(t.devices.id, deviceId))
    await waitFor(async () => (await device()).status === 'offline', 15_000, 'offline')
    const offlineAfter = Date.now() - killedAt
    console.log(`offline ${offlineAfter} ms after the agent was killed (grace 3 s; three heartbeats would be 15 s)`)
    expect(offlineAfter).toBeLessThan(3_000 + 4_000)
    const [change] = await s.ctx.db.select().from(t.deviceChanges).where(and(eq(t.deviceChanges.deviceId, deviceId), eq(t.deviceChanges.action, 'offline')))
      .then((rows) => rows.sort((x, y) => y.at - x.at))
    const [alert] = await waitFor(async () => { const a = await alertsOf(deviceId); return a.length ? a : null }, 15_000, 'the offline alert')
    expect(alert.triggeredAt).toBeGreaterThanOrEqual(change.at)
  }, 60_000)
})
