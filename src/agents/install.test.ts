// install.sh run for real (sh + curl) against a test server, with a stand-in agent executable
// that records how it was called (the real agent's install path is in pages.test.ts): refused
// keys end with the reason and exit 1 before anything is downloaded, a missing build names
// npm run build, a machine without systemd gets the agent enrolled and told how to run it, and
// downloads are gzipped for clients that accept it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { gzipInFlight } from './builds'

let s: TestServer
let admin: TestClient
let orgId: string
let siteId: string
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-installsh-'))
const platform = `${process.platform === 'darwin' ? 'darwin' : 'linux'}-${process.arch === 'arm64' ? 'arm64' : 'x64'}`
/** The stand-in agent: records its arguments, says what the real one says. Padded so compression shows. */
const fakeAgent = `#!/bin/sh\necho "$@" >> "$FAKE_AGENT_LOG"\necho "Enrolled as device fake-device"\nexit 0\n# ${'padding '.repeat(20_000)}\n`
const fakeSha = createHash('sha256').update(fakeAgent).digest('hex')

function installBuild() {
  mkdirSync(path.join(s.dataDir, 'agents'), { recursive: true })
  writeFileSync(path.join(s.dataDir, 'agents', `breeze-agent-${platform}`), fakeAgent, { mode: 0o755 })
  writeFileSync(path.join(s.dataDir, 'agents', 'manifest.json'), JSON.stringify({ [platform]: { version: '0.1.0', sha256: fakeSha, size: Buffer.byteLength(fakeAgent) } }))
}

/** run runs the one-liner shown on Add device (without sudo), in a fresh install folder. */
async function run(command: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(work, 'run-'))
  const log = path.join(dir, 'agent-calls.log')
  const proc = Bun.spawn(['sh', '-c', command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, BREEZE_INSTALL_DIR: path.join(dir, 'bin'), FAKE_AGENT_LOG: log, ...env },
    stdout: 'pipe', stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, out: stdout + stderr, calls: existsSync(log) ? readFileSync(log, 'utf8').trim() : '', installed: existsSync(path.join(dir, 'bin', 'breeze-agent')) }
}
const q = (key: string) => encodeURIComponent(key).replace(/'/g, '%27')
const oneLiner = (key: string) => `curl -sSL '${s.url}/install.sh?key=${q(key)}' | sh`
const newKey = async (extra: Record<string, unknown> = {}) => (await admin.post('/api/v1/enrollment-keys', { orgId, siteId, name: 'install', ...extra })).json.key as string

beforeAll(async () => {
  // Builds only from the data dir (installBuild): not the checkout's dist/agents that `npm start` or `npm run build` may have made.
  s = await startTestServer({ env: { BREEZE_AGENTS_DIR: path.join(work, 'no-builds') } })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  // This file's refusals must not reach the per-address limit (30 in 15 minutes) by accident.
  s.ctx.limits.enrollRefusedByIp.reset('127.0.0.1')
})
afterAll(async () => {
  await gzipInFlight()
  await s.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('install.sh', () => {
  test('without a build for this platform it names npm run build and exits 1 (no "parameter not set")', async () => {
    const key = await newKey()
    const r = await run(oneLiner(key))
    expect(r.code).toBe(1)
    expect(r.out).toContain(`this server has no agent build for ${platform} yet`)
    expect(r.out).toContain("'npm run build'")
    expect(r.out).not.toContain('parameter not set')
    expect(r.installed).toBe(false)
  })

  test('malformed, unknown, revoked and exhausted keys: the reason and exit 1, nothing downloaded', async () => {
    installBuild()
    const revoked = await newKey()
    const keys = (await admin.get('/api/v1/enrollment-keys')).json.data as { id: string; prefix: string }[]
    await admin.delete(`/api/v1/enrollment-keys/${keys.find((k) => revoked.startsWith(k.prefix))!.id}`)
    const cases: [string, RegExp, number][] = [
      ['not-a-key', /give the enrollment key from Add device/, 400],
      ["brz_$(touch /tmp/pwned)'", /give the enrollment key/, 400],
      ['', /give the enrollment key/, 400],
      ['brz_AAAAAAAAAAAAAAAAAAAAAAAA', /not issued by this server/, 403],
      [revoked, /was revoked/, 403],
    ]
    for (const [key, message, status] of cases) {
      expect((await fetch(`${s.url}/install.sh?key=${q(key)}`)).status).toBe(status)
      const r = await run(oneLiner(key))
      expect({ key, code: r.code, installed: r.installed }).toEqual({ key, code: 1, installed: false })
      expect(r.out).toMatch(message)
      expect(r.calls).toBe('')
    }
    expect(existsSync('/tmp/pwned')).toBe(false)
    const ps1 = await fetch(`${s.url}/install.ps1?key=brz_AAAAAAAAAAAAAAAAAAAAAAAA`)
    expect(ps1.status).toBe(403)
    expect(await ps1.text()).toStartWith("throw 'breeze: this enrollment key was not issued by this server")
  })

  test('a saved script whose key was revoked since stops at the key check, before the download', async () => {
    const key = await newKey()
    const script = path.join(work, 'saved-install.sh')
    writeFileSync(script, await (await fetch(`${s.url}/install.sh?key=${key}`)).text())
    const keys = (await admin.get('/api/v1/enrollment-keys')).json.data as { id: string; prefix: string }[]
    await admin.delete(`/api/v1/enrollment-keys/${keys.find((k) => key.startsWith(k.prefix))!.id}`)
    const r = await run(`sh '${script}'`)
    expect(r.code).toBe(1)
    expect(r.out).toContain('the server refused this enrollment key: this enrollment key was revoked')
    expect(r.out).not.toContain('downloading')
    expect(r.installed).toBe(false)
  })

  test('the key check answers cheaply: 200 for a usable key, the reason otherwise', async () => {
    const ok = await fetch(`${s.url}/api/v1/agents/install-check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: await newKey() }) })
    expect(ok.status).toBe(200)
    const bad = await fetch(`${s.url}/api/v1/agents/install-check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'brz_BBBBBBBBBBBBBBBBBBBBBBBB' }) })
    expect(bad.status).toBe(403)
    expect((await bad.json()).error.message).toContain('not issued by this server')
  })

  test('without systemd the agent is enrolled (not installed as a service) and the output says how to run it', async () => {
    const key = await newKey()
    for (const env of [{ BREEZE_INIT_SYSTEM: 'none' }, {}] as Record<string, string>[]) {
      if (!('BREEZE_INIT_SYSTEM' in env) && existsSync('/run/systemd/system')) continue // this machine runs systemd
      const r = await run(oneLiner(key), env)
      expect({ code: r.code, out: r.out }).toMatchObject({ code: 0 })
      expect(r.calls).toBe(`enroll --server ${s.url} --key ${key}`)
      expect(r.out).toContain('Enrolled as device fake-device')
      expect(r.out).toContain('no systemd here')
      expect(r.out).toMatch(/start it now with: +\S+\/breeze-agent run/)
      expect(r.installed).toBe(true)
    }
    const systemd = await run(oneLiner(key), { BREEZE_INIT_SYSTEM: 'systemd' })
    expect(systemd.code).toBe(0)
    expect(systemd.calls).toBe(`install --server ${s.url} --key ${key}`)
    const enrollOnly = await run(oneLiner(key), { BREEZE_NO_SERVICE: '1', BREEZE_INIT_SYSTEM: 'systemd' })
    expect(enrollOnly.calls).toBe(`enroll --server ${s.url} --key ${key}`)
  })

  test('a loopback public URL is warned about by the script itself', async () => {
    const r = await run(oneLiner(await newKey()), { BREEZE_INIT_SYSTEM: 'none' })
    expect(r.out).toContain(`warning: this server's public URL is ${s.url}, which only the server itself can reach`)
  })
})

