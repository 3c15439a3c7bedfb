// Device actions end to end with the compiled agent enrolled on this machine: a sleep process
// found in the live list and killed (and a tree), an init script the test installs in a
// temporary folder stopped and started, with the "service stopped" alert firing and resolving.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { agentBinary, createTestAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let agent: TestAgent
let deviceId: string
const scratch = mkdtempSync(path.join(os.tmpdir(), 'breeze-actions-'))
const children: { kill(): void }[] = []
// An init script in a folder of the test's own (the agent's config names it): no systemd here,
// and nothing is installed on the machine.
const initDir = path.join(scratch, 'init.d')
const svc = 'breeze-test-svc'
const svcScript = path.join(initDir, svc)
const pidFile = path.join(scratch, 'svc.pid')
const initScript = `#!/bin/sh
PIDFILE=${pidFile}
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "$1" in
  start) running && exit 0; sleep 86400 </dev/null >/dev/null 2>&1 & echo $! > "$PIDFILE"; echo "Starting ${svc}";;
  stop) running && kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; echo "Stopping ${svc}";;
  restart) "$0" stop; "$0" start;;
  status) if running; then echo "${svc} is running"; exit 0; else echo "${svc} is not running"; exit 3; fi;;
  *) echo "Usage: $0 {start|stop|restart|status}"; exit 2;;
esac
`
const service = (verb: string) => Bun.spawnSync([svcScript, verb], { stdout: 'ignore', stderr: 'ignore' }).exitCode

/** startAgent writes the agent's config.json (its local settings) before it enrolls and starts. */
async function startAgent(settings: Record<string, unknown>) {
  const a = await createTestAgent()
  writeFileSync(path.join(a.configDir, 'config.json'), JSON.stringify(settings))
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'actions' })).json.key
  const res = await a.cli(['enroll', '--server', s.url, '--key', key])
  if (res.code !== 0) throw new Error(res.out)
  a.start()
  const id = a.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(id), 30_000, 'agent socket')
  return { agent: a, deviceId: id }
}

function alive(pid: number) {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return false }
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  mkdirSync(initDir)
  writeFileSync(svcScript, initScript, { mode: 0o755 })
  expect(service('start')).toBe(0)
  ;({ agent, deviceId } = await startAgent({ initScriptDirs: [initDir], serviceWatchSeconds: 10 }))
}, 120_000)

afterAll(async () => {
  for (const c of children) c.kill()
  service('stop')
  await stopTestAgents()
  await s.stop()
  rmSync(scratch, { recursive: true, force: true })
})

describe('processes on a real agent', () => {
  test('a sleep process is found in the live list and killed', async () => {
    const marker = String(100_000 + Math.floor(Math.random() * 800_000))
    const sleeper = Bun.spawn(['sleep', marker], { stdout: 'ignore', stderr: 'ignore' })
    children.push(sleeper)
    const list = await waitFor(async () => {
      const res = await admin.get(`/api/v1/devices/${deviceId}/processes?search=${marker}&sortBy=pid`)
      expect(res.status).toBe(200)
      return res.json.processes.length ? res.json : null
    }, 20_000, 'the sleep process in the list')
    const row = list.processes.find((p: { pid: number }) => p.pid === sleeper.pid)
    expect(row).toMatchObject({ pid: sleeper.pid, name: 'sleep', user: 'root' })
    expect(row.command).toBe(`sleep ${marker}`)
    expect(list.total).toBeGreaterThan(list.processes.length)

    // A PID that now belongs to another program is refused.
    const wrong = await admin.post(`/api/v1/devices/${deviceId}/processes/${sleeper.pid}/kill`, { name: 'postgres' })
    expect(wrong.status).toBe(422)
    expect(wrong.json.error.message).toContain('is now sleep')
    expect(alive(sleeper.pid)).toBe(true)

    const res = await admin.post(`/api/v1/devices/${deviceId}/processes/${sleeper.pid}/kill`, { name: 'sleep' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'completed', result: { pid: sleeper.pid, name: 'sleep', killed: [sleeper.pid], survivors: [] } })
    expect(await sleeper.exited).not.toBe(0)
  })

  test('a process tree is killed with its children; the agent refuses to kill itself', async () => {
    const marker = String(100_000 + Math.floor(Math.random() * 800_000))
    const parent = Bun.spawn(['bash', '-c', `sleep ${marker} & sleep ${marker} & echo $!; wait`], { stdout: 'pipe', stderr: 'ignore' })
    children.push(parent)
    const list = await waitFor(async () => {
      const json = (await admin.get(`/api/v1/devices/${deviceId}/processes?search=${marker}&limit=500`)).json
      // note: a child forked by bash is named bash until it has exec'd sleep: wait for both sleeps.
      return json.processes.length === 3 && json.processes.filter((p: { name: string }) => p.name === 'sleep').length === 2 ? json : null
    }, 20_000, 'the tree in the list')
    const kids = list.processes.filter((p: { name: string }) => p.name === 'sleep').map((p: { pid: number }) => p.pid)
    expect(kids).toHaveLength(2)
    const res = await admin.post(`/api/v1/devices/${deviceId}/processes/${parent.pid}/kill`, { tree: true, name: 'bash' })
    expect(res.status).toBe(200)
    expect(res.json.result.killed.sort()).toEqual([parent.pid, ...kids].sort())
    await parent.exited
    await waitFor(() => kids.every((k: number) => !alive(k)), 5_000, 'the children to die')

    const self = agent.pid()!
    const refused = await admin.post(`/api/v1/devices/${deviceId}/processes/${self}/kill`, {})
    expect(refused.status).toBe(422)
    expect(refused.json.error.message).toContain('Breeze agent itself')
    expect(alive(self)).toBe(true)
  })
})

