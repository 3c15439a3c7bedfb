// The remote desktop under Xvfb with the compiled agent: the device reports its screen, a
// desktop session streams JPEG frames, a click and a key reach an X client (xev), a view-only
// viewer cannot click, and in Chromium the canvas shows frames and a click on it reaches the
// X server. A device without a usable display says why.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import type { Subprocess } from 'bun'
import { agentBinary, startTestAgent, stopTestAgents, waitFor } from '../testing/agent'
import { launchBrowser } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { quietHome, RemoteViewer } from '../testing/remote'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let tech: TestClient
let deviceId: string
let headless: string
let xvfb: Subprocess
let xev: Subprocess<'ignore', 'pipe', 'ignore'> | null = null
let xevOut = ''
const display = `:${90 + Math.floor(Math.random() * 9)}`

beforeAll(async () => {
  await agentBinary()
  xvfb = Bun.spawn(['Xvfb', display, '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], { stdout: 'ignore', stderr: 'ignore' })
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), 10_000, 'Xvfb')
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  await makeUser(s.ctx, 'tess@example.com', 'org_technician', { orgId })
  admin = s.client()
  await admin.login(a.email, testPassword)
  tech = s.client()
  await tech.login('tess@example.com', testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'desktop', maxUses: 10 })).json.key
  deviceId = (await startTestAgent(s.url, key, { hardwareId: 'desktop-test-with-x', env: { ...quietHome(), DISPLAY: display } })).identity().deviceId
  headless = (await startTestAgent(s.url, key, { hardwareId: 'desktop-test-no-x', env: { ...quietHome(), DISPLAY: ':7777' } })).identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId) && s.ctx.agents.isConnected(headless), 30_000, 'agent sockets')
  // An X client covering the screen that prints the button and key events it gets.
  xev = Bun.spawn(['xev', '-display', display, '-geometry', '1024x768+0+0', '-event', 'button', '-event', 'keyboard'], { stdout: 'pipe', stderr: 'ignore' })
  void (async () => {
    const reader = xev!.stdout.getReader()
    for (;;) { const { done, value } = await reader.read(); if (done) break; xevOut += new TextDecoder().decode(value) }
  })()
  await Bun.sleep(500)
}, 180_000)

afterAll(async () => {
  xev?.kill()
  await stopTestAgents()
  await s.stop()
  xvfb?.kill()
})

async function openDesktop(client: TestClient, id = deviceId) {
  const res = await client.post('/api/v1/remote/sessions', { deviceId: id, type: 'desktop' })
  expect(res.status).toBe(201)
  return { id: res.json.session.id as string, viewer: await RemoteViewer.connect(client, res.json.session.id, res.json.ticket) }
}

