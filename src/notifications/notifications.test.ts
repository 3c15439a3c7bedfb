// Channels against real receivers (a local HTTP server, a local SMTP server), retries with
// backoff and the delivery log, dead channels, escalation timing and exactly-once delivery
// across a restart, and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { bearerClient, heartbeat, runJobs, startReceiver, type Received, allowLoopbackReceivers } from '../testing/alerts'
import { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { freshPostgresDatabase, startTestServer, usingPostgres, type TestServer } from '../testing/server'
import { mailText, startSmtpServer } from '../testing/smtp'

let s: TestServer
let admin: TestClient
let adminUserId: string
let orgId: string
let siteId: string
let otherOrgId: string
let outsider: TestClient
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'breeze-notify-'))
let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | null = null
const smtp = await startSmtpServer()
// Answers by path: /fail-N fails the first N requests with 500, /dead always 503.
const receiver = startReceiver((r) => {
  const failFirst = /^\/fail-(\d+)/.exec(r.path)
  if (failFirst && receiver.requests.filter((x) => x.path === r.path).length <= Number(failFirst[1])) return new Response('busy', { status: 500 })
  if (r.path.startsWith('/dead')) return new Response('gone', { status: 503 })
  if (r.path.startsWith('/pd')) return Response.json({ status: 'success', dedup_key: r.json?.dedup_key }, { status: 202 })
  return new Response('ok')
})
const min = 60_000

beforeAll(async () => {
  pg = usingPostgres ? await freshPostgresDatabase() : null
  s = await startTestServer({ dataDir, databaseUrl: pg?.url })
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  adminUserId = a.user.id
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Notify Org')).id
  otherOrgId = (await makeOrg(s.ctx, a.partnerId, 'Other Org')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = await bearerClient(s, a.email, testPassword)
  await makeUser(s.ctx, 'other-admin@example.com', 'org_admin', { orgId: otherOrgId })
  outsider = await bearerClient(s, 'other-admin@example.com', testPassword)
  // Appliance settings need a signed-in platform admin (API keys never carry that).
  const session = s.client()
  await session.login(a.email, testPassword)
  const smtpRes = await session.put('/api/v1/settings/smtp', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'breeze@example.com' })
  expect(smtpRes.status).toBe(200)
})
afterAll(async () => {
  await s.stop()
  await pg?.drop()
  rmSync(dataDir, { recursive: true, force: true })
  receiver.stop()
  await smtp.close()
})

async function channel(body: Record<string, unknown>) {
  const res = await admin.post('/api/v1/notification-channels', { orgId, ...body })
  expect(res.status).toBe(201)
  return res.json as { id: string; signingSecret?: string }
}

/** fire creates a device and a CPU rule notifying `channelIds`, then sends a hot heartbeat. */
async function fire(opts: { channelIds?: string[]; escalationPolicyId?: string; title?: string } = {}) {
  const d = await makeDevice(s.ctx, { orgId, siteId })
  const rule = await admin.post('/api/v1/alert-rules', {
    orgId, name: 'CPU', severity: 'critical', targets: { kind: 'devices', ids: [d.id] }, conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }] },
    channelIds: opts.channelIds ?? [], escalationPolicyId: opts.escalationPolicyId, titleTemplate: opts.title ?? 'CPU {{value}}% on {{device.name}}',
  })
  expect(rule.status).toBe(201)
  await heartbeat(s.ctx, d, { cpuPercent: 97 })
  const [alert] = (await admin.get(`/api/v1/alerts?deviceId=${d.id}`)).json.data
  expect(alert).toBeTruthy()
  return { device: d, alert: alert as { id: string; title: string } }
}

const at = (p: string) => (r: Received) => r.path === p
/** Requests at `p` about one alert (channel alerts of failing test channels may reach any channel as a fallback). */
const about = (p: string, alertId: string) => (r: Received) => r.path === p && r.json?.alert?.id === alertId

