// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { testEnv } from '../config'

export async function launchBrowser(): Promise<Browser> {
  if (!(await Bun.file(testEnv.chromiumPath).exists())) {
    throw new Error(`browser tests need Debian's Chromium at ${testEnv.chromiumPath}: sudo apt-get install -y chromium (or set BREEZE_CHROMIUM)`)
  }
  return chromium.launch({
    executablePath: testEnv.chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      // Host ICE candidates as plain addresses, not mDNS names: the agent resolves those by
      // multicast, which a CI machine's network may not carry.
      '--disable-features=WebRtcHideLocalIpsWithMdns'],
  })
}

/**
 * signedInPage opens a page in a new context that carries `cookies` (a signed-in TestClient's)
 * for `serverUrl`. Uncaught page errors and console errors (unless `ignore` says so) are pushed
 * to `errors`, for the test to assert there were none.
 */
export async function signedInPage(browser: Browser, serverUrl: string, cookies: Map<string, string>, errors: string[], ignore: (consoleError: string) => boolean = () => false): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const { hostname } = new URL(serverUrl)
  await context.addCookies([...cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })))
  const page = await context.newPage()
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error' && !ignore(m.text())) errors.push(m.text()) })
  return { context, page }
}

/**
 * inkPixels counts the pixels inside `box` (page coordinates) that differ from `background`
 * ([r, g, b]) by more than a small tolerance: what is actually drawn there. The screenshot is
 * decoded by Chromium itself (no image library needed).
 */
export async function inkPixels(page: Page, box: { x: number; y: number; width: number; height: number }, background: [number, number, number]): Promise<number> {
  const png = await page.screenshot({ clip: box, animations: 'disabled' })
  return page.evaluate(async ({ data, bg }) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/png' }))
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
    const g = canvas.getContext('2d')!
    g.drawImage(bitmap, 0, 0)
    const px = g.getImageData(0, 0, bitmap.width, bitmap.height).data
    let n = 0
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]) > 60) n++
    return n
  }, { data: png.toString('base64'), bg: background })
}
