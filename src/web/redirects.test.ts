// Open redirects: every redirect target that comes from input (a `next` parameter, a form's
// `back`, the Referer) stays on this site. One table of hostile values, tried on the helper and
// on each route that takes a target from input.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { localPath } from './render'

/** Targets a browser (or a proxy that decodes once more) could read as another site. */
export const hostileTargets = [
  '//evil.example/x', '///evil.example', '////evil.example', '/\\evil.example', '\\\\evil.example', '/\\/evil.example',
  'https://evil.example', 'https:evil.example', 'http:/evil.example', 'HTTPS://evil.example', '//evil.example@ok', 'javascript:alert(1)',
  'JaVaScRiPt:alert(1)', 'data:text/html,x', 'evil.example', '.evil.example', '', ' /x', '/\t/evil.example', '/\n/evil.example', '/\r/evil.example',
  '/ /evil.example', '/\u0000/evil.example', '/\u00a0/evil.example', '/%2F%2Fevil.example', '/%2f/evil.example', '%2F%2Fevil.example', '/%5Cevil.example',
  '/%5cevil.example', '/%252F%252Fevil.example', '/%09/evil.example', '/%0d%0a/evil.example', '/%E3%80%80/evil.example', '/\u3000/evil.example',
  '/\u2028/evil.example', '/\ufeff/evil.example', '\u0000//evil.example', '/x\r\nSet-Cookie: a=b', '/\\x', 'x'.repeat(3000),
]

describe('localPath', () => {
  test.each(hostileTargets.map((v) => [JSON.stringify(v), v]))('refuses %s', (_, value) => {
    expect(localPath(value, 'FALLBACK')).toBe('FALLBACK')
  })

  test.each([
    ['/', '/'], ['/devices', '/devices'], ['/devices?status=online&q=web%20server', '/devices?status=online&q=web%20server'],
    ['/alerts?status=active#top', '/alerts?status=active#top'], ['/a/b/../c', '/a/c'], ['/scripts/%E2%9C%93', '/scripts/%E2%9C%93'],
    ['/devices?q=%2F%2Fnot-a-redirect', '/devices?q=%2F%2Fnot-a-redirect'],
  ])('keeps %s', (value, expected) => {
    expect(localPath(value, 'FALLBACK')).toBe(expected)
  })

  test('non-strings are refused', () => {
    for (const v of [undefined, null, 1, ['/x'], { toString: () => '/x' }]) expect(localPath(v, 'F')).toBe('F')
  })
})

describe('routes that redirect to a target from input', () => {
  let s: TestServer
  let c: TestClient

  beforeAll(async () => {
    s = await startTestServer()
    const { partnerId } = await setupAdmin(s.ctx)
    await makeOrg(s.ctx, partnerId, 'Acme')
    c = s.client()
    expect((await c.login('admin@example.com', testPassword)).status).toBe(200)
    await c.get('/devices')
  })
  afterAll(() => s.stop())

  /** where a response sends the browser: Location, or htmx's HX-Location/HX-Redirect. */
  const target = (res: { status: number; headers: Headers }) => {
    const hx = res.headers.get('hx-location')
    return res.headers.get('location') ?? (hx ? JSON.parse(hx).path : res.headers.get('hx-redirect'))
  }
  const onSite = (to: string | null) => to !== null && /^\/(?![/\\])/.test(to) && !/[\s\\]/.test(to)

  test('POST /session/org goes back to the Referer only when it is a path here', async () => {
    for (const hostile of hostileTargets) {
      // note: fetch sends only printable ASCII (and tab) in a header value, as any client must.
      for (const referer of [`${s.url}${hostile}`, hostile, `https://evil.example${hostile}`].filter((r) => /^[\t\x20-\x7e]*$/.test(r))) {
        for (const htmx of [false, true]) {
          const res = await c.request('POST', '/session/org', { form: { _csrf: c.csrf, orgId: '' }, headers: { referer, ...(htmx ? { 'hx-request': 'true' } : {}) } })
          expect(res.status).toBeLessThan(400)
          const to = target(res)
          if (!onSite(to)) throw new Error(`Referer ${JSON.stringify(referer)} redirected to ${JSON.stringify(to)}`)
        }
      }
    }
    const ok = await c.request('POST', '/session/org', { form: { _csrf: c.csrf, orgId: '' }, headers: { referer: `${s.url}/devices?status=online` } })
    expect(target(ok)).toBe('/devices?status=online')
    const old = await c.request('POST', '/session/org', { form: { _csrf: c.csrf, orgId: '' }, headers: { referer: `${s.url}//evil.example/x` } })
    expect(target(old)).toBe('/')
  }, 30_000)

  test('GET /login?next= for a signed-in user, and POST /login with next', async () => {
    for (const hostile of hostileTargets) {
      const res = await c.request('GET', `/login?next=${encodeURIComponent(hostile)}`)
      expect(target(res)).toBe('/')
    }
    const fresh = s.client()
    await fresh.get('/login')
    for (const hostile of ['//evil.example/x', '/\\evil.example', 'https:evil.example', '/%2F%2Fevil.example']) {
      const res = await fresh.form('/login', { email: 'admin@example.com', password: testPassword, next: hostile })
      expect(target(res)).toBe('/')
      fresh.cookies.clear()
      await fresh.get('/login')
    }
    expect(target(await fresh.form('/login', { email: 'admin@example.com', password: testPassword, next: '/devices?q=a%20b' }))).toBe('/devices?q=a%20b')
  }, 30_000)

  test('POST /devices/columns keeps `back` on the device list', async () => {
    for (const hostile of [...hostileTargets, '/devices//evil.example', '/devicesx', '/devices/../login']) {
      const res = await c.form('/devices/columns', { columns: 'hostname', back: hostile })
      expect(target(res)).toBe('/devices')
    }
    expect(target(await c.form('/devices/columns', { columns: 'hostname', back: '/devices?status=online' }))).toBe('/devices?status=online')
  })
})