describe('remote desktop on X11', () => {
  test('the device reports its screen and the tools; one without a display says why', async () => {
    const caps = (await admin.get(`/api/v1/remote/devices/${deviceId}/capabilities`)).json
    expect(caps.desktop).toMatchObject({ available: true, display, monitors: [{ index: 0, width: 1024, height: 768, x: 0, y: 0 }] })
    expect(caps.desktop.tools).toEqual(expect.arrayContaining(['ffmpeg', 'xdotool']))
    const none = (await admin.get(`/api/v1/remote/devices/${headless}/capabilities`)).json
    expect(none.desktop.available).toBe(false)
    expect(none.desktop.reason).toContain(':7777')
    const page = await admin.get(`/devices/${headless}/remote/capabilities`)
    expect(page.text).toContain('Remote desktop not available on this device')
  }, 60_000)

  test('frames arrive; a click and a key reach the X server; a view-only viewer cannot click', async () => {
    const { id, viewer } = await openDesktop(admin)
    const ready = await viewer.frame('ready', 15_000)
    expect(ready.desktop).toMatchObject({ width: 1024, height: 768, monitor: 0 })
    const frame = await viewer.until(() => viewer.binaries.find((b) => b.kind === 4), 15_000, 'a desktop frame')
    expect(frame).toMatchObject({ width: 1024, height: 768 })
    expect([...frame.data.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    viewer.send({ t: 'pointer', action: 'move', x: 0.25, y: 0.5 })
    viewer.send({ t: 'pointer', action: 'down', x: 0.25, y: 0.5, button: 0 })
    viewer.send({ t: 'pointer', action: 'up', x: 0.25, y: 0.5, button: 0 })
    await waitFor(() => /ButtonPress event[\s\S]*?\((\d+),(\d+)\)/.exec(xevOut), 10_000, 'the click in xev')
    const [, px, py] = /ButtonPress event[\s\S]*?\((\d+),(\d+)\)/.exec(xevOut)!
    expect(Math.abs(Number(px) - 256)).toBeLessThanOrEqual(2)
    expect(Math.abs(Number(py) - 384)).toBeLessThanOrEqual(2)
    viewer.send({ t: 'key', action: 'press', key: 'q', text: 'q' })
    viewer.send({ t: 'key', action: 'press', key: 'Enter' })
    await waitFor(() => /KeyPress event[\s\S]*?keysym 0x71, q\)/.test(xevOut) && /keysym 0xff0d, Return/.test(xevOut), 10_000, 'the keys in xev')
    // A colleague watching view-only: frames yes, clicks no.
    const join = await tech.post(`/api/v1/remote/sessions/${id}/join`)
    const watcher = await RemoteViewer.connect(tech, id, join.json.ticket)
    await watcher.until(() => watcher.binaries.find((b) => b.kind === 4), 15_000, 'a frame for the viewer')
    const presses = (xevOut.match(/ButtonPress/g) ?? []).length
    watcher.send({ t: 'pointer', action: 'down', x: 0.5, y: 0.5, button: 0 })
    watcher.send({ t: 'pointer', action: 'up', x: 0.5, y: 0.5, button: 0 })
    await Bun.sleep(1000)
    expect((xevOut.match(/ButtonPress/g) ?? []).length).toBe(presses)
    // A different frame rate and quality restart the capture.
    viewer.send({ t: 'desktop.config', fps: 5, quality: 20 })
    await viewer.frame('ready', 10_000, (f) => (f.desktop as { fps: number }).fps === 5)
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    await viewer.frame('ended')
  }, 60_000)

  test('in Chromium: the canvas shows the screen and a click on it reaches the X server', async () => {
    const browser = await launchBrowser()
    try {
      const context = await browser.newContext()
      const url = new URL(s.url)
      await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })))
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${s.url}/devices/${deviceId}/remote`)
      await page.waitForSelector('#open-desktop button', { timeout: 20_000 })
      await page.click('#open-desktop button')
      await page.waitForURL(/\/remote\/sessions\//)
      await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#remote-workspace')?.dataset.frames ?? 0) >= 2, undefined, { timeout: 20_000 })
      expect(await page.evaluate(() => { const c = document.querySelector('canvas')!; return [c.width, c.height] })).toEqual([1024, 768])
      const before = (xevOut.match(/ButtonPress/g) ?? []).length
      // The screen is drawn letterboxed inside the canvas box (object-fit: contain): click 3/4 across, 1/4 down the picture.
      await page.locator('canvas').scrollIntoViewIfNeeded()
      const box = (await page.locator('canvas').boundingBox())!
      const scale = Math.min(box.width / 1024, box.height / 768)
      const [w, h] = [1024 * scale, 768 * scale]
      await page.mouse.click(box.x + (box.width - w) / 2 + w * 0.75, box.y + (box.height - h) / 2 + h * 0.25)
      await waitFor(() => (xevOut.match(/ButtonPress/g) ?? []).length > before, 10_000, 'the browser click in xev')
      const last = [...xevOut.matchAll(/ButtonPress event[\s\S]*?\((\d+),(\d+)\)/g)].pop()!
      expect(Math.abs(Number(last[1]) - 767)).toBeLessThanOrEqual(12)
      expect(Math.abs(Number(last[2]) - 192)).toBeLessThanOrEqual(12)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 90_000)
})