describe('services on a real agent', () => {
  const openAlerts = async () => (await admin.get(`/api/v1/alerts?deviceId=${deviceId}&status=open`)).json.data as { id: string; title: string; status: string }[]
  const stateOf = async () => (await admin.get(`/api/v1/devices/${deviceId}/services?search=${svc}`)).json.data.find((x: { name: string }) => x.name === svc)?.state

  test('an init script is stopped and started from the API; the "service stopped" alert fires and resolves within two minutes', async () => {
    await waitFor(async () => (await stateOf()) === 'running', 60_000, 'the service in the inventory')
    const rule = await admin.post('/api/v1/alert-rules', { orgId, name: 'Test service down', severity: 'high', cooldownMinutes: 0, conditions: { match: 'all', items: [{ type: 'service', name: svc }] } })
    expect(rule.status).toBe(201)

    let started = Date.now()
    const stop = await admin.post(`/api/v1/devices/${deviceId}/services/${svc}/stop`)
    expect({ status: stop.status, body: stop.json }).toMatchObject({ status: 200, body: { status: 'completed', result: { name: svc, state: 'stopped' } } })
    expect(stop.json.result.output).toContain(`Stopping ${svc}`)
    expect({ status: service('status') }).toEqual({ status: 3 })
    const fired = await waitFor(async () => (await openAlerts()).find((a) => a.title.includes('Test service down')), 120_000, 'the alert')
    expect(Date.now() - started).toBeLessThan(120_000)
    expect(await stateOf()).toBe('stopped')

    started = Date.now()
    const start = await admin.post(`/api/v1/devices/${deviceId}/services/${svc}/start`)
    expect({ status: start.status, body: start.json }).toMatchObject({ status: 200, body: { status: 'completed', result: { state: 'running' } } })
    expect({ status: service('status') }).toEqual({ status: 0 })
    await waitFor(async () => !(await openAlerts()).some((a) => a.id === fired.id), 120_000, 'the alert to resolve')
    expect(Date.now() - started).toBeLessThan(120_000)

    // The device history and the audit log say who did what.
    const changes = (await admin.get(`/api/v1/devices/${deviceId}/changes?kind=service`)).json.data.map((c: { summary: string }) => c.summary)
    expect(changes).toContain(`Service ${svc} stopped (was running)`)
    const audit = (await admin.get('/api/v1/audit/logs?action=device.service_stop')).json.data
    expect(audit[0]).toMatchObject({ action: 'device.service_stop', resourceId: deviceId, details: { service: svc } })

    // An unknown service and a start type for a script outside /etc/init.d fail with the agent's reason.
    const unknown = await admin.post(`/api/v1/devices/${deviceId}/services/no-such-svc/restart`)
    expect({ status: unknown.status, body: unknown.json }).toMatchObject({ status: 422 })
    expect(unknown.json.error.message).toContain('no service named no-such-svc')
    const startType = await admin.post(`/api/v1/devices/${deviceId}/services/${svc}/start-type`, { startType: 'disabled' })
    expect({ status: startType.status, body: startType.json }).toMatchObject({ status: 422 })
    expect(startType.json.error.message).toContain('/etc/init.d')
  }, 300_000)

  test('a service stopped behind Breeze\'s back is reported by the agent\'s watch and alerts, then resolves', async () => {
    await waitFor(async () => (await stateOf()) === 'running', 60_000, 'running')
    let started = Date.now()
    expect(service('stop')).toBe(0)
    await waitFor(async () => (await stateOf()) === 'stopped', 60_000, 'the watch to report the stop')
    const fired = await waitFor(async () => (await openAlerts()).find((a) => a.title.includes('Test service down')), 120_000, 'the alert')
    expect(Date.now() - started).toBeLessThan(120_000)
    started = Date.now()
    expect(service('start')).toBe(0)
    await waitFor(async () => !(await openAlerts()).some((a) => a.id === fired.id), 120_000, 'the alert to resolve')
    expect(Date.now() - started).toBeLessThan(120_000)
  }, 300_000)
})
