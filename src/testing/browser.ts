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
