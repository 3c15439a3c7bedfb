// Patch management against the real server with an agent that speaks the protocol itself:
// scans ingested (deduplicated, states moved, a partial or locked scan never read as "no
// updates"), a malformed scan refused with nothing written, approvals (bulk, audited, 400/403/404),
// patch jobs with streamed output and per-device results, events, pages with hostile text escaped.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import type { Events } from '../events'
import type { PatchScanResult, ScannedPatch } from '../protocol/patching'
import { waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let viewer: TestClient
let tech: TestClient
let otherTech: TestClient
let anon: TestClient
let orgA: string
let orgB: string
let agent: ProtocolAgent
let agentB: ProtocolAgent
const events: { name: keyof Events; payload: unknown }[] = []

const hostile = '<img src=x onerror=alert(1)>'
const p = (externalId: string, version: string, o: Partial<ScannedPatch> = {}): ScannedPatch => ({
  source: 'apt', externalId, version, installedVersion: '1.0', title: `${externalId} ${version}`, severity: 'unknown', classification: 'update', rebootRequired: false,
  sizeBytes: null, releasedAt: null, origin: 'Debian:12/stable', supersedes: [], ...o,
})

async function signIn(email: string): Promise<TestClient> {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBeLessThan(400)
  return c
}

/** scan asks for a scan over the API and answers it as the agent would. */
async function scan(a: ProtocolAgent, result: PatchScanResult | Record<string, unknown>, status: 'completed' | 'failed' = 'completed', error?: string) {
  const before = a.inbox.length
  const res = await admin.post(`/api/v1/devices/${a.deviceId}/patches/scan`, {})
  expect(res.status).toBe(202)
  const cmd = await waitFor(() => a.inbox.slice(before).find((m) => m.type === 'command' && m.command.type === 'patch.scan'), 10_000, 'patch.scan')
  const id = (cmd as { command: { id: string } }).command.id
  a.send({ type: 'command.ack', id })
  a.send({ type: 'command.result', id, status, result, error: error ?? null })
  await waitFor(async () => {
    const [c] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id))
    return c && c.status !== 'running' && c.status !== 'sent' && c.status !== 'pending' ? c : null
  }, 10_000, 'the scan to end')
  return id
}
const devicePatches = async (a: ProtocolAgent) => (await admin.get(`/api/v1/devices/${a.deviceId}/patches`)).json as { data: { state: string; installedVersion: string | null; patchId: string; patch: { externalId: string; version: string; classification: string; id: string } }[]; scan: { scanStatus: string; scanError: string | null; rebootRequired: boolean } }
const stateOf = (list: Awaited<ReturnType<typeof devicePatches>>['data'], name: string, version?: string) => list.find((x) => x.patch.externalId === name && (!version || x.patch.version === version))?.state

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Org B')).id
  await makeSite(s.ctx, orgA, 'A HQ')
  await makeSite(s.ctx, orgB, 'B HQ')
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })
  anon = s.client()
  admin = await signIn(a.email)
  viewer = await signIn('viewer@a.example')
  tech = await signIn('tech@a.example')
  otherTech = await signIn('tech@b.example')
  agent = await enrollProtocolAgent(s, (await admin.post('/api/v1/enrollment-keys', { orgId: orgA, name: 'a' })).json.key, { hostname: 'web-01' })
  agentB = await enrollProtocolAgent(s, (await admin.post('/api/v1/enrollment-keys', { orgId: orgB, name: 'b' })).json.key, { hostname: 'web-b' })
  await agent.connect()
  await agentB.connect()
  for (const name of ['patch.installed', 'patch.failed'] as const) s.ctx.events.on(name, (payload) => { events.push({ name, payload }) })
}, 60_000)

afterAll(async () => {
  agent?.close()
  agentB?.close()
  await s?.stop()
})

