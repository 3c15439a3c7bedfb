import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let orgA: string
let orgB: string

beforeAll(async () => {
  s = await startTestServer()
  const admin = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, admin.partnerId, 'A')).id
  orgB = (await makeOrg(s.ctx, admin.partnerId, 'B')).id
  await makeUser(s.ctx, 'a@example.com', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'b@example.com', 'org_viewer', { orgId: orgB })
})
afterAll(() => s.stop())

/** openStream signs in and collects what /live sends until `close` is called. */
async function openStream(email: string) {
  const c = s.client()
  await c.login(email, testPassword)
  const abort = new AbortController()
  const res = await fetch(`${s.url}/live`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: abort.signal })
  let text = ''
  const reader = res.body!.getReader()
  const pump = (async () => { try { for (;;) { const { value, done } = await reader.read(); if (done) break; text += new TextDecoder().decode(value) } } catch {} })()
  await Bun.sleep(50)
  return { res, get text() { return text }, close: async () => { abort.abort(); await pump } }
}

describe('live updates', () => {
  test('an org event reaches only streams that may see that org', async () => {
    const a = await openStream('a@example.com')
    const b = await openStream('b@example.com')
    expect(a.res.headers.get('content-type')).toBe('text/event-stream')
    s.ctx.live.publish({ orgId: orgA, perm: 'orgs:read' }, 'org.changed', { orgId: orgA })
    s.ctx.live.publish({ orgId: orgB, perm: 'devices:write' }, 'device.secret', { id: 'x' })
    await Bun.sleep(50)
    expect(a.text).toContain('event: org.changed')
    expect(b.text).not.toContain('org.changed')
    // b can see org B but lacks devices:write (a viewer): not delivered either.
    expect(b.text).not.toContain('device.secret')
    await a.close()
    await b.close()
  })

  test('a user event reaches only that user', async () => {
    const a = await openStream('a@example.com')
    const b = await openStream('b@example.com')
    const userB = (await s.client().login('b@example.com', testPassword)).json.user.id
    s.ctx.live.publish({ userId: userB }, 'notification.new', { count: 1 })
    await Bun.sleep(50)
    expect(b.text).toContain('notification.new')
    expect(a.text).not.toContain('notification.new')
    await a.close()
    await b.close()
  })

  test('closed streams are forgotten; anonymous callers are sent to sign in', async () => {
    await Bun.sleep(20)
    expect(s.ctx.live.size).toBe(0)
    expect((await fetch(`${s.url}/live`, { redirect: 'manual' })).status).toBe(303)
  })
})
