import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Secret, TOTP } from 'otpauth'
import { setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { TestClient } from '../testing/client'
import { RateLimiter } from './rate-limit'

let s: TestServer
let admin: Awaited<ReturnType<typeof setupAdmin>>

beforeAll(async () => {
  s = await startTestServer()
  admin = await setupAdmin(s.ctx)
})
afterAll(() => s.stop())

describe('sign-in', () => {
  test('JSON login sets a session cookie and returns the user', async () => {
    const c = s.client()
    const res = await c.login(admin.email, testPassword)
    expect(res.status).toBe(200)
    expect(res.json.user.email).toBe(admin.email)
    expect([...c.cookies.keys()]).toContain('breeze_session')
    expect(res.headers.getSetCookie().join()).toMatch(/HttpOnly/i)
    expect(res.headers.getSetCookie().join()).toMatch(/SameSite=Lax/i)
    const me = await c.get('/api/v1/auth/me')
    expect(me.status).toBe(200)
    expect(me.json.permissions).toContain('orgs:write')
  })

  test('wrong password answers 401 with a clear message and no cookie', async () => {
    const c = s.client()
    const res = await c.login(admin.email, 'not the password')
    expect(res.status).toBe(401)
    expect(res.json.error.message).toBe('wrong email or password')
    expect(c.cookies.has('breeze_session')).toBe(false)
  })

  test('unknown email answers exactly like a wrong password', async () => {
    const res = await s.client().login('nobody@example.com', 'whatever123')
    expect(res.status).toBe(401)
    expect(res.json.error.message).toBe('wrong email or password')
  })

  test('logout ends the session', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    expect((await c.post('/api/v1/auth/logout')).status).toBe(200)
    expect((await c.get('/api/v1/auth/me')).status).toBe(401)
  })

  test('a missing field is a 400 naming it', async () => {
    const res = await s.client().post('/api/v1/auth/login', { email: admin.email })
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('password')
  })
})

describe('lockout and rate limits', () => {
  test('the account locks after repeated failures, with a clear message, even for the right password', async () => {
    const { makeUser } = await import('../testing/factories')
    await makeUser(s.ctx, 'locked@example.com', 'partner_viewer', { partnerId: admin.partnerId })
    for (let i = 0; i < 4; i++) expect((await s.client().login('locked@example.com', 'wrong wrong wrong')).status).toBe(401)
    const fifth = await s.client().login('locked@example.com', 'wrong wrong wrong')
    expect(fifth.status).toBe(429)
    expect(fifth.json.error.message).toMatch(/locked .* try again in 15 minutes/)
    const right = await s.client().login('locked@example.com', testPassword)
    expect(right.status).toBe(429)
    expect(right.json.error.code).toBe('account_locked')
    s.clock.advance(16 * 60_000)
    expect((await s.client().login('locked@example.com', testPassword)).status).toBe(200)
  })

  test('one address cannot try passwords without limit', async () => {
    const other = await startTestServer()
    try {
      let last = 0
      for (let i = 0; i < 31; i++) last = (await other.client().login(`nobody${i}@example.com`, 'guess guess')).status
      expect(last).toBe(429)
      const res = await other.client().login('nobody@example.com', 'guess guess')
      expect(res.json.error.message).toMatch(/too many sign-in attempts from your address/)
      expect(res.headers.get('retry-after')).toBeTruthy()
    } finally {
      await other.stop()
    }
  })

  test('the address limit counts failed sign-ins only: an office behind one address signs in all day', async () => {
    const other = await startTestServer()
    try {
      const a = await setupAdmin(other.ctx)
      // note: a limit of 5 instead of the real 30 keeps this to a dozen argon2 checks (slow on a loaded machine); same mechanism.
      other.ctx.limits.loginByIp = new RateLimiter(5, 15 * 60_000, () => other.clock.now())
      // More successful sign-ins from one address than the limit allows attempts…
      for (let i = 0; i < 6; i++) expect((await other.client().login(a.email, testPassword)).status).toBe(200)
      // …then failures, concurrently (a burst must not slip past the check): exactly 5 are answered, the rest refused.
      const burst = await Promise.all(Array.from({ length: 7 }, (_, i) => other.client().login(`guess${i}@example.com`, 'guess guess')))
      expect(burst.filter((r) => r.status === 401).length).toBe(5)
      expect(burst.filter((r) => r.status === 429).length).toBe(2)
      // Now the address is limited, also for the right password (a guesser must not find out it was right).
      expect((await other.client().login(a.email, testPassword)).status).toBe(429)
      other.clock.advance(16 * 60_000)
      expect((await other.client().login(a.email, testPassword)).status).toBe(200)
    } finally {
      await other.stop()
    }
  }, 60_000)
})

