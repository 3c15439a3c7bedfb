// Enrollment keys and Add device pages, the install script run for real, and the downloads.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { t } from '../db/tables'
import { agentBinary } from '../testing/agent'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { agentPlatforms } from '../protocol'
import { findAgentBuilds } from './builds'

let s: TestServer
let admin: TestClient
let orgId: string
let siteId: string
let sha256: string
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-install-'))

beforeAll(async () => {
  const exe = await agentBinary()
  s = await startTestServer()
  // This server's linux-x64 build: the test agent, described by a manifest.
  mkdirSync(path.join(s.dataDir, 'agents'), { recursive: true })
  copyFileSync(exe, path.join(s.dataDir, 'agents', 'breeze-agent-linux-x64'))
  sha256 = createHash('sha256').update(readFileSync(exe)).digest('hex')
  writeFileSync(path.join(s.dataDir, 'agents', 'manifest.json'), JSON.stringify({ 'linux-x64': { version: '0.1.0', sha256, size: readFileSync(exe).length } }))
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme <b>Corp</b>')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
}, 120_000)
afterAll(async () => {
  await s.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('Add device', () => {
  test('shows each platform\'s build or says how to produce it', async () => {
    const page = await admin.get('/devices/add')
    expect(page.status).toBe(200)
    const builds = findAgentBuilds(s.config, true)
    expect(builds.get('linux-x64')?.file).toBe(path.join(s.dataDir, 'agents', 'breeze-agent-linux-x64'))
    expect(page.text).toContain('href="/agents/linux-x64"')
    for (const p of agentPlatforms) expect(page.text.includes(`href="/agents/${p}"`)).toBe(builds.has(p))
    if (builds.size < agentPlatforms.length) expect(page.text).toContain('npm run build')
    expect(page.text).toContain('Acme &lt;b&gt;Corp&lt;/b&gt; › HQ')
  })

  test('creating a key shows it once with the one-line install commands', async () => {
    const res = await admin.form('/devices/add', { target: `site:${orgId}:${siteId}`, name: 'Rollout <script>', expiresInDays: '7', maxUses: '3' }, '/devices/add')
    expect(res.status).toBe(201)
    const key = /(brz_[A-Za-z0-9_-]+)/.exec(res.text)![1]
    expect(res.text).toContain(`curl -sSL &#x27;${s.url}/install.sh?key=${key}&#x27; | sudo sh`)
    expect(res.text).toContain(`irm &#x27;${s.url}/install.ps1?key=${key}&#x27; | iex`)
    expect(res.text).toContain('Rollout &lt;script&gt;')
    const list = await admin.get('/enrollment-keys')
    expect(list.text).toContain('Rollout &lt;script&gt;')
    expect(list.text).toContain(key.slice(0, 10))
    expect(list.text).not.toContain(key)
    const [row] = await s.ctx.db.select().from(t.enrollmentKeys).where(eq(t.enrollmentKeys.name, 'Rollout <script>'))
    expect(row).toMatchObject({ orgId, siteId, maxUses: 3 })
    expect(row.expiresAt).toBe(s.clock.now() + 7 * 86_400_000)
  })

  test('bad form input re-renders the form with the message; viewers cannot create or revoke', async () => {
    const bad = await admin.form('/devices/add', { target: `site:${orgId}:${siteId}`, name: '', expiresInDays: '7' }, '/devices/add')
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('give the key a name')
    const viewer = await makeUser(s.ctx, 'viewer@example.com', 'org_viewer', { orgId })
    const c = s.client()
    await c.login(viewer.email, testPassword)
    const list = await c.get('/enrollment-keys')
    expect(list.status).toBe(200)
    expect(list.text).not.toContain('/revoke')
    const denied = await c.form('/devices/add', { target: `org:${orgId}`, name: 'x' }, '/devices/add')
    expect(denied.status).toBe(400)
    expect(await s.ctx.db.select().from(t.enrollmentKeys).where(eq(t.enrollmentKeys.name, 'x'))).toEqual([])
  })
})

describe('install script and downloads', () => {
  test('curl … install.sh | sh downloads the agent, checks its SHA-256 and enrolls the machine', async () => {
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, siteId, name: 'script' })).json.key
    const env = { ...process.env, BREEZE_INSTALL_DIR: path.join(work, 'bin'), BREEZE_AGENT_CONFIG_DIR: path.join(work, 'etc'), BREEZE_NO_SERVICE: '1', BREEZE_AGENT_HARDWARE_ID: 'install-script-machine' }
    const proc = Bun.spawn(['sh', '-c', `curl -sSL '${s.url}/install.sh?key=${key}' | sh`], { env, stdout: 'pipe', stderr: 'pipe' })
    const out = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text())
    expect({ code: await proc.exited, out }).toMatchObject({ code: 0 })
    expect(out).toContain('Enrolled as device')
    expect(createHash('sha256').update(readFileSync(path.join(work, 'bin', 'breeze-agent'))).digest('hex')).toBe(sha256)
    const identity = JSON.parse(readFileSync(path.join(work, 'etc', 'agent.json'), 'utf8'))
    const [device] = await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, identity.deviceId))
    expect(device).toMatchObject({ orgId, siteId, hardwareId: 'install-script-machine', hostname: os.hostname() })
  })

  test('the scripts refuse keys that are not keys, and name missing builds', async () => {
    expect((await fetch(`${s.url}/install.sh?key=${encodeURIComponent("brz_$(touch /tmp/pwned)'")}`)).status).toBe(400)
    expect((await fetch(`${s.url}/install.sh`)).status).toBe(400)
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, siteId, name: 'ps1' })).json.key
    const ps1 = await (await fetch(`${s.url}/install.ps1?key=${key}`)).text()
    const builds = findAgentBuilds(s.config, true)
    expect(ps1).toContain(`$Sha256 = '${builds.get('windows-x64')?.sha256 ?? ''}'`)
    expect(ps1).toContain("$ProgressPreference = 'SilentlyContinue'")
    expect(ps1).toContain('/api/v1/agents/install-check')
  })

  test('/agents/<platform> serves the build with its version and hash; unknown platforms are 404', async () => {
    const res = await fetch(`${s.url}/agents/linux-x64`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-agent-version')).toBe('0.1.0')
    expect(res.headers.get('x-agent-sha256')).toBe(sha256)
    expect(createHash('sha256').update(new Uint8Array(await res.arrayBuffer())).digest('hex')).toBe(sha256)
    expect((await fetch(`${s.url}/agents/plan9-mips`)).status).toBe(404)
  })
})