describe('channels', () => {
  test('generic webhook: documented JSON body, HMAC-SHA256 signature the receiver can verify', async () => {
    const ch = await channel({ name: 'Ops webhook', type: 'webhook', config: { url: `${receiver.url}/hook` } })
    expect(ch.signingSecret).toHaveLength(32)
    const listed = await admin.get('/api/v1/notification-channels')
    expect(listed.text).not.toContain(ch.signingSecret!)
    expect(listed.json.data.find((c: { id: string }) => c.id === ch.id).secretsSet).toEqual(['signingSecret'])
    const { alert, device } = await fire({ channelIds: [ch.id] })
    const [req] = await receiver.waitFor(1, at('/hook'))
    await runJobs(s.ctx)
    const timestamp = req.headers.get('x-breeze-timestamp')!
    const expected = createHmac('sha256', ch.signingSecret!).update(`${timestamp}.${req.body}`).digest('hex')
    expect(req.headers.get('x-breeze-signature')).toBe(`sha256=${expected}`)
    expect(req.headers.get('x-breeze-event')).toBe('alert.triggered')
    expect(req.json).toMatchObject({ version: 1, event: 'alert.triggered', alert: { id: alert.id, severity: 'critical', status: 'active', title: `CPU 97% on ${device.hostname}` }, device: { id: device.id, hostname: device.hostname }, organization: { id: orgId, name: 'Notify Org' } })
    expect(req.headers.get('x-breeze-delivery')).toBe(req.json.deliveryId)
    // The delivery log on the alert.
    const detail = (await admin.get(`/api/v1/alerts/${alert.id}`)).json
    expect(detail.deliveries).toMatchObject([{ channelId: ch.id, transition: 'triggered', status: 'sent', lastStatusCode: 200, attemptLog: [{ ok: true, statusCode: 200 }] }])
  })

  test('PagerDuty Events v2: trigger, acknowledge and resolve share one dedup key', async () => {
    const ch = await channel({ name: 'PagerDuty', type: 'pagerduty', config: { url: `${receiver.url}/pd` }, secrets: { routingKey: 'R0UT1NGKEY0000000000000000000000' } })
    const { alert } = await fire({ channelIds: [ch.id] })
    await receiver.waitFor(1, at('/pd'))
    expect((await admin.post(`/api/v1/alerts/${alert.id}/acknowledge`, { note: 'looking' })).status).toBe(200)
    await runJobs(s.ctx)
    await receiver.waitFor(2, at('/pd'))
    expect((await admin.post(`/api/v1/alerts/${alert.id}/resolve`, { note: 'fixed the cron job' })).status).toBe(200)
    await runJobs(s.ctx)
    const pd = await receiver.waitFor(3, at('/pd'))
    expect(pd.map((r) => r.json.event_action)).toEqual(['trigger', 'acknowledge', 'resolve'])
    expect(new Set(pd.map((r) => r.json.dedup_key))).toEqual(new Set([`breeze-alert-${alert.id}`]))
    expect(pd[0].json).toMatchObject({ routing_key: 'R0UT1NGKEY0000000000000000000000', payload: { severity: 'critical', summary: alert.title } })
    expect((await admin.post(`/api/v1/alerts/${alert.id}/acknowledge`)).status).toBe(409)
  })

  test('Slack, Teams, ntfy, Gotify and SMS gateway payloads', async () => {
    const slack = await channel({ name: 'Slack', type: 'slack', secrets: { webhookUrl: `${receiver.url}/slack` } })
    const teams = await channel({ name: 'Teams', type: 'teams', secrets: { webhookUrl: `${receiver.url}/teams` } })
    const ntfy = await channel({ name: 'ntfy', type: 'ntfy', config: { url: `${receiver.url}/ntfy`, topic: 'breeze-alerts' }, secrets: { token: 'tk_ntfy' } })
    const gotify = await channel({ name: 'Gotify', type: 'gotify', config: { url: `${receiver.url}/gotify` }, secrets: { token: 'AppTok3n' } })
    const sms = await channel({
      name: 'SMS', type: 'sms', config: { url: `${receiver.url}/sms`, to: ['+15550100', '+15550101'], bodyTemplate: '{"to":"{{to}}","text":"{{message}}"}', authHeader: 'Authorization', authTemplate: 'Bearer {{secret}}' },
      secrets: { token: 'smsKey' },
    })
    const { alert } = await fire({ channelIds: [slack.id, teams.id, ntfy.id, gotify.id, sms.id], title: 'Disk "C:" <full> & slow' })
    const [sl] = await receiver.waitFor(1, at('/slack'))
    expect(sl.json.text).toBe('[ALERT] [critical] Disk "C:" &lt;full&gt; &amp; slow')
    expect(sl.json.attachments[0].color).toBe('#b91c1c')
    const [tm] = await receiver.waitFor(1, at('/teams'))
    expect(tm.json.attachments[0]).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } })
    expect(tm.json.attachments[0].content.body[0].text).toBe('[ALERT] [critical] Disk "C:" <full> & slow')
    const [nt] = await receiver.waitFor(1, at('/ntfy'))
    expect(nt.json).toMatchObject({ topic: 'breeze-alerts', priority: 5, title: '[ALERT] [critical] Disk "C:" <full> & slow' })
    expect(nt.headers.get('authorization')).toBe('Bearer tk_ntfy')
    const [go] = await receiver.waitFor(1, at('/gotify/message'))
    expect(go.headers.get('x-gotify-key')).toBe('AppTok3n')
    expect(go.json).toMatchObject({ priority: 10, title: '[ALERT] [critical] Disk "C:" <full> & slow' })
    const texts = await receiver.waitFor(2, at('/sms'))
    expect(texts.map((r) => r.json.to)).toEqual(['+15550100', '+15550101'])
    // The link is on the public URL (here the listening address, never a request's Host).
    expect(texts[0].json.text).toBe(`[ALERT] [critical] Disk "C:" <full> & slow ${s.url}/alerts/${alert.id}`)
    expect(alert.title).toBe('Disk "C:" <full> & slow')
    expect(texts[0].headers.get('authorization')).toBe('Bearer smsKey')
  })

  test('email goes through the SMTP settings to a real SMTP server', async () => {
    const ch = await channel({ name: 'On-call mail', type: 'email', config: { to: ['oncall@example.com'] } })
    const { alert } = await fire({ channelIds: [ch.id], title: 'Mail me' })
    const mail = await smtp.next('oncall@example.com')
    expect(mail.raw).toContain('Subject: [ALERT] [critical] Mail me')
    expect(mailText(mail.raw)).toContain(`/alerts/${alert.id}`)
  })

  test('send test reaches the receiver; a refusing receiver is a 502 and logged', async () => {
    const good = await channel({ name: 'Test me', type: 'webhook', config: { url: `${receiver.url}/test-ok` }, secrets: { signingSecret: 'a-very-secret-signing-key' } })
    const res = await admin.post(`/api/v1/notification-channels/${good.id}/test`)
    expect(res.status).toBe(200)
    const [req] = await receiver.waitFor(1, at('/test-ok'))
    expect(req.json.event).toBe('test')
    expect((await admin.get(`/api/v1/notification-channels/${good.id}`)).text).not.toContain('a-very-secret-signing-key')
    const bad = await channel({ name: 'Test bad', type: 'webhook', config: { url: `${receiver.url}/dead-test` } })
    const failed = await admin.post(`/api/v1/notification-channels/${bad.id}/test`)
    expect(failed.status).toBe(502)
    expect(failed.json).toMatchObject({ ok: false, statusCode: 503 })
    const log = (await admin.get(`/api/v1/notification-channels/${bad.id}/deliveries`)).json.data
    expect(log[0]).toMatchObject({ status: 'failed', lastStatusCode: 503 })
  })

  test('bad channel settings are a 400 naming the field, and nothing is written', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'email', config: { to: ['not-an-address'] } }, 'config/to/0'],
      [{ type: 'email' }, 'config/to'],
      [{ type: 'slack' }, 'secrets/webhookUrl'],
      [{ type: 'slack', secrets: { webhookUrl: 'ftp://example.com/x' } }, 'secrets/webhookUrl'],
      [{ type: 'webhook', config: { url: 'javascript:alert(1)' } }, 'config/url'],
      [{ type: 'pagerduty' }, 'secrets/routingKey'],
      [{ type: 'gotify', config: { url: 'https://gotify.example.com' } }, 'secrets/token'],
      [{ type: 'sms', config: { url: 'https://sms.example.com', to: ['call me'] } }, 'config/to/0'],
      [{ type: 'carrier-pigeon' }, 'type'],
    ]
    for (const [body, field] of cases) {
      const res = await admin.post('/api/v1/notification-channels', { orgId, name: 'Broken channel', ...body })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
    expect((await admin.get('/api/v1/notification-channels')).json.data.filter((c: { name: string }) => c.name === 'Broken channel')).toEqual([])
  })
})