describe('sessions', () => {
  test('a session ends after the idle timeout', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    s.clock.advance(11 * 3600_000)
    expect((await c.get('/api/v1/auth/me')).status).toBe(200)
    s.clock.advance(12 * 3600_000 + 1000)
    expect((await c.get('/api/v1/auth/me')).status).toBe(401)
  })

  test('a session ends at its absolute lifetime however busy it is', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    for (let h = 0; h < 7 * 24; h += 6) {
      s.clock.advance(6 * 3600_000)
      const res = await c.get('/api/v1/auth/me')
      if (res.status !== 200) { expect(h).toBeGreaterThanOrEqual(7 * 24 - 6); return }
    }
    throw new Error('session outlived its absolute lifetime')
  })

  test('pages redirect to sign-in when there is no session', async () => {
    const res = await s.client().get('/orgs')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?next=%2Forgs')
  })
})

describe('CSRF and origin checks', () => {
  test('a state change on a session without the CSRF token is refused and nothing is written', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    const res = await c.request('POST', '/api/v1/orgs', { json: { name: 'Sneaky' }, csrf: false })
    expect(res.status).toBe(403)
    expect(res.json.error.message).toMatch(/CSRF/)
    const list = await c.get('/api/v1/orgs?search=Sneaky')
    expect(list.json.data).toEqual([])
  })

  test('a wrong CSRF token is refused; the right one works', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    expect((await c.request('POST', '/api/v1/orgs', { json: { name: 'Tokened' }, csrf: 'deadbeef' })).status).toBe(403)
    expect((await c.post('/api/v1/orgs', { name: 'Tokened' })).status).toBe(201)
  })

  test('a cross-site request is refused even with a valid token', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    const res = await c.request('POST', '/api/v1/orgs', { json: { name: 'Cross' }, headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(403)
    const res2 = await c.request('POST', '/api/v1/orgs', { json: { name: 'Cross' }, headers: { 'sec-fetch-site': 'cross-site' } })
    expect(res2.status).toBe(403)
  })

  test('an HTML form post needs the token too', async () => {
    const c = s.client()
    await c.login(admin.email, testPassword)
    const res = await c.request('POST', '/orgs', { form: { name: 'Form org' }, csrf: false })
    expect(res.status).toBe(403)
    const ok = await c.form('/orgs', { name: 'Form org' }, '/orgs/new')
    expect(ok.status).toBe(303)
  })

  test('the sign-in form is bound to the anonymous cookie (no login CSRF)', async () => {
    const c = s.client()
    await c.get('/login')
    expect((await c.request('POST', '/login', { form: { email: admin.email, password: testPassword, _csrf: 'forged' }, csrf: false })).status).toBe(403)
    expect((await c.form('/login', { email: admin.email, password: testPassword })).status).toBe(303)
  })
})

describe('password change', () => {
  test('changing the password ends the other sessions and keeps this one', async () => {
    const { makeUser } = await import('../testing/factories')
    await makeUser(s.ctx, 'changer@example.com', 'partner_viewer', { partnerId: admin.partnerId })
    const a = s.client()
    const b = s.client()
    await a.login('changer@example.com', testPassword)
    await b.login('changer@example.com', testPassword)
    const weak = await a.post('/api/v1/auth/password', { currentPassword: testPassword, newPassword: 'short' })
    expect(weak.status).toBe(400)
    expect(weak.json.error.details.field).toBe('newPassword')
    const wrong = await a.post('/api/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' })
    expect(wrong.status).toBe(400)
    expect((await a.post('/api/v1/auth/password', { currentPassword: testPassword, newPassword: 'a brand new passphrase' })).status).toBe(200)
    expect((await a.get('/api/v1/auth/me')).status).toBe(200)
    expect((await b.get('/api/v1/auth/me')).status).toBe(401)
    expect((await s.client().login('changer@example.com', 'a brand new passphrase')).status).toBe(200)
  })
})

function totpOf(secret: string) {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) })
}