describe('scans', () => {
  test('a scan is stored: updates deduplicated across devices, security by origin, reboot flag', async () => {
    await scan(agent, { providers: ['apt'], rebootRequired: true, errors: [], patches: [p('openssl', '3.0.13-1~deb12u1', { classification: 'security', origin: 'Debian-Security:12/stable-security' }), p('tzdata', '2025b-0+deb12u1'), p('curl', '7.88.1-10+deb12u6', { title: hostile })] })
    await scan(agentB, { providers: ['apt'], rebootRequired: false, errors: [], patches: [p('openssl', '3.0.13-1~deb12u1', { classification: 'security' })] })
    const mine = await devicePatches(agent)
    expect(mine.scan).toMatchObject({ scanStatus: 'ok', rebootRequired: true })
    expect(mine.data.map((x) => x.patch.externalId).sort()).toEqual(['curl', 'openssl', 'tzdata'])
    expect(mine.data.every((x) => x.state === 'available')).toBe(true)
    // One catalogue row for openssl at that version, seen on two devices of two orgs.
    const rows = await s.ctx.db.select().from(t.patches).where(eq(t.patches.externalId, 'openssl'))
    expect(rows.length).toBe(1)
    const fleet = (await admin.get('/api/v1/patches?search=openssl')).json
    expect(fleet.data[0]).toMatchObject({ externalId: 'openssl', devices: 2, classification: 'security', counts: { available: 2 } })
    // A technician of org A sees only org A's device.
    expect((await tech.get('/api/v1/patches?search=openssl')).json.data[0].devices).toBe(1)
  })

  test('the next scan: a fixed update becomes installed, a newer version supersedes the old one', async () => {
    await scan(agent, { providers: ['apt'], rebootRequired: false, errors: [], patches: [p('openssl', '3.0.13-1~deb12u1', { classification: 'security' }), p('tzdata', '2025c-0+deb12u1')] })
    const list = (await devicePatches(agent)).data
    expect(stateOf(list, 'curl')).toBe('installed')
    expect(stateOf(list, 'tzdata', '2025b-0+deb12u1')).toBe('superseded')
    expect(stateOf(list, 'tzdata', '2025c-0+deb12u1')).toBe('available')
    expect(stateOf(list, 'openssl')).toBe('available')
  })

  test('a partial scan (one provider failed) and a locked scan never read as "no updates"', async () => {
    await scan(agent, { providers: ['apt', 'dnf'], rebootRequired: false, errors: [{ source: 'apt', message: 'the package manager stayed locked by another process after 11 tries' }], patches: [] })
    let r = await devicePatches(agent)
    expect(r.scan.scanStatus).toBe('partial')
    expect(stateOf(r.data, 'openssl')).toBe('available')
    await scan(agent, { providers: ['apt'], rebootRequired: false, errors: [{ source: 'apt', message: 'E: Could not get lock /var/lib/dpkg/lock-frontend' }], patches: [] }, 'failed', 'apt: locked')
    r = await devicePatches(agent)
    expect(r.scan.scanStatus).toBe('failed')
    expect(r.scan.scanError).toContain('Could not get lock')
    expect(stateOf(r.data, 'openssl')).toBe('available')
    expect(stateOf(r.data, 'tzdata', '2025c-0+deb12u1')).toBe('available')
  })

  test('a malformed scan result is refused (400) and writes nothing', async () => {
    const before = (await s.ctx.db.select().from(t.patches)).length
    const res = await admin.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, {})
    const id = res.json.commandId
    for (const bad of [{ ...p('evil', '1'), severity: 'apocalyptic' }, { ...p('evil', '1'), extra: 'x' }, { ...p('evil', '1'), externalId: 'x'.repeat(5000) }]) {
      const r = await agent.post([{ type: 'command.result', id, status: 'completed', result: { providers: ['apt'], rebootRequired: false, errors: [], patches: [bad] }, error: null }])
      expect(r.status).toBe(400)
    }
    expect((await s.ctx.db.select().from(t.patches)).length).toBe(before)
    const r = await devicePatches(agent)
    expect(r.scan.scanStatus).toBe('pending')
    expect(stateOf(r.data, 'openssl')).toBe('available')
    // The real answer still lands afterwards.
    expect((await agent.post([{ type: 'command.result', id, status: 'completed', result: { providers: ['apt'], rebootRequired: false, errors: [], patches: [p('openssl', '3.0.13-1~deb12u1', { classification: 'security' }), p('tzdata', '2025c-0+deb12u1')] }, error: null }])).status).toBeLessThan(300)
    await waitFor(async () => (await devicePatches(agent)).scan.scanStatus === 'ok', 10_000, 'the scan to land')
  })

  test('who may scan and read: 401, viewer reads but may not scan (403), other tenant 404', async () => {
    expect((await anon.get(`/api/v1/devices/${agent.deviceId}/patches`)).status).toBe(401)
    expect((await viewer.get(`/api/v1/devices/${agent.deviceId}/patches`)).status).toBe(200)
    expect((await viewer.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, {})).status).toBe(403)
    expect((await otherTech.get(`/api/v1/devices/${agent.deviceId}/patches`)).status).toBe(404)
    expect((await otherTech.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, {})).status).toBe(404)
    expect((await admin.post(`/api/v1/devices/${agent.deviceId}/patches/scan`, { refresh: 'yes' })).status).toBe(400)
    expect((await admin.get('/api/v1/patches?severity=apocalyptic')).status).toBe(400)
  })
})