describe('delivery', () => {
  test('a failing receiver is retried with backoff and every attempt is logged; other channels are not held up', async () => {
    const flaky = await channel({ name: 'Flaky', type: 'webhook', config: { url: `${receiver.url}/fail-2` } })
    const fine = await channel({ name: 'Fine', type: 'webhook', config: { url: `${receiver.url}/fine` } })
    const { alert } = await fire({ channelIds: [flaky.id, fine.id] })
    await receiver.waitFor(1, at('/fine'))
    await receiver.waitFor(1, at('/fail-2'))
    for (let i = 0; i < 3; i++) {
      s.clock.advance(30_000)
      await runJobs(s.ctx)
    }
    await receiver.waitFor(3, at('/fail-2'))
    const detail = (await admin.get(`/api/v1/alerts/${alert.id}`)).json
    const d = detail.deliveries.find((x: { channelId: string }) => x.channelId === flaky.id)
    expect(d).toMatchObject({ status: 'sent', attempts: 3, lastStatusCode: 200 })
    expect(d.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200])
    expect(receiver.requests.filter(at('/fine'))).toHaveLength(1)
  })

  test('a dead channel gives up after its retries and raises its own alert through the other channels', async () => {
    const dead = await channel({ name: 'Dead hook', type: 'webhook', config: { url: `${receiver.url}/dead` } })
    await channel({ name: 'Backup hook', type: 'webhook', config: { url: `${receiver.url}/backup` } })
    const { alert } = await fire({ channelIds: [dead.id] })
    for (let i = 0; i < 8; i++) {
      s.clock.advance(5 * min)
      await runJobs(s.ctx)
    }
    const detail = (await admin.get(`/api/v1/alerts/${alert.id}`)).json
    expect(detail.deliveries[0]).toMatchObject({ status: 'failed', attempts: 6, lastStatusCode: 503 })
    expect(receiver.requests.filter(at('/dead'))).toHaveLength(6)
    const channelAlerts = (await admin.get(`/api/v1/alerts?orgId=${orgId}`)).json.data.filter((a: { kind: string; subject: string }) => a.kind === 'channel' && a.subject === dead.id)
    expect(channelAlerts).toHaveLength(1)
    expect(channelAlerts[0].title).toBe('Notification channel "Dead hook" is not delivering')
    const [backup] = await receiver.waitFor(1, (r) => r.path === '/backup' && r.json?.alert?.kind === 'channel')
    expect(backup.json.alert.id).toBe(channelAlerts[0].id)
    const inbox = (await admin.get('/api/v1/notifications')).json
    expect(inbox.data.some((n: { alertId: string }) => n.alertId === channelAlerts[0].id)).toBe(true)
    // The receiver recovers and a test succeeds: the channel alert resolves itself.
    const fixed = await admin.patch(`/api/v1/notification-channels/${dead.id}`, { config: { url: `${receiver.url}/fine-again` } })
    expect(fixed.status).toBe(200)
    expect((await admin.post(`/api/v1/notification-channels/${dead.id}/test`)).status).toBe(200)
    expect((await admin.get(`/api/v1/alerts/${channelAlerts[0].id}`)).json.status).toBe('resolved')
  })

  test('one transition notifies a channel once, however often it is evaluated', async () => {
    const ch = await channel({ name: 'Once', type: 'webhook', config: { url: `${receiver.url}/once` } })
    const { device, alert } = await fire({ channelIds: [ch.id] })
    for (let i = 0; i < 5; i++) await heartbeat(s.ctx, device, { cpuPercent: 99 })
    await runJobs(s.ctx)
    await receiver.waitFor(1, about('/once', alert.id))
    await Bun.sleep(200)
    expect(receiver.requests.filter(about('/once', alert.id))).toHaveLength(1)
  })
})

