// The keyboard in Chromium: the skip link, a visible focus ring on everything Tab reaches, the
// Dashboard in the menu, and global search with Ctrl+K — type, arrow down, Enter — scoped to
// the technician's organization.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { makeAlert } from '../testing/alerts'
import { launchBrowser, signedInPage } from '../testing/browser'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let page: Page
const ids: Record<string, string> = {}
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  ids.orgA = (await makeOrg(s.ctx, a.partnerId, 'Kestrel Air')).id
  ids.orgB = (await makeOrg(s.ctx, a.partnerId, 'Kestrel Bank')).id
  const siteA = (await makeSite(s.ctx, ids.orgA, 'Hangar')).id
  const siteB = (await makeSite(s.ctx, ids.orgB, 'Vault')).id
  ids.devA = (await makeDevice(s.ctx, { orgId: ids.orgA, siteId: siteA, hostname: 'kestrel-ops-01' })).id
  ids.devA2 = (await makeDevice(s.ctx, { orgId: ids.orgA, siteId: siteA, hostname: 'kestrel-ops-02' })).id
  ids.devB = (await makeDevice(s.ctx, { orgId: ids.orgB, siteId: siteB, hostname: 'kestrel-vault-01' })).id
  await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: ids.orgB, siteId: siteB, deviceId: ids.devB, title: 'Kestrel vault offline' })
  await makeUser(s.ctx, 'tech@kestrel-air.example', 'org_technician', { orgId: ids.orgA })
  const tech = s.client()
  await tech.login('tech@kestrel-air.example', testPassword)
  browser = await launchBrowser()
  page = (await signedInPage(browser, s.url, tech.cookies, errors)).page
  await page.setViewportSize({ width: 1366, height: 768 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

/** focusInfo describes the focused element and whether a focus ring is drawn around it. */
const focusInfo = () => page.evaluate(() => {
  const el = document.activeElement as HTMLElement
  const cs = getComputedStyle(el)
  const box = el.getBoundingClientRect()
  return {
    tag: el.tagName.toLowerCase(), text: (el.textContent ?? '').trim().slice(0, 40), id: el.id,
    ring: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || (cs.boxShadow !== 'none' && cs.boxShadow !== ''),
    visible: box.width > 4 && box.height > 4 && box.bottom > 0 && box.top < innerHeight,
  }
})

test('a skip link comes first; every element Tab reaches shows a focus ring', async () => {
  await page.goto(`${s.url}/devices`)
  await page.keyboard.press('Tab')
  expect(await focusInfo()).toMatchObject({ tag: 'a', text: 'Skip to content', ring: true, visible: true })
  await page.keyboard.press('Enter')
  expect((await focusInfo()).id).toBe('content')

  // From the top again: the menu, the top bar, the page's own controls.
  await page.evaluate(() => (document.activeElement as HTMLElement).blur())
  await page.goto(`${s.url}/devices`)
  const seen: string[] = []
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab')
    const f = await focusInfo()
    seen.push(f.text || f.tag)
    expect({ n: i, ...f, visible: true }).toEqual({ n: i, ...f, ring: true })
  }
  expect(seen).toEqual(expect.arrayContaining(['Dashboard', 'Devices', 'Search Ctrl K']))
  expect(errors).toEqual([])
}, 60_000)

test('the menu has a Dashboard entry that leads to the dashboard', async () => {
  await page.goto(`${s.url}/devices`)
  await page.click('nav.nav a:has-text("Dashboard")')
  await page.waitForURL(`${s.url}/`)
  expect(await page.getAttribute('nav.nav a:has-text("Dashboard")', 'aria-current')).toBe('page')
  expect(await page.textContent('main h1')).toBeTruthy()
}, 30_000)

test('Ctrl+K search: type, move with the arrows, open with Enter; only the own organization is found', async () => {
  await page.goto(`${s.url}/devices`)
  await page.keyboard.press('Control+k')
  await page.waitForSelector('dialog.search-dialog[open]')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-q')
  await page.keyboard.type('kestrel')
  await page.waitForSelector('#search-results [role=option]')
  const options = await page.$$eval('#search-results [role=option]', (els) => els.map((e) => [e.getAttribute('href'), e.querySelector('.search-title')?.textContent, e.getAttribute('aria-selected')]))
  expect(options).toEqual([
    [`/devices/${ids.devA}`, 'kestrel-ops-01', 'true'],
    [`/devices/${ids.devA2}`, 'kestrel-ops-02', 'false'],
    [`/orgs/${ids.orgA}`, 'Kestrel Air', 'false'],
  ])
  expect(await page.textContent('#search-results')).not.toContain('Kestrel Bank')
  expect(await page.textContent('#search-results')).not.toContain('vault')

  // Down twice and up once: the second device; the input points at it for screen readers.
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowUp')
  const active = await page.evaluate(() => ({ selected: document.querySelector('#search-results [aria-selected=true]')?.id, pointer: document.getElementById('search-q')?.getAttribute('aria-activedescendant') }))
  expect(active.selected).toBe(`search-device-${ids.devA2}`)
  expect(active.pointer).toBe(active.selected)
  await page.keyboard.press('Enter')
  await page.waitForURL(`${s.url}/devices/${ids.devA2}`)
  expect(await page.textContent('main h1')).toBe('kestrel-ops-02')
  expect(await page.locator('dialog.search-dialog[open]').count()).toBe(0)

  // Esc closes it again; Enter with no result chosen opens the full results page.
  await page.keyboard.press('Control+k')
  await page.waitForSelector('dialog.search-dialog[open]')
  await page.keyboard.press('Escape')
  await page.waitForSelector('dialog.search-dialog[open]', { state: 'detached' })
  await page.keyboard.press('Control+k')
  await page.keyboard.type('nothing-like-this')
  await page.waitForSelector('#search-results:has-text("Nothing found")')
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/search\?q=nothing-like-this$/)
  expect(await page.textContent('main')).toContain('Nothing found for "nothing-like-this"')
  expect(errors).toEqual([])
}, 60_000)
