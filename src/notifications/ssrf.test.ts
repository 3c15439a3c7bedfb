// SSRF through notification channels: an org administrator's channels pointed at this server,
// the metadata service or private networks are refused before a packet is sent (loopback
// listeners count connections), whatever the channel type and however the address is spelled.
// A platform administrator can allow exact addresses or private ranges (audited); test
// deliveries then say success or failure, never what the receiver answered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Socket, TCPSocketListener } from 'bun'
import { t } from '../db/tables'
import { bearerClient } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeOrg, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let orgAdmin: TestClient
let platformAdmin: TestClient
let orgId: string
let listener: TCPSocketListener
let connections = 0
const secretAnswer = 'INTERNAL-ONLY-8f3a secret=hunter2'
let receiver: ReturnType<typeof Bun.serve>
const received: string[] = []

beforeAll(async () => {
  listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { open(sock: Socket) { connections++; sock.end() }, data() {} } })
  receiver = Bun.serve({ port: 0, hostname: '127.0.0.1', async fetch(req) { received.push(new URL(req.url).pathname); return new Response(secretAnswer, { status: new URL(req.url).pathname === '/fail' ? 500 : 200 }) } })
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Customer')).id
  await makeUser(s.ctx, 'orgadmin@example.com', 'org_admin', { orgId })
  orgAdmin = await bearerClient(s, 'orgadmin@example.com', testPassword)
  platformAdmin = s.client()
  await platformAdmin.login(a.email, testPassword)
})
afterAll(async () => {
  await s.stop()
  listener.stop(true)
  receiver.stop(true)
})

/** Every channel type that makes an HTTP request, with the URL placed where that type takes it. */
const channelBodies = (url: string): Record<string, unknown>[] => [
  { type: 'webhook', config: { url } },
  { type: 'slack', secrets: { webhookUrl: url } },
  { type: 'teams', secrets: { webhookUrl: url } },
  { type: 'ntfy', config: { url, topic: 'alerts' } },
  { type: 'gotify', config: { url }, secrets: { token: 'tok' } },
  { type: 'sms', config: { url, to: ['+15550100'] } },
  { type: 'pagerduty', config: { url }, secrets: { routingKey: 'rk' } },
]

async function testSend(body: Record<string, unknown>) {
  const ch = await orgAdmin.post('/api/v1/notification-channels', { orgId, name: `c ${body.type}`, ...body })
  expect(ch.status).toBe(201)
  lastChannelId = ch.json.id
  return orgAdmin.post(`/api/v1/notification-channels/${ch.json.id}/test`)
}
let lastChannelId = ''

