// Tickets: rules that open tickets from alerts, link follow-ups and close on resolve; tickets by
// hand and from an alert; validation; tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { bearerClient, heartbeat } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let outsider: TestClient
let orgId: string
let siteId: string
let techId: string
let outsiderId: string

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Ticket Org')).id
  const otherOrg = (await makeOrg(s.ctx, a.partnerId, 'Elsewhere')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = await bearerClient(s, a.email, testPassword)
  techId = (await makeUser(s.ctx, 'tech@example.com', 'org_technician', { orgId })).id
  outsiderId = (await makeUser(s.ctx, 'stranger@example.com', 'org_admin', { orgId: otherOrg })).id
  outsider = await bearerClient(s, 'stranger@example.com', testPassword)
})
afterAll(() => s.stop())

async function alertRule(deviceId: string, metric: string, severity = 'critical') {
  const res = await admin.post('/api/v1/alert-rules', { orgId, name: `${metric} ${severity}`, severity, cooldownMinutes: 0, targets: { kind: 'devices', ids: [deviceId] }, conditions: { match: 'all', items: [{ type: 'metric', metric, operator: 'gt', value: 90 }] } })
  expect(res.status).toBe(201)
  return res.json.id as string
}

const ticketsOfOrg = async (status = 'all') => (await admin.get(`/api/v1/tickets?orgId=${orgId}&status=${status}`)).json.data as any[]

describe('ticket rules', () => {
  test('a critical alert opens a ticket, a follow-up joins it, and it closes when both resolve', async () => {
    const rule = await admin.post('/api/v1/ticket-rules', { orgId, name: 'Critical → ticket', severities: ['critical'], grouping: 'device', priority: 'urgent', assigneeId: techId, closeOnResolve: true })
    expect(rule.status).toBe(201)
    const d = await makeDevice(s.ctx, { orgId, siteId })
    await alertRule(d.id, 'cpu_percent')
    await alertRule(d.id, 'ram_percent')
    await alertRule(d.id, 'process_count', 'high')
    await heartbeat(s.ctx, d, { cpuPercent: 95 })
    let tickets = (await ticketsOfOrg()).filter((t) => t.deviceId === d.id)
    expect(tickets).toHaveLength(1)
    expect(tickets[0]).toMatchObject({ status: 'open', priority: 'urgent', source: 'rule', assigneeId: techId, number: expect.any(Number) })
    await heartbeat(s.ctx, d, { cpuPercent: 95, ramPercent: 96, processCount: 5000 })
    tickets = (await ticketsOfOrg()).filter((t) => t.deviceId === d.id)
    expect(tickets).toHaveLength(1)
    const detail = (await admin.get(`/api/v1/tickets/${tickets[0].id}`)).json
    expect(detail.alertIds).toHaveLength(2)
    expect(detail.comments.map((c: { body: string }) => c.body)).toContainEqual(expect.stringContaining('Follow-up alert linked'))
    // The alert page knows its ticket.
    const linked = (await admin.get(`/api/v1/alerts/${detail.alertIds[0]}/ticket`)).json.ticket
    expect(linked.id).toBe(tickets[0].id)
    await heartbeat(s.ctx, d, { cpuPercent: 20, ramPercent: 96 })
    expect((await admin.get(`/api/v1/tickets/${tickets[0].id}`)).json.status).toBe('open')
    await heartbeat(s.ctx, d, { cpuPercent: 20, ramPercent: 20 })
    const closed = (await admin.get(`/api/v1/tickets/${tickets[0].id}`)).json
    expect(closed.status).toBe('closed')
    expect(closed.comments.at(-1).body).toContain('closed automatically')
    // The assignee was told in the notification center.
    const tech = await bearerClient(s, 'tech@example.com', testPassword)
    expect((await tech.get('/api/v1/notifications')).json.data.some((n: { ticketId: string }) => n.ticketId === tickets[0].id)).toBe(true)
    await admin.delete(`/api/v1/ticket-rules/${rule.json.id}`)
  })

  test('without close-on-resolve the ticket stays open; a new alert after it closed opens a new ticket', async () => {
    const rule = await admin.post('/api/v1/ticket-rules', { orgId, name: 'Keep open', grouping: 'rule_device', closeOnResolve: false })
    const d = await makeDevice(s.ctx, { orgId, siteId })
    await alertRule(d.id, 'cpu_percent', 'medium')
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    await heartbeat(s.ctx, d, { cpuPercent: 10 })
    const [ticket] = (await ticketsOfOrg()).filter((t) => t.deviceId === d.id)
    expect(ticket.status).toBe('open')
    expect((await admin.patch(`/api/v1/tickets/${ticket.id}`, { status: 'resolved' })).status).toBe(200)
    await heartbeat(s.ctx, d, { cpuPercent: 99 })
    expect((await ticketsOfOrg()).filter((t) => t.deviceId === d.id)).toHaveLength(2)
    await admin.delete(`/api/v1/ticket-rules/${rule.json.id}`)
  })

  test('bad ticket rules are a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ severities: ['apocalyptic'] }, 'severities/0'],
      [{ grouping: 'by-moon' }, 'grouping'],
      [{ alertRuleIds: ['nope'] }, 'alertRuleIds/0'],
      [{ assigneeId: outsiderId }, 'assigneeId'],
    ]
    for (const [body, field] of cases) {
      const res = await admin.post('/api/v1/ticket-rules', { orgId, name: 'Bad', ...body })
      expect({ field, status: res.status, got: res.json.error?.details?.field }).toEqual({ field, status: 400, got: field })
    }
    expect((await admin.get('/api/v1/ticket-rules')).json.data.filter((r: { name: string }) => r.name === 'Bad')).toEqual([])
  })
})