describe('agent downloads', () => {
  test('gzip for clients that accept it, from a cached copy; the SHA-256 is the executable\'s', async () => {
    const plain = await fetch(`${s.url}/agents/${platform}`, { headers: { 'accept-encoding': 'identity' }, decompress: false } as RequestInit)
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('vary')).toContain('accept-encoding')
    expect(Buffer.from(await plain.arrayBuffer()).toString()).toBe(fakeAgent)
    // The first gzip request starts the cached copy and is served plain.
    const first = await fetch(`${s.url}/agents/${platform}`, { headers: { 'accept-encoding': 'gzip, deflate' }, decompress: false } as RequestInit)
    await first.arrayBuffer()
    await gzipInFlight()
    const gz = await fetch(`${s.url}/agents/${platform}`, { headers: { 'accept-encoding': 'br, gzip;q=0.8' }, decompress: false } as RequestInit)
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gz.headers.get('x-agent-sha256')).toBe(fakeSha)
    const body = new Uint8Array(await gz.arrayBuffer())
    expect(body.length).toBeLessThan(Buffer.byteLength(fakeAgent) / 10)
    expect(createHash('sha256').update(gunzipSync(body)).digest('hex')).toBe(fakeSha)
    const refused = await fetch(`${s.url}/agents/${platform}`, { headers: { 'accept-encoding': 'gzip;q=0' }, decompress: false } as RequestInit)
    expect(refused.headers.get('content-encoding')).toBeNull()
    await refused.arrayBuffer()
    // The installer's curl --compressed gets the gzipped copy and still verifies the checksum.
    const r = await run(oneLiner(await newKey()), { BREEZE_INIT_SYSTEM: 'none' })
    expect(r.code).toBe(0)
    expect(r.installed).toBe(true)
  })
})
