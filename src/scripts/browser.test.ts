// A technician runs a script from the browser on a real agent and watches the output arrive;
// the page swaps its status (queued → running → completed) and drops Cancel once it ended.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents } from '../testing/agent'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let deviceId: string
let scriptId: string
let orgId: string
let fake: ProtocolAgent | undefined
let colourScriptId: string
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
  scriptId = (await admin.post('/api/v1/scripts', {
    name: 'Slow greeting', description: 'prints twice', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId,
    content: 'echo "first line"\nsleep 4\necho "hello $WHO"\n', parameters: [{ name: 'WHO', type: 'string', required: true, label: 'Who' }],
  })).json.id
  colourScriptId = (await admin.post('/api/v1/scripts', {
    name: 'Colours', description: 'ANSI colours and hostile output', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, parameters: [],
    content: [
      String.raw`printf '\033[31mred\033[0m plain \033[1;32mgreen\033[0m\n'`,
      String.raw`printf '\033[38;2;10;200;30mtrue colour\033[0m\n'`,
      String.raw`printf '\033[31m<img src=x onerror="document.title=1">\033[0m\n'`,
      String.raw`printf '\033]0;title\007\033[2Kcleared \033[31" onmouseover="document.title=2"mZ\n'`,
      String.raw`printf '\033[33mwarning\033[0m\n' >&2`,
    ].join('\n') + '\n',
  })).json.id
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  fake?.close()
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

  // The first line shows while the script is still sleeping, with the status running and
  // Cancel offered; the second line when it comes, then completed and no Cancel.
  await page.waitForSelector('#output:has-text("first line")', { timeout: 15_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("running")', { timeout: 3_000 })
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)
  await page.waitForSelector('#output:has-text("hello <b>browser</b>")', { timeout: 15_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("completed")', { timeout: 15_000 })
  await page.waitForSelector('#execution-actions button:has-text("Cancel")', { state: 'detached', timeout: 5_000 })
  expect(await page.locator('#output b').count()).toBe(0)
  expect(await page.textContent('#execution-summary')).toContain('0')

  // The history lists it.
  await page.goto(`${s.url}/executions`)
  expect(await page.textContent('#history-body')).toContain('Slow greeting')
  expect(errors).toEqual([])
}, 90_000)

test('the open page follows the execution: queued, running with its first output, then ended without Cancel', async () => {
  // A protocol-speaking agent, so the page is open while the run is still queued and each
  // step comes when the test says (the output arrives before any acknowledgement).
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'browser' })).json.key
  fake = await enrollProtocolAgent(s, key, { hostname: 'slow-agent' })
  await fake.connect()
  const run = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [fake.deviceId], parameters: { WHO: 'x' } })
  const executionId = run.json.executions[0].id
  const command = await fake.command('script.run')

  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  await page.goto(`${s.url}/executions/${executionId}`)
  await page.waitForSelector('#execution-summary .badge:has-text("queued")')
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)

  fake.send({ type: 'command.output', id: command.id, seq: 0, stream: 'stdout', data: 'working on it\n' })
  await page.waitForSelector('#output:has-text("working on it")', { timeout: 10_000 })
  await page.waitForSelector('#execution-summary .badge:has-text("running")', { timeout: 10_000 })
  expect(await page.locator('#execution-actions button:has-text("Cancel")').count()).toBe(1)

  fake.send({ type: 'command.result', id: command.id, status: 'failed', result: { exitCode: 3, durationMs: 10, outputBytes: 14, truncated: false }, error: null })
  await page.waitForSelector('#execution-summary .badge:has-text("failed")', { timeout: 10_000 })
  await page.waitForSelector('#execution-actions button:has-text("Cancel")', { state: 'detached', timeout: 5_000 })
  expect(await page.textContent('#execution-summary')).toContain('3')
  expect(errors).toEqual([])
}, 60_000)
test('script output shows ANSI colours as colours; hostile output stays text', async () => {
  const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
  let dialogs = 0
  page.on('dialog', (d) => { dialogs++; void d.dismiss() })
  await page.goto(`${s.url}/scripts/${colourScriptId}/run`)
  await page.check(`input[name=deviceIds][value="${deviceId}"]`)
  await page.click('button:has-text("Run script")')
  await page.waitForURL(/\/executions\//)
  await page.waitForSelector('#execution-summary .badge:has-text("completed")', { timeout: 30_000 })
  await page.waitForSelector('#output .stderr:has-text("warning")')

  // Checked twice: as it streamed in (live), and as the finished page renders it.
  for (const pass of ['live', 'reloaded']) {
    if (pass === 'reloaded') await page.reload()
    const out = await page.evaluate(() => {
      const pre = document.querySelector('#output')!
      const colour = (sel: string) => { const el = pre.querySelector(sel); return el ? [el.textContent, getComputedStyle(el).color, getComputedStyle(el).fontWeight] : null }
      return {
        text: pre.textContent!,
        red: colour('.stdout .ansi-fg-1'),
        green: colour('.ansi-fg-2.ansi-bold'),
        truecolour: Array.from(pre.querySelectorAll('span')).filter((e) => e.getAttribute('style')).map((e) => [e.textContent, getComputedStyle(e).color]),
        warning: colour('.stderr .ansi-fg-3'),
        elements: Array.from(pre.querySelectorAll('*')).map((e) => e.tagName.toLowerCase()).filter((t) => t !== 'span'),
        attributes: [...new Set(Array.from(pre.querySelectorAll('*')).flatMap((e) => e.getAttributeNames()))].sort(),
        title: document.title,
      }
    })
    expect(out.red, pass).toEqual(['red', 'rgb(255, 123, 114)', '400'])
    expect(out.green, pass).toEqual(['green', 'rgb(63, 185, 80)', '700'])
    expect(out.truecolour, pass).toEqual([['true colour', 'rgb(10, 200, 30)']])
    expect(out.warning?.[0], pass).toBe('warning')
    expect(out.text, pass).toContain('red plain green\ntrue colour\n<img src=x onerror="document.title=1">\ncleared ')
    expect(out.text, pass).not.toContain('\u001b')
    expect(out.text, pass).not.toContain('title\u0007')
    expect(out.elements, pass).toEqual([])
    expect(out.attributes, pass).toEqual(['class', 'style'])
    expect(out.title, pass).toStartWith('Colours on ')
  }
  expect(dialogs).toBe(0)
  expect(errors).toEqual([])
}, 90_000)
