// The device list in Chromium on a 1366×768 laptop: the compact density shows 30+ devices at
// once; a technician saves the filtered, compact list as a view, wanders off, and opens the
// view again from the menu. The view lives on the server (read back through the API).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let page: Page
let admin: TestClient
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  const siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  await makeDevices(s.ctx, Array.from({ length: 70 }, (_, i) => ({ orgId, siteId, tags: i % 2 ? ['finance', 'floor-3'] : ['sales'], displayName: i % 5 ? null : `Front desk ${i}` })))
  admin = s.client()
  await admin.login(a.email, testPassword)
  browser = await launchBrowser()
  page = (await signedInPage(browser, s.url, admin.cookies, errors)).page
  await page.setViewportSize({ width: 1366, height: 768 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

/** Rows of the device table wholly inside the window. */
const rowsOnScreen = () => page.evaluate(() => Array.from(document.querySelectorAll('#device-table tbody tr')).filter((r) => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight }).length)

test('compact density: 30+ devices on a 1366×768 screen', async () => {
  await page.goto(`${s.url}/devices`)
  const comfortable = await rowsOnScreen()
  await page.click('summary:has-text("Columns")')
  await page.check('.columns-chooser input[name=density][value=compact]')
  await page.click('.columns-chooser button:has-text("Apply")')
  await page.waitForSelector('table.devices.compact')
  const compact = await rowsOnScreen()
  expect(comfortable).toBeLessThan(10)
  expect(compact).toBeGreaterThanOrEqual(30)
  // Each row is one line, and the table is not wider than the window.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true)
  expect(errors).toEqual([])
}, 60_000)

test('save the filtered list as a view, leave it, open it again from the Views menu', async () => {
  await page.goto(`${s.url}/devices`)
  await page.fill('#f-tag', 'finance')
  await page.waitForFunction(() => document.querySelector('#device-table table')?.getAttribute('data-total') === '35')
  await page.click('summary:has-text("Views")')
  await page.fill('#f-view-name', 'Finance, compact')
  await page.click('#save-view-form button:has-text("Save view")')
  await page.waitForSelector('#flash:has-text("Saved the view")')
  const views = (await admin.get('/api/v1/device-views')).json.data
  expect(views).toHaveLength(1)
  expect(views[0]).toMatchObject({ name: 'Finance, compact', filters: { tag: 'finance' }, density: 'compact' })
  expect(await page.textContent('.saved-views summary')).toBe('View: Finance, compact')

  // Somewhere else: no filter, comfortable again.
  await page.goto(`${s.url}/devices`)
  await page.click('summary:has-text("Columns")')
  await page.check('.columns-chooser input[name=density][value=comfortable]')
  await page.click('.columns-chooser button:has-text("Apply")')
  await page.waitForSelector('table.devices:not(.compact)')
  expect(await page.textContent('.saved-views summary')).toBe('Views')

  // The view brings back its filter and its density.
  await page.click('summary:has-text("Views")')
  await page.click('.view-list a:has-text("Finance, compact")')
  await page.waitForSelector('table.devices.compact')
  expect(page.url()).toBe(`${s.url}/devices?tag=finance`)
  expect(await page.inputValue('#f-tag')).toBe('finance')
  expect(await page.getAttribute('#device-table table', 'data-total')).toBe('35')
  expect(await page.textContent('.saved-views summary')).toBe('View: Finance, compact')
  expect(errors).toEqual([])
}, 60_000)
