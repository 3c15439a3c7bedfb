// A technician opens a terminal on a real agent from Chromium, types a command into xterm and
// reads its output; a second technician watches view-only; an admin kills the session from
// the active-sessions page; the recording plays back. The file manager in the browser.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import { inkPixels, launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { quietHome } from '../testing/remote'
import { remoteHub } from './sessions'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let tech: TestClient
let deviceId: string
const errors: string[] = []

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  await makeUser(s.ctx, 'tess@example.com', 'org_technician', { orgId })
  admin = s.client()
  await admin.login(a.email, testPassword)
  tech = s.client()
  await tech.login('tess@example.com', testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId, { env: quietHome() })).deviceId
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopTestAgents()
  await s.stop()
})

const pageAs = (client: TestClient) => signedInPage(browser, s.url, client.cookies, errors)

const screen = (page: Page) => page.locator('.xterm-rows').innerText()

test('terminal in xterm: type a command, read its output; a viewer watches; an admin kills it; the recording plays back', async () => {
  // The technician opens a terminal from the device's remote page.
  const { page } = await pageAs(tech)
  await page.goto(`${s.url}/devices/${deviceId}/remote`)
  await page.waitForSelector('#open-terminal button', { timeout: 20_000 })
  await page.click('#open-terminal button')
  await page.waitForURL(/\/remote\/sessions\//)
  const sessionUrl = page.url()
  const sessionId = sessionUrl.split('/').pop()!
  await page.waitForSelector('[data-ref="status"]:has-text("Connected")', { timeout: 15_000 })
  await page.click('.terminal-host')
  await page.keyboard.type('echo browser-$((7*6))')
  await page.keyboard.press('Enter')
  await waitFor(async () => (await screen(page)).includes('browser-42'), 10_000, 'the output in xterm')

  // Underscores are drawn: at xterm's default line height the glyph fell outside its row and vanished.
  await page.keyboard.type('echo ____""____""____""____')
  await page.keyboard.press('Enter')
  const underscores = '_'.repeat(16)
  await waitFor(async () => (await screen(page)).split('\n').some((l) => l.trim() === underscores), 10_000, 'a row of underscores')
  const box = await page.evaluate((text) => {
    const row = Array.from(document.querySelectorAll('.xterm-rows > div')).find((r) => r.textContent!.trim() === text)!
    const range = document.createRange()
    range.selectNodeContents(row)
    const line = range.getBoundingClientRect()
    const cell = row.getBoundingClientRect()
    return { x: line.x, y: cell.y, width: line.width, height: cell.height }
  }, underscores)
  expect(await inkPixels(page, box, [0x0d, 0x11, 0x17])).toBeGreaterThan(16)
  // Ctrl+K in the terminal is the shell's (kill line), not the page's search.
  await page.keyboard.press('Control+k')
  expect(await page.locator('dialog.search-dialog[open]').count()).toBe(0)

  // Chromium and the agent find a direct path on this machine; the toolbar says so, and typing still works over it.
  await page.waitForSelector('[data-ref="path"][data-path="webrtc"]', { timeout: 25_000 })
  expect(await page.textContent('[data-ref="path"]')).toBe('Direct (WebRTC)')
  await page.keyboard.type('echo direct-$((8*8)) \u00e9t\u00e9 $(tput colors)')
  await page.keyboard.press('Enter')
  await waitFor(async () => (await screen(page)).includes('direct-64 \u00e9t\u00e9 256'), 10_000, 'output over WebRTC (UTF-8, 256 colours)')

  // The admin watches the same terminal, view-only: the screen is there, keystrokes go nowhere.
  const watcher = (await pageAs(admin)).page
  await watcher.goto(sessionUrl)
  await watcher.waitForSelector('.badge:has-text("View only")')
  await waitFor(async () => (await screen(watcher)).includes('browser-42'), 10_000, 'the screen replayed to the viewer')
  await page.waitForSelector('[data-ref="viewers"]:has-text("(watching)")', { timeout: 10_000 })
  await watcher.click('.terminal-host')
  await watcher.keyboard.type('echo from-the-viewer')
  await watcher.keyboard.press('Enter')
  await page.keyboard.type('echo still-$((5*5))')
  await page.keyboard.press('Enter')
  await waitFor(async () => (await screen(watcher)).includes('still-25'), 10_000, 'the viewer to see new output')
  expect(await screen(page)).not.toContain('from-the-viewer')

  // The admin kills it from the active-sessions page; the technician's terminal says so.
  await watcher.goto(`${s.url}/remote/sessions`)
  expect(await watcher.textContent('#sessions-live')).toContain('tess')
  watcher.once('dialog', (d) => d.accept())
  await watcher.click(`#sessions-live tr[data-session-row="${sessionId}"] button:has-text("Kill")`)
  await page.waitForSelector('[data-ref="message"]:has-text("An administrator ended this session")', { timeout: 5_000 })
  const row = (await admin.get(`/api/v1/remote/sessions/${sessionId}`)).json
  expect(row).toMatchObject({ status: 'ended', endReason: 'killed', transport: 'webrtc', recording: true })

  // The kill lands on the ended session's page, where the recording plays back.
  await watcher.waitForURL(sessionUrl)
  await watcher.waitForSelector('.cast-player[data-ready="1"]')
  await watcher.selectOption('.cast-player [data-ref="speed"]', '16')
  await watcher.click('.cast-player [data-ref="play"]')
  await watcher.waitForSelector('.cast-player[data-done="1"]', { timeout: 20_000 })
  const played = await watcher.locator('.cast-player .xterm-rows').innerText()
  expect(played).toContain('browser-42')
  expect(played).toContain('direct-64')
  expect(errors).toEqual([])
}, 120_000)

test('file manager: browse, upload with progress, download verified, create folder, delete', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-ui-files-'))
  writeFileSync(path.join(dir, 'report.txt'), 'quarterly numbers\n'.repeat(1000))
  const local = path.join(dir, '..', `${path.basename(dir)}-upload.bin`)
  writeFileSync(local, Buffer.alloc(3 * 1024 * 1024 + 17, 7))
  const { page } = await pageAs(tech)
  await page.goto(`${s.url}/devices/${deviceId}/remote`)
  await page.waitForSelector('#open-files button', { timeout: 20_000 })
  await page.click('#open-files button')
  await page.waitForURL(/\/remote\/sessions\//)
  await page.waitForSelector('[data-ref="entries"] tr[data-name="tmp"]', { timeout: 15_000 })
  await page.click('[data-ref="entries"] tr[data-name="tmp"] td.name button')
  await page.click(`[data-ref="entries"] tr[data-name="${path.basename(dir)}"] td.name button`)
  await page.waitForSelector('[data-ref="entries"] tr[data-name="report.txt"]')
  expect(await page.textContent('[data-ref="crumbs"]')).toContain(path.basename(dir))

  // Upload: the file lands on the device, checked by SHA-256.
  await page.setInputFiles('[data-ref="upload"]', local)
  await page.waitForSelector('[data-ref="transfers"] li[data-state="done"]', { timeout: 30_000 })
  expect(await page.textContent('[data-ref="transfers"]')).toContain('SHA-256 verified')
  const uploaded = path.join(dir, path.basename(local))
  expect(readFileSync(uploaded).equals(readFileSync(local))).toBe(true)
  await page.waitForSelector(`[data-ref="entries"] tr[data-name="${path.basename(local)}"]`)

  // Download: the browser saves the file as it came from the device.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-ref="entries"] tr[data-name="report.txt"] button:has-text("Download")')])
  expect(download.suggestedFilename()).toBe('report.txt')
  const saved = path.join(dir, 'saved-report.txt')
  await download.saveAs(saved)
  expect(readFileSync(saved, 'utf8')).toBe('quarterly numbers\n'.repeat(1000))

  // New folder, then delete it (with the confirmation).
  page.once('dialog', (d) => d.accept('made-in-browser'))
  await page.click('button[data-action="mkdir"]')
  await page.waitForSelector('[data-ref="entries"] tr[data-name="made-in-browser"]')
  expect(existsSync(path.join(dir, 'made-in-browser'))).toBe(true)
  page.once('dialog', (d) => d.accept())
  await page.click('[data-ref="entries"] tr[data-name="made-in-browser"] button:has-text("Delete")')
  await page.waitForSelector('[data-ref="entries"] tr[data-name="made-in-browser"]', { state: 'detached' })
  expect(existsSync(path.join(dir, 'made-in-browser'))).toBe(false)

  // Leaving the page through the app's navigation (htmx swaps the body) detaches the browser.
  const filesSession = new URL(page.url()).pathname.split('/').pop()!
  expect(remoteHub(s.ctx).relays.get(filesSession)?.viewers.size).toBe(1)
  await page.click('nav a:has-text("Devices")')
  await page.waitForURL(/\/devices$/)
  await waitFor(() => remoteHub(s.ctx).relays.get(filesSession)?.viewers.size === 0, 10_000, 'the viewer to detach')

  // The transfers are in the history.
  const states = async () => ((await tech.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers as { direction: string; status: string }[]).map((r) => `${r.direction}:${r.status}`).sort().join(' ')
  await waitFor(async () => (await states()) === 'download:completed upload:completed', 10_000, 'both transfers completed in the history')
  expect(errors).toEqual([])
}, 90_000)
