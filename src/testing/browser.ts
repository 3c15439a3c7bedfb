// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium, type Browser } from 'playwright-core'
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
