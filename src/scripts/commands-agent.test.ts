// One-off commands on the compiled agent: the output streams while the command runs, is stored
// with the exit code, and the run is listed with the device's executions; in Chromium a
// technician types a command on the device's Run command tab and watches its output arrive.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let deviceId: string
let browser: Browser | undefined
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
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  await s.stop()
}, 30_000)

const finished = ['completed', 'failed', 'timeout', 'cancelled', 'skipped']

test('a command\'s output streams as it runs, then is stored with its exit code and listed with the device\'s executions', async () => {
  const run = await admin.post('/api/v1/commands', { shell: 'bash', command: 'echo "start $((6*7))"; sleep 3; echo done; echo oops >&2; exit 3', deviceIds: [deviceId], timeoutSeconds: 60 })
  expect(run.status).toBe(201)
  const executionId = run.json.executions[0].id

  // The live stream (the page's EventSource) carries "start 42" before the command has ended.
  const res = await fetch(`${s.url}/executions/${executionId}/stream`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  const reader = res.body!.getReader()
  let text = ''
  while (!text.includes('start 42')) text += new TextDecoder().decode((await reader.read()).value)
  const whileRunning = (await admin.get(`/api/v1/commands/${run.json.id}`)).json.devices[0]
  expect(whileRunning.status).toBe('running')
  while (!text.includes('event: end')) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  expect(text).toContain('done')

  const ended = await waitFor(async () => {
    const r = (await admin.get(`/api/v1/commands/${run.json.id}`)).json
    return finished.includes(r.devices[0].status) ? r : null
  }, 30_000, 'the command to end')
  expect(ended.devices[0]).toMatchObject({ deviceId, status: 'failed', exitCode: 3, stdout: 'start 42\ndone\n', stderr: 'oops\n' })
  const listed = (await admin.get(`/api/v1/executions?deviceId=${deviceId}`)).json.executions
  expect(listed.find((e: { id: string }) => e.id === executionId)).toMatchObject({ scriptId: null, status: 'failed', exitCode: 3 })
})

test('Chromium: type a command on the device page and watch its output arrive', async () => {
  browser = await launchBrowser()
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  await page.goto(`${s.url}/devices/${deviceId}`)
  await page.getByRole('link', { name: 'Run command' }).click()
  await page.waitForURL(`**/devices/${deviceId}/command`)
  await page.locator('#f-command').fill('for i in 1 2 3; do echo "line $i <b>"; sleep 1; done')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  // The first line shows while the command still runs; the summary then turns completed.
  await page.locator('#output').getByText('line 1 <b>').waitFor({ timeout: 20_000 })
  expect(await page.locator('#execution-summary').textContent()).not.toContain('completed')
  await page.locator('#output').getByText('line 3 <b>').waitFor({ timeout: 20_000 })
  await page.locator('#execution-summary .badge', { hasText: 'completed' }).waitFor({ timeout: 20_000 })
  expect(await page.locator('#output b').count()).toBe(0)
  expect(errors).toEqual([])
}, 60_000)
