// Every event trigger from a real agent: the compiled agent enrolls (device.enrolled), its
// heartbeats fire an alert rule (alert.triggered), scripts it runs finish (script.completed,
// including an automation that would re-trigger itself: the loop guard), its inventory reports
// new software (software.changed), and it goes away (device.offline for N minutes). run_script
// steps run on it for real, and conditions read their exit code and output.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { bearerClient, runJobs } from '../testing/alerts'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let agent: TestAgent
let deviceId: string
const auto: Record<string, string> = {}
const script: Record<string, string> = {}

async function makeScript(name: string, content: string, parameters: unknown[] = []) {
  const res = await admin.post('/api/v1/scripts', { orgId, name, description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', content, parameters })
  expect(res.status).toBe(201)
  return res.json.id as string
}

async function makeAutomation(key: string, trigger: Record<string, unknown>, actions: unknown[]) {
  const res = await admin.post('/api/v1/automations', { orgId, name: key, trigger: { type: 'event', ...trigger }, actions })
  expect(res.status).toBe(201)
  auto[key] = res.json.id
}

async function runs(key: string) {
  return (await admin.get(`/api/v1/automations/${auto[key]}/runs`)).json.runs as { id: string; status: string; error: string | null; triggerKey: string }[]
}

async function finishedRun(key: string, count = 1) {
  return waitFor(async () => {
    await runJobs(s.ctx)
    const list = await runs(key)
    const done = list.filter((r) => !['queued', 'running', 'waiting'].includes(r.status))
    return done.length >= count ? (await admin.get(`/api/v1/automation-runs/${done[0].id}`)).json : null
  }, 40_000, `a finished run of ${key}`)
}

async function device() {
  return (await admin.get(`/api/v1/devices/${deviceId}`)).json
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = await bearerClient(s, a.email, testPassword)
  script.hello = await makeScript('Hello', 'echo "hello $WHO"\n', [{ name: 'WHO', type: 'string', required: true }])
  script.fail = await makeScript('Fails', 'echo "disk full" >&2\nexit 3\n')
  script.loop = await makeScript('Loops', 'echo again\n')
  const rule = await admin.post('/api/v1/alert-rules', { orgId, name: 'Any CPU', severity: 'low', conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gte', value: 0 }] } })
  expect(rule.status).toBe(201)
  await makeAutomation('enrolled', { event: 'device.enrolled' }, [
    { id: 'hello', type: 'run_script', scriptId: script.hello, parameters: { WHO: '{{device.hostname}}' }, target: { triggerDevice: true } },
    { id: 'check', type: 'condition', clauses: [{ field: 'last_step.exit_code', op: '=', value: 0 }, { field: 'last_step.output', op: 'contains', value: 'hello' }], then: [{ id: 'ok', type: 'update_device', addTags: ['onboarded'] }], else: [{ id: 'no', type: 'update_device', addTags: ['onboard-failed'] }] },
  ])
  await makeAutomation('alert', { event: 'alert.triggered', alertRuleId: rule.json.id }, [{ id: 'f', type: 'update_device', customFields: { alert_severity: '{{trigger.severity}}' } }])
  await makeAutomation('failed-script', { event: 'script.completed', scriptId: script.fail, outcome: 'failed' }, [{ id: 'f', type: 'update_device', addTags: ['script-failed'], customFields: { exit: '{{trigger.exitCode}}' } }])
  await makeAutomation('loop', { event: 'script.completed', scriptId: script.loop }, [{ id: 'again', type: 'run_script', scriptId: script.loop, target: { triggerDevice: true } }])
  await makeAutomation('software', { event: 'software.changed', softwareName: 'breeze-test-pkg', change: 'installed' }, [{ id: 't', type: 'update_device', addTags: ['new-software'], customFields: { installed: '{{trigger.names}}' } }])
  await makeAutomation('offline', { event: 'device.offline', durationMinutes: 5 }, [{ id: 't', type: 'update_device', addTags: ['was-offline'] }])
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgId))
}, 120_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
})

