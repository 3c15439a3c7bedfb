import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { waitFor } from '../testing/agent'
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
  await waitFor(() => text.includes(': connected'), 10_000, 'the stream to open')
  return { res, get text() { return text }, close: async () => { abort.abort(); await pump } }
}

describe('live updates', () => {
  test('an org event reaches only streams that may see that org', async () => {
    const a = await openStream('a@example.com')
    const b = await openStream('b@example.com')
    expect(a.res.headers.get('content-type')).toBe('text/event-stream')
    s.ctx.live.publish({ orgId: orgA, perm: 'orgs:read' }, 'org.changed', { orgId: orgA })
    s.ctx.live.publish({ orgId: orgB, perm: 'devices:write' }, 'device.secret', { id: 'x' })
    // note: each stream gets a fence after the events above, so once both have theirs, nothing else is on its way.
    for (const email of ['a@example.com', 'b@example.com']) s.ctx.live.publish({ userId: (await s.client().login(email, testPassword)).json.user.id }, 'test.fence')
    await waitFor(() => a.text.includes('test.fence') && b.text.includes('test.fence'), 10_000, 'the fence event')
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
    await waitFor(() => b.text.includes('notification.new'), 10_000, 'the user event')
    expect(b.text).toContain('notification.new')
    expect(a.text).not.toContain('notification.new')
    await a.close()
    await b.close()
  })

  test('closed streams are forgotten; anonymous callers are sent to sign in', async () => {
    await waitFor(() => s.ctx.live.size === 0, 10_000, 'the closed streams to be forgotten')
    expect((await fetch(`${s.url}/live`, { redirect: 'manual' })).status).toBe(303)
  })
})