describe('escalation', () => {
  test('steps fire after their delays and stop once the alert is acknowledged', async () => {
    const first = await channel({ name: 'Tier 1', type: 'webhook', config: { url: `${receiver.url}/tier1` } })
    const second = await channel({ name: 'Tier 2', type: 'webhook', config: { url: `${receiver.url}/tier2` } })
    const policy = await admin.post('/api/v1/escalation-policies', { orgId, name: 'Business hours', steps: [{ delayMinutes: 0, channelIds: [first.id] }, { delayMinutes: 10, channelIds: [second.id], userIds: [adminUserId] }] })
    expect(policy.status).toBe(201)
    const a1 = await fire({ escalationPolicyId: policy.json.id })
    await receiver.waitFor(1, at('/tier1'))
    s.clock.advance(9 * min)
    await runJobs(s.ctx)
    expect(receiver.requests.filter(about('/tier2', a1.alert.id))).toHaveLength(0)
    s.clock.advance(2 * min)
    await runJobs(s.ctx)
    const [t2] = await receiver.waitFor(1, at('/tier2'))
    expect(t2.json).toMatchObject({ event: 'alert.escalated', escalationStep: 2, alert: { id: a1.alert.id } })
    const inbox = (await admin.get('/api/v1/notifications')).json.data
    expect(inbox.some((n: { kind: string; alertId: string }) => n.kind === 'escalation' && n.alertId === a1.alert.id)).toBe(true)
    // Acknowledged before step 2: it never comes.
    const a2 = await fire({ escalationPolicyId: policy.json.id })
    await receiver.waitFor(2, at('/tier1'))
    expect((await admin.post(`/api/v1/alerts/${a2.alert.id}/acknowledge`)).status).toBe(200)
    s.clock.advance(15 * min)
    await runJobs(s.ctx)
    // (Other channels' alerts may reach tier 2 as a fallback: look at these two alerts only.)
    const ours = receiver.requests.filter((r) => r.path === '/tier2' && [a1.alert.id, a2.alert.id].includes(r.json.alert.id))
    expect(ours.map((r) => [r.json.event, r.json.alert.id])).toEqual([['alert.escalated', a1.alert.id]])
    const timeline = (await admin.get(`/api/v1/alerts/${a1.alert.id}`)).json.events.map((e: { kind: string }) => e.kind)
    expect(timeline).toEqual(['triggered', 'escalated', 'escalated'])
  })

  test('bad policies are a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ steps: [] }, 'steps'],
      [{ steps: [{ delayMinutes: -1, channelIds: [] }] }, 'steps/0/delayMinutes'],
      [{ steps: [{ delayMinutes: 0 }] }, 'steps/0/channelIds'],
      [{ steps: [{ delayMinutes: 0, channelIds: ['nope'] }] }, 'steps/0/channelIds/0'],
      [{ steps: [{ delayMinutes: 0, userIds: ['nobody'] }] }, 'steps/0/userIds/0'],
    ]
    for (const [body, field] of cases) {
      const res = await admin.post('/api/v1/escalation-policies', { orgId, name: 'Bad policy', ...body })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
  })
})

