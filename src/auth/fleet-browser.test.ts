// A person runs a script on 51 devices from the Run page: confirm the count, then the page
// asks for the authenticator code in place, and after it the run starts with what was chosen.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { enableTestMfa, makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let code: () => string
let siteId: string
let scriptId: string
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  siteId = (await makeSite(s.ctx, orgId, 'Fleet site')).id
  await makeDevices(s.ctx, Array.from({ length: 51 }, () => ({ orgId, siteId, osType: 'linux' as const })))
  admin = s.client()
  await admin.login(a.email, testPassword)
  // Enrolled after signing in: this session has not proved the second factor yet.
  code = (await enableTestMfa(s.ctx, a.user.id)).code
  scriptId = (await admin.post('/api/v1/scripts', { name: 'Fleet check', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo "$WHO"\n', parameters: [{ name: 'WHO', type: 'string', required: true }] })).json.id
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await s.stop()
})

test('the Run page asks for the code for a fleet-wide run and then starts it', async () => {
  // The form answers 409 (confirm), 403 (code needed) and 400 (wrong code) with the page itself.
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors, (e) => / (400|403|409)\b/.test(e))
  await page.goto(`${s.url}/scripts/${scriptId}/run`)
  await page.check(`input[name=siteIds][value="${siteId}"]`)
  await page.fill('#f-param-WHO', 'everyone')
  await page.click('button:has-text("Run script")')
  await page.check('input[name=confirmCount]')
  await page.click('button:has-text("Run script")')

  await page.waitForSelector('#step-up-prompt')
  expect(await page.textContent('#step-up-prompt')).toContain('51 devices')
  // What was chosen is still there.
  expect(await page.isChecked(`input[name=siteIds][value="${siteId}"]`)).toBe(true)
  expect(await page.inputValue('#f-param-WHO')).toBe('everyone')
  await page.fill('#f-stepUpCode', '000000')
  await page.click('button:has-text("Confirm and run")')
  await page.waitForSelector('#step-up-prompt .error:has-text("wrong")')

  s.clock.advance(30_000)
  await page.fill('#f-stepUpCode', code())
  await page.click('button:has-text("Confirm and run")')
  await page.waitForURL(/\/script-runs\//)
  expect(await page.textContent('body')).toContain('Started on 51 devices')
  expect(errors).toEqual([])
}, 60_000)
