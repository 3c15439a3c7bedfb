// The alerting pages as a signed-in browser uses them: every page renders, forms create and
// report errors next to the field, endpoint data is escaped, the bell counts, and another
// organization's objects are 404.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { heartbeat, startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let web: TestClient
let stranger: TestClient
let orgId: string
let siteId: string
const receiver = startReceiver()
const evil = '<img src=x onerror=alert(1)>'

beforeAll(async () => {
  s = await startTestServer()
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Pages Org')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  const other = (await makeOrg(s.ctx, a.partnerId, 'Stranger Org')).id
  await makeUser(s.ctx, 'stranger@pages.example', 'org_admin', { orgId: other })
  web = s.client()
  await web.login(a.email, testPassword)
  stranger = s.client()
  await stranger.login('stranger@pages.example', testPassword)
})
afterAll(async () => {
  await s.stop()
  receiver.stop()
})

describe('alert pages', () => {
  test('the rule builder creates a rule with two conditions, and shows errors next to the field', async () => {
    await web.get('/alerts/rules/new')
    const bad = await web.form('/alerts/rules', {
      owner: `org:${orgId}`, name: 'Builder rule', severity: 'high', cooldownMinutes: '5', 'conditions.match': 'all',
      'conditions.items.0.type': 'metric', 'conditions.items.0.metric': 'cpu_temp', 'conditions.items.0.operator': 'gt', 'conditions.items.0.value': '80',
      'targets.kind': 'all', enabled: 'true', autoResolve: 'true', titleTemplate: 'Hot {{device.name}}',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('unknown metric &quot;cpu_temp&quot;')
    expect(bad.text).toContain('value="Builder rule"')
    const ok = await web.form('/alerts/rules', {
      owner: `org:${orgId}`, name: 'Builder rule', severity: 'high', cooldownMinutes: '5', 'conditions.match': 'any',
      'conditions.items.0.type': 'metric', 'conditions.items.0.metric': 'cpu_percent', 'conditions.items.0.operator': 'gt', 'conditions.items.0.value': '80', 'conditions.items.0.durationMinutes': '2',
      'conditions.items.3.type': 'offline', 'conditions.items.3.minutes': '15', 'conditions.items.3.metric': 'ignored for offline',
      'targets.kind': 'sites', 'targets.siteIds': [siteId], enabled: 'true', autoResolve: 'true', titleTemplate: 'Hot {{device.name}}', messageTemplate: '',
    })
    expect(ok.status).toBe(303)
    const rule = (await web.get('/api/v1/alert-rules?search=Builder')).json.data[0]
    expect(rule.conditions).toEqual({ match: 'any', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 80, durationMinutes: 2 }, { type: 'offline', minutes: 15 }] })
    expect(rule.targets).toEqual({ kind: 'sites', ids: [siteId] })
    expect((await web.get(`/alerts/rules/${rule.id}`)).text).toContain('cpu_percent')
    expect((await web.get('/alerts/rules')).text).toContain('cpu_percent &gt; 80 for 2 min OR offline for 15 min')
  })

  test('the rule builder offers the process conditions; hidden blocks\' empty fields do not override the filled ones', async () => {
    const form = (await web.get('/alerts/rules/new')).text
    expect(form).toContain('value="process_not_running"')
    expect(form).toContain('value="process_cpu"')
    // As a browser sends it: every block's inputs, the hidden ones empty (name is in the service and process blocks).
    const ok = await web.form('/alerts/rules', {
      owner: `org:${orgId}`, name: 'Process builder rule', severity: 'high', cooldownMinutes: '5', 'conditions.match': 'any',
      'conditions.items.0.type': 'process_cpu', 'conditions.items.0.name': ['', 'java*'], 'conditions.items.0.percent': '85', 'conditions.items.0.minutes': ['', '10'], 'conditions.items.0.durationMinutes': ['', ''],
      'conditions.items.1.type': 'service', 'conditions.items.1.name': ['nginx', ''], 'conditions.items.1.durationMinutes': ['', '3'],
      'targets.kind': 'all', enabled: 'true', autoResolve: 'true', titleTemplate: 'Proc {{device.name}}', messageTemplate: '',
    })
    expect(ok.status).toBe(303)
    const rule = (await web.get('/api/v1/alert-rules?search=Process%20builder')).json.data[0]
    expect(rule.conditions.items).toEqual([{ type: 'process_cpu', name: 'java*', percent: 85, minutes: 10 }, { type: 'service', name: 'nginx', durationMinutes: 3 }])
    expect((await web.get('/alerts/rules')).text).toContain('process &quot;java*&quot; above 85% CPU for 10 min')
    const bad = await web.form('/alerts/rules', {
      owner: `org:${orgId}`, name: 'Bad process rule', severity: 'high', cooldownMinutes: '5', 'conditions.match': 'all',
      'conditions.items.0.type': 'process_cpu', 'conditions.items.0.name': 'java', 'conditions.items.0.minutes': '10', 'targets.kind': 'all', titleTemplate: 'x',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('a process_cpu condition needs percent')
  })

  test('dashboard, detail, history, templates and maintenance pages render; endpoint data is escaped', async () => {
    const d = await makeDevice(s.ctx, { orgId, siteId, hostname: `pc-${evil}` })
    await web.post('/api/v1/alert-rules', { orgId, name: `Rule ${evil}`, severity: 'critical', targets: { kind: 'devices', ids: [d.id] }, conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }] }, titleTemplate: 'CPU on {{device.name}}' })
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    const [alert] = (await web.get(`/api/v1/alerts?deviceId=${d.id}`)).json.data
    for (const url of ['/alerts', '/alerts?groupBy=rule', `/alerts/${alert.id}`, '/alerts/history', '/alerts/history?days=7']) {
      const res = await web.get(url)
      expect({ url, status: res.status }).toEqual({ url, status: 200 })
      expect(res.text).not.toContain(evil)
      expect(res.text).toContain('&lt;img src=x')
    }
    // The live fragment is the table only.
    // (as the filter form sends it: empty fields mean "any")
    const fragment = await web.get('/alerts?search=&status=open&severity=&groupBy=none', { 'hx-request': 'true', 'hx-target': 'alert-table' })
    expect(fragment.status).toBe(200)
    expect(fragment.text).not.toContain('<html')
    expect(fragment.text).toContain(`/alerts/${alert.id}`)
    for (const url of ['/alerts/templates', '/alerts/rules', '/alerts/maintenance', '/alerts/maintenance/new', '/alerts/rules/new?template=low-disk']) {
      expect({ url, status: (await web.get(url)).status }).toEqual({ url, status: 200 })
    }
    // Critical alerts reach the bell.
    const bell = await web.get('/notifications/bell')
    expect(bell.text).toMatch(/data-unread="\d+"/)
    // Acknowledge from the page, with a note.
    await web.get(`/alerts/${alert.id}`)
    const ack = await web.form(`/alerts/${alert.id}/acknowledge`, { note: 'on it' })
    expect(ack.status).toBe(303)
    const page = await web.get(`/alerts/${alert.id}`)
    expect(page.text).toContain('on it')
    expect(page.text).toContain('acknowledged')
    // Create a ticket from it.
    const ticket = await web.form(`/alerts/${alert.id}/ticket`, {})
    expect(ticket.status).toBe(303)
    expect(ticket.headers.get('location')).toMatch(/^\/tickets\//)
    const tpage = await web.get(ticket.headers.get('location')!)
    expect(tpage.status).toBe(200)
    expect(tpage.text).not.toContain(evil)
  })

  test('a template becomes a rule with one click', async () => {
    await web.get('/alerts/templates')
    const res = await web.form('/alerts/templates/av-disabled', { owner: `org:${orgId}` })
    expect(res.status).toBe(303)
    expect((await web.get('/api/v1/alert-rules')).json.data.some((r: { templateKey: string }) => r.templateKey === 'av-disabled')).toBe(true)
  })

  test('maintenance windows from the form, in the window\'s time zone', async () => {
    await web.get('/alerts/maintenance/new')
    const bad = await web.form('/alerts/maintenance', { name: 'Bad', orgId, 'targets.kind': 'all', schedule: 'recurring', cron: 'sometimes', durationMinutes: '60', timezone: 'UTC', suppress: 'alerts', enabled: 'true' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('not a valid cron expression')
    const ok = await web.form('/alerts/maintenance', { name: 'Patch night', orgId, 'targets.kind': 'all', schedule: 'once', startsAt: '2031-03-01T22:00', endsAt: '2031-03-02T02:00', timezone: 'America/New_York', suppress: 'notifications', enabled: 'true' })
    expect(ok.status).toBe(303)
    const w = (await web.get('/api/v1/maintenance-windows')).json.data.find((x: { name: string }) => x.name === 'Patch night')
    expect(w.startsAt).toBe(Date.parse('2031-03-02T03:00:00Z'))
    expect(w.suppress).toBe('notifications')
    const edit = await web.get(`/alerts/maintenance/${w.id}`)
    expect(edit.text).toContain('value="2031-03-01T22:00"')
  })
})

describe('notification pages', () => {
  test('a webhook channel shows its generated secret once; send test; errors next to the field', async () => {
    await web.get('/notifications/channels/new')
    const bad = await web.form('/notifications/channels', { owner: `org:${orgId}`, name: 'Hook', type: 'webhook', 'config.url.webhook': 'not a url', enabled: 'true' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('must be an http:// or https:// URL')
    const created = await web.form('/notifications/channels', { owner: `org:${orgId}`, name: 'Hook', type: 'webhook', 'config.url.webhook': `${receiver.url}/page-hook`, enabled: 'true' })
    expect(created.status).toBe(201)
    const secret = /id="signing-secret"[^>]*>([^<]+)</.exec(created.text)?.[1]
    expect(secret).toHaveLength(32)
    const channel = (await web.get('/api/v1/notification-channels')).json.data.find((c: { name: string }) => c.name === 'Hook')
    const page = await web.get(`/notifications/channels/${channel.id}`)
    expect(page.text).not.toContain(secret!)
    expect(page.text).toContain('Stored: leave empty to keep it')
    const test = await web.form(`/notifications/channels/${channel.id}/test`, {})
    expect(test.status).toBe(200)
    expect(test.text).toContain('Test sent (HTTP 200)')
    await receiver.waitFor(1, (r) => r.path === '/page-hook')
    // Editing without a secret keeps the stored one.
    const saved = await web.form(`/notifications/channels/${channel.id}`, { name: 'Hook renamed', 'config.url.webhook': `${receiver.url}/page-hook`, enabled: 'true' })
    expect(saved.status).toBe(303)
    expect((await web.get(`/api/v1/notification-channels/${channel.id}`)).json.secretsSet).toEqual(['signingSecret'])
  })

  test('escalation policy editor, inbox and tickets pages render', async () => {
    const ch = (await web.post('/api/v1/notification-channels', { orgId, name: 'Mail', type: 'email', config: { to: ['a@example.com'] } })).json
    await web.get('/notifications/policies/new')
    const res = await web.form('/notifications/policies', { owner: `org:${orgId}`, name: 'Ladder', 'steps.0.delayMinutes': '0', 'steps.0.channelIds': [ch.id], 'steps.1.delayMinutes': '30', 'steps.1.channelIds': [ch.id] })
    expect(res.status).toBe(303)
    const p = (await web.get('/api/v1/escalation-policies')).json.data.find((x: { name: string }) => x.name === 'Ladder')
    expect(p.steps).toEqual([{ delayMinutes: 0, channelIds: [ch.id], userIds: [] }, { delayMinutes: 30, channelIds: [ch.id], userIds: [] }])
    for (const url of ['/notifications/channels', '/notifications/policies', `/notifications/policies/${p.id}`, '/notifications', '/tickets', '/tickets?search=&status=open&assignee=&priority=', '/tickets/new', '/tickets/rules', '/tickets/rules/new']) {
      expect({ url, status: (await web.get(url)).status }).toEqual({ url, status: 200 })
    }
    const read = await web.form('/notifications/read', { all: 'true' })
    expect(read.status).toBe(303)
    expect((await web.get('/notifications/bell')).text).not.toContain('data-unread')
  })
})

describe('isolation', () => {
  test('another organization gets 404 on every alerting page of this one', async () => {
    const d = await makeDevice(s.ctx, { orgId, siteId })
    const rule = (await web.post('/api/v1/alert-rules', { orgId, name: 'Hidden', severity: 'low', targets: { kind: 'devices', ids: [d.id] }, conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 1 }] } })).json
    await heartbeat(s.ctx, d, { cpuPercent: 50 })
    const [alert] = (await web.get(`/api/v1/alerts?deviceId=${d.id}`)).json.data
    const ch = (await web.post('/api/v1/notification-channels', { orgId, name: 'Hidden ch', type: 'ntfy', config: { topic: 'x' } })).json
    const w = (await web.post('/api/v1/maintenance-windows', { orgId, name: 'Hidden w', startsAt: 0, endsAt: 1 })).json
    for (const url of [`/alerts/${alert.id}`, `/alerts/rules/${rule.id}`, `/notifications/channels/${ch.id}`, `/alerts/maintenance/${w.id}`, `/api/v1/alert-rules/${rule.id}`, `/api/v1/maintenance-windows/${w.id}`]) {
      expect({ url, status: (await stranger.get(url)).status }).toEqual({ url, status: 404 })
    }
    await stranger.get('/alerts')
    expect((await stranger.form(`/alerts/${alert.id}/resolve`, {})).status).toBe(404)
    expect((await stranger.get('/alerts?status=all')).text).not.toContain(alert.title)
  })
})