describe('event triggers from a real agent', () => {
  test('device.enrolled runs a script on the new device; the condition reads its exit code and output', async () => {
    const r = await finishedRun('enrolled')
    expect(r.status).toBe('completed')
    expect(r.deviceId).toBe(deviceId)
    expect(r.steps.map((x: { path: string; status: string }) => `${x.path}:${x.status}`)).toEqual(['0:succeeded', '1:succeeded', '1.then.0:succeeded'])
    expect(r.lastStep).toBeTruthy()
    const hostname = (await device()).hostname
    expect(r.steps[0].details.executions[0]).toMatchObject({ deviceId, status: 'completed', exitCode: 0 })
    expect(r.steps[1].details.clauses[1]).toContain(`hello ${hostname}`)
    expect((await device()).tags).toContain('onboarded')
  })

  test('alert.triggered from the agent\'s heartbeat metrics', async () => {
    const r = await finishedRun('alert')
    expect(r.status).toBe('completed')
    expect(r.triggerData.severity).toBe('low')
    expect((await admin.get(`/api/v1/automations/device-fields/${deviceId}`)).json.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alert_severity', value: 'low' })]))
  })

  test('script.completed with a failed outcome, exit code in the trigger data', async () => {
    await admin.post(`/api/v1/scripts/${script.fail}/execute`, { deviceIds: [deviceId] })
    const r = await finishedRun('failed-script')
    expect(r.status).toBe('completed')
    expect(r.triggerData).toMatchObject({ exitCode: 3, status: 'failed' })
    expect((await device()).tags).toContain('script-failed')
  })

  test('an automation whose script would start it again is stopped by the loop guard', async () => {
    await admin.post(`/api/v1/scripts/${script.loop}/execute`, { deviceIds: [deviceId] })
    await waitFor(async () => {
      await runJobs(s.ctx)
      return (await runs('loop')).some((r) => r.status === 'skipped')
    }, 40_000, 'the loop guard')
    await Bun.sleep(500)
    await runJobs(s.ctx)
    const list = await runs('loop')
    expect(list).toHaveLength(2)
    const [second, first] = list
    expect(first.status).toBe('completed')
    expect(second.status).toBe('skipped')
    expect(second.error).toContain('loop guard')
  })

  test('software.changed from an inventory report the agent sends', async () => {
    const id = agent.identity()
    // The agent's first inventory is the baseline (no event); this report must come after it.
    await waitFor(async () => (await device()).lastInventoryAt, 60_000, "the agent's first inventory")
    const current = (await admin.get(`/api/v1/devices/${deviceId}/software`)).json
    const list = (Array.isArray(current) ? current : current.software ?? current.data ?? []).map((x: Record<string, string | null>) => ({ name: x.name, version: x.version, publisher: x.publisher, installDate: x.installDate, installLocation: x.installLocation, source: x.source }))
    const res = await fetch(`${s.url}/api/v1/agents/${id.agentId}/inventory`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `BreezeAgent ${id.agentId}.${id.secret}` },
      body: JSON.stringify({ full: false, collectedAt: Date.now(), software: [...list, { name: 'breeze-test-pkg', version: '1.0.0', publisher: null, installDate: null, installLocation: null, source: 'dpkg' }] }),
    })
    expect([res.status, res.status === 200 ? '' : await res.text()]).toEqual([200, ''])
    const r = await finishedRun('software')
    expect(r.status).toBe('completed')
    expect((await device()).tags).toContain('new-software')
    expect((await admin.get(`/api/v1/automations/device-fields/${deviceId}`)).json.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'installed', value: 'breeze-test-pkg' })]))
  })

  test('device.offline for 5 minutes: not before, once after', async () => {
    await agent.stop()
    await waitFor(() => !s.ctx.agents.isConnected(deviceId), 10_000, 'socket closed')
    s.clock.advance(4 * 60_000)
    await runJobs(s.ctx)
    expect((await device()).status).toBe('offline')
    s.clock.advance(4 * 60_000)
    await runJobs(s.ctx)
    expect(await runs('offline')).toHaveLength(0)
    s.clock.advance(2 * 60_000)
    const r = await finishedRun('offline')
    expect(r.status).toBe('completed')
    expect((await device()).tags).toContain('was-offline')
    s.clock.advance(30 * 60_000)
    await runJobs(s.ctx)
    expect(await runs('offline')).toHaveLength(1)
  })
})
