// The device list in Chromium with a real agent: it enrolls while the list is open (the page
// offers a refresh), shows online, turns offline and back online without a reload; bulk
// selection tags devices; the metrics tab draws charts from the agent's real heartbeats;
// maintenance mode and custom fields on the detail page.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Browser, Page } from 'playwright-core'
import { t } from '../db/tables'
import { markOverdueOffline } from '../agents/status'
import { agentBinary, createTestAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { inkPixels, launchBrowser } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { addMetrics, makeDevice } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let page: Page
let admin: TestClient
let agent: TestAgent
let key: string
let orgId: string
let existingId: string
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  const siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  existingId = (await makeDevice(s.ctx, {
    orgId, siteId, hostname: 'existing-pc', osType: 'windows',
    services: [{ name: '<img src=x onerror=alert(1)>', displayName: '<b>Evil</b> service', state: 'running', startMode: 'auto' }, { name: 'Spooler', displayName: 'Print Spooler', state: 'stopped', startMode: 'manual' }],
  })).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'browser' })).json.key
  agent = await createTestAgent()
  browser = await launchBrowser()
  const context = await browser.newContext()
  const url = new URL(s.url)
  await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })))
  page = await context.newPage()
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  await s?.stop()
})

const badge = (deviceId: string) => page.locator(`[data-status-for="${deviceId}"]`).first()

test('a real agent appears in the open device list and its status changes live', async () => {
  await page.goto(`${s.url}/devices`)
  await page.waitForSelector('text=existing-pc')
  await waitFor(() => s.ctx.live.size > 0, 10_000, 'the page\'s live stream')
  await Bun.sleep(2100) // the refresh offer ignores changes in the first two seconds after a page load

  // The agent enrolls while the page is open: the page offers to refresh.
  const enroll = await agent.cli(['enroll', '--server', s.url, '--key', key])
  expect(enroll.code).toBe(0)
  const deviceId = agent.identity().deviceId
  await page.waitForSelector('#device-live-notice:not([hidden])', { timeout: 15_000 })
  await page.click('#device-live-notice a')
  await page.waitForSelector(`[data-status-for="${deviceId}"]`)

  // Running: online. Stopped and overdue: offline, without a reload.
  agent.start()
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
  await waitFor(async () => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId)))[0].status === 'online', 20_000, 'online')
  await page.reload()
  expect(await badge(deviceId).textContent()).toBe('Online')
  const marker = await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; return 42 })
  await agent.stop()
  await waitFor(() => !s.ctx.agents.isConnected(deviceId), 10_000, 'socket closed')
  s.clock.advance(3 * 60_000 + 1_000)
  expect(await markOverdueOffline(s.ctx)).toBeGreaterThanOrEqual(1) // the fixture device went quiet too
  await page.waitForFunction((id) => document.querySelector(`[data-status-for="${id}"]`)?.textContent === 'Offline', deviceId, { timeout: 10_000 })
  expect(await badge(deviceId).getAttribute('class')).toContain('bad')

  agent.start()
  await page.waitForFunction((id) => document.querySelector(`[data-status-for="${id}"]`)?.textContent === 'Online', deviceId, { timeout: 30_000 })
  // Same document all along: the changes came over the live stream.
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker)
}, 120_000)

test('bulk selection tags the selected devices; the columns chooser changes the table', async () => {
  await page.goto(`${s.url}/devices`)
  await page.check('input[data-select-all]')
  await page.waitForSelector('#bulk-form:visible')
  expect(await page.textContent('#bulk-form strong')).toBe('2')
  await page.selectOption('#bulk-form select[name=action]', 'tag')
  await page.fill('#bulk-form input[name=tags]', 'Browser-Tested')
  await page.click('#bulk-form button[type=submit]')
  await page.waitForSelector('#flash:has-text("2 of 2 devices changed")')
  expect(await page.locator('a.badge:has-text("browser-tested")').count()).toBe(2)

  await page.click('summary:has-text("Columns")')
  await page.check('.columns-chooser input[value=agent]')
  await page.uncheck('.columns-chooser input[value=tags]')
  await page.click('.columns-chooser button[type=submit]')
  await page.waitForSelector('th:has-text("Agent")')
  expect(await page.locator('th:has-text("Tags")').count()).toBe(0)

  // Filtering swaps only the table.
  await page.fill('#f-search', 'existing')
  await page.waitForFunction(() => document.querySelectorAll('#device-table tbody tr').length === 1)
  expect(page.url()).toContain('search=existing')
}, 60_000)

