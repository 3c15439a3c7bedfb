// The foundation end to end in Chromium: setup → sign in → MFA → sign in with TOTP →
// organization and site → invite a user.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Secret, TOTP } from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { issueSetupToken } from '../auth/setup'
import { getPublicUrl } from '../settings/public-url'
import { launchBrowser } from '../testing/browser'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let page: Page
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  browser = await launchBrowser()
  page = await browser.newPage()
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
})
afterAll(async () => {
  await browser?.close()
  await s.stop()
})

const totp = (secret: string) => new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: s.clock.now() })

test('setup, MFA, sign-in with TOTP, organization, site and invitation in a real browser', async () => {
  const token = await issueSetupToken(s.ctx)
  await page.goto(`${s.url}/setup?token=${token}`)
  await page.fill('#f-partnerName', 'Acme IT')
  await page.fill('#f-name', 'Ada Admin')
  await page.fill('#f-email', 'ada@example.com')
  await page.fill('#f-password', 'a long admin passphrase')
  // The public URL is proposed from this browser's address (never the Host header) and, being
  // loopback, warned about; the administrator confirms it by submitting.
  expect(await page.inputValue('#f-publicUrl')).toBe(s.url)
  expect(await page.isVisible('text=This address only works on this machine')).toBe(true)
  await page.fill('#f-publicUrl', 'https://rmm.example.com')
  // Alpine hides the warning on its next tick: wait for it (a loaded machine is slower than one check).
  await page.waitForSelector('text=This address only works on this machine', { state: 'hidden', timeout: 5_000 })
  await page.fill('#f-publicUrl', s.url)
  await page.click('button[type=submit]')
  await page.waitForURL(`${s.url}/orgs`)
  expect(await page.textContent('#flash')).toContain('Breeze is ready')
  expect((await getPublicUrl(s.ctx))).toMatchObject({ url: s.url, source: 'setup' })

  // Two-factor enrolment
  await page.goto(`${s.url}/account/mfa`)
  await page.click('text=Set up two-factor authentication')
  await page.waitForSelector('#mfa-secret')
  const secret = (await page.textContent('#mfa-secret'))!.trim()
  expect(await page.getAttribute('img[alt^="QR code"]', 'src')).toStartWith('data:image/png')
  await page.fill('#f-code', totp(secret))
  await page.fill('#f-password', 'a long admin passphrase')
  await page.click('text=Turn on')
  await page.waitForSelector('#recovery-codes')
  expect(await page.locator('#recovery-codes li').count()).toBe(10)

  // Sign out through the user menu, then back in with the TOTP code
  await page.click('button[aria-haspopup=menu]')
  await page.click('text=Sign out')
  await page.waitForURL(/\/login$/)
  await page.fill('#f-email', 'ada@example.com')
  await page.fill('#f-password', 'a long admin passphrase')
  await page.click('button[type=submit]')
  await page.waitForURL(/\/login\/mfa/)
  s.clock.advance(30_000)
  await page.fill('#f-code', totp(secret))
  await page.click('button[type=submit]')
  // Signing in lands on the dashboard.
  await page.waitForURL(`${s.url}/`)
  await page.goto(`${s.url}/orgs`)

  // Organization and site
  await page.click('text=New organization')
  await page.waitForURL(`${s.url}/orgs/new`)
  await page.waitForSelector('text=Create organization')
  await page.fill('#f-name', 'Contoso Bank')
  await page.click('text=Create organization')
  await page.waitForSelector('h1:has-text("Contoso Bank")')
  expect(await page.textContent('#flash')).toContain('Created Contoso Bank')
  await page.click('text=Add site')
  await page.waitForURL(/\/sites\/new/)
  await page.fill('#f-name', 'Head office')
  await page.selectOption('#f-timezone', 'Europe/London')
  await page.click('text=Create site')
  await page.waitForSelector('a:has-text("Head office")')

  // Invite a user into the organization (no SMTP: the page hands over the link)
  await page.goto(`${s.url}/users/invite`)
  await page.fill('#f-email', 'tech@example.com')
  await page.selectOption('#f-orgRoleId', { label: 'Org Technician' })
  await page.click('text=Send invitation')
  await page.waitForSelector('#invite-url')
  const link = (await page.textContent('#invite-url'))!.trim()
  expect(link).toMatch(/\/invite\//)

  // The invitee accepts in a fresh browser context and lands signed in
  const other = await browser.newContext()
  const invitee = await other.newPage()
  await invitee.goto(link)
  await invitee.fill('#f-name', 'Tess Tech')
  await invitee.fill('#f-password', 'technician passphrase')
  await invitee.click('text=Create account')
  await invitee.waitForSelector('text=Welcome to Breeze')
  await other.close()

  await page.goto(`${s.url}/users`)
  expect(await page.textContent('main')).toContain('tech@example.com')
  expect(errors).toEqual([])
}, 120_000)
