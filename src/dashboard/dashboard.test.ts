// The home dashboard: widgets show real figures for the caller's scope only (another org's
// devices and alerts are never counted), the scope switch narrows to a partner or an org (404
// outside), the per-user arrangement persists (API and form), and in Chromium a widget can be
// hidden and stays hidden.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeAlert } from '../testing/alerts'
import { makeDevice } from '../testing/devices'
import { makeOrg, makePartner, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let partnerId: string
let otherPartner: string
const evilHost = '<svg onload=alert(1)>'

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  partnerId = a.partnerId
  orgA = (await makeOrg(s.ctx, partnerId, 'Alpha')).id
  orgB = (await makeOrg(s.ctx, partnerId, 'Beta')).id
  const siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  const siteB = (await makeSite(s.ctx, orgB, 'HQ')).id
  otherPartner = (await makePartner(s.ctx, 'Elsewhere')).id
  const now = s.clock.now()
  await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, hostname: evilHost, status: 'online', cpuPercent: 97, diskPercent: 95, pendingReboot: true, lastSeenAt: now })
  await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, hostname: 'alpha-2', status: 'online', cpuPercent: 20, diskPercent: 40, lastSeenAt: now })
  await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, hostname: 'alpha-3', status: 'offline', lastSeenAt: now - 3600_000 })
  for (let i = 0; i < 4; i++) await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: `beta-${i}`, status: i === 0 ? 'offline' : 'online', diskPercent: 99, pendingReboot: true, cpuPercent: 99, lastSeenAt: now })
  await makeAlert(s.ctx, { partnerId, orgId: orgA, title: 'Disk full', severity: 'critical' })
  await makeAlert(s.ctx, { partnerId, orgId: orgA, title: 'CPU', severity: 'medium' })
  await makeAlert(s.ctx, { partnerId, orgId: orgB, title: 'B alert', severity: 'critical' })
  await makeAlert(s.ctx, { partnerId, orgId: orgB, title: 'B alert 2', severity: 'critical' })
  await makeUser(s.ctx, 'tech@alpha.example', 'org_technician', { orgId: orgA })
  admin = s.client()
  await admin.login(a.email, testPassword)
}, 60_000)
afterAll(async () => {
  await s.stop()
})

type Widget = { key: string; data: any }
const widgets = async (c: TestClient, scope?: string) => {
  const r = await c.get(`/api/v1/dashboard${scope ? `?scope=${scope}` : ''}`)
  expect(r.status).toBe(200)
  return Object.fromEntries((r.json.widgets as Widget[]).map((w) => [w.key, w.data]))
}

