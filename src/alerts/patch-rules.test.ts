// Patch alert conditions ("a critical update missing for more than N days", "an update failed to
// install"): a protocol agent answers real patch.scan / patch.install commands, the patching
// ingestion stores the states, patches.changed re-evaluates the device, and the periodic pass
// fires once a missing update comes of age. Bad conditions are a 400 naming the field.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import type { PatchInstallResult, PatchScanResult, ScannedPatch } from '../protocol/patching'
import { waitFor } from '../testing/agent'
import { bearerClient, runJobs } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let web: TestClient
let orgId: string
let agent: ProtocolAgent
const day = 24 * 3_600_000

const p = (externalId: string, version: string, o: Partial<ScannedPatch> = {}): ScannedPatch => ({
  source: 'apt', externalId, version, installedVersion: '1.0', title: `${externalId} ${version}`, severity: 'unknown', classification: 'update', rebootRequired: false,
  sizeBytes: null, releasedAt: null, origin: 'Debian:12/stable', supersedes: [], ...o,
})
const scanOf = (patches: ScannedPatch[]): PatchScanResult => ({ providers: ['apt'], rebootRequired: false, errors: [], patches })

/** command waits for the next command of `type` the server sends the agent, after `before`. */
async function command(type: string, before: number) {
  const m = await waitFor(() => agent.inbox.slice(before).find((x) => x.type === 'command' && x.command.type === type), 10_000, type)
  return (m as { command: { id: string } }).command.id
}

async function waitEnded(id: string) {
  await waitFor(async () => {
    const [c] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id))
    return c && !['pending', 'sent', 'running'].includes(c.status) ? c : null
  }, 10_000, 'the command to end')
  await s.ctx.events.settle()
}

async function scan(result: PatchScanResult) {
  const before = agent.inbox.length
  expect((await admin.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, {})).status).toBe(202)
  const id = await command('patch.scan', before)
  agent.send({ type: 'command.ack', id })
  agent.send({ type: 'command.result', id, status: 'completed', result, error: null })
  await waitEnded(id)
}

async function install(result: PatchInstallResult, status: 'completed' | 'failed') {
  const before = agent.inbox.length
  expect((await admin.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId], runNow: true })).status).toBe(201)
  const id = await command('patch.install', before)
  agent.send({ type: 'command.ack', id })
  agent.send({ type: 'command.result', id, status, result, error: status === 'failed' ? '1 of 1 updates failed' : null })
  await waitEnded(id)
}

const openFor = async (ruleId: string) =>
  ((await admin.get(`/api/v1/alerts?deviceId=${agent.deviceId}&status=open`)).json.data as { id: string; title: string; ruleId: string }[]).find((a) => a.ruleId === ruleId)

async function createRule(items: Record<string, unknown>[], name: string) {
  const res = await admin.post('/api/v1/alert-rules', { orgId, name, severity: 'high', cooldownMinutes: 0, conditions: { match: 'all', items } })
  expect(res.status).toBe(201)
  return res.json.id as string
}

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  web = s.client()
  expect((await web.login(a.email, testPassword)).status).toBeLessThan(400)
  // The clock moves by weeks: an API key, not a session.
  admin = await bearerClient(s, a.email, testPassword)
  agent = await enrollProtocolAgent(s, (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'proto' })).json.key, { hostname: 'db-01' })
  await agent.connect()
}, 60_000)
afterAll(async () => {
  agent?.close()
  await s?.stop()
})