test('the metrics tab draws charts from the agent\'s heartbeats', async () => {
  const deviceId = agent.identity().deviceId
  await waitFor(async () => (await s.ctx.db.select().from(t.deviceMetrics).where(eq(t.deviceMetrics.deviceId, deviceId))).length > 0, 30_000, 'a heartbeat sample')
  await page.goto(`${s.url}/devices/${deviceId}/metrics`)
  await page.waitForSelector('[data-chart=cpu] canvas', { timeout: 15_000 })
  expect(await page.locator('.chart canvas').count()).toBe(4)
  await page.click('button[data-range="7d"]')
  await page.waitForFunction(() => !['', 'Loading…'].includes(document.querySelector('[x-text=caption]')?.textContent ?? ''))
  expect(await page.textContent('[x-text=caption]')).toContain('hourly')
  expect(await page.getAttribute('button[data-range="7d"]', 'aria-pressed')).toBe('true')
  expect(errors).toEqual([])
}, 60_000)

test('charts: the network axis labels fit beside the plot, and every legend shows values', async () => {
  // Realistic traffic: hundreds of megabytes per sample, the labels uPlot's fixed 50 px axis cut off.
  const now = Date.now()
  await addMetrics(s.ctx, existingId, Array.from({ length: 60 }, (_, i) => ({
    at: now - (60 - i) * 60_000, cpuPercent: 20 + (i % 30), ramPercent: 55, diskPercent: 61, netInBytes: 150_000_000 + i * 3_000_000, netOutBytes: 2_000_000 * (i % 7),
  })))
  await page.goto(`${s.url}/devices/${existingId}/metrics`)
  await page.click('button[data-range="1h"]')
  await page.waitForFunction(() => (document.querySelector('[x-text=caption]')?.textContent ?? '').includes('points'))
  await page.waitForSelector('[data-chart=net] canvas')

  // Legends: the latest value of every series, formatted (uPlot shows "--" until the cursor hovers).
  const legend = (chart: string) => page.$$eval(`[data-chart=${chart}] .u-legend .u-series`, (rows) => rows.map((r) => `${r.querySelector('.u-label')?.textContent}: ${r.querySelector('.u-value')?.textContent}`))
  const net = await legend('net')
  expect(net).toHaveLength(3)
  expect(net[1]).toMatch(/^in: 3\d\d(\.\d)? MB$/)
  expect(net[2]).toMatch(/^out: \d+(\.\d)? (B|kB|MB)$/)
  expect((await legend('ram'))[1]).toBe('value: 55 %')
  for (const chart of ['cpu', 'ram', 'disk', 'net']) for (const row of await legend(chart)) expect(row).not.toMatch(/: (--)?$/)

  // Axis labels: drawn (ink left of the plot), and none reaches the chart's left edge (clipped).
  for (const chart of ['net', 'cpu']) {
    const geo = await page.evaluate((name) => {
      const el = document.querySelector(`[data-chart=${name}]`)!
      const wrap = el.querySelector('.u-wrap')!.getBoundingClientRect()
      const plot = el.querySelector('.u-over')!.getBoundingClientRect()
      return { x: wrap.x, y: plot.y, plotX: plot.x, height: plot.height, bg: getComputedStyle(el.closest('.card')!).backgroundColor }
    }, chart)
    const bg = geo.bg.match(/\d+/g)!.slice(0, 3).map(Number) as [number, number, number]
    expect(await inkPixels(page, { x: geo.x, y: geo.y, width: geo.plotX - geo.x, height: geo.height }, bg)).toBeGreaterThan(50)
    expect(await inkPixels(page, { x: geo.x, y: geo.y - 8, width: 3, height: geo.height + 16 }, bg)).toBe(0)
  }
  expect(errors).toEqual([])
}, 60_000)

