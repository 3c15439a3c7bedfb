// Every page at phone width (390 px) in Chromium, with real data: a real enrolled agent, its
// script run and remote session, factory devices with long names, an alert, a ticket, an
// automation run, a policy… The page list comes from the app's own routes, so a new page is
// visited too (or the test says which id it needs). The check: nothing makes the page scroll
// sideways (`scrollWidth <= innerWidth`; wide tables scroll inside their own container).
// PHONE_ONLY=/devices limits the pass to routes under a prefix while fixing a page.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { createApp } from '../app'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import { makeAlert } from '../testing/alerts'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
const id: Record<string, string> = {}
const errors: string[] = []
const long = 'a-rather-long-unbroken-name-that-a-customer-really-used-for-this-thing-0123456789'

/** Routes that are not pages a person opens (streams, fragments, downloads, scripts). */
const notPages: Record<string, string> = {
  '/healthz': 'JSON', '/readyz': 'JSON', '/metrics': 'Prometheus text', '/live': 'event stream', '/executions/:id/stream': 'event stream', '/notifications/bell': 'fragment of the top bar',
  '/devices/:id/processes/list': 'fragment of the processes tab', '/devices/:id/event-logs/list': 'fragment of the event log tab', '/devices/:id/remote/capabilities': 'fragment of the remote page',
  '/compliance/export.csv': 'CSV download', '/reports/runs/:id/download': 'report file download', '/software/export.csv': 'CSV download', '/software/detail/export.csv': 'CSV download', '/alerts/export.csv': 'CSV download', '/tickets/export.csv': 'CSV download', '/executions/export.csv': 'CSV download', '/users/export.csv': 'CSV download', '/groups/export.csv': 'CSV download', '/policies/export.csv': 'CSV download', '/automations/export.csv': 'CSV download', '/orgs/export.csv': 'CSV download', '/sites/export.csv': 'CSV download', '/scripts/:id/runs/export.csv': 'CSV download', '/reports/:id/history': 'fragment of the report page', '/reports/form-columns': 'fragment of the report form', '/agents/:platform': 'agent download', '/install.sh': 'install script', '/install.ps1': 'install script',
}
/** Pages for signed-out visitors (opened in a context without a session). */
const signedOut = new Set(['/setup', '/login', '/login/mfa', '/forgot-password', '/reset-password', '/invite/:token'])

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  id.partner = a.partnerId
  id.org = (await makeOrg(s.ctx, a.partnerId, 'Northwind Traders International Holdings')).id
  id.site = (await makeSite(s.ctx, id.org, 'Head office, third floor, server room B')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  id.device = (await startConnectedAgent(s, admin, id.org)).deviceId
  await makeDevices(s.ctx, Array.from({ length: 12 }, (_, i) => ({
    orgId: id.org, siteId: id.site, hostname: i === 0 ? long : `ws-${String(i).padStart(3, '0')}`, tags: ['finance', 'windows-11', 'floor-3'], lastUser: `${long}@northwind.example`,
    software: [{ name: 'Google Chrome', version: '121.0.6167.140', publisher: 'Google LLC' }, { name: long, version: '1.0', publisher: long }],
    services: [{ name: long, displayName: long, state: 'running', startMode: 'auto' }],
  })))
  const post = async (path: string, body: unknown) => {
    const res = await admin.post(path, body)
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`)
    return res.json
  }
  id.script = (await post('/api/v1/scripts', { name: `Clean temp files ${long}`, description: long, category: 'Maintenance/Disk', tags: ['disk'], osTypes: ['linux'], language: 'bash', orgId: id.org, content: `echo ${long}\necho done\n`, parameters: [] })).id
  await admin.patch(`/api/v1/scripts/${id.script}`, { content: 'echo second\n', changelog: 'second version' })
  id.scriptVersion = (await admin.get(`/api/v1/scripts/${id.script}/versions`)).json.data[0].id
  const run = await post(`/api/v1/scripts/${id.script}/execute`, { deviceIds: [id.device], parameters: {} })
  id.batch = run.batchId
  id.execution = run.executions[0].id
  await waitFor(async () => (await admin.get(`/api/v1/executions/${id.execution}`)).json.status === 'completed', 30_000, 'the script run')
  id.alert = (await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: id.org, siteId: id.site, deviceId: id.device, title: `Disk almost full on ${long}`, message: long })).id
  id.rule = (await post('/api/v1/alert-rules', { orgId: id.org, name: `CPU high ${long}`, severity: 'high', targets: { kind: 'devices', ids: [id.device] }, conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 95 }] } })).id
  id.window = (await post('/api/v1/maintenance-windows', { orgId: id.org, name: `Patch night ${long}`, startsAt: Date.now() + 3600_000, endsAt: Date.now() + 7200_000 })).id
  id.channel = (await post('/api/v1/notification-channels', { orgId: id.org, name: `Ops mail ${long}`, type: 'email', config: { to: [`${long}@northwind.example`] } })).id
  id.escalation = (await post('/api/v1/escalation-policies', { orgId: id.org, name: `Business hours ${long}`, steps: [{ delayMinutes: 0, channelIds: [id.channel] }] })).id
  id.ticket = (await post('/api/v1/tickets', { orgId: id.org, title: `Printer jammed ${long}`, description: long, deviceId: id.device })).id
  id.ticketRule = (await post('/api/v1/ticket-rules', { orgId: id.org, name: `From critical alerts ${long}`, enabled: false })).id
  id.group = (await post('/api/v1/device-groups', { orgId: id.org, name: `Finance workstations ${long}`, type: 'dynamic', rule: 'os = windows AND tag = finance' })).id
  id.role = (await post('/api/v1/roles', { name: `Helpdesk ${long}`, scope: 'organization', orgId: id.org, permissions: ['devices:read'] })).id
  const roles = (await admin.get('/api/v1/roles')).json.data as { id: string; key: string | null }[]
  const invited = await post('/api/v1/users', { email: `${long}@northwind.example`, membership: { orgId: id.org, roleId: roles.find((r) => r.key === 'org_viewer')!.id } })
  id.user = invited.user.id
  id.invite = new URL(invited.inviteUrl).pathname
  id.automation = (await post('/api/v1/automations', { orgId: id.org, name: `Tag new machines ${long}`, description: long, enabled: true, trigger: { type: 'manual' }, conditions: {}, actions: [{ id: 's1', type: 'update_device', addTags: ['onboarded'] }], onFailure: 'stop', notifyChannelIds: [] })).id
  id.automationRun = (await post(`/api/v1/automations/${id.automation}/run`, { deviceId: id.device })).runs[0].id
  id.policy = (await post('/api/v1/policies', { orgId: id.org, name: `Workstation baseline ${long}`, type: 'custom', settings: { values: { 'monitoring.heartbeatSeconds': 60 }, rules: [{ id: 'r1', kind: 'service_running', name: long }] } })).id
  id.session = (await post('/api/v1/remote/sessions', { deviceId: id.device, type: 'files' })).session.id
  await post('/api/v1/api-keys', { name: `CI key ${long}` })
  id.report = (await post('/api/v1/reports', { orgId: id.org, name: `Monthly inventory ${long}`, type: 'inventory', format: 'pdf', columns: ['device', 'org', 'site', 'os', 'osVersion', 'manufacturer', 'model', 'serial', 'cpu', 'ramGb', 'diskGb', 'lastUser', 'lastSeen'] })).id
  id.reportRun = (await post(`/api/v1/reports/${id.report}/run`, {})).id
  await post('/api/v1/report-schedules', { reportId: id.report, cron: '0 7 1 * *', timezone: 'Europe/Berlin', recipients: [`${long}@northwind.example`] })
  id.patchJob = (await post('/api/v1/patch-jobs', { deviceIds: [id.device] })).id
  id.compactView = (await post('/api/v1/device-views', { name: 'Compact, every column', columns: ['name', 'hostname', 'status', 'os', 'org', 'site', 'lastSeen', 'lastUser', 'publicIp', 'cpu', 'ram', 'disk', 'tags', 'agent', 'enrolled'], density: 'compact' })).id
  browser = await launchBrowser()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  await s?.stop()
})

/** urlsFor: the concrete URLs to visit for a route (null: the test does not know it yet). */
function urlsFor(route: string): string[] | null {
  const known: Record<string, string[]> = {
    '/dashboard/customize': ['/dashboard/customize'],
    '/devices/:id': [`/devices/${id.device}`], '/devices/:id/hardware': [`/devices/${id.device}/hardware`], '/devices/:id/software': [`/devices/${id.device}/software`],
    '/devices/:id/services': [`/devices/${id.device}/services`], '/devices/:id/network': [`/devices/${id.device}/network`], '/devices/:id/processes': [`/devices/${id.device}/processes`], '/devices/:id/command': [`/devices/${id.device}/command`], '/devices/:id/event-logs': [`/devices/${id.device}/event-logs`],
    '/devices/:id/metrics': [`/devices/${id.device}/metrics`], '/devices/:id/history': [`/devices/${id.device}/history`], '/devices/:id/inventory': [`/devices/${id.device}/inventory`, `/devices/${id.device}/inventory?from=2026-01-01&to=2026-01-02`], '/devices/:id/remote': [`/devices/${id.device}/remote`], '/devices/:id/patches': [`/devices/${id.device}/patches`], '/patch-jobs/:id': [`/patch-jobs/${id.patchJob}`],
    '/partners/:id': [`/partners/${id.partner}`], '/orgs/:id': [`/orgs/${id.org}`], '/sites/:id': [`/sites/${id.site}`], '/users/:id': [`/users/${id.user}`], '/roles/:id': [`/roles/${id.role}`],
    '/groups/:id': [`/groups/${id.group}`], '/software/detail': ['/software/detail?name=Google%20Chrome'],
    '/scripts/:id': [`/scripts/${id.script}`], '/scripts/:id/versions': [`/scripts/${id.script}/versions`], '/scripts/:id/versions/:versionId': [`/scripts/${id.script}/versions/${id.scriptVersion}`],
    '/scripts/:id/run': [`/scripts/${id.script}/run`], '/scripts/:id/runs': [`/scripts/${id.script}/runs`], '/script-runs/:id': [`/script-runs/${id.batch}`], '/executions/:id': [`/executions/${id.execution}`],
    '/alerts/:id': [`/alerts/${id.alert}`], '/alerts/rules/:id': [`/alerts/rules/${id.rule}`], '/alerts/maintenance/:id': [`/alerts/maintenance/${id.window}`],
    '/notifications/channels/:id': [`/notifications/channels/${id.channel}`], '/notifications/policies/:id': [`/notifications/policies/${id.escalation}`],
    '/reports/:id': [`/reports/${id.report}`], '/reports/:id/edit': [`/reports/${id.report}/edit`], '/reports/runs/:id': [`/reports/runs/${id.reportRun}`],
    '/tickets/:id': [`/tickets/${id.ticket}`], '/tickets/rules/:id': [`/tickets/rules/${id.ticketRule}`],
    '/automations/:id': [`/automations/${id.automation}`], '/automations/:id/edit': [`/automations/${id.automation}/edit`], '/automation-runs/:id': [`/automation-runs/${id.automationRun}`],
    '/policies/new': [`/policies/new?orgId=${id.org}`], '/policies/effective/:deviceId': [`/policies/effective/${id.device}`], '/policies/:id': [`/policies/${id.policy}`], '/policies/:id/edit': [`/policies/${id.policy}/edit`],
    '/remote/sessions/:id': [`/remote/sessions/${id.session}`], '/search': ['/search?q=northwind'], '/devices': ['/devices', `/devices?view=${id.compactView}`],
    '/reset-password': ['/reset-password?token=not-a-real-token'], '/invite/:token': [id.invite],
  }
  if (known[route]) return known[route]
  return route.includes(':') ? null : [route]
}

/** overflow: how wide the page is against the window, and the outermost elements sticking out. */
const overflow = (page: Page) => page.evaluate(() => {
  const w = innerWidth
  const sticking: string[] = []
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const r = el.getBoundingClientRect()
    if (r.width === 0 || r.right <= w + 0.5) continue
    // Inside a box that scrolls or clips it, it does not widen the page (unless it is absolutely
    // placed: then only a positioned box holds it).
    const absolute = /absolute|fixed/.test(getComputedStyle(el).position)
    let p = el.parentElement
    let contained = false
    for (; p && p !== document.body; p = p.parentElement) {
      const cs = getComputedStyle(p)
      if (/(auto|scroll|hidden|clip)/.test(cs.overflowX) && p.getBoundingClientRect().right <= w + 0.5 && (!absolute || cs.position !== 'static')) { contained = true; break }
      if (absolute && cs.position !== 'static') break
    }
    const parentSticks = el.parentElement && el.parentElement !== document.body && el.parentElement.getBoundingClientRect().right > w + 0.5
    if (!contained && !parentSticks) sticking.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${Array.from(el.classList).join('.')}` : ''} (${Math.round(r.right)} px)`)
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: w, sticking: sticking.slice(0, 5) }
})

async function visit(page: Page, url: string) {
  const res = await page.goto(`${s.url}${url}`, { waitUntil: 'load' })
  // Fragments loaded on arrival (hx-trigger="load") and Alpine components settle first.
  await page.waitForFunction(() => document.querySelectorAll('.htmx-request').length === 0 && !!(window as unknown as { Alpine?: unknown }).Alpine, undefined, { timeout: 10_000 }).catch(() => {})
  await page.waitForTimeout(50)
  return { url, status: res?.status() ?? 0, landed: new URL(page.url()).pathname, ...(await overflow(page)) }
}

test('no page scrolls sideways at 390 px', async () => {
  // note: an empty asset map, only to list the routes (loadAssets would reset the served URLs).
  const app = createApp(s.ctx, new Map())
  const routes = [...new Set(app.routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/') && !r.path.startsWith('/static')).map((r) => r.path))]
  const pages = routes.filter((r) => !(r in notPages))
  const unknown = pages.filter((r) => urlsFor(r) === null)
  expect(unknown).toEqual([]) // a new page: give it an id in urlsFor

  const signedIn = (await signedInPage(browser, s.url, admin.cookies, errors, (e) => e.includes('the server responded with a status of 4'))).page
  await signedIn.setViewportSize({ width: 390, height: 844 })
  const anonymous = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
  const results: (Awaited<ReturnType<typeof visit>> & { route: string })[] = []
  for (const route of pages) {
    if (process.env.PHONE_ONLY && !route.startsWith(process.env.PHONE_ONLY)) continue
    for (const url of urlsFor(route)!) results.push({ route, ...(await visit(signedOut.has(route) ? anonymous : signedIn, url)) })
  }
  // Every page was really shown (not an error page), and none is wider than the phone.
  // note: /setup is gone once set up (a 404 page, checked for width all the same).
  const failed = results.filter((r) => (r.status >= 400 && r.route !== '/setup') || r.scrollWidth > r.innerWidth)
  expect(failed.map((r) => `${r.url} → ${r.landed} ${r.status}: ${r.scrollWidth}/${r.innerWidth} ${r.sticking.join(', ')}`)).toEqual([])
  expect(results.length).toBeGreaterThan(90)
  expect(errors).toEqual([])
}, 600_000)