describe('tenant isolation', () => {
  test('channels, policies and alerts of another org are 404 and never listed', async () => {
    const ch = await channel({ name: 'Private', type: 'webhook', config: { url: `${receiver.url}/private` } })
    const policy = (await admin.post('/api/v1/escalation-policies', { orgId, name: 'Private policy', steps: [{ delayMinutes: 0, channelIds: [ch.id] }] })).json
    const { alert } = await fire({ channelIds: [ch.id] })
    for (const url of [`/api/v1/notification-channels/${ch.id}`, `/api/v1/escalation-policies/${policy.id}`, `/api/v1/alerts/${alert.id}`]) {
      expect({ url, status: (await outsider.get(url)).status }).toEqual({ url, status: 404 })
    }
    expect((await outsider.post(`/api/v1/notification-channels/${ch.id}/test`)).status).toBe(404)
    expect((await outsider.patch(`/api/v1/notification-channels/${ch.id}`, { name: 'mine' })).status).toBe(404)
    expect((await outsider.post(`/api/v1/alerts/${alert.id}/acknowledge`)).status).toBe(404)
    expect((await outsider.get('/api/v1/notification-channels')).json.data).toEqual([])
    expect((await outsider.get('/api/v1/escalation-policies')).json.data).toEqual([])
    expect((await outsider.get('/api/v1/alerts?status=all')).json.data).toEqual([])
    // Nor can another org's rule use this org's channel.
    const res = await outsider.post('/api/v1/alert-rules', { orgId: otherOrgId, name: 'Steal', severity: 'low', conditions: { match: 'all', items: [{ type: 'offline', minutes: 5 }] }, channelIds: [ch.id] })
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('channelIds/0')
  })
})

