// Live device updates reach only the pages allowed to see the device: other orgs and other
// sites hear nothing, and a burst of status changes arrives as one message per site.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { liveFlushMs } from './live'

let s: TestServer
let orgA: string
let hq: string, branch: string
const devices: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'A')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'B')).id
  hq = (await makeSite(s.ctx, orgA, 'HQ')).id
  branch = (await makeSite(s.ctx, orgA, 'Branch')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  for (let i = 0; i < 20; i++) devices.push((await makeDevice(s.ctx, { orgId: orgA, siteId: hq, hostname: `hq-${i}` })).id)
  await makeUser(s.ctx, 'org@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'branch@a.example', 'org_viewer', { orgId: orgA, siteIds: [branch] })
  await makeUser(s.ctx, 'b@b.example', 'org_admin', { orgId: orgB })
})
afterAll(() => s.stop())

async function openStream(email: string) {
  const c = s.client()
  await c.login(email, testPassword)
  const abort = new AbortController()
  const res = await fetch(`${s.url}/live`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: abort.signal })
  let text = ''
  const reader = res.body!.getReader()
  const pump = (async () => { try { for (;;) { const { value, done } = await reader.read(); if (done) break; text += new TextDecoder().decode(value) } } catch {} })()
  await Bun.sleep(50)
  return { get text() { return text }, close: async () => { abort.abort(); await pump } }
}

test('status changes go to pages that see the device\'s site, batched', async () => {
  const org = await openStream('org@a.example')
  const branchOnly = await openStream('branch@a.example')
  const other = await openStream('b@b.example')
  for (const id of devices) s.ctx.events.emit('device.offline', { deviceId: id, orgId: orgA, lastSeenAt: s.clock.now() })
  await s.ctx.events.settle()
  await Bun.sleep(50)
  const messages = org.text.split('\n\n').filter((m) => m.includes('event: device.status'))
  expect(messages.length).toBe(1)
  const data = JSON.parse(messages[0].split('data: ')[1])
  expect(data.devices.map((d: { id: string }) => d.id).sort()).toEqual([...devices].sort())
  expect(data.devices[0]).toEqual({ id: expect.any(String), status: 'online', lastSeenAt: expect.any(Number) })
  expect(branchOnly.text).not.toContain('device.status')
  expect(other.text).not.toContain('device.status')
  expect(liveFlushMs).toBeLessThanOrEqual(1000)
  for (const st of [org, branchOnly, other]) await st.close()
})

test('enrolments and changes are announced without names', async () => {
  const org = await openStream('org@a.example')
  s.ctx.events.emit('device.enrolled', { deviceId: devices[0], orgId: orgA, siteId: hq, reattached: false })
  s.ctx.events.emit('device.updated', { deviceId: devices[1], orgId: orgA, fields: ['tags'] })
  await s.ctx.events.settle()
  await Bun.sleep(50)
  expect(org.text).toContain('event: device.enrolled\ndata: {"count":1}')
  expect(org.text).toContain(`event: device.changed\ndata: {"devices":["${devices[1]}"]}`)
  expect(org.text).not.toContain('hq-0')
  await org.close()
})
