// End to end: a real agent runs a CPU stress loop (a script from the library); its heartbeats
// cross the threshold of a rule; the alert appears live on the open dashboard in Chromium and
// a signed webhook reaches a local receiver.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import { startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let orgId: string
let deviceId: string
const receiver = startReceiver()
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  // Heartbeats every 5 s (the minimum) so the test sees CPU load quickly.
  s = await startTestServer({ env: { BREEZE_AGENT_HEARTBEAT_SECONDS: '5' }, runningClock: true })
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Load Co')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  await s.stop()
  receiver.stop()
})

test('CPU load on a real agent fires an alert that appears live on the dashboard and reaches a webhook', async () => {
  const channel = (await admin.post('/api/v1/notification-channels', { orgId, name: 'Receiver', type: 'webhook', config: { url: `${receiver.url}/cpu` } })).json
  const stress = (await admin.post('/api/v1/scripts', {
    name: 'CPU stress', description: 'busy loop on every core for a while', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId,
    content: 'n=$(nproc)\nfor i in $(seq "$n"); do ( end=$((SECONDS+60)); while [ "$SECONDS" -lt "$end" ]; do :; done ) & done\nwait\n', parameters: [],
  })).json

  // The dashboard is open (no alerts yet) before the rule even exists: what shows next arrives live.
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  await page.goto(`${s.url}/alerts`)
  await page.waitForSelector('text=No open alerts')

  const rule = await admin.post('/api/v1/alert-rules', {
    orgId, name: 'Busy CPU', severity: 'critical', targets: { kind: 'devices', ids: [deviceId] }, channelIds: [channel.id],
    conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gte', value: 80 }] }, titleTemplate: 'CPU {{value}}% on {{device.name}}',
  })
  expect(rule.status).toBe(201)
  const run = await admin.post(`/api/v1/scripts/${stress.id}/execute`, { deviceIds: [deviceId] })
  expect(run.status).toBe(201)
  try {
    const row = await page.waitForSelector('table.alerts tbody tr[data-alert-id]', { timeout: 60_000 })
    expect(await row.textContent()).toContain('CPU')
    expect(await page.textContent('table.alerts')).toContain('critical')
    expect(page.url()).toBe(`${s.url}/alerts`)

    const [hook] = await receiver.waitFor(1, (r) => r.path === '/cpu' && r.json?.event === 'alert.triggered')
    expect(hook.json.alert.values.value).toBeGreaterThanOrEqual(80)
    expect(hook.json.device.id).toBe(deviceId)
    const signature = createHmac('sha256', channel.signingSecret).update(`${hook.headers.get('x-breeze-timestamp')}.${hook.body}`).digest('hex')
    expect(hook.headers.get('x-breeze-signature')).toBe(`sha256=${signature}`)

    // Open it: the timeline shows what fired.
    await row.$eval('a', (a) => (a as HTMLAnchorElement).click())
    await page.waitForSelector('.timeline >> text=Triggered')
    expect(errors).toEqual([])
  } finally {
    for (const e of run.json.executions) await admin.post(`/api/v1/executions/${e.id}/cancel`)
  }
}, 120_000)
