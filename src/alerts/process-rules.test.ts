// Process alert conditions ("process X not running", "process X above N% CPU for M minutes"):
// the server tells the agent which globs to count (heartbeat answer, and over the socket when a
// rule is saved), the heartbeat reports count and CPU per glob, and the alerts fire and resolve.
// A protocol agent sends chosen numbers; the compiled agent watches a real `sleep` process.
// Also: a new rule is evaluated against the stored state at once, and bad input is a 400.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createTestAgent, stopTestAgents, waitFor, agentBinary } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let partnerId: string
let agent: ProtocolAgent

type Proc = { pattern: string; count: number; cpuPercent: number }

async function heartbeat(a: ProtocolAgent, processes: Proc[] | undefined, cpuPercent = 10) {
  const res = await fetch(`${s.url}/api/v1/agents/${a.agentId}/heartbeat`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: a.auth },
    body: JSON.stringify({
      agentVersion: '0.1.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 100, lastUser: null, loggedInUsers: [], pendingReboot: false,
      metrics: { cpuPercent, ramPercent: 30, ramUsedMb: 1000, diskPercent: 40, diskUsedGb: 10, volumes: {}, netInBytes: 0, netOutBytes: 0, processCount: 100, ...(processes ? { processes } : {}) },
    }),
  })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { watchProcesses?: string[] }
  await s.ctx.events.settle()
  return body
}

const openAlerts = async (deviceId: string) =>
  (await admin.get(`/api/v1/alerts?deviceId=${deviceId}&status=open`)).json.data as { id: string; title: string; ruleId: string }[]
const openFor = async (deviceId: string, ruleId: string) => (await openAlerts(deviceId)).find((a) => a.ruleId === ruleId)

async function createRule(items: Record<string, unknown>[], name: string, org = orgId) {
  const res = await admin.post('/api/v1/alert-rules', { orgId: org, name, severity: 'high', cooldownMinutes: 0, conditions: { match: 'all', items } })
  expect(res.status).toBe(201)
  return res.json.id as string
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true, env: { BREEZE_AGENT_HEARTBEAT_SECONDS: '5' } })
  const a = await setupAdmin(s.ctx)
  partnerId = a.partnerId
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  expect((await admin.login(a.email, testPassword)).status).toBeLessThan(400)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'proto' })).json.key
  agent = await enrollProtocolAgent(s, key)
  await agent.connect()
}, 120_000)
afterAll(async () => {
  agent?.close()
  await stopTestAgents()
  await s?.stop()
})

