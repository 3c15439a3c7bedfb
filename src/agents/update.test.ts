// Self-update with the compiled agent: a newer build is downloaded, verified and swapped in;
// a build that cannot connect is rolled back; a download that does not match is refused.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { t } from '../db/tables'
import { agentBinary, createTestAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { upgradeFor } from './builds'

let s: TestServer
let key: string
let base: string
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-update-'))
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** serve puts `file` in the server's agents folder as the linux-x64 build of `version` (optionally announcing another hash). */
function serve(file: string, version: string, announcedSha = sha(file)) {
  const dir = path.join(s.dataDir, 'agents')
  mkdirSync(dir, { recursive: true })
  copyFileSync(file, path.join(dir, 'breeze-agent-linux-x64'))
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ 'linux-x64': { version, sha256: announcedSha, size: readFileSync(file).length } }))
}

/** agentWithOwnExe enrolls an agent running from its own copy of the executable (the update replaces it). */
async function agentWithOwnExe(name: string): Promise<TestAgent> {
  const exe = path.join(work, name, 'breeze-agent')
  mkdirSync(path.dirname(exe), { recursive: true })
  copyFileSync(base, exe)
  const agent = await createTestAgent({ exe, hardwareId: `update-${name}`, env: { BREEZE_AGENT_UPDATE_TRIAL_SECONDS: '20' } })
  expect((await agent.cli(['enroll', '--server', s.url, '--key', key])).code).toBe(0)
  return agent
}

const deviceOf = async (agent: TestAgent) => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, agent.identity().deviceId)))[0]
// note: state.json appears with the agent's first save, which may come after the log line a test waits for.
const failedUpdates = (agent: TestAgent): string[] => existsSync(path.join(agent.configDir, 'state.json')) ? JSON.parse(readFileSync(path.join(agent.configDir, 'state.json'), 'utf8')).failedUpdates : []

beforeAll(async () => {
  base = await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const org = await makeOrg(s.ctx, a.partnerId, 'Org')
  await makeSite(s.ctx, org.id, 'HQ')
  const c = s.client()
  await c.login(a.email, testPassword)
  key = (await c.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'k' })).json.key
}, 120_000)
afterAll(async () => {
  await stopTestAgents()
  await s.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('self-update', () => {
  test('a newer build is downloaded, verified, swapped in and reconnects', async () => {
    const next = await agentBinary({ version: '0.2.0-test' })
    serve(next, '0.2.0-test')
    const agent = await agentWithOwnExe('ok')
    agent.start()
    await waitFor(async () => (await deviceOf(agent)).agentVersion === '0.2.0-test', 60_000, 'the new version to report')
    expect(sha(agent.exe)).toBe(sha(next))
    await waitFor(() => !agent.running, 20_000, 'the old process to hand over')
    expect(agent.logs()).toContain('update confirmed')
    expect(agent.pid()).not.toBeNull()
    await waitFor(() => s.ctx.agents.isConnected(agent.identity().deviceId), 20_000, 'the new agent connected')
  }, 120_000)

  test('a build that cannot connect is rolled back and not offered again', async () => {
    const broken = path.join(work, 'broken.ts')
    writeFileSync(broken, 'process.exit(1)\n')
    const brokenExe = path.join(work, 'broken-agent')
    expect(Bun.spawnSync(['bun', 'build', '--compile', broken, '--outfile', brokenExe]).exitCode).toBe(0)
    serve(brokenExe, '0.3.0-broken')
    const agent = await agentWithOwnExe('rollback')
    const original = sha(agent.exe)
    agent.start()
    await waitFor(() => agent.logs().includes('rolling back'), 60_000, 'rollback')
    await waitFor(() => failedUpdates(agent).includes('0.3.0-broken'), 10_000)
    expect(agent.running).toBe(true)
    await waitFor(() => s.ctx.agents.isConnected(agent.identity().deviceId), 30_000, 'reconnected on the old version')
    expect(sha(agent.exe)).toBe(original)
    expect((await deviceOf(agent)).agentVersion).toBe('0.1.0')
    expect(upgradeFor(s.ctx, 'linux-x64', '0.1.0', failedUpdates(agent))).toBeNull()
    expect(upgradeFor(s.ctx, 'linux-x64', '0.1.0')?.version).toBe('0.3.0-broken')
  }, 120_000)

  test('a download whose hash does not match what the server signed is refused', async () => {
    serve(await agentBinary({ version: '0.2.0-test' }), '0.4.0-tampered', 'f'.repeat(64))
    const agent = await agentWithOwnExe('tampered')
    const original = sha(agent.exe)
    agent.start()
    await waitFor(() => agent.logs().includes('refusing the update'), 60_000, 'refusal')
    expect(agent.logs()).toContain('SHA-256')
    expect(sha(agent.exe)).toBe(original)
    expect(failedUpdates(agent)).toContain('0.4.0-tampered')
    expect(agent.running).toBe(true)
  }, 120_000)
})
