// Patching in Chromium: a technician approves an update from the fleet Patches page, starts
// "Install approved now", and watches the job page follow the agent (an agent that speaks the
// protocol itself) live: the streamed output, then the device installed and the job completed.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { waitFor } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let agent: ProtocolAgent
let browser: Browser
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  agent = await enrollProtocolAgent(s, (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'b' })).json.key, { hostname: 'web-01' })
  await agent.connect()
  // A scan answered by the agent: one security update, one other.
  const scan = (await admin.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, {})).json
  const base = { source: 'apt', installedVersion: '1.0', severity: 'unknown', rebootRequired: false, sizeBytes: null, releasedAt: null, supersedes: [] }
  agent.send({ type: 'command.ack', id: scan.commandId })
  agent.send({ type: 'command.result', id: scan.commandId, status: 'completed', error: null, result: { providers: ['apt'], rebootRequired: false, errors: [], patches: [
    { ...base, externalId: 'openssl', version: '3.0.15-1~deb12u1', title: 'openssl 3.0.15-1~deb12u1', classification: 'security', origin: 'Debian-Security:12/stable-security' },
    { ...base, externalId: 'tzdata', version: '2025b-0+deb12u1', title: 'tzdata 2025b-0+deb12u1', classification: 'update', origin: 'Debian:12/stable' },
  ] } })
  await waitFor(async () => (await admin.get(`/api/v1/devices/${agent.deviceId}/patches`)).json.data.length === 2, 10_000, 'the scan')
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  agent?.close()
  await browser?.close()
  await s?.stop()
})

test('approve from the fleet view, install, and watch the job page update live', async () => {
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  await page.goto(`${s.url}/patches`)
  await page.waitForSelector('tr[data-patch="openssl"] [data-state="available"]')
  await page.check('tr[data-patch="openssl"] input[name=patchIds]')
  await page.fill('#d-reason', 'monthly security updates')
  await page.click('button:has-text("Approve selected")')
  await page.waitForSelector('tr[data-patch="openssl"] [data-state="approved"]')
  expect(await page.locator('tr[data-patch="tzdata"] [data-state="approved"]').count()).toBe(0)

  await page.click('button:has-text("Install approved now")')
  await page.waitForURL(/\/patch-jobs\//)
  await page.waitForSelector('#job-status[data-status="running"]')
  const cmd = await agent.command('patch.install')
  expect(JSON.parse(cmd.payload).patches.map((p: { externalId: string }) => p.externalId)).toEqual(['openssl'])
  agent.send({ type: 'command.ack', id: cmd.id })
  agent.send({ type: 'command.output', id: cmd.id, seq: 0, stream: 'stdout', data: 'Unpacking openssl (3.0.15-1~deb12u1) over (1.0) ...\n' })
  // The output appears without a reload.
  await page.waitForSelector('pre.output:has-text("Unpacking openssl")', { timeout: 15_000 })
  agent.send({ type: 'command.output', id: cmd.id, seq: 1, stream: 'stdout', data: 'Setting up openssl (3.0.15-1~deb12u1) ...\n' })
  agent.send({ type: 'command.result', id: cmd.id, status: 'completed', error: null, result: { results: [{ source: 'apt', externalId: 'openssl', version: '3.0.15-1~deb12u1', status: 'installed', installedVersion: '3.0.15-1~deb12u1', message: 'installed 3.0.15-1~deb12u1' }], rebootRequired: true, exitCode: 0, outputTail: '' } })
  await page.waitForSelector('#job-status[data-status="completed"]', { timeout: 15_000 })
  expect(await page.locator('[data-job-device] .badge:has-text("installed")').count()).toBe(1)
  expect(await page.locator('[data-job-device] .badge:has-text("reboot required")').count()).toBe(1)
  expect(await page.locator('pre.output').textContent()).toContain('Setting up openssl')

  // The device's Patches tab shows it installed.
  await page.goto(`${s.url}/devices/${agent.deviceId}/patches`)
  await page.waitForSelector('tr[data-patch="openssl"] [data-state="installed"]')
  expect(errors).toEqual([])
}, 90_000)