describe('an org administrator cannot make the server call inside', () => {
  test('loopback in every spelling, metadata and private addresses are refused for every channel type; nothing connects', async () => {
    const p = listener.port
    const targets = [
      `http://127.0.0.1:${p}/`, `http://localhost:${p}/hook`, `http://2130706433:${p}/`, `http://0x7f000001:${p}/`, `http://0177.0.0.1:${p}/`, `http://127.1:${p}/`,
      `http://0:${p}/`, `http://0.0.0.0:${p}/`, `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://[64:ff9b::7f00:1]:${p}/`, `http://[2002:7f00:1::]:${p}/`,
      `http://[::1]:${p}/`, `http://[::]:${p}/`, `https://127.0.0.1:${p}/`, `http://user:pw@127.0.0.1:${p}/`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://[::ffff:169.254.169.254]/', 'http://[fd00:ec2::254]/', 'http://10.0.0.1/', 'http://192.168.0.1/', 'http://100.100.100.200/',
    ]
    for (const url of targets) {
      for (const body of channelBodies(url)) {
        const res = await testSend(body)
        if (res.status !== 502 || res.json.ok !== false || !/refused|not allowed|resolve/.test(res.json.error)) throw new Error(`${body.type} → ${url}: ${res.status} ${res.text}`)
        expect(res.json.statusCode).toBeNull()
      }
    }
    expect(connections).toBe(0)
    const [delivery] = await s.ctx.db.select().from(t.notificationDeliveries).where(eq(t.notificationDeliveries.status, 'failed')).limit(1)
    expect(delivery.lastError).toMatch(/refused|not allowed/)
  }, 120_000)

  test('only a platform administrator changes what is allowed; bad entries are refused; changes are audited', async () => {
    const partnerAdmin = s.client()
    await makeUser(s.ctx, 'padmin@example.com', 'partner_admin', { partnerId: (await s.ctx.db.select({ id: t.partners.id }).from(t.partners))[0].id })
    await partnerAdmin.login('padmin@example.com', testPassword)
    expect((await partnerAdmin.put('/api/v1/settings/outbound', { allowPrivate: true, allowAddresses: ['127.0.0.1'] })).status).toBe(403)
    expect((await orgAdmin.put('/api/v1/settings/outbound', { allowPrivate: true, allowAddresses: ['127.0.0.1'] })).status).toBe(403)
    for (const [bad, field] of [[['localhost'], 'allowAddresses/0'], [['127.0.0.1', '10.0.0.0/8'], 'allowAddresses/1'], [['2130706433'], 'allowAddresses/0']] as const) {
      const res = await platformAdmin.put('/api/v1/settings/outbound', { allowPrivate: false, allowAddresses: bad })
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
    }
    expect((await platformAdmin.put('/api/v1/settings/outbound', { allowPrivate: 'yes', allowAddresses: [] })).status).toBe(400)
    expect((await platformAdmin.get('/api/v1/settings')).json.outbound).toEqual({ allowPrivate: false, allowAddresses: [] })

    // The Settings form: a checkbox and one address per line.
    await platformAdmin.get('/settings')
    const bad = await platformAdmin.form('/settings/outbound', { allowAddresses: '127.0.0.1\nnot-an-ip' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('is not an IP address')
    const saved = await platformAdmin.form('/settings/outbound', { allowAddresses: ` 127.0.0.1 \n\n::FFFF:127.0.0.1` })
    expect(saved.status).toBe(303)
    expect((await platformAdmin.get('/api/v1/settings')).json.outbound).toEqual({ allowPrivate: false, allowAddresses: ['127.0.0.1', '::ffff:7f00:1'] })
    const page = await platformAdmin.get('/settings')
    expect(page.text).toContain('id="outbound"')
    expect(page.text).toContain('127.0.0.1\n::ffff:7f00:1</textarea>')
    const audit = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'settings.outbound.update'))
    expect(audit.at(-1)!.details).toEqual({ before: { allowPrivate: false, allowAddresses: [] }, after: { allowPrivate: false, allowAddresses: ['127.0.0.1', '::ffff:7f00:1'] } })
  })

  test('an allowed address is reached; the test result says success or failure, never the answer', async () => {
    const base = `http://127.0.0.1:${receiver.port}`
    const ok = await testSend({ type: 'webhook', config: { url: `${base}/ok` } })
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ ok: true, statusCode: 200, error: null })
    expect(ok.text).not.toContain('INTERNAL-ONLY')
    const failed = await testSend({ type: 'slack', secrets: { webhookUrl: `${base}/fail` } })
    expect(failed.status).toBe(502)
    expect(failed.json).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500' })
    expect(received).toEqual(['/ok', '/fail'])
    const deliveries = await orgAdmin.get(`/api/v1/notification-channels/${lastChannelId}/deliveries`)
    expect(deliveries.json.data[0]).toMatchObject({ status: 'failed', lastStatusCode: 500, lastError: 'HTTP 500' })
    expect(deliveries.text).not.toContain('INTERNAL-ONLY')
    expect(JSON.stringify(await s.ctx.db.select().from(t.notificationDeliveries))).not.toContain('INTERNAL-ONLY')
    expect(JSON.stringify(await s.ctx.db.select().from(t.auditLogs))).not.toContain('INTERNAL-ONLY')
    // The allow entry names 127.0.0.1 only: the counting listener's other spellings of
    // loopback that are not that address stay refused, and private ranges still need the toggle.
    expect((await testSend({ type: 'webhook', config: { url: `http://[::1]:${listener.port}/` } })).json.error).toMatch(/refused/)
    expect((await testSend({ type: 'webhook', config: { url: 'http://192.168.0.1/' } })).json.error).toMatch(/private networks/)
    expect((await testSend({ type: 'webhook', config: { url: 'http://169.254.169.254/' } })).json.error).toMatch(/link-local/)
    expect(connections).toBe(0)
  })
})
