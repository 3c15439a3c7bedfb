// One-off commands against the server alone (fixture devices, no agent): validation naming the
// field, who may run them (viewer 403, another tenant 404, nobody signed in 401), the
// confirmation above 50 devices, what is stored (the run without a script, the signed
// `script.run` command, the audit row with the command text, the device's history) and where
// the runs show (executions by device and kind).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import type { TestClient } from '../testing/client'
import { makeDevice, makeDevices } from '../testing/devices'
import { enableTestMfa, makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let anon: TestClient
let admin: TestClient
let viewer: TestClient
let tech: TestClient
let otherTech: TestClient
let orgA: string
let siteA: string
let deviceId: string
let windowsId: string

async function signIn(email: string): Promise<TestClient> {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBeLessThan(400)
  return c
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  siteA = (await makeSite(s.ctx, orgA, 'A HQ')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  deviceId = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', hostname: 'web-1' })).id
  windowsId = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'windows', hostname: 'win-1' })).id
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })
  anon = s.client()
  admin = await signIn(a.email)
  viewer = await signIn('viewer@a.example')
  tech = await signIn('tech@a.example')
  otherTech = await signIn('tech@b.example')
}, 60_000)
afterAll(() => s.stop())

describe('one-off commands', () => {
  test('bad input is a 400 naming the field, and nothing is stored', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ shell: 'zsh', command: 'uptime', deviceIds: [deviceId] }, 'shell'],
      [{ shell: 'bash', command: '', deviceIds: [deviceId] }, 'command'],
      [{ shell: 'bash', command: '   ', deviceIds: [deviceId] }, 'command'],
      [{ shell: 'bash', command: 'uptime', deviceIds: [deviceId], timeoutSeconds: 0 }, 'timeoutSeconds'],
      [{ shell: 'bash', command: 'uptime', deviceIds: [deviceId], timeoutSeconds: '30' }, 'timeoutSeconds'],
      [{ shell: 'bash', command: 'uptime', deviceIds: [deviceId], runAs: 'root' }, 'runAs'],
      [{ shell: 'bash', command: 'uptime', deviceIds: [deviceId], extra: 1 }, 'extra'],
      [{ shell: 'bash', command: 'x'.repeat(100_001), deviceIds: [deviceId] }, 'command'],
    ]
    for (const [body, field] of cases) {
      const res = await tech.post('/api/v1/commands', body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(res.text).toContain(field)
    }
    expect((await tech.post('/api/v1/commands', { shell: 'bash', command: 'uptime' })).status).toBe(422)
    expect(await s.ctx.db.select().from(t.scriptBatches)).toHaveLength(0)
  })

  test('viewer 403, another tenant 404, signed out 401', async () => {
    const body = { shell: 'bash', command: 'uptime', deviceIds: [deviceId] }
    expect((await anon.post('/api/v1/commands', body)).status).toBe(401)
    expect((await viewer.post('/api/v1/commands', body)).status).toBe(403)
    expect((await otherTech.post('/api/v1/commands', body)).status).toBe(404)
    expect((await otherTech.post('/api/v1/commands', { ...body, deviceIds: undefined, orgId: orgA })).status).toBe(404)
    expect((await viewer.get(`/devices/${deviceId}/command`)).status).toBe(403)
    expect((await otherTech.get(`/devices/${deviceId}/command`)).status).toBe(404)
    expect(await s.ctx.db.select().from(t.scriptBatches)).toHaveLength(0)

    const run = await tech.post('/api/v1/commands', body)
    expect(run.status).toBe(201)
    expect((await otherTech.get(`/api/v1/commands/${run.json.id}`)).status).toBe(404)
    expect((await otherTech.get(`/api/v1/executions/${run.json.executions[0].id}`)).status).toBe(404)
    expect((await otherTech.get('/api/v1/executions?kind=command')).json.executions).toHaveLength(0)
    expect([403, 404]).toContain((await viewer.post(`/api/v1/executions/${run.json.executions[0].id}/cancel`)).status)
    expect((await tech.post(`/api/v1/executions/${run.json.executions[0].id}/cancel`)).status).toBe(200)
  })

  test('a command is a script run without a script: signed script.run, audited with its text, in the device history and executions', async () => {
    const command = 'echo "$HOME" && uptime'
    const res = await tech.post('/api/v1/commands', { shell: 'bash', command, deviceIds: [deviceId, windowsId], timeoutSeconds: 30 })
    expect(res.status).toBe(201)
    expect(res.json.deviceCount).toBe(2)
    const id = res.json.id

    const [batch] = await s.ctx.db.select().from(t.scriptBatches).where(eq(t.scriptBatches.id, id))
    expect(batch).toMatchObject({ scriptId: null, scriptVersion: null, command: { shell: 'bash', command, timeoutSeconds: 30, runAs: 'system' } })
    const commands = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.deviceId, deviceId))
    const mine = commands.find((c) => c.sourceId === res.json.executions.find((e: { deviceId: string }) => e.deviceId === deviceId).id)!
    expect(mine.type).toBe('script.run')
    expect(mine.payload).toMatchObject({ language: 'bash', content: command, timeoutSeconds: 30, runAs: 'system', parameters: {} })

    const [audit] = await s.ctx.db.select().from(t.auditLogs).where(and(eq(t.auditLogs.action, 'device.command'), eq(t.auditLogs.resourceId, id)))
    expect(audit.details).toMatchObject({ shell: 'bash', command, devices: 2 })
    expect(audit.orgId).toBe(orgA)

    const detail = await tech.get(`/api/v1/commands/${id}`)
    expect(detail.status).toBe(200)
    expect(detail.json).toMatchObject({ id, shell: 'bash', command, deviceCount: 2 })
    expect(detail.json.devices.map((d: { deviceId: string; status: string }) => [d.deviceId, d.status]).sort()).toEqual([[deviceId, 'queued'], [windowsId, 'queued']].sort())

    const listed = (await tech.get(`/api/v1/executions?deviceId=${deviceId}&kind=command`)).json.executions
    expect(listed[0]).toMatchObject({ batchId: id, scriptId: null, scriptName: command, deviceId })
    expect((await tech.get(`/api/v1/executions?deviceId=${deviceId}&kind=script`)).json.executions).toHaveLength(0)
    // A viewer reads the history like script runs.
    expect((await viewer.get(`/api/v1/commands/${id}`)).status).toBe(200)

    const history = await s.ctx.db.select().from(t.deviceChanges).where(and(eq(t.deviceChanges.deviceId, deviceId), eq(t.deviceChanges.action, 'command')))
    const line = history.find((h) => (h.details as { batchId?: string }).batchId === id)!
    expect(line.summary).toBe(`Command run by tech@a.example (bash): ${command}`)
    const page = await tech.get(`/devices/${deviceId}/history`)
    expect(page.text).toContain('uptime')
    // The pages of the run escape what was typed.
    const hostile = await tech.post('/api/v1/commands', { shell: 'sh', command: 'echo "<img src=x onerror=alert(1)>"', deviceIds: [deviceId] })
    const runPage = await tech.get(`/script-runs/${hostile.json.id}`)
    expect(runPage.status).toBe(200)
    // note: a quoted attribute (the re-run confirmation) may hold < and > as they are; only `"` must be escaped there.
    const outsideAttributes = (html: string) => html.replace(/"[^"]*"/g, '""')
    expect(outsideAttributes(runPage.text)).not.toContain('<img src=x')
    expect(runPage.text).toContain('<h1>Command: echo &quot;&lt;img src=x')
    expect(outsideAttributes((await tech.get(`/executions/${hostile.json.executions[0].id}`)).text)).not.toContain('<img src=x')
    expect((await tech.get(`/devices/${deviceId}/command`)).text).toContain('&lt;img src=x')
  })

  test('cmd is skipped on a device that is not Windows', async () => {
    const res = await tech.post('/api/v1/commands', { shell: 'cmd', command: 'ver', deviceIds: [deviceId, windowsId] })
    expect(res.status).toBe(201)
    const byDevice = Object.fromEntries(res.json.executions.map((e: { deviceId: string; status: string; reason: string | null }) => [e.deviceId, e]))
    expect(byDevice[deviceId]).toMatchObject({ status: 'skipped' })
    expect(byDevice[deviceId].reason).toContain('Windows')
    expect(byDevice[windowsId].status).toBe('queued')
  })

  test('more than 50 devices need the count confirmed', async () => {
    const site = (await makeSite(s.ctx, orgA, 'Fleet')).id
    await makeDevices(s.ctx, Array.from({ length: 51 }, (_, i) => ({ orgId: orgA, siteId: site, osType: 'linux' as const, hostname: `fleet-${i}` })))
    const body = { shell: 'bash', command: 'uptime', siteIds: [site] }
    // Above the threshold a recent step-up is needed too (src/auth/fleet-guard.test.ts).
    const [techUser] = await s.ctx.db.select().from(t.users).where(eq(t.users.email, 'tech@a.example'))
    const mfa = await enableTestMfa(s.ctx, techUser.id)
    expect((await tech.post('/api/v1/commands', { ...body, confirmCount: 51 })).json.error.code).toBe('step_up_required')
    expect((await tech.post('/api/v1/auth/step-up', { code: mfa.code() })).status).toBe(200)
    const refused = await tech.post('/api/v1/commands', body)
    expect(refused.status).toBe(409)
    expect(refused.json.error.code).toBe('confirmation_required')
    expect(refused.json.error.details.count).toBe(51)
    expect((await tech.post('/api/v1/commands', { ...body, confirmCount: 50 })).status).toBe(409)
    const ok = await tech.post('/api/v1/commands', { ...body, confirmCount: 51 })
    expect(ok.status).toBe(201)
    expect(ok.json.deviceCount).toBe(51)

    // The page asks the same question.
    const ids = (await s.ctx.db.select({ id: t.devices.id }).from(t.devices).where(eq(t.devices.siteId, site))).map((d) => d.id)
    const asked = await tech.form('/commands', { shell: 'bash', command: 'uptime', deviceIds: ids })
    expect(asked.status).toBe(409)
    expect(asked.text).toContain('Yes, run on 51 devices')
  })

  test('the device tab runs a command and shows where its output streams', async () => {
    const page = await tech.get(`/devices/${deviceId}/command`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Run command')
    const res = await tech.request('POST', `/devices/${deviceId}/command`, { form: { shell: 'bash', command: 'echo tab', timeoutSeconds: '20' }, headers: { 'hx-request': 'true' } })
    expect(res.status).toBe(200)
    const executionId = res.text.match(/data-execution="([^"]+)"/)![1]
    expect(res.text).toContain(`/executions/${executionId}/stream`)
    const bad = await tech.request('POST', `/devices/${deviceId}/command`, { form: { shell: 'fish', command: 'echo tab' }, headers: { 'hx-request': 'true' } })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('shell')
  })
})
