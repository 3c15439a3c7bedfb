// In Chromium: build a three-step automation in the visual editor (a script on the triggering
// device, a condition on its exit code with a nested step, a notification), see a problem
// reported as it is typed, save it, test-run it on a real agent and watch each step's result.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let deviceId: string
let receiver: ReturnType<typeof startReceiver>
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  receiver = startReceiver()
  await admin.post('/api/v1/notification-channels', { name: 'Ops hook', type: 'webhook', orgId, config: { url: `${receiver.url}/hook` }, secrets: { signingSecret: 'a-signing-secret-of-some-length' } })
  await admin.post('/api/v1/scripts', { name: 'Check disk', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'df -h / | tail -1\necho "disk ok"\n', parameters: [] })
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  receiver.stop()
  await s.stop()
})

test('build a three-step automation in the editor and test-run it on a real agent', async () => {
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors, (text) => text.includes('400'))

  await page.goto(`${s.url}/automations`)
  await page.click('text=New automation')
  await page.waitForSelector('[data-field="name"]')
  // Nothing typed yet: no problems shown, even after the first check has answered.
  await page.waitForLoadState('networkidle')
  expect(await page.locator('.invalid').count()).toBe(0)
  expect(await page.textContent('[data-problems]')).toContain('Problems show here as you fill in the automation')
  await page.fill('[data-field="name"]', 'Disk check <script>')
  await page.selectOption('[data-field="trigger.type"]', 'event')
  await page.selectOption('[data-field="trigger.event"]', 'device.enrolled')

  // Step 1: run a script on the triggering device.
  await page.selectOption('[data-add-step="actions"]', 'run_script')
  await page.waitForSelector('[data-path="actions.0"]')
  // Problems appear as you type: a run_script step without a script.
  await page.waitForSelector('[data-path="actions.0.scriptId"].invalid', { timeout: 5_000 })
  expect(await page.textContent('[data-path="actions.0.scriptId"] [data-error]')).toContain('choose a script')
  await page.selectOption('[data-path="actions.0"] [data-field="scriptId"]', { label: 'Check disk (linux)' })
  await page.waitForSelector('[data-path="actions.0.scriptId"]:not(.invalid)')

  // Step 2: a condition on the exit code, with a nested step in its then branch.
  await page.selectOption('[data-add-step="actions"]', 'condition')
  await page.waitForSelector('[data-path="actions.1"]')
  await page.fill('[data-path="actions.1.clauses.0"] [data-field="clause-field"]', 'last_step.exit_code')
  await page.fill('[data-path="actions.1.clauses.0"] [data-field="clause-value"]', '0')
  await page.selectOption('[data-add-step="actions.1.then"]', 'update_device')
  await page.waitForSelector('[data-path="actions.1.then.0"]')
  await page.fill('[data-path="actions.1.then.0"] [data-field="addTags"]', 'disk-checked')

  // Step 3: a notification; then move it up and back to show reordering works.
  await page.selectOption('[data-add-step="actions"]', 'notify')
  await page.waitForSelector('[data-path="actions.2"]')
  await page.selectOption('[data-path="actions.2"] [data-field="channelIds"]', { label: 'Ops hook (webhook)' })
  await page.fill('[data-path="actions.2"] [data-field="title"]', 'Disk checked on {{device.name}}: {{last_step.status}}')
  await page.click('[data-path="actions.2"] button[aria-label="Move up"]')
  expect(await page.getAttribute('[data-path="actions.1"]', 'data-step-type')).toBe('notify')
  await page.click('[data-path="actions.1"] button[aria-label="Move down"]')
  expect(await page.getAttribute('[data-path="actions.2"]', 'data-step-type')).toBe('notify')
  await page.waitForSelector('[data-problems]:has-text("No problems")', { timeout: 5_000 })

  // Save and test-run on the agent's device.
  await page.selectOption('[data-test-device]', deviceId)
  await page.click('[data-action="test-run"]')
  await page.waitForURL(/\/automation-runs\//, { timeout: 15_000 })
  await page.waitForSelector('#run-status[data-status="completed"]', { timeout: 40_000 })
  const steps = await page.$$eval('[data-step]', (els) => els.map((e) => `${e.getAttribute('data-step-status')}|${e.textContent}`))
  expect(steps).toHaveLength(4)
  expect(steps.map((x) => x.split('|')[0])).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
  expect(steps[0]).toContain('1 succeeded, 0 failed (exit code 0)')
  expect(steps[1]).toContain('true: running the then branch')
  expect(steps[2]).toContain('tagged disk-checked')
  const [hit] = await receiver.waitFor(1, (r) => r.path === '/hook')
  expect(hit.json.alert.title).toMatch(/^\[TEST\] Disk checked on .+: succeeded$/)
  expect((await admin.get(`/api/v1/devices/${deviceId}`)).json.tags).toContain('disk-checked')

  // The automation page reads it back in words; the name stays text.
  await page.click('.page-header a:text-is("Automation")')
  await page.waitForSelector('h1:text-is("Disk check <script>")')
  expect(await page.textContent('.auto-steps')).toContain('Run "Check disk" on the triggering device')
  expect(errors).toEqual([])
}, 120_000)
