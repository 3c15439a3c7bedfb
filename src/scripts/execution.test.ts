// Starting runs, server side: targets, skips with reasons, confirmation, validation,
// secrets, permissions and isolation. The agent end is in execution-agent.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { makeDevice, makeDevices } from '../testing/devices'
import { enableTestMfa, makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import type { TestClient } from '../testing/client'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let siteA: string
let siteB: string
let scriptId: string
let adminId: string

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  adminId = a.user.id
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  siteB = (await makeSite(s.ctx, orgB, 'HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  const created = await admin.post('/api/v1/scripts', {
    name: 'Greet', description: 'says hello', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId: orgA,
    content: 'echo "hello $WHO"\n', parameters: [{ name: 'WHO', type: 'string', required: true }, { name: 'TOKEN', type: 'secret', required: false }],
  })
  scriptId = created.json.id
})
afterAll(() => s.stop())

describe('starting a run', () => {
  test('each target gets an execution; other OSes and offline-with-skip are skipped with the reason', async () => {
    const linux = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux' })
    const windows = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'windows' })
    const offline = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', status: 'offline' })
    const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [linux.id, windows.id, offline.id], parameters: { WHO: 'world', TOKEN: 's3cr3t-value' }, offline: 'skip' })
    expect(res.status).toBe(201)
    const byDevice = Object.fromEntries(res.json.executions.map((e: { deviceId: string }) => [e.deviceId, e]))
    expect(byDevice[linux.id].status).toBe('queued')
    expect(byDevice[windows.id]).toMatchObject({ status: 'skipped', reason: 'the script is for linux; this device runs windows' })
    expect(byDevice[offline.id]).toMatchObject({ status: 'skipped', reason: 'the device was offline' })

    // The queued command keeps the secret sealed; the run shows it masked; the audit never has it.
    const [command] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.deviceId, linux.id))
    expect(command.type).toBe('script.run')
    expect(JSON.stringify(command.payload)).not.toContain('s3cr3t-value')
    const run = await admin.get(`/api/v1/script-runs/${res.json.batchId}`)
    expect(run.json.parameters).toEqual({ WHO: 'world', TOKEN: '••••••' })
    expect(run.text).not.toContain('s3cr3t-value')
    const audit = await admin.get('/api/v1/audit/logs?action=script.execute')
    expect(audit.text).toContain(res.json.batchId)
    expect(audit.text).not.toContain('s3cr3t-value')
    const page = await admin.get(`/script-runs/${res.json.batchId}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('the device was offline')
  })

  test('offline devices are queued by default with the chosen expiry', async () => {
    const offline = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', status: 'offline' })
    const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [offline.id], parameters: { WHO: 'later' }, expiresInMinutes: 30 })
    expect(res.json.executions[0].status).toBe('queued')
    const [command] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.deviceId, offline.id))
    expect(command.expiresAt - command.createdAt).toBe(30 * 60_000)
  })

  test('more than 50 devices need the count confirmed (and a recent step-up: src/auth/fleet-guard.test.ts)', async () => {
    const mfa = await enableTestMfa(s.ctx, adminId)
    expect((await admin.post('/api/v1/auth/step-up', { code: mfa.code() })).status).toBe(200)
    const site = (await makeSite(s.ctx, orgA, 'Branch')).id
    await makeDevices(s.ctx, Array.from({ length: 51 }, () => ({ orgId: orgA, siteId: site, osType: 'linux' as const })))
    const unconfirmed = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { siteIds: [site], parameters: { WHO: 'all' } })
    expect(unconfirmed.status).toBe(409)
    expect(unconfirmed.json.error.details).toEqual({ count: 51 })
    const confirmed = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { siteIds: [site], parameters: { WHO: 'all' }, confirmCount: 51 })
    expect(confirmed.status).toBe(201)
    expect(confirmed.json.deviceCount).toBe(51)
  })

  test('bad input is a 400 naming the field, and nothing is written', async () => {
    const device = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux' })
    const before = (await s.ctx.db.select().from(t.scriptBatches)).length
    const cases: [Record<string, unknown>, string][] = [
      [{ deviceIds: [device.id] }, 'parameters/WHO'],
      [{ deviceIds: [device.id], parameters: { WHO: 'x', NOPE: 1 } }, 'parameters/NOPE'],
      [{ deviceIds: [device.id], parameters: { WHO: 'x' }, offline: 'sometimes' }, 'offline'],
      [{ deviceIds: [device.id], parameters: { WHO: 'x' }, expiresInMinutes: 0 }, 'expiresInMinutes'],
    ]
    for (const [body, field] of cases) {
      const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, body)
      expect(res.status).toBe(400)
      expect(JSON.stringify(res.json)).toContain(field)
    }
    expect((await s.ctx.db.select().from(t.scriptBatches)).length).toBe(before)
  })

  test('the run form starts a run and shows where it went', async () => {
    const device = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', hostname: 'form-target' })
    const page = await admin.get(`/scripts/${scriptId}/run?deviceId=${device.id}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('form-target')
    const res = await admin.form(`/scripts/${scriptId}/run`, { deviceIds: device.id, 'parameters.WHO': 'form', offline: 'queue', expiresInMinutes: '60' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/executions\//)
    const missing = await admin.form(`/scripts/${scriptId}/run`, { offline: 'queue' })
    expect(missing.status).toBe(400)
    expect(missing.text).toContain('choose at least one device')
  })

  test('tenant isolation and permissions: other orgs are invisible, viewers cannot run', async () => {
    const a = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux' })
    const b = await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, osType: 'linux' })
    await makeUser(s.ctx, 'tech-b@example.com', 'org_technician', { orgId: orgB })
    await makeUser(s.ctx, 'viewer-a@example.com', 'org_viewer', { orgId: orgA })
    const techB = s.client()
    await techB.login('tech-b@example.com', testPassword)
    const viewerA = s.client()
    await viewerA.login('viewer-a@example.com', testPassword)

    // Org B's technician cannot see org A's script, nor run anything on org A's device.
    expect((await techB.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [b.id], parameters: { WHO: 'x' } })).status).toBe(404)
    const mine = await techB.post('/api/v1/scripts', { name: 'B script', description: '', category: 'B', tags: [], osTypes: ['linux'], language: 'sh', content: 'true', parameters: [], orgId: orgB })
    expect((await techB.post(`/api/v1/scripts/${mine.json.id}/execute`, { deviceIds: [a.id] })).status).toBe(404)

    // Admin runs on org A's device: org B's technician does not see the execution anywhere.
    const run = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [a.id], parameters: { WHO: 'x' } })
    const executionId = run.json.executions[0].id
    expect((await techB.get(`/api/v1/executions/${executionId}`)).status).toBe(404)
    expect((await techB.get(`/executions/${executionId}`)).status).toBe(404)
    expect((await techB.get('/api/v1/executions')).json.executions.map((e: { id: string }) => e.id)).not.toContain(executionId)
    expect((await techB.post(`/api/v1/executions/${executionId}/cancel`)).status).toBe(404)

    // The viewer reads history but cannot run or cancel.
    expect((await viewerA.get(`/api/v1/executions/${executionId}`)).status).toBe(200)
    expect([403, 404]).toContain((await viewerA.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [a.id], parameters: { WHO: 'x' } })).status)
    expect([403, 404]).toContain((await viewerA.post(`/api/v1/executions/${executionId}/cancel`)).status)
  })

  test('cancelling a queued execution ends it and its command', async () => {
    const device = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', status: 'offline' })
    const run = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [device.id], parameters: { WHO: 'x' } })
    const id = run.json.executions[0].id
    const cancelled = await admin.post(`/api/v1/executions/${id}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json.status).toBe('cancelled')
    const [command] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.deviceId, device.id))
    expect(command.status).toBe('cancelled')
    expect((await admin.post(`/api/v1/executions/${id}/cancel`)).status).toBe(422)
  })
})
