// Patching end to end with the compiled agent and real apt, without touching the machine's own
// sources: the test builds two tiny packages at 1.0 and 1.1 with dpkg-deb, indexes 1.1 in a
// temporary repository (dpkg-scanpackages), installs 1.0 with dpkg, and gives the agent apt
// options (config.json) that read only that repository, with its own lists and cache. Then:
// scan finds 1.1 → approve → job → dpkg-query shows 1.1; a held dpkg lock is retried (and
// reported when it stays held); a package whose postinst fails ends failed with its output.
// Both packages are purged afterwards.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { agentBinary, createTestAgent, stopTestAgents, waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

const ok = 'breeze-patch-demo'
const bad = 'breeze-patch-broken'
const scratch = mkdtempSync(path.join(os.tmpdir(), 'breeze-patching-'))
const repo = path.join(scratch, 'repo')
let s: TestServer
let admin: TestClient
let orgId: string
let deviceId: string
const lockers: Bun.Subprocess[] = []

const sh = (cmd: string[], cwd?: string) => {
  const r = Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe', cwd })
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr.toString()}`)
  return r.stdout.toString()
}
const installed = (pkg: string) => Bun.spawnSync(['dpkg-query', '-W', '-f=${Version}', pkg], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString()

/** build makes <name>_<version>_all.deb in `into`; `postinst` is its maintainer script (none when absent). */
function build(name: string, version: string, into: string, postinst?: string) {
  const root = path.join(scratch, `${name}-${version}`)
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true })
  mkdirSync(path.join(root, 'usr/share/doc', name), { recursive: true })
  writeFileSync(path.join(root, 'usr/share/doc', name, 'VERSION'), version)
  writeFileSync(path.join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Breeze tests <tests@example.com>\nSection: misc\nPriority: optional\nDescription: Breeze patching test package\n`)
  if (postinst) writeFileSync(path.join(root, 'DEBIAN/postinst'), postinst, { mode: 0o755 })
  mkdirSync(into, { recursive: true })
  sh(['dpkg-deb', '--build', '--root-owner-group', root, path.join(into, `${name}_${version}_all.deb`)])
}

/** holdDpkgLock takes the dpkg frontend lock the way apt does (fcntl), until killed. */
async function holdDpkgLock(): Promise<Bun.Subprocess> {
  const p = Bun.spawn(['python3', '-c', 'import fcntl,time\nf=open("/var/lib/dpkg/lock-frontend","a")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("locked", flush=True)\ntime.sleep(300)'], { stdout: 'pipe', stderr: 'inherit' })
  lockers.push(p)
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader()
  const { value } = await reader.read()
  expect(new TextDecoder().decode(value)).toContain('locked')
  return p
}

async function job(body: Record<string, unknown>) {
  const res = await admin.post('/api/v1/patch-jobs', body)
  expect(res.status).toBe(201)
  return res.json.id as string
}
const jobNow = async (id: string) => (await admin.get(`/api/v1/patch-jobs/${id}`)).json
const finished = (id: string) => waitFor(async () => { const j = await jobNow(id); return j.status !== 'running' ? j : null }, 60_000, 'the patch job to finish')
const patches = async () => (await admin.get(`/api/v1/devices/${deviceId}/patches`)).json as { data: { state: string; patchId: string; lastError: string | null; patch: { externalId: string; version: string } }[]; scan: { scanStatus: string; scanError: string | null } }

beforeAll(async () => {
  for (const pkg of [ok, bad]) {
    build(pkg, '1.0', path.join(scratch, 'old'))
    build(pkg, '1.1', repo, pkg === bad ? '#!/bin/sh\necho "postinst of breeze-patch-broken failed on purpose" >&2\nexit 1\n' : undefined)
  }
  writeFileSync(path.join(repo, 'Packages'), sh(['dpkg-scanpackages', '--multiversion', '.', '/dev/null'], repo))
  writeFileSync(path.join(scratch, 'sources.list'), `deb [trusted=yes] file:${repo} ./\n`)
  for (const d of ['lists/partial', 'cache/archives/partial']) mkdirSync(path.join(scratch, d), { recursive: true })
  sh(['dpkg', '-i', path.join(scratch, 'old', `${ok}_1.0_all.deb`), path.join(scratch, 'old', `${bad}_1.0_all.deb`)])
  expect(installed(ok)).toBe('1.0')

  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  const agent = await createTestAgent()
  const o = (k: string, v: string) => ['-o', `${k}=${v}`]
  writeFileSync(path.join(agent.configDir, 'config.json'), JSON.stringify({
    patching: {
      aptOptions: [...o('Dir::Etc::sourcelist', path.join(scratch, 'sources.list')), ...o('Dir::Etc::sourceparts', '-'), ...o('Dir::State::Lists', path.join(scratch, 'lists')),
        ...o('Dir::Cache', path.join(scratch, 'cache')), ...o('APT::Sandbox::User', 'root'), ...o('APT::Get::List-Cleanup', '0')],
      lockRetries: 2, lockRetrySeconds: 1,
    },
  }))
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'patching' })).json.key
  const res = await agent.cli(['enroll', '--server', s.url, '--key', key])
  if (res.code !== 0) throw new Error(res.out)
  agent.start()
  deviceId = agent.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
}, 120_000)

