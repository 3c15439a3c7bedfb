// Maintenance mode with the real compiled agent: its heartbeats and a socket reconnect leave the
// device in maintenance, and when the maintenance ends (by hand or by the expiry job) a
// connected agent puts it back online.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { queueCommand } from '../agents/commands'
import { t } from '../db/tables'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { runJobs } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let agent: TestAgent
let deviceId: string

const row = async () => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId)))[0]

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgId))
}, 120_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
})

test('heartbeats and a reconnect of the real agent do not take the device out of maintenance', async () => {
  expect((await row()).status).toBe('online')
  expect((await admin.post(`/api/v1/devices/${deviceId}/maintenance`, { durationMinutes: 60, reason: 'Agent test' })).json.status).toBe('maintenance')
  // A fresh heartbeat, recognisable by its time.
  s.clock.advance(1_000)
  const at = s.clock.now()
  await queueCommand(s.ctx, { deviceId, type: 'heartbeat.now', payload: {} })
  const seen = await waitFor(async () => { const r = await row(); return r.lastHeartbeatAt === at ? r : null }, 30_000, 'a heartbeat')
  expect(seen.status).toBe('maintenance')
  // The socket goes and comes back.
  await agent.stop()
  await waitFor(() => !s.ctx.agents.isConnected(deviceId), 10_000, 'socket closed')
  expect((await row()).status).toBe('maintenance')
  agent.start()
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'socket again')
  s.clock.advance(1_000)
  const again = s.clock.now()
  await queueCommand(s.ctx, { deviceId, type: 'heartbeat.now', payload: {} })
  await waitFor(async () => (await row()).lastHeartbeatAt === again, 30_000, 'a heartbeat after the reconnect')
  expect((await row()).status).toBe('maintenance')
  // Ended by hand: the agent is connected, so online.
  expect((await admin.delete(`/api/v1/devices/${deviceId}/maintenance`)).json).toMatchObject({ status: 'online', maintenance: null })
}, 120_000)

test('when the time runs out, a connected agent puts the device back online', async () => {
  await admin.post(`/api/v1/devices/${deviceId}/maintenance`, { durationMinutes: 60 })
  s.clock.advance(61 * 60_000)
  await runJobs(s.ctx)
  expect((await row()).status).toBe('online')
  const [change] = (await s.ctx.db.select().from(t.deviceChanges).where(eq(t.deviceChanges.deviceId, deviceId))).filter((c) => c.action === 'maintenance_ended').sort((x, y) => y.at - x.at)
  expect(change.summary).toBe('Maintenance ended (its time ran out); the device is online')
}, 60_000)
