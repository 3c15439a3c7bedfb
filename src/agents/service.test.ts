// `breeze-agent install` / `uninstall` on Linux, with systemctl replaced by a recorder (there
// is no systemd in the test machine): the unit, the executable, permissions and the calls.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { createTestAgent } from '../testing/agent'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let key: string
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-service-'))
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const org = await makeOrg(s.ctx, a.partnerId, 'Org')
  await makeSite(s.ctx, org.id, 'HQ')
  const c = s.client()
  await c.login(a.email, testPassword)
  key = (await c.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'k' })).json.key
}, 120_000)
afterAll(async () => {
  await s.stop()
  rmSync(work, { recursive: true, force: true })
})

test.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('install registers a systemd unit with a locked-down config; uninstall --purge removes it all', async () => {
  const stubs = path.join(work, 'stubs')
  mkdirSync(stubs)
  const calls = path.join(work, 'calls.log')
  writeFileSync(path.join(stubs, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n[ "$1" = is-active ] && echo active\nexit 0\n`)
  chmodSync(path.join(stubs, 'systemctl'), 0o755)
  const dirs = { units: path.join(work, 'units'), bin: path.join(work, 'bin'), etc: path.join(work, 'etc', 'breeze') }
  mkdirSync(dirs.units)
  const agent = await createTestAgent({
    configDir: dirs.etc, hardwareId: 'service-test-machine',
    env: { PATH: `${stubs}:${process.env.PATH}`, BREEZE_AGENT_SYSTEMD_DIR: dirs.units, BREEZE_INSTALL_DIR: dirs.bin },
  })
  const res = await agent.cli(['install', '--server', s.url, '--key', key])
  expect({ code: res.code, out: res.out }).toMatchObject({ code: 0 })
  expect(res.out).toContain('Enrolled as device')
  const unit = readFileSync(path.join(dirs.units, 'breeze-agent.service'), 'utf8')
  expect(unit).toContain(`ExecStart="${path.join(dirs.bin, 'breeze-agent')}" run --service --config-dir "${dirs.etc}"`)
  expect(unit).toContain('Restart=always')
  expect(unit).toContain('RestartPreventExitStatus=3')
  expect(sha(path.join(dirs.bin, 'breeze-agent'))).toBe(sha(agent.exe))
  expect(statSync(dirs.etc).mode & 0o777).toBe(0o700)
  expect(statSync(path.join(dirs.etc, 'agent.json')).mode & 0o777).toBe(0o600)
  expect(readFileSync(calls, 'utf8')).toContain('daemon-reload\nenable --now breeze-agent\n')
  const status = await agent.cli(['status'])
  expect(status.out).toContain('service:   active')

  const gone = await agent.cli(['uninstall', '--purge'])
  expect(gone.code).toBe(0)
  expect(readFileSync(calls, 'utf8')).toContain('disable --now breeze-agent')
  expect(existsSync(path.join(dirs.units, 'breeze-agent.service'))).toBe(false)
  expect(existsSync(dirs.etc)).toBe(false)
  expect(existsSync(path.join(dirs.bin, 'breeze-agent'))).toBe(false)
})

test.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0 || existsSync('/run/systemd/system'))('without systemd running, install writes no unit, keeps the enrollment and says to use `breeze-agent run`', async () => {
  // A machine with systemctl installed but another init system (a container, OpenRC, runit).
  const stubs = path.join(work, 'stubs-offline')
  mkdirSync(stubs)
  const calls = path.join(work, 'calls-offline.log')
  writeFileSync(path.join(stubs, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n[ "$1" = is-system-running ] && { echo offline; exit 1; }\nexit 0\n`)
  chmodSync(path.join(stubs, 'systemctl'), 0o755)
  const dirs = { units: path.join(work, 'units-offline'), bin: path.join(work, 'bin-offline'), etc: path.join(work, 'etc-offline') }
  mkdirSync(dirs.units)
  const agent = await createTestAgent({
    configDir: dirs.etc, hardwareId: 'no-systemd-machine',
    env: { PATH: `${stubs}:${process.env.PATH}`, BREEZE_AGENT_SYSTEMD_DIR: dirs.units, BREEZE_INSTALL_DIR: dirs.bin },
  })
  const res = await agent.cli(['install', '--server', s.url, '--key', key])
  expect(res.code).not.toBe(0)
  expect(res.out).toContain('Enrolled as device')
  expect(res.out).toContain('systemd is not running on this machine')
  expect(res.out).toContain(`${path.join(dirs.bin, 'breeze-agent')} run`)
  expect(existsSync(path.join(dirs.units, 'breeze-agent.service'))).toBe(false)
  expect(readFileSync(calls, 'utf8')).not.toContain('daemon-reload')
  expect(existsSync(path.join(dirs.etc, 'agent.json'))).toBe(true)
})
