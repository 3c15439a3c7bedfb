// A technician runs a script from the browser on a real agent and watches the output arrive;
// the page swaps its status (queued → running → completed) and drops Cancel once it ended.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let deviceId: string
let scriptId: string
let orgId: string
let fake: ProtocolAgent | undefined
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
  scriptId = (await admin.post('/api/v1/scripts', {
    name: 'Slow greeting', description: 'prints twice', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId,
    content: 'echo "first line"\nsleep 4\necho "hello $WHO"\n', parameters: [{ name: 'WHO', type: 'string', required: true, label: 'Who' }],
  })).json.id
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  fake?.close()
  await browser?.close()
  await stopTestAgents()
  await s.stop()
})

test('run a script on a device from the browser and watch its output live', async () => {
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)

  await page.goto(`${s.url}/scripts/${scriptId}`)
  await page.click('nav.tabs >> text="Run"')
  await page.waitForURL(/\/run$/)
  await page.check(`input[name=deviceIds][value="${deviceId}"]`)
  await page.fill('#f-param-WHO', '<b>browser</b>')
  await page.click('button:has-text("Run script")')
  await page.waitForURL(/\/executions\//)

  // The first line shows while the script is still sleeping, with the status running and
  // Cancel offered; the second line when it comes, then completed and no Cancel.
  await page.waitForSelector('#output:has-text("first line")', { timeout: 15_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("running")', { timeout: 3_000 })
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)
  await page.waitForSelector('#output:has-text("hello <b>browser</b>")', { timeout: 15_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("completed")', { timeout: 15_000 })
  await page.waitForSelector('#execution-actions button:has-text("Cancel")', { state: 'detached', timeout: 5_000 })
  expect(await page.locator('#output b').count()).toBe(0)
  expect(await page.textContent('#execution-summary')).toContain('0')

  // The history lists it.
  await page.goto(`${s.url}/executions`)
  expect(await page.textContent('#history-body')).toContain('Slow greeting')
  expect(errors).toEqual([])
}, 90_000)

test('the open page follows the execution: queued, running with its first output, then ended without Cancel', async () => {
  // A protocol-speaking agent, so the page is open while the run is still queued and each
  // step comes when the test says (the output arrives before any acknowledgement).
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'browser' })).json.key
  fake = await enrollProtocolAgent(s, key, { hostname: 'slow-agent' })
  await fake.connect()
  const run = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [fake.deviceId], parameters: { WHO: 'x' } })
  const executionId = run.json.executions[0].id
  const command = await fake.command('script.run')

  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  await page.goto(`${s.url}/executions/${executionId}`)
  await page.waitForSelector('#execution-summary .badge:has-text("queued")')
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)

  fake.send({ type: 'command.output', id: command.id, seq: 0, stream: 'stdout', data: 'working on it\n' })
  await page.waitForSelector('#output:has-text("working on it")', { timeout: 10_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("running")', { timeout: 10_000 })
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)

  fake.send({ type: 'command.result', id: command.id, status: 'failed', result: { exitCode: 3, durationMs: 10, outputBytes: 14, truncated: false }, error: null })
  await page.waitForSelector('#execution-summary .badge:has-text("failed")', { timeout: 10_000 })
  await page.waitForSelector('#execution-actions button:has-text("Cancel")', { state: 'detached', timeout: 5_000 })
  expect(await page.textContent('#execution-summary')).toContain('3')
  expect(errors).toEqual([])
}, 60_000)