describe('patch alert conditions', () => {
  test('bad conditions are a 400 naming the field, and nothing is written', async () => {
    const before = (await admin.get('/api/v1/alert-rules')).json.data.length
    const bad: [Record<string, unknown>, string][] = [
      [{ type: 'patch_missing', days: 7 }, 'conditions/items/0/severity'],
      [{ type: 'patch_missing', severity: 'urgent', days: 7 }, 'severity'],
      [{ type: 'patch_missing', severity: 'critical' }, 'conditions/items/0/days'],
      [{ type: 'patch_missing', severity: 'critical', days: 0 }, 'days'],
      [{ type: 'patch_missing', severity: 'critical', days: 400 }, 'days'],
    ]
    for (const [item, field] of bad) {
      const res = await admin.post('/api/v1/alert-rules', { orgId, name: 'bad', severity: 'high', conditions: { match: 'all', items: [item] } })
      expect(res.status).toBe(400)
      expect(JSON.stringify(res.json)).toContain(field)
    }
    expect((await admin.get('/api/v1/alert-rules')).json.data.length).toBe(before)
  })

  test('the rule builder offers the patch conditions and saves them', async () => {
    const form = (await web.get('/alerts/rules/new')).text
    expect(form).toContain('value="patch_missing"')
    expect(form).toContain('value="patch_failed"')
    // As a browser sends it: days is in the patch and reboot blocks, the hidden one empty.
    const ok = await web.form('/alerts/rules', {
      owner: `org:${orgId}`, name: 'Patch builder rule', severity: 'high', cooldownMinutes: '5', 'conditions.match': 'any',
      'conditions.items.0.type': 'patch_missing', 'conditions.items.0.severity': 'security', 'conditions.items.0.days': ['14', ''],
      'conditions.items.1.type': 'patch_failed', 'conditions.items.1.severity': 'critical', 'conditions.items.1.days': ['', ''],
      'targets.kind': 'all', enabled: 'false', autoResolve: 'true', titleTemplate: 'Patch {{device.name}}', messageTemplate: '',
    })
    expect(ok.status).toBe(303)
    const rule = (await web.get('/api/v1/alert-rules?search=Patch%20builder')).json.data[0]
    expect(rule.conditions.items).toEqual([{ type: 'patch_missing', severity: 'security', days: 14 }, { type: 'patch_failed' }])
    expect((await web.get('/alerts/rules')).text).toContain('a security update missing for more than 14 days OR an update failed to install')
    await web.delete(`/api/v1/alert-rules/${rule.id}`)
  })

  test('critical update missing > N days: not before N days, fires on the periodic pass, resolves when a scan finds it installed', async () => {
    const ruleId = await createRule([{ type: 'patch_missing', severity: 'critical', days: 30 }], 'critical patch overdue')
    await scan(scanOf([p('openssl', '3.0.13', { severity: 'critical', classification: 'security' }), p('curl', '7.88.2', { severity: 'important' })]))
    expect(await openFor(ruleId)).toBeUndefined()
    s.clock.advance(20 * day)
    await runJobs(s.ctx)
    expect(await openFor(ruleId)).toBeUndefined()
    s.clock.advance(11 * day)
    await runJobs(s.ctx)
    const fired = await waitFor(() => openFor(ruleId), 20_000, 'the missing-patch alert')
    expect(fired.title).toContain('critical patch overdue')
    // The next scan no longer offers openssl: installed outside Breeze; the alert resolves.
    await scan(scanOf([p('curl', '7.88.2', { severity: 'important' })]))
    await waitFor(async () => !(await openFor(ruleId)), 20_000, 'the alert to resolve')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })

  test('a declined update does not count as missing', async () => {
    const ruleId = await createRule([{ type: 'patch_missing', severity: 'important', days: 1 }], 'important overdue')
    // curl (important) was first seen 31 days ago: the periodic pass fires.
    await runJobs(s.ctx)
    await waitFor(() => openFor(ruleId), 20_000, 'the important-patch alert')
    const curl = (await admin.get(`/api/v1/devices/${agent.deviceId}/patches`)).json.data.find((x: { patch: { externalId: string } }) => x.patch.externalId === 'curl').patchId
    expect((await admin.post('/api/v1/patches/decline', { orgId, patchIds: [curl], reason: 'pinned' })).status).toBe(200)
    await scan(scanOf([p('curl', '7.88.2', { severity: 'important' })]))
    await waitFor(async () => !(await openFor(ruleId)), 20_000, 'the alert to resolve after the decline')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })

  test('patch install failed: fires when an install fails, resolves when a later install succeeds', async () => {
    const ruleId = await createRule([{ type: 'patch_failed' }], 'patch failed')
    await scan(scanOf([p('curl', '7.88.2', { severity: 'important' }), p('tzdata', '2025c')]))
    const tz = (await admin.get(`/api/v1/devices/${agent.deviceId}/patches`)).json.data.find((x: { patch: { externalId: string } }) => x.patch.externalId === 'tzdata').patchId
    expect((await admin.post('/api/v1/patches/approve', { orgId, patchIds: [tz] })).status).toBe(200)
    expect(await openFor(ruleId)).toBeUndefined()
    await install({ results: [{ source: 'apt', externalId: 'tzdata', version: '2025c', status: 'failed', installedVersion: '1.0', message: 'postinst returned error exit status 1' }], rebootRequired: false, exitCode: 100, outputTail: 'E: dpkg error' }, 'failed')
    const fired = await waitFor(() => openFor(ruleId), 20_000, 'the failed-install alert')
    expect(fired.title).toContain('patch failed')
    await install({ results: [{ source: 'apt', externalId: 'tzdata', version: '2025c', status: 'installed', installedVersion: '2025c', message: 'installed' }], rebootRequired: false, exitCode: 0, outputTail: 'done' }, 'completed')
    await waitFor(async () => !(await openFor(ruleId)), 20_000, 'the alert to resolve after a successful install')
    await admin.delete(`/api/v1/alert-rules/${ruleId}`)
  })
})