afterAll(async () => {
  for (const l of lockers) l.kill()
  await stopTestAgents()
  await s?.stop()
  Bun.spawnSync(['dpkg', '--purge', '--force-all', ok, bad], { stdout: 'ignore', stderr: 'ignore' })
  rmSync(scratch, { recursive: true, force: true })
})

describe('apt on this machine through the compiled agent', () => {
  test('scan finds 1.1 → approve → a held lock is retried and reported → job → dpkg-query shows 1.1; a failing postinst ends failed with its output', async () => {
    // Scan: both packages offer 1.1 from the temporary repository, nothing else (the machine's own sources are not read).
    expect((await admin.post(`/api/v1/devices/${deviceId}/patches/scan`, { refresh: true })).status).toBe(202)
    const scanned = await waitFor(async () => { const r = await patches(); return r.scan?.scanStatus !== 'pending' ? r : null }, 60_000, 'the scan')
    expect(scanned.scan.scanError).toBeNull()
    expect(scanned.scan.scanStatus).toBe('ok')
    expect(scanned.data.map((p) => `${p.patch.externalId} ${p.patch.version} ${p.state}`).sort()).toEqual([`${bad} 1.1 available`, `${ok} 1.1 available`])
    const idOf = (name: string) => scanned.data.find((p) => p.patch.externalId === name)!.patchId
    expect((await admin.post('/api/v1/patches/approve', { orgId, patchIds: [idOf(ok)], reason: 'test' })).status).toBe(200)

    // The dpkg lock held all along: retried twice, then the job fails saying so (never "nothing to do").
    const held = await holdDpkgLock()
    const lockedJob = await finished(await job({ deviceIds: [deviceId], patchIds: [idOf(ok)] }))
    held.kill()
    await held.exited
    expect(lockedJob.status).toBe('failed')
    expect(lockedJob.devices[0].error).toContain('stayed locked by another process after 3 tries')
    expect(lockedJob.devices[0].output).toContain('waiting 1 s, try 2 of 3')
    expect(installed(ok)).toBe('1.0')
    expect((await patches()).data.find((p) => p.patch.externalId === ok)!.state).toBe('failed')

    // Held at first, released once the agent says it waits: the install goes through.
    const again = await holdDpkgLock()
    const id = await job({ deviceIds: [deviceId] })
    await waitFor(async () => (await jobNow(id)).devices[0].output.includes('locked by another process'), 30_000, 'the lock to be reported')
    again.kill()
    const done = await finished(id)
    expect(done.status).toBe('completed')
    expect(done.devices[0].status).toBe('installed')
    expect(done.devices[0].output).toContain(`Setting up ${ok} (1.1)`)
    expect(installed(ok)).toBe('1.1')
    expect((await patches()).data.find((p) => p.patch.externalId === ok)!.state).toBe('installed')

    // A package whose postinst fails: the device ends failed, with dpkg's output.
    expect((await admin.post('/api/v1/patches/approve', { orgId, patchIds: [idOf(bad)] })).status).toBe(200)
    const broken = await finished(await job({ deviceIds: [deviceId] }))
    expect(broken.status).toBe('failed')
    expect(broken.devices[0].output).toContain('postinst of breeze-patch-broken failed on purpose')
    expect(broken.devices[0].error).toContain(bad)
    const row = (await patches()).data.find((p) => p.patch.externalId === bad)!
    expect(row.state).toBe('failed')
    expect(row.lastError).toContain('not installed')
  }, 150_000)
})