describe('restart', () => {
  test('an escalation resumes at the right step after a restart, and nothing is sent twice', async () => {
    const a = await channel({ name: 'Restart 1', type: 'webhook', config: { url: `${receiver.url}/r1` } })
    const b = await channel({ name: 'Restart 2', type: 'webhook', config: { url: `${receiver.url}/r2` } })
    const policy = (await admin.post('/api/v1/escalation-policies', { orgId, name: 'Night', steps: [{ delayMinutes: 0, channelIds: [a.id] }, { delayMinutes: 20, channelIds: [b.id] }] })).json
    const { alert } = await fire({ escalationPolicyId: policy.id })
    await receiver.waitFor(1, about('/r1', alert.id))
    s.clock.advance(5 * min)
    const now = s.clock.now()
    await s.stop()
    s = await startTestServer({ dataDir, databaseUrl: pg?.url })
    admin = new TestClient(s.url, admin.extraHeaders)
    s.clock.set(now + 10 * min)
    await runJobs(s.ctx)
    expect(receiver.requests.filter(about('/r2', alert.id))).toHaveLength(0)
    s.clock.set(now + 16 * min)
    await runJobs(s.ctx)
    await receiver.waitFor(1, about('/r2', alert.id))
    s.clock.advance(60 * min)
    await runJobs(s.ctx)
    await Bun.sleep(200)
    expect(receiver.requests.filter(about('/r1', alert.id))).toHaveLength(1)
    expect(receiver.requests.filter(about('/r2', alert.id))).toHaveLength(1)
    const detail = (await admin.get(`/api/v1/alerts/${alert.id}`)).json
    expect(detail.escalationStep).toBe(2)
    expect(detail.nextEscalationAt).toBeNull()
  })
})