test('services tab: what the real agent reported, filtered as you type; names stay text', async () => {
  const deviceId = agent.identity().deviceId
  await waitFor(async () => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId)))[0].lastInventoryAt !== null, 60_000, 'the first inventory')
  const reported = (await s.ctx.db.select().from(t.deviceServices).where(eq(t.deviceServices.deviceId, deviceId)))
  await page.goto(`${s.url}/devices/${deviceId}`)
  await page.click('nav.tabs a:has-text("Services")')
  await page.waitForURL(/\/services$/)
  const rows = () => page.$$eval('#services-table tr[data-service]', (trs) => trs.map((r) => Array.from(r.querySelectorAll('td')).slice(0, 4).map((td) => td.textContent)))
  const byName = (a: (string | null)[], b: (string | null)[]) => (a[0]! < b[0]! ? -1 : 1)
  expect((await rows()).sort(byName)).toEqual(reported.map((r) => [r.name, r.displayName ?? '—', r.state, r.startMode ?? '—']).sort(byName))
  if (reported.length) {
    // Typing filters the table in place; choosing a state narrows it to that state.
    const target = reported[reported.length - 1]
    await page.type('#f-search', target.name)
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('#services-table tr[data-service]')).every((r) => r.getAttribute('data-service')!.toLowerCase().includes(n.toLowerCase()) || r.children[1].textContent!.toLowerCase().includes(n.toLowerCase())), target.name)
    expect((await rows()).map((r) => r[0])).toContain(target.name)
    expect(page.url()).toContain(`search=${encodeURIComponent(target.name)}`)
    await page.fill('#f-search', '')
    await page.selectOption('#f-state', target.state)
    const expected = reported.filter((r) => r.state === target.state).length
    await page.waitForFunction(([st, n]) => { const r = Array.from(document.querySelectorAll('#services-table tr[data-service]')); return r.length === n && r.every((x) => x.children[2].textContent === st) }, [target.state, expected] as const)
    expect(page.url()).toContain(`state=${target.state}`)
  } else {
    expect(await page.textContent('#services-table')).toContain('No services reported yet')
  }

  // An endpoint's strings are text in the page, never markup.
  await page.goto(`${s.url}/devices/${existingId}/services`)
  expect(await rows()).toEqual([['<img src=x onerror=alert(1)>', '<b>Evil</b> service', 'running', 'auto'], ['Spooler', 'Print Spooler', 'stopped', 'manual']])
  expect(await page.locator('#services-table img, #services-table b').count()).toBe(0)
  expect(errors).toEqual([])
}, 90_000)

test('maintenance from the detail page with the real agent, and a custom field edited in place', async () => {
  const deviceId = agent.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
  await page.goto(`${s.url}/devices/${deviceId}`)
  await page.selectOption('#maintenance select[name=durationMinutes]', '240')
  await page.fill('#maintenance input[name=reason]', 'Browser <b>patching</b>')
  await page.click('#maintenance button[type=submit]')
  await page.waitForSelector('#maintenance-callout')
  expect(await page.textContent('#maintenance-callout')).toContain('Reason: Browser <b>patching</b>')
  expect(await badge(deviceId).textContent()).toBe('Maintenance')

  // A custom field, added and changed without leaving the page.
  const marker = await page.evaluate(() => { (window as unknown as { marker: number }).marker = 7; return 7 })
  await page.fill('#custom-fields input[aria-label="New field name"]', 'asset_tag')
  await page.fill('#custom-fields input[aria-label="New field value"]', 'A-1')
  await page.click('#custom-fields button:has-text("Add field")')
  await page.waitForSelector('#custom-fields input[aria-label="Value of asset_tag"]')
  await page.fill('#custom-fields input[aria-label="Value of asset_tag"]', 'A-2')
  await page.click('#custom-fields tr:has-text("asset_tag") button:has-text("Save")')
  await waitFor(async () => (await s.ctx.db.select().from(t.deviceCustomFields).where(eq(t.deviceCustomFields.deviceId, deviceId)))[0]?.value === 'A-2', 10_000, 'the field saved')
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker)

  // Ended by hand: the agent is connected, so it is online again.
  await page.click('#maintenance-callout button:has-text("End maintenance")')
  await page.waitForSelector('#flash:has-text("Maintenance ended")')
  expect(await badge(deviceId).textContent()).toBe('Online')
  expect(errors).toEqual([])
}, 60_000)