describe('tickets by hand', () => {
  test('create from an alert (once), comment, assign, change status; bad input is a 400', async () => {
    const d = await makeDevice(s.ctx, { orgId, siteId })
    await alertRule(d.id, 'ram_percent', 'high')
    await heartbeat(s.ctx, d, { ramPercent: 97 })
    const [alert] = (await admin.get(`/api/v1/alerts?deviceId=${d.id}`)).json.data
    const created = await admin.post(`/api/v1/alerts/${alert.id}/create-ticket`)
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ title: alert.title, priority: 'high', source: 'alert', deviceId: d.id })
    expect((await admin.post(`/api/v1/alerts/${alert.id}/create-ticket`)).json.id).toBe(created.json.id)
    const id = created.json.id
    expect((await admin.post(`/api/v1/tickets/${id}/comments`, { body: 'Rebooted the print server' })).status).toBe(201)
    expect((await admin.patch(`/api/v1/tickets/${id}`, { status: 'in_progress', assigneeId: techId })).status).toBe(200)
    const detail = (await admin.get(`/api/v1/tickets/${id}`)).json
    expect(detail).toMatchObject({ status: 'in_progress', assigneeId: techId })
    expect(detail.comments.map((c: { kind: string }) => c.kind)).toEqual(['system', 'comment', 'system'])
    const bad: [string, string, Record<string, unknown>, string][] = [
      ['PATCH', `/api/v1/tickets/${id}`, { priority: 'asap' }, 'priority'],
      ['PATCH', `/api/v1/tickets/${id}`, { assigneeId: outsiderId }, 'assigneeId'],
      ['POST', `/api/v1/tickets/${id}/comments`, { body: '' }, 'body'],
      ['POST', '/api/v1/tickets', { orgId, title: '' }, 'title'],
      ['POST', '/api/v1/tickets', { orgId, title: 'x', alertIds: ['nope'] }, 'alertIds/0'],
    ]
    for (const [method, url, body, field] of bad) {
      const res = await admin.request(method, url, { json: body })
      expect({ url, field, status: res.status, got: res.json.error?.details?.field }).toEqual({ url, field, status: 400, got: field })
    }
    expect((await admin.get(`/api/v1/tickets/${id}`)).json).toMatchObject({ priority: 'high', assigneeId: techId })
  })

  test('another organization cannot see or touch tickets and ticket rules', async () => {
    const t = (await admin.post('/api/v1/tickets', { orgId, title: 'Private matter', description: 'secret' })).json
    const rule = (await admin.post('/api/v1/ticket-rules', { orgId, name: 'Private rule', enabled: false })).json
    for (const [method, url, body] of [['GET', `/api/v1/tickets/${t.id}`], ['PATCH', `/api/v1/tickets/${t.id}`, { status: 'closed' }], ['POST', `/api/v1/tickets/${t.id}/comments`, { body: 'hi' }], ['GET', `/api/v1/ticket-rules/${rule.id}`], ['GET', `/tickets/${t.id}`]] as [string, string, unknown][]) {
      expect({ url, status: (await outsider.request(method, url, body ? { json: body } : {})).status }).toEqual({ url, status: 404 })
    }
    expect((await outsider.get('/api/v1/tickets?status=all')).json.data).toEqual([])
    expect((await outsider.get('/api/v1/ticket-rules')).json.data).toEqual([])
    expect((await outsider.post('/api/v1/tickets', { orgId, title: 'Sneaky' })).status).toBe(404)
  })
})
