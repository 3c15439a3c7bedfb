// A technician runs a script from the browser on a real agent and watches the output arrive.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let deviceId: string
let scriptId: string
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
  scriptId = (await admin.post('/api/v1/scripts', {
    name: 'Slow greeting', description: 'prints twice', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId,
    content: 'echo "first line"\nsleep 2\necho "hello $WHO"\n', parameters: [{ name: 'WHO', type: 'string', required: true, label: 'Who' }],
  })).json.id
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
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

  // The first line shows while the script is still sleeping, the second when it comes.
  await page.waitForSelector('#output:has-text("first line")', { timeout: 15_000 })
  await page.waitForSelector('#output:has-text("hello <b>browser</b>")', { timeout: 15_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("completed")', { timeout: 15_000 })
  expect(await page.locator('#output b').count()).toBe(0)
  expect(await page.textContent('#execution-summary')).toContain('0')

  // The history lists it.
  await page.goto(`${s.url}/executions`)
  expect(await page.textContent('#history-body')).toContain('Slow greeting')
  expect(errors).toEqual([])
}, 90_000)
