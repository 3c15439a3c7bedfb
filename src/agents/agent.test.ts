// The compiled agent against a real test server: enrollment, real inventory and metrics,
// the live channel, commands, offline detection, re-attach, revocation and clones.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { cpSync, existsSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { agentBinary, createTestAgent, startTestAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { queueCommand, requestFromAgent } from './commands'
import { markOverdueOffline } from './status'

let s: TestServer
let admin: TestClient
let orgId: string
let key: string
let agent: TestAgent
let deviceId: string
const events: { name: string; payload: any }[] = []

const device = async (id = deviceId) => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, id)))[0]

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  for (const name of ['device.enrolled', 'device.online', 'device.offline', 'heartbeat.received', 'inventory.received', 'command.completed', 'device.updated'] as const) {
    s.ctx.events.on(name, (payload) => { events.push({ name, payload }) })
  }
  key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'Office rollout' })).json.key
  agent = await startTestAgent(s.url, key)
  deviceId = agent.identity().deviceId
}, 120_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
})

describe('the compiled agent', () => {
  test('enrolls: the device appears online with this machine\'s identity', async () => {
    const d = await device()
    expect(d).toMatchObject({ orgId, hostname: os.hostname(), osType: 'linux', architecture: process.arch, status: 'online' })
    expect(d.agentSecretHash).not.toContain(agent.identity().secret)
    expect(events.some((e) => e.name === 'device.enrolled' && e.payload.deviceId === deviceId && !e.payload.reattached)).toBe(true)
    const keys = (await admin.get(`/api/v1/enrollment-keys?orgId=${orgId}`)).json.data
    expect(keys[0]).toMatchObject({ name: 'Office rollout', usedCount: 1, state: 'active' })
    expect(JSON.stringify(keys)).not.toContain(key)
  })

  test('reports its real inventory: hardware, OS, disks, network, software, services', async () => {
    const hw = await waitFor(async () => (await s.ctx.db.select().from(t.deviceHardware).where(eq(t.deviceHardware.deviceId, deviceId)))[0], 60_000, 'hardware')
    expect(hw.cpuThreads).toBe(os.cpus().length)
    expect(Math.abs(hw.ramTotalMb! - os.totalmem() / 2 ** 20)).toBeLessThan(64)
    const software = await s.ctx.db.select().from(t.deviceSoftware).where(eq(t.deviceSoftware.deviceId, deviceId))
    expect(software.length).toBeGreaterThan(50)
    expect(software.find((p) => p.name === 'bash')).toMatchObject({ source: 'dpkg' })
    const network = await s.ctx.db.select().from(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, deviceId))
    const ips = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address)
    expect(network.some((n) => n.ipAddress && ips.includes(n.ipAddress))).toBe(true)
    expect((await s.ctx.db.select().from(t.deviceDisks).where(eq(t.deviceDisks.deviceId, deviceId))).some((d) => d.mount === '/')).toBe(true)
    const d = await device()
    expect(d.lastInventoryAt).not.toBeNull()
    expect(d.osVersion).toContain('Debian')
    const changes = await s.ctx.db.select().from(t.deviceChanges).where(eq(t.deviceChanges.deviceId, deviceId))
    expect(changes.map((c) => c.action)).toEqual(expect.arrayContaining(['enrolled', 'baseline']))
    // Time-travel over the real inventory: now it is what is stored; before the first report, nothing yet.
    const first = Math.min(...changes.filter((c) => c.action === 'baseline').map((c) => c.at))
    const asOf = (await admin.get(`/api/v1/devices/${deviceId}/inventory`)).json
    expect(asOf.software.length).toBe(software.length)
    expect(asOf.software.find((p: { name: string }) => p.name === 'bash')).toMatchObject({ source: 'dpkg', version: software.find((p) => p.name === 'bash')!.version })
    expect(asOf.hardware.cpuThreads).toBe(os.cpus().length)
    const before = (await admin.get(`/api/v1/devices/${deviceId}/inventory?at=${first - 1}`)).json
    expect([before.software, before.hardware]).toEqual([null, null])
    await s.ctx.events.settle()
    expect(events.some((e) => e.name === 'inventory.received' && e.payload.sections.includes('software'))).toBe(true)
  })

  test('sends real metrics in its heartbeat', async () => {
    const [m] = await waitFor(() => s.ctx.db.select().from(t.deviceMetrics).where(eq(t.deviceMetrics.deviceId, deviceId)).then((r) => r.length ? r : null), 30_000, 'metrics')
    expect(m.ramPercent).toBeGreaterThan(0)
    expect(m.processCount).toBeGreaterThan(10)
    expect(m.diskPercent).toBeGreaterThan(0)
    const d = await device()
    expect(d.lastHeartbeatAt).not.toBeNull()
    expect(d.ramPercent).toBe(m.ramPercent)
    expect(events.find((e) => e.name === 'heartbeat.received')?.payload.metrics.volumes['/']).toBeGreaterThan(0)
  })

  test('keeps a live socket and answers on-demand commands over it', async () => {
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 20_000, 'socket')
    const result = await requestFromAgent<{ total: number; processes: { pid: number; name: string }[] }>(s.ctx, deviceId, 'processes.list', { sortBy: 'memory', limit: 5 }, 30_000)
    expect(result.total).toBeGreaterThan(10)
    expect(result.processes.length).toBe(5)
    const done = await waitFor(() => events.find((e) => e.name === 'command.completed' && e.payload.type === 'processes.list'))
    expect(done.payload).toMatchObject({ deviceId, orgId, status: 'completed' })
  })

  test('refuses forged, misaddressed, expired and replayed commands and says so', async () => {
    const now = s.clock.now()
    const rows = ['forged', 'misaddressed', 'expired'].map(() => newId())
    for (const id of rows) {
      await s.ctx.db.insert(t.agentCommands).values({ id, deviceId, type: 'heartbeat.now', payload: {}, status: 'sent', createdAt: now, expiresAt: now + 60_000, timeoutMs: 60_000 })
    }
    const ident = agent.identity()
    const base = { deviceId, agentId: ident.agentId, type: 'heartbeat.now', payload: '{}', issuedAt: now, expiresAt: now + 60_000 }
    const { sign } = await import('node:crypto')
    const { commandSigningText } = await import('../protocol')
    const signed = (c: typeof base & { id: string }) => ({ ...c, signature: sign(null, Buffer.from(commandSigningText(c)), s.ctx.keys.signingKey).toString('base64') })
    s.ctx.agents.send(deviceId, { type: 'command', command: { ...signed({ ...base, id: rows[0] }), payload: '{"tampered":true}' } })
    s.ctx.agents.send(deviceId, { type: 'command', command: signed({ ...base, id: rows[1], deviceId: newId() }) })
    s.ctx.agents.send(deviceId, { type: 'command', command: signed({ ...base, id: rows[2], expiresAt: Date.now() - 120_000 }) })
    const errors = await waitFor(async () => {
      const r = await Promise.all(rows.map(async (id) => (await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id)))[0]))
      return r.every((x) => x.status === 'failed') ? r.map((x) => x.error) : null
    }, 20_000, 'refusals')
    expect(errors[0]).toContain('bad_signature')
    expect(errors[1]).toContain('wrong_device')
    expect(errors[2]).toContain('expired')

    // A real command runs once; after an agent restart the same signed command is a replay.
    const cmd = await queueCommand(s.ctx, { deviceId, type: 'heartbeat.now', payload: {} })
    await waitFor(async () => (await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, cmd.id)))[0].status === 'completed', 20_000, 'command run')
    await agent.stop()
    agent.start()
    await waitFor(() => s.ctx.agents.isConnected(deviceId) && agent.logs().split('breeze agent starting').length > 2, 20_000, 'restart')
    await s.ctx.db.update(t.agentCommands).set({ status: 'sent' }).where(eq(t.agentCommands.id, cmd.id))
    const replay = signed({ ...base, id: cmd.id })
    await waitFor(() => s.ctx.agents.isConnected(deviceId))
    s.ctx.agents.send(deviceId, { type: 'command', command: replay })
    const row = await waitFor(async () => {
      const r = (await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, cmd.id)))[0]
      return r.status === 'failed' ? r : null
    }, 20_000, 'replay refusal')
    expect(row.error).toContain('replayed')
  })

  test('goes offline when stopped (after the grace since its socket closed), online again when started', async () => {
    await agent.stop()
    await waitFor(() => !s.ctx.agents.isConnected(deviceId), 10_000, 'socket closed')
    s.clock.advance(30_000)
    await Bun.sleep(1_500)
    expect((await device()).status).toBe('online')
    s.clock.advance(31_000)
    await waitFor(async () => (await device()).status === 'offline', 5_000, 'offline 60 s after the socket closed')
    expect(await markOverdueOffline(s.ctx)).toBe(0)
    await s.ctx.events.settle()
    expect(events.some((e) => e.name === 'device.offline' && e.payload.deviceId === deviceId)).toBe(true)
    agent.start()
    await waitFor(async () => (await device()).status === 'online', 20_000, 'online again')
    await waitFor(() => events.some((e) => e.name === 'device.online' && e.payload.deviceId === deviceId))
  })

  test('re-enrolling the same machine re-attaches its device; the old credential stops working', async () => {
    const before = agent.identity()
    await agent.stop()
    const res = await agent.cli(['enroll', '--server', s.url, '--key', key])
    expect(res.out).toContain(`Re-attached to device ${deviceId}`)
    const after = agent.identity()
    expect(after.deviceId).toBe(deviceId)
    expect(after.agentId).not.toBe(before.agentId)
    const old = await fetch(`${s.url}/api/v1/agents/${before.agentId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `BreezeAgent ${before.agentId}.${before.secret}` }, body: JSON.stringify({ messages: [{ type: 'command.ack', id: 'x' }] }) })
    expect(old.status).toBe(401)
    expect((await s.ctx.db.select().from(t.devices).where(eq(t.devices.orgId, orgId))).length).toBe(1)
    expect(events.some((e) => e.name === 'device.enrolled' && e.payload.reattached)).toBe(true)
    agent.start()
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 20_000, 'reconnected')
  })

  test('another agent enrolling this machine\'s hardware id waits for approval; the real agent keeps its socket and commands', async () => {
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 20_000, 'connected')
    const before = await device()
    const socket = s.ctx.agents.get(deviceId)
    // A copied install command with any active key of the org, even one that allows re-attach.
    const copied = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'copied install command', allowReattach: true })).json.key
    const intruder = await createTestAgent()
    const res = await intruder.cli(['enroll', '--server', s.url, '--key', copied, '--no-wait'])
    expect(res.code).toBe(75)
    expect(res.out).toContain('Waiting for approval')
    expect(res.out).toContain('Enrollment approvals')
    expect(existsSync(path.join(intruder.configDir, 'agent.json'))).toBe(false)
    // The real agent: the same socket, still running commands, its credential unchanged.
    expect(s.ctx.agents.get(deviceId)).toBe(socket)
    const listed = await requestFromAgent<{ total: number }>(s.ctx, deviceId, 'processes.list', { limit: 1 }, 30_000)
    expect(listed.total).toBeGreaterThan(0)
    expect(await device()).toMatchObject({ agentId: before.agentId, agentSecretHash: before.agentSecretHash, hostname: before.hostname })
    // Its service waits and says why; a rejection stops it for good.
    intruder.start()
    await waitFor(() => intruder.logs().includes('waiting for a technician'), 20_000, 'waiting log')
    const [req] = (await admin.get('/api/v1/enrollment-requests')).json.data
    expect(req).toMatchObject({ deviceId, state: 'pending', reason: 'online' })
    expect((await admin.post(`/api/v1/enrollment-requests/${req.id}/reject`)).status).toBe(200)
    await waitFor(() => !intruder.running, 30_000, 'the waiting agent to stop')
    expect(intruder.logs()).toContain('rejected')
    expect(s.ctx.agents.get(deviceId)).toBe(socket)
  }, 90_000)

  test('approving "replace" hands the device to the waiting agent; the old agent stops', async () => {
    const newcomer = await createTestAgent()
    const key2 = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'reinstall' })).json.key
    const enrolling = newcomer.cli(['enroll', '--server', s.url, '--key', key2])
    const req = await waitFor(async () => (await admin.get('/api/v1/enrollment-requests')).json.data[0], 20_000, 'request')
    expect((await admin.post(`/api/v1/enrollment-requests/${req.id}/approve`, { mode: 'replace' })).status).toBe(200)
    const res = await enrolling
    expect(res.code).toBe(0)
    expect(res.out).toContain('Approved')
    expect(res.out).toContain(`Re-attached to device ${deviceId}`)
    newcomer.start()
    await waitFor(() => s.ctx.agents.get(deviceId)?.agentId === newcomer.identity().agentId, 30_000, 'the new agent on the socket')
    await waitFor(() => !agent.running, 30_000, 'the old agent to stop')
    expect(agent.logs()).toContain('stopping')
    agent = newcomer
    const listed = await requestFromAgent<{ total: number }>(s.ctx, deviceId, 'processes.list', { limit: 1 }, 30_000)
    expect(listed.total).toBeGreaterThan(0)
  }, 90_000)

  test('a cloned identity on another machine is flagged and refused; the original keeps working', async () => {
    const cloneDir = mkdtempSync(path.join(os.tmpdir(), 'breeze-agent-clone-'))
    cpSync(path.join(agent.configDir, 'agent.json'), path.join(cloneDir, 'agent.json'))
    const clone = await createTestAgent({ configDir: cloneDir, hardwareId: 'cloned-vm-0000000001' })
    clone.start()
    await waitFor(() => !clone.running, 20_000, 'clone to stop')
    expect(clone.logs()).toContain('another machine')
    expect((await device()).cloneSuspectedAt).not.toBeNull()
    expect(s.ctx.agents.isConnected(deviceId)).toBe(true)
  })

  test('a decommissioned device\'s socket is closed within 5 s and the agent stops', async () => {
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 20_000)
    // Written the way another domain would: the row changes, no call into src/agents.
    await s.ctx.db.update(t.devices).set({ status: 'decommissioned', decommissionedAt: s.clock.now() }).where(eq(t.devices.id, deviceId))
    await waitFor(() => !s.ctx.agents.isConnected(deviceId), 5_000, 'socket closed within 5 s')
    await waitFor(() => !agent.running, 15_000, 'agent to stop')
    expect(agent.logs()).toContain('decommissioned')
  })
})