describe('process conditions with a protocol agent', () => {
  test('bad conditions are a 400 naming the field, and nothing is written', async () => {
    const before = (await admin.get('/api/v1/alert-rules')).json.data.length
    const bad: [Record<string, unknown>, string][] = [
      [{ type: 'process_cpu', name: 'java', minutes: 5 }, 'conditions/items/0/percent'],
      [{ type: 'process_cpu', name: 'java', percent: 150, minutes: 5 }, 'percent'],
      [{ type: 'process_cpu', name: 'java', percent: 50 }, 'conditions/items/0/minutes'],
      [{ type: 'process_cpu', name: 'java', percent: 50, minutes: 2000 }, 'conditions/items/0/minutes'],
      [{ type: 'process_not_running' }, 'conditions/items/0/name'],
      [{ type: 'process_not_running', name: '/usr/bin/nginx' }, 'conditions/items/0/name'],
      [{ type: 'process_running' as string, name: 'x' }, 'type'],
    ]
    for (const [item, field] of bad) {
      const res = await admin.post('/api/v1/alert-rules', { orgId, name: 'bad', severity: 'high', conditions: { match: 'all', items: [item] } })
      expect(res.status).toBe(400)
      expect(JSON.stringify(res.json)).toContain(field)
    }
    expect((await admin.get('/api/v1/alert-rules')).json.data.length).toBe(before)
  })

  test('process not running: the agent is told the glob, the alert fires at a count of 0 and resolves when it runs again', async () => {
    // Before any rule, nothing is watched.
    expect((await heartbeat(agent, undefined)).watchProcesses).toEqual([])
    const ruleId = await createRule([{ type: 'process_not_running', name: 'nginx' }], 'nginx down')
    // Saving the rule pushes the glob to the connected agent at once.
    await waitFor(() => agent.inbox.some((m) => m.type === 'config' && m.watchProcesses?.includes('nginx')), 20_000, 'config with the glob')
    expect((await heartbeat(agent, [{ pattern: 'nginx', count: 2, cpuPercent: 1 }])).watchProcesses).toEqual(['nginx'])
    expect(await openFor(agent.deviceId, ruleId)).toBeUndefined()
    // A heartbeat without the glob (an older agent) changes nothing.
    await heartbeat(agent, undefined)
    expect(await openFor(agent.deviceId, ruleId)).toBeUndefined()
    await heartbeat(agent, [{ pattern: 'nginx', count: 0, cpuPercent: 0 }])
    const fired = await waitFor(() => openFor(agent.deviceId, ruleId), 20_000, 'the alert')
    expect(fired.title).toContain('nginx down')
    await heartbeat(agent, [{ pattern: 'nginx', count: 1, cpuPercent: 0 }])
    await waitFor(async () => !(await openFor(agent.deviceId, ruleId)), 20_000, 'the alert to resolve')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })

  test('process CPU above N% for M minutes fires only after consecutive samples over M minutes, and resolves', async () => {
    const ruleId = await createRule([{ type: 'process_cpu', name: 'java*', percent: 80, minutes: 3 }], 'java hot')
    const java = (cpu: number): Proc[] => [{ pattern: 'java*', count: 1, cpuPercent: cpu }]
    expect((await heartbeat(agent, java(95))).watchProcesses).toContain('java*')
    s.clock.advance(2 * 60_000)
    await heartbeat(agent, java(95))
    // A sample below the threshold starts the window again.
    await heartbeat(agent, java(20))
    s.clock.advance(2 * 60_000)
    await heartbeat(agent, java(95))
    s.clock.advance(2 * 60_000)
    await heartbeat(agent, java(95))
    expect(await openFor(agent.deviceId, ruleId)).toBeUndefined()
    s.clock.advance(90_000)
    await heartbeat(agent, java(95))
    const fired = await waitFor(() => openFor(agent.deviceId, ruleId), 20_000, 'the CPU alert')
    expect(fired.title).toContain('java hot')
    await heartbeat(agent, java(5))
    await waitFor(async () => !(await openFor(agent.deviceId, ruleId)), 20_000, 'the CPU alert to resolve')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })

  test('a new rule is evaluated against the current state at once (no heartbeat needed)', async () => {
    await heartbeat(agent, undefined, 93)
    // The heartbeat's values reach the device row through the batch writer.
    await waitFor(async () => (await admin.get(`/api/v1/devices/${agent.deviceId}`)).json.cpuPercent === 93, 20_000, 'the stored CPU')
    const ruleId = await createRule([{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }], 'cpu high now')
    await waitFor(() => openFor(agent.deviceId, ruleId), 20_000, 'the alert from the rule save')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })
})

describe('compiled agent', () => {
  test('a watched sleep process: running → no alert; killed → alert; started again → resolved', async () => {
    const org2 = (await makeOrg(s.ctx, partnerId, 'Agent org')).id
    await makeSite(s.ctx, org2, 'Lab')
    const a = await createTestAgent()
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId: org2, name: 'agent' })).json.key
    const res = await a.cli(['enroll', '--server', s.url, '--key', key])
    if (res.code !== 0) throw new Error(res.out)
    a.start()
    const deviceId = a.identity().deviceId
    await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
    // A process name no other test uses: a copy of sleep under its own name.
    const name = `bz-sleep-${Math.random().toString(36).slice(2, 7)}`
    const exe = `${a.configDir}/${name}`
    await Bun.write(exe, Bun.file('/bin/sleep'))
    Bun.spawnSync(['chmod', '+x', exe])
    let child = Bun.spawn([exe, '600'], { stdout: 'ignore', stderr: 'ignore' })
    try {
      const seen: { count: number; at: number }[] = []
      const off = s.ctx.events.on('heartbeat.received', (p) => { const w = p.deviceId === deviceId ? p.metrics.processes?.[name] : undefined; if (w) seen.push({ count: w.count, at: Date.now() }) })
      const t0 = Date.now()
      const ruleId = await createRule([{ type: 'process_not_running', name }], 'sleeper down', org2)
      // The agent learns the glob over its socket and reports it with a heartbeat at once.
      await waitFor(() => seen.some((x) => x.count === 1), 30_000, 'a heartbeat counting the running process')
      console.log(`the agent reported the new glob ${seen[0].at - t0} ms after the rule was saved`)
      await s.ctx.events.settle()
      expect(await openFor(deviceId, ruleId)).toBeUndefined()
      child.kill('SIGKILL')
      await child.exited
      const killedAt = Date.now()
      await waitFor(() => openFor(deviceId, ruleId), 120_000, 'the process alert')
      const firedAfterMs = Date.now() - killedAt
      expect(firedAfterMs).toBeLessThan(120_000)
      console.log(`process alert fired ${firedAfterMs} ms after the kill (heartbeat 5 s)`)
      child = Bun.spawn([exe, '600'], { stdout: 'ignore', stderr: 'ignore' })
      await waitFor(async () => !(await openFor(deviceId, ruleId)), 120_000, 'the process alert to resolve')
      off()
    } finally {
      child.kill('SIGKILL')
    }
  }, 240_000)
})