describe('dashboard widgets', () => {
  test('an org member sees only their org: devices, health, alerts, top users', async () => {
    const tech = s.client()
    await tech.login('tech@alpha.example', testPassword)
    const w = await widgets(tech)
    expect(w['fleet-health']).toMatchObject({ total: 3, online: 2, offline: 1, diskFull: 1, pendingReboot: 1 })
    expect(w.status.byStatus).toMatchObject({ online: 2, offline: 1 })
    expect(w.alerts.bySeverity).toEqual({ critical: 1, medium: 1 })
    expect(w['top-resources'].cpu.map((d: { hostname: string }) => d.hostname)).toEqual([evilHost, 'alpha-2'])
    expect(JSON.stringify(w)).not.toContain('beta-')
    // Another org or partner in the scope switch: 404, never a count.
    expect((await tech.get(`/api/v1/dashboard?scope=org:${orgB}`)).status).toBe(404)
    expect((await tech.get(`/api/v1/dashboard?scope=partner:${otherPartner}`)).status).toBe(404)
    expect((await tech.get('/api/v1/dashboard?scope=everything')).json.error.details.field).toBe('scope')
    // The page shows the same figures, the hostname escaped.
    const page = await tech.get('/')
    expect(page.status).toBe(200)
    expect(page.text).toContain('data-figure="disk-full">1<')
    expect(page.text).not.toContain(evilHost)
    expect(page.text).toContain('&lt;svg onload=alert(1)&gt;')
    expect(page.text.includes('admin@example.com</td>')).toBe(false) // the activity feed shows the org's entries, not the admin's sign-in
  })

  test('the scope switch: all, one partner, one org', async () => {
    expect((await widgets(admin, 'all'))['fleet-health']).toMatchObject({ total: 7, diskFull: 5, offline: 2 })
    expect((await widgets(admin, `partner:${partnerId}`))['fleet-health'].total).toBe(7)
    expect((await widgets(admin, `org:${orgB}`))['fleet-health']).toMatchObject({ total: 4, offline: 1, pendingReboot: 4 })
    expect((await widgets(admin, `org:${orgB}`)).alerts.bySeverity).toEqual({ critical: 2 })
    expect((await widgets(admin, `partner:${otherPartner}`))['fleet-health'].total).toBe(0)
    const page = await admin.get(`/?scope=org:${orgB}`)
    expect(page.text).toContain('Organization: Beta')
    expect(page.text).toContain('data-figure="pending-reboot">4<')
  })

  test('per-user arrangement persists: API order and visibility, form moves, unknown keys refused', async () => {
    const bad = await admin.put('/api/v1/dashboard/layout', { widgets: [{ key: 'nope', visible: true }] })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('widgets')
    const put = await admin.put('/api/v1/dashboard/layout', { widgets: [{ key: 'alerts', visible: true }, { key: 'status', visible: false }] })
    expect(put.status).toBe(200)
    const keys = ((await admin.get('/api/v1/dashboard')).json.widgets as Widget[]).map((w) => w.key)
    expect(keys[0]).toBe('alerts')
    expect(keys).not.toContain('status')
    // Another user's arrangement is untouched.
    const tech = s.client()
    await tech.login('tech@alpha.example', testPassword)
    expect(((await tech.get('/api/v1/dashboard')).json.widgets as Widget[]).map((w) => w.key)).toContain('status')
    // The customize form: move fleet-health up and show status again.
    const layout = (await admin.get('/api/v1/dashboard/layout')).json.widgets as { key: string; visible: boolean }[]
    const order = layout.map((e) => e.key)
    const moved = await admin.form('/dashboard/layout', { order, visible: order, move: 'fleet-health:up' }, '/dashboard/customize')
    expect(moved.status).toBe(303)
    const after = ((await admin.get('/api/v1/dashboard/layout')).json.widgets as { key: string; visible: boolean }[])
    expect(after.map((e) => e.key).indexOf('fleet-health')).toBe(order.indexOf('fleet-health') - 1)
    expect(after.every((e) => e.visible)).toBe(true)
  })
})

test('Chromium: the dashboard renders its widgets and one can be hidden for good', async () => {
  const browser = await launchBrowser()
  try {
    const errors: string[] = []
    const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
    await page.goto(`${s.url}/?scope=org:${orgA}`)
    await page.locator('[data-widget="fleet-health"] [data-figure="total"]').waitFor()
    expect(await page.locator('[data-widget="fleet-health"] [data-figure="total"]').textContent()).toBe('3')
    expect(await page.locator('[data-widget="alerts"] [data-figure="alerts-critical"]').textContent()).toBe('1')
    await page.locator('[data-widget="os"] button', { hasText: 'Hide' }).click()
    await page.locator('[data-widget="os"]').waitFor({ state: 'detached' })
    expect(await page.locator('[data-widget="fleet-health"]').count()).toBe(1)
    expect(page.url()).toContain(`scope=org`)
    await page.reload()
    await page.locator('[data-widget="fleet-health"]').waitFor()
    expect(await page.locator('[data-widget="os"]').count()).toBe(0)
    expect(await page.getByText('1 hidden widget').count()).toBe(1)
    expect(errors).toEqual([])
  } finally {
    await browser.close()
  }
}, 60_000)