describe('approvals and jobs', () => {
  let openssl: string
  let tzdata: string
  beforeAll(async () => {
    const list = (await devicePatches(agent)).data
    openssl = list.find((x) => x.patch.externalId === 'openssl')!.patchId
    tzdata = list.find((x) => x.patch.externalId === 'tzdata' && x.state === 'available')!.patchId
  })

  test('approve and decline: validation names the field, viewer 403, other org 404, audited, devices follow', async () => {
    const bad = await admin.post('/api/v1/patches/approve', { patchIds: [openssl] })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('orgId')
    expect((await admin.post('/api/v1/patches/approve', { orgId: orgA, patchIds: [] })).status).toBe(400)
    expect((await viewer.post('/api/v1/patches/approve', { orgId: orgA, patchIds: [openssl] })).status).toBe(403)
    expect((await otherTech.post('/api/v1/patches/approve', { orgId: orgA, patchIds: [openssl] })).status).toBe(404)
    expect((await admin.post('/api/v1/patches/approve', { orgId: orgA, patchIds: ['nope'] })).status).toBe(404)
    expect((await s.ctx.db.select().from(t.patchApprovals)).length).toBe(0)
    const ok = await admin.post('/api/v1/patches/approve', { orgId: orgA, patchIds: [openssl, tzdata], reason: 'Patch Tuesday' })
    expect(ok.status).toBe(200)
    const list = (await devicePatches(agent)).data
    expect(stateOf(list, 'openssl')).toBe('approved')
    // Org B's device is untouched by org A's approval.
    expect(stateOf((await devicePatches(agentB)).data, 'openssl')).toBe('available')
    expect((await admin.post('/api/v1/patches/decline', { orgId: orgA, patchIds: [tzdata], reason: 'breaks the app' })).status).toBe(200)
    expect(stateOf((await devicePatches(agent)).data, 'tzdata', '2025c-0+deb12u1')).toBe('available')
    const audit = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.orgId, orgA))
    expect(audit.some((r) => r.action === 'patch.approved')).toBe(true)
    expect(audit.some((r) => r.action === 'patch.declined' && JSON.stringify(r.details).includes('breaks the app'))).toBe(true)
  })

  test('a patch job installs approved updates: install command, streamed output, per-device result, events', async () => {
    expect((await viewer.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId] })).status).toBe(403)
    expect((await otherTech.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId] })).status).toBe(404)
    expect((await admin.post('/api/v1/patch-jobs', {})).status).toBe(400)
    expect((await admin.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId], patchIds: [tzdata] })).status).toBe(400)
    const before = agent.inbox.length
    const created = await tech.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId], runNow: true })
    expect(created.status).toBe(201)
    const job = created.json
    expect(job).toMatchObject({ status: 'running', deviceCount: 1 })
    const cmd = (await waitFor(() => agent.inbox.slice(before).find((m) => m.type === 'command' && m.command.type === 'patch.install'), 10_000, 'patch.install') as { command: { id: string; payload: string } }).command
    expect(JSON.parse(cmd.payload)).toEqual({ patches: [{ source: 'apt', externalId: 'openssl', version: '3.0.13-1~deb12u1' }] })
    agent.send({ type: 'command.ack', id: cmd.id })
    agent.send({ type: 'command.output', id: cmd.id, seq: 0, stream: 'stdout', data: `Unpacking openssl ${hostile}\n` })
    await waitFor(async () => (await admin.get(`/api/v1/patch-jobs/${job.id}`)).json.devices[0].output.includes('Unpacking'), 10_000, 'streamed output')
    expect((await admin.get(`/api/v1/patch-jobs/${job.id}`)).json.devices[0].status).toBe('installing')
    expect(stateOf((await devicePatches(agent)).data, 'openssl')).toBe('installing')
    agent.send({ type: 'command.result', id: cmd.id, status: 'completed', result: { results: [{ source: 'apt', externalId: 'openssl', version: '3.0.13-1~deb12u1', status: 'installed', installedVersion: '3.0.13-1~deb12u1', message: 'installed' }], rebootRequired: true, exitCode: 0, outputTail: 'done' }, error: null })
    const done = await waitFor(async () => { const j = (await admin.get(`/api/v1/patch-jobs/${job.id}`)).json; return j.status !== 'running' ? j : null }, 10_000, 'the job to finish')
    expect(done).toMatchObject({ status: 'completed', counts: { installed: 1 } })
    expect(done.devices[0]).toMatchObject({ status: 'installed', rebootRequired: true })
    expect(stateOf((await devicePatches(agent)).data, 'openssl')).toBe('installed')
    await waitFor(() => events.find((e) => e.name === 'patch.installed'), 5_000, 'patch.installed')
    expect((await otherTech.get(`/api/v1/patch-jobs/${job.id}`)).status).toBe(404)
    // The job page escapes what the agent printed.
    const page = await admin.get(`/patch-jobs/${job.id}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain(hostile)
    expect(page.text).toContain('&lt;img src=x')
  })

  test('a failed install ends the device failed with the reason, and emits patch.failed (an automation listening tags the device)', async () => {
    const auto = await admin.post('/api/v1/automations', { orgId: orgA, name: 'Tag failed patches', description: '', enabled: true, trigger: { type: 'event', event: 'patch.failed' }, conditions: {}, actions: [{ id: 's1', type: 'update_device', addTags: ['patch-failed'] }], onFailure: 'stop', notifyChannelIds: [] })
    expect(auto.status).toBe(201)
    await admin.post('/api/v1/patches/approve', { orgId: orgA, patchIds: [tzdata] })
    const before = agent.inbox.length
    const job = (await admin.post('/api/v1/patch-jobs', { deviceIds: [agent.deviceId] })).json
    const cmd = (await waitFor(() => agent.inbox.slice(before).find((m) => m.type === 'command' && m.command.type === 'patch.install'), 10_000, 'patch.install') as { command: { id: string } }).command
    agent.send({ type: 'command.ack', id: cmd.id })
    agent.send({ type: 'command.result', id: cmd.id, status: 'failed', result: { results: [{ source: 'apt', externalId: 'tzdata', version: '2025c-0+deb12u1', status: 'failed', installedVersion: '2025b-0+deb12u1', message: 'postinst returned error exit status 1' }], rebootRequired: false, exitCode: 100, outputTail: 'E: Sub-process /usr/bin/dpkg returned an error code (1)' }, error: '1 of 1 updates failed' })
    const done = await waitFor(async () => { const j = (await admin.get(`/api/v1/patch-jobs/${job.id}`)).json; return j.status !== 'running' ? j : null }, 10_000, 'the job to finish')
    expect(done.status).toBe('failed')
    expect(done.devices[0].error).toContain('1 of 1 updates failed')
    expect(done.devices[0].output).toContain('dpkg returned an error code')
    const row = (await devicePatches(agent)).data.find((x) => x.patch.externalId === 'tzdata' && x.patch.version === '2025c-0+deb12u1')!
    expect(row.state).toBe('failed')
    await waitFor(() => events.find((e) => e.name === 'patch.failed'), 5_000, 'patch.failed')
    await waitFor(async () => ((await admin.get(`/api/v1/devices/${agent.deviceId}`)).json.tags as string[]).includes('patch-failed'), 15_000, 'the automation to tag the device')
  })
})

describe('automatic approval from the effective patching policy', () => {
  test('security updates older than deferDays are approved for the org, audited as the system; newer and non-security ones wait', async () => {
    const policy = await admin.post('/api/v1/policies', { orgId: orgB, name: 'Auto-approve security', type: 'patching', status: 'active', settings: { values: { 'patching.autoApproveSecurity': true, 'patching.deferDays': 3 } } })
    expect(policy.status).toBe(201)
    expect((await admin.post(`/api/v1/policies/${policy.json.id}/assignments`, { targetType: 'org', targetId: orgB })).status).toBeLessThan(300)
    const day = 24 * 3600_000
    await scan(agentB, { providers: ['apt'], rebootRequired: false, errors: [], patches: [
      p('libssl3', '3.0.15-1', { classification: 'security', releasedAt: Date.now() - 5 * day }),
      p('libxml2', '2.9.14-2', { classification: 'security', releasedAt: Date.now() }),
      p('vim', '9.0.1-2', { releasedAt: Date.now() - 10 * day }),
    ] })
    const list = await waitFor(async () => { const l = (await devicePatches(agentB)).data; return stateOf(l, 'libssl3') === 'approved' ? l : null }, 15_000, 'the automatic approval')
    expect(stateOf(list, 'libxml2')).toBe('available')
    expect(stateOf(list, 'vim')).toBe('available')
    const [approval] = await s.ctx.db.select().from(t.patchApprovals).where(eq(t.patchApprovals.patchId, list.find((x) => x.patch.externalId === 'libssl3')!.patchId))
    expect(approval).toMatchObject({ orgId: orgB, status: 'approved', decidedBy: null })
    expect(approval.reason).toContain('Auto-approve security')
    const audit = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.orgId, orgB))
    expect(audit.some((r) => r.action === 'patch.approved' && r.actorType === 'system')).toBe(true)
    // Org A has no such policy: nothing there was approved by itself.
    expect((await s.ctx.db.select().from(t.patchApprovals).where(eq(t.patchApprovals.orgId, orgA))).every((a) => a.decidedBy !== null)).toBe(true)
  })
})

describe('compliance', () => {
  test('% of scanned devices missing nothing, overdue critical/security updates, declined ones excepted; scoped', async () => {
    expect((await admin.get('/api/v1/patch-compliance?overdueDays=-1')).status).toBe(400)
    expect((await otherTech.get(`/api/v1/patch-compliance?orgId=${orgA}`)).status).toBe(404)
    const b = (await admin.get(`/api/v1/patch-compliance?orgId=${orgB}&overdueDays=1`)).json
    const open = (await devicePatches(agentB)).data.filter((x) => ['available', 'approved', 'installing', 'failed'].includes(x.state))
    expect(b).toMatchObject({ devicesScanned: 1, devicesPatched: 0, percentPatched: 0, missing: open.length })
    expect(b.devices[0]).toMatchObject({ deviceId: agentB.deviceId, overdueCritical: 1, missingSecurity: 2, missing: 3 })
    expect((await admin.get(`/api/v1/patch-compliance?orgId=${orgB}`)).json.devices[0].overdueCritical).toBe(0)
    // Declining what is left makes the device count as patched.
    expect((await admin.post('/api/v1/patches/decline', { orgId: orgB, patchIds: open.map((x) => x.patchId), reason: 'not for this fleet' })).status).toBe(200)
    expect((await admin.get(`/api/v1/patch-compliance?orgId=${orgB}`)).json).toMatchObject({ devicesScanned: 1, devicesPatched: 1, percentPatched: 100, missing: 0 })
    // Org A's technician sees org A only.
    expect((await tech.get('/api/v1/patch-compliance')).json.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([agent.deviceId])
  })
})

describe('pages', () => {
  test('fleet page and device tab render, escape endpoint text, and follow permissions', async () => {
    const fleet = await admin.get('/patches')
    expect(fleet.status).toBe(200)
    expect(fleet.text).toContain('Approve selected')
    expect(fleet.text).toContain('of scanned devices fully patched')
    expect(fleet.text).not.toContain(hostile)
    const tab = await admin.get(`/devices/${agent.deviceId}/patches`)
    expect(tab.status).toBe(200)
    expect(tab.text).toContain('Scan now')
    const asViewer = await viewer.get(`/devices/${agent.deviceId}/patches`)
    expect(asViewer.status).toBe(200)
    expect(asViewer.text).not.toContain('Scan now')
    expect((await viewer.get('/patches')).text).not.toContain('Approve selected')
    expect((await otherTech.get(`/devices/${agent.deviceId}/patches`)).status).toBe(404)
    // Approving through the page's form.
    const list = (await devicePatches(agent)).data
    const res = await admin.form('/patches/decide', { decision: 'approve', orgId: orgA, patchIds: list.filter((x) => x.state === 'available').map((x) => x.patchId) })
    expect(res.status).toBeLessThan(400)
    expect(stateOf((await devicePatches(agent)).data, 'openssl')).toBe('installed')
  })
})
