// A person in Chromium builds a report (type, organization, columns, format), previews it in
// the page (every cell escaped), saves it, runs it and downloads the file.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, signedInPage } from '../testing/browser'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let page: Page
const errors: string[] = []
const hostile = '<img src=x onerror=alert(1)>'

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const org = (await makeOrg(s.ctx, a.partnerId, 'Tailspin Toys')).id
  const site = (await makeSite(s.ctx, org, 'Workshop')).id
  await makeDevices(s.ctx, [
    { orgId: org, siteId: site, hostname: 'tailspin-lathe-01', hardware: { manufacturer: 'HP', model: 'EliteDesk 800', serialNumber: 'CZC1234XYZ' } },
    { orgId: org, siteId: site, hostname: 'tailspin-cad-02', displayName: hostile },
  ])
  const admin = s.client()
  await admin.login(a.email, testPassword)
  browser = await launchBrowser()
  page = (await signedInPage(browser, s.url, admin.cookies, errors)).page
  await page.setViewportSize({ width: 1366, height: 900 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

test('build a report, preview it in the page, run it and download the file', async () => {
  await page.goto(`${s.url}/`)
  await page.getByRole('link', { name: 'Reports' }).first().click()
  await page.waitForURL('**/reports')
  await page.getByRole('link', { name: 'New report' }).first().click()
  await page.waitForURL('**/reports/new')
  await page.fill('#f-name', 'Tailspin hardware')
  await page.selectOption('#f-type', 'inventory')
  // The type's columns arrive (htmx); leave out the CPU, keep serial numbers.
  await page.locator('#report-columns input[value="cpu"]').uncheck()
  expect(await page.locator('#report-columns input[value="serial"]').isChecked()).toBe(true)
  await page.selectOption('#f-orgId', { label: 'Tailspin Toys' })
  await page.selectOption('#f-format', 'csv')
  await page.click('#preview-button')
  await page.waitForSelector('#preview-table')
  const headers = await page.locator('#preview-table th').allTextContents()
  expect(headers).toContain('Serial number')
  expect(headers).not.toContain('CPU')
  const cells = await page.locator('#preview-table td').allTextContents()
  expect(cells).toContain('tailspin-lathe-01')
  expect(cells).toContain('CZC1234XYZ')
  // The display name is shown as text, not markup.
  expect(cells).toContain(hostile)
  expect(await page.locator('#preview-table img').count()).toBe(0)
  expect(await page.locator('#preview .stat').allTextContents()).toContain('Devices2')

  await page.getByRole('button', { name: 'Create report' }).click()
  await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/)
  expect(await page.locator('h1').textContent()).toBe('Tailspin hardware')
  await page.getByRole('button', { name: 'Run now' }).click()
  // The history refreshes itself until the run is done, then offers the file.
  const link = page.locator('#runs-table a[download]')
  await link.waitFor({ timeout: 20_000 })
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  expect(download.suggestedFilename()).toMatch(/^tailspin-hardware-\d{4}-\d{2}-\d{2}\.csv$/)
  const csv = await Bun.file((await download.path())!).text()
  expect(csv.split('\r\n')[0]).toBe('Device,Organization,Site,OS,OS version,Manufacturer,Model,Serial number,RAM (GB),Disk (GB),Last seen')
  expect(csv).toContain('tailspin-lathe-01,Tailspin Toys,Workshop,windows')
  expect(csv).toContain(hostile)
  expect(errors).toEqual([])
}, 60_000)

test('the list pages export what they show as CSV (software with its search)', async () => {
  await page.goto(`${s.url}/software`)
  await page.fill('#f-search', 'zzz-nothing')
  await page.fill('#f-search', '')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#software-export')])
  expect(download.suggestedFilename()).toBe('software.csv')
  expect((await Bun.file((await download.path())!).text()).split('\r\n')[0]).toBe('Software,Publisher,Devices,Versions')
  await page.goto(`${s.url}/alerts`)
  const [alerts] = await Promise.all([page.waitForEvent('download'), page.click('#alerts-export')])
  expect(alerts.suggestedFilename()).toBe('alerts.csv')
  await page.goto(`${s.url}/executions`)
  const [runs] = await Promise.all([page.waitForEvent('download'), page.click('#runs-export')])
  expect(runs.suggestedFilename()).toBe('script-runs.csv')
  expect((await Bun.file((await runs.path())!).text()).split('\r\n')[0]).toBe('Created,Script,Device,Status,Exit code,Started,Completed,By,Error,Execution')
  for (const [url, button, file] of [['/orgs', '#orgs-export', 'organizations.csv'], ['/sites', '#sites-export', 'sites.csv'], ['/users', '#users-export', 'users.csv'], ['/tickets', '#tickets-export', 'tickets.csv'], ['/policies', '#policies-export', 'policies.csv'], ['/automations', '#automations-export', 'automations.csv']]) {
    await page.goto(`${s.url}${url}`)
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(button)])
    expect(d.suggestedFilename()).toBe(file)
  }
  expect(errors).toEqual([])
}, 60_000)