describe('TOTP two-factor authentication', () => {
  let secret: string
  let recoveryCodes: string[]
  const email = 'mfa@example.com'

  test('enrol: setup returns a QR code and key; a wrong code is refused; the right one enables it', async () => {
    const { makeUser } = await import('../testing/factories')
    await makeUser(s.ctx, email, 'partner_viewer', { partnerId: admin.partnerId })
    const c = s.client()
    await c.login(email, testPassword)
    const setup = await c.post('/api/v1/auth/mfa/setup')
    expect(setup.status).toBe(200)
    expect(setup.json.qrDataUrl).toStartWith('data:image/png;base64,')
    expect(setup.json.otpauthUri).toContain('otpauth://totp/')
    secret = setup.json.secret
    expect((await c.post('/api/v1/auth/mfa/enable', { code: '000000', password: testPassword })).status).toBe(400)
    // The password too: a session alone cannot enrol an authenticator (it would pass every step-up).
    const noPassword = await c.post('/api/v1/auth/mfa/enable', { code: totpOf(secret).generate({ timestamp: s.clock.now() }), password: 'not the password' })
    expect(noPassword.json.error.details.field).toBe('password')
    const enable = await c.post('/api/v1/auth/mfa/enable', { code: totpOf(secret).generate({ timestamp: s.clock.now() }), password: testPassword })
    expect(enable.status).toBe(200)
    recoveryCodes = enable.json.recoveryCodes
    expect(recoveryCodes).toHaveLength(10)
    expect(new Set(recoveryCodes).size).toBe(10)
  })

  test('sign-in then needs the code; the same code cannot be used twice', async () => {
    s.clock.advance(30_000)
    const code = totpOf(secret).generate({ timestamp: s.clock.now() })
    const c = s.client()
    const first = await c.login(email, testPassword)
    expect(first.json.mfaRequired).toBe(true)
    expect((await c.get('/api/v1/auth/me')).status).toBe(401)
    expect((await c.post('/api/v1/auth/mfa/verify', { code })).status).toBe(200)
    expect((await c.get('/api/v1/auth/me')).status).toBe(200)
    const replay = s.client()
    await replay.login(email, testPassword)
    const res = await replay.post('/api/v1/auth/mfa/verify', { code })
    expect(res.status).toBe(401)
    expect(res.json.error.message).toMatch(/already used/)
  })

  test('two concurrent submissions of one code give exactly one success', async () => {
    s.clock.advance(30_000)
    const code = totpOf(secret).generate({ timestamp: s.clock.now() })
    const clients = [s.client(), s.client(), s.client()]
    for (const c of clients) await c.login(email, testPassword)
    const results = await Promise.all(clients.map((c) => c.post('/api/v1/auth/mfa/verify', { code })))
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401])
  })

  test('a code from two steps ago is refused; one step of drift is accepted', async () => {
    s.clock.advance(30_000)
    const old = totpOf(secret).generate({ timestamp: s.clock.now() - 60_000 })
    const c = s.client()
    await c.login(email, testPassword)
    expect((await c.post('/api/v1/auth/mfa/verify', { code: old })).status).toBe(401)
    s.clock.advance(30_000)
    const drift = totpOf(secret).generate({ timestamp: s.clock.now() - 30_000 })
    const d = s.client()
    await d.login(email, testPassword)
    expect((await d.post('/api/v1/auth/mfa/verify', { code: drift })).status).toBe(200)
  })

  test('a recovery code works once', async () => {
    const c = s.client()
    await c.login(email, testPassword)
    expect((await c.post('/api/v1/auth/mfa/verify', { code: recoveryCodes[0] })).status).toBe(200)
    const again = s.client()
    await again.login(email, testPassword)
    expect((await again.post('/api/v1/auth/mfa/verify', { code: recoveryCodes[0] })).status).toBe(401)
  })

  test('too many wrong codes end the pending sign-in', async () => {
    const c = s.client()
    await c.login(email, testPassword)
    for (let i = 0; i < 5; i++) await c.post('/api/v1/auth/mfa/verify', { code: 'aaaaa-bbbbb' })
    expect((await c.post('/api/v1/auth/mfa/verify', { code: recoveryCodes[1] })).status).toBe(429)
  })

  test('turning MFA off needs the password', async () => {
    const c = s.client()
    await c.login(email, testPassword, () => recoveryCodes[2])
    expect((await c.post('/api/v1/auth/mfa/disable', { password: 'nope nope nope' })).status).toBe(400)
    expect((await c.post('/api/v1/auth/mfa/disable', { password: testPassword })).status).toBe(200)
    expect((await s.client().login(email, testPassword)).json.mfaRequired).toBe(false)
  })

  test('a partner can require MFA: its users must enrol before anything else', async () => {
    const { makeUser } = await import('../testing/factories')
    await makeUser(s.ctx, 'forced@example.com', 'partner_viewer', { partnerId: admin.partnerId })
    const adminClient = s.client()
    await adminClient.login(admin.email, testPassword)
    expect((await adminClient.patch(`/api/v1/partners/${admin.partnerId}`, { mfaRequired: true })).status).toBe(200)
    const c = s.client()
    await c.login('forced@example.com', testPassword)
    const blocked = await c.get('/api/v1/orgs')
    expect(blocked.status).toBe(403)
    expect(blocked.json.error.code).toBe('mfa_setup_required')
    const page = await c.get('/orgs')
    expect(page.headers.get('location')).toBe('/account/mfa')
    expect((await c.get('/account/mfa')).status).toBe(200)
    expect((await c.post('/api/v1/auth/mfa/setup')).status).toBe(200)
    await adminClient.patch(`/api/v1/partners/${admin.partnerId}`, { mfaRequired: false })
  })
})

describe('behind an HTTPS proxy', () => {
  test('the session cookie gets the __Host- prefix and Secure', async () => {
    const proxied = await startTestServer({ env: { BREEZE_TRUST_PROXY: '1' } })
    try {
      const a = await setupAdmin(proxied.ctx)
      const c = new TestClient(proxied.url, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'rmm.example.com' })
      const res = await c.request('POST', '/api/v1/auth/login', { json: { email: a.email, password: testPassword }, headers: { origin: 'https://rmm.example.com' } })
      expect(res.status).toBe(200)
      const cookie = res.headers.getSetCookie().find((h) => h.startsWith('__Host-breeze_session='))!
      expect(cookie).toMatch(/; Secure/)
      expect(cookie).toMatch(/; HttpOnly/)
      expect(cookie).toMatch(/; Path=\//)
      expect(cookie).not.toMatch(/Domain=/i)
    } finally {
      await proxied.stop()
    }
  })
})
