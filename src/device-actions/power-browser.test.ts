// The device page in Chromium with the compiled agent on this machine (issue 17's proof): kill
// a sleep process from the Processes tab, restart an init script service from the Services tab
// (the service is the test's own, in a temporary folder), and reboot from the Power menu with a
// message — which reaches the recorder the agent's config.json names, never the machine.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { agentBinary, createTestAgent, stopTestAgents, waitFor } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let browser: Browser
let page: Page
let deviceId: string
const errors: string[] = []
const scratch = mkdtempSync(path.join(os.tmpdir(), 'breeze-power-ui-'))
const record = path.join(scratch, 'power.log')
const recorder = path.join(scratch, 'recorder.sh')
writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\t%s\\n' "$1" "$BREEZE_POWER_MESSAGE" >> ${record}\n`, { mode: 0o755 })
const initDir = path.join(scratch, 'init.d')
const svc = 'breeze-ui-svc'
const svcScript = path.join(initDir, svc)
const pidFile = path.join(scratch, 'svc.pid')
const service = (verb: string) => Bun.spawnSync([svcScript, verb], { stdout: 'ignore', stderr: 'ignore' }).exitCode
const sleepers: { kill(): void }[] = []

beforeAll(async () => {
  mkdirSync(initDir)
  writeFileSync(svcScript, `#!/bin/sh
PIDFILE=${pidFile}
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "$1" in
  start) running && exit 0; sleep 86400 </dev/null >/dev/null 2>&1 & echo $! > "$PIDFILE";;
  stop) running && kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE";;
  restart) "$0" stop; "$0" start;;
  status) running && exit 0; exit 3;;
  *) exit 2;;
esac
`, { mode: 0o755 })
  expect(service('start')).toBe(0)
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  const agent = await createTestAgent()
  writeFileSync(path.join(agent.configDir, 'config.json'), JSON.stringify({ initScriptDirs: [initDir], power: { reboot: [recorder, 'reboot'], shutdown: [recorder, 'shutdown'], notify: [recorder, 'notify'] } }))
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'ui' })).json.key
  const res = await agent.cli(['enroll', '--server', s.url, '--key', key])
  if (res.code !== 0) throw new Error(res.out)
  agent.start()
  deviceId = agent.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
  await waitFor(async () => (await admin.get(`/api/v1/devices/${deviceId}/services?search=${svc}`)).json.data.length > 0, 60_000, 'the service in the inventory')
  browser = await launchBrowser()
  ;({ page } = await signedInPage(browser, s.url, admin.cookies, errors))
  page.on('dialog', (d) => void d.accept())
}, 180_000)

afterAll(async () => {
  for (const p of sleepers) p.kill()
  service('stop')
  await browser?.close()
  await stopTestAgents()
  await s?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

test('kill a process from the Processes tab', async () => {
  const marker = String(100_000 + Math.floor(Math.random() * 800_000))
  const sleeper = Bun.spawn(['sleep', marker], { stdout: 'ignore', stderr: 'ignore' })
  sleepers.push(sleeper)
  await page.goto(`${s.url}/devices/${deviceId}/processes`)
  await page.fill('#p-search', marker)
  const row = page.locator(`tr[data-pid="${sleeper.pid}"]`)
  await row.waitFor({ timeout: 20_000 })
  await row.locator('button[data-kill="process"]').click()
  await page.locator('#process-table', { hasText: `Killed sleep (PID ${sleeper.pid})` }).waitFor({ timeout: 20_000 })
  expect(await sleeper.exited).not.toBe(0)
  expect(errors).toEqual([])
}, 60_000)

test('restart a service from the Services tab', async () => {
  const before = readFileSync(pidFile, 'utf8').trim()
  await page.goto(`${s.url}/devices/${deviceId}/services?search=${svc}`)
  const row = page.locator(`tr[data-service="${svc}"]`)
  await row.locator('button[value="restart"]').click()
  await page.locator(`tr[data-service="${svc}"]`, { hasText: 'Restarted: now running.' }).waitFor({ timeout: 45_000 })
  const after = readFileSync(pidFile, 'utf8').trim()
  expect(after).not.toBe(before)
  expect(service('status')).toBe(0)
  expect(errors).toEqual([])
}, 60_000)

test('reboot from the Power menu: confirmed, with the message, reaching the recorder', async () => {
  await page.goto(`${s.url}/devices/${deviceId}`)
  await page.click('.power-menu summary')
  await page.selectOption('#f-power-action', 'reboot')
  await page.fill('#f-power-message', 'Rebooting for <updates> & fixes')
  await page.selectOption('#f-power-delay', '0')
  const confirmed = new Promise<string>((resolve) => page.once('dialog', (d) => resolve(d.message())))
  await page.click('[data-power-submit]')
  expect(await confirmed).toContain('Reboot ')
  await page.locator('text=Reboot started.').waitFor({ timeout: 30_000 })
  const line = await waitFor(() => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').find((l) => l.startsWith('reboot\t')) : undefined), 15_000, 'the recorder')
  expect(line).toBe('reboot\tRebooting for <updates> & fixes')
  // The device history shows who asked (escaped).
  await page.goto(`${s.url}/devices/${deviceId}/history`)
  expect(await page.locator('body').innerText()).toContain('Reboot requested by')
  expect(errors).toEqual([])
}, 60_000)
