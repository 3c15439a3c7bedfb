// Policies without an agent: validation, the built-in templates, inheritance with conflicting
// priorities (effective policy and where each value came from), evaluation of inventory rules
// with history, warn-mode alerts through a real webhook channel, dashboard and CSV, the dry
// run, versions and rollback, deactivation, and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { bearerClient, runJobs, startReceiver, allowLoopbackReceivers } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let hq: string
let branch: string
let groupId: string
let linux: { id: string }
let windows: { id: string }
let other: { id: string }
let channel: string
let receiver: ReturnType<typeof startReceiver>

async function service(deviceId: string, name: string, state: string) {
  await s.ctx.db.insert(t.deviceServices).values({ id: newId(), deviceId, name, displayName: null, state, startMode: 'auto', updatedAt: s.clock.now() })
}

beforeAll(async () => {
  s = await startTestServer()
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Globex')).id
  hq = (await makeSite(s.ctx, orgA, 'HQ')).id
  branch = (await makeSite(s.ctx, orgA, 'Branch')).id
  const siteB = (await makeSite(s.ctx, orgB, 'Plant')).id
  linux = await makeDevice(s.ctx, { orgId: orgA, siteId: hq, osType: 'linux', hostname: 'web-01', software: [{ name: 'nginx', version: '1.24.0-2ubuntu7' }, { name: 'openssh-server', version: '1:9.6p1-3ubuntu13' }] })
  windows = await makeDevice(s.ctx, { orgId: orgA, siteId: branch, osType: 'windows', hostname: 'POS-01', software: [{ name: 'TeamViewer', version: '15.50.5' }, { name: 'Google Chrome', version: '119.0.6045.200' }] })
  other = await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, osType: 'linux', hostname: 'glx-01' })
  await service(linux.id, 'ssh', 'running')
  await service(windows.id, 'WinDefend', 'stopped')
  await makeUser(s.ctx, 'b-admin@example.com', 'org_admin', { orgId: orgB })
  admin = await bearerClient(s, a.email, testPassword)
  groupId = (await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Tills', type: 'static' })).json.id
  await admin.post(`/api/v1/device-groups/${groupId}/members`, { deviceIds: [windows.id] })
  receiver = startReceiver()
  channel = (await admin.post('/api/v1/notification-channels', { name: 'compliance', type: 'webhook', orgId: orgA, config: { url: `${receiver.url}/compliance` }, secrets: { signingSecret: 'a-signing-secret-of-some-length' } })).json.id
})

afterAll(async () => {
  receiver.stop()
  await s.stop()
})

const policy = (body: Record<string, unknown>) => admin.post('/api/v1/policies', { orgId: orgA, type: 'custom', ...body })
const assign = (id: string, targetType: string, targetId: string, priority?: number) => admin.post(`/api/v1/policies/${id}/assignments`, { targetType, targetId, ...(priority ? { priority } : {}) })

describe('definitions', () => {
  test('a rule missing what it needs, a bad priority, a foreign script: 400 naming the field', async () => {
    const noName = await policy({ name: 'x', settings: { rules: [{ id: 'a', kind: 'software_installed' }] } })
    expect(noName.status).toBe(400)
    expect(noName.json.error.details.field).toBe('settings/rules/0/name')
    expect((await policy({ name: 'x', priority: 0 })).json.error.message).toContain('priority')
    const foreign = await admin.post('/api/v1/scripts', { orgId: orgB, name: 'B only', description: '', category: 'x', tags: [], osTypes: ['linux'], language: 'bash', content: 'true', parameters: [] })
    const bad = await policy({ name: 'x', remediationScriptId: foreign.json.id })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('remediationScriptId')
    expect(bad.json.error.message).toContain(foreign.json.id)
    const dup = await policy({ name: 'x', settings: { rules: [{ id: 'a', kind: 'firewall' }, { id: 'a', kind: 'disk_encryption' }] } })
    expect(dup.json.error.details.field).toBe('settings/rules/1/id')
    expect((await admin.post(`/api/v1/policies/${(await policy({ name: 'ok' })).json.id}/assignments`, { targetType: 'device', targetId: other.id })).status).toBe(400)
  })

  test('more than 20 built-in templates, each makes a policy with real rules or settings', async () => {
    const list = (await admin.get('/api/v1/policies/templates')).json.templates
    expect(list.length).toBeGreaterThanOrEqual(20)
    for (const tpl of list) {
      const res = await admin.post(`/api/v1/policies/from-template/${tpl.key}`, { orgId: orgA })
      expect([tpl.key, res.status]).toEqual([tpl.key, 201])
      expect(res.json.templateKey).toBe(tpl.key)
      expect(res.json.settings.rules.length + Object.keys(res.json.settings.values).length).toBeGreaterThan(0)
      expect(res.json.status).toBe('draft')
    }
    const server = list.find((x: { key: string }) => x.key === 'server-baseline')
    const made = (await admin.post('/api/v1/policies/from-template/server-baseline', { orgId: orgA, name: 'Servers' })).json
    const sshd = made.settings.rules.find((r: { id: string }) => r.id === 'sshd')
    expect(sshd.remediationScriptId).toBeTruthy()
    expect(sshd.remediationParameters).toEqual({ SERVICE_NAME: 'ssh' })
    expect(server.rules.length).toBeGreaterThan(3)
  })
})

describe('inheritance', () => {
  test('org → site → group → device by priority; the page-facing API says where each value came from', async () => {
    const mk = async (name: string, priority: number, values: Record<string, unknown>, rules: unknown[] = []) => (await policy({ name, priority, status: 'active', type: 'alert', settings: { values, rules } })).json.id as string
    const orgWide = await mk('Org defaults', 50, { 'alerts.cpuPercent': 90, 'alerts.owner': 'noc' }, [{ id: 'tv', kind: 'software_absent', name: 'TeamViewer' }])
    const site = await mk('Branch', 50, { 'alerts.cpuPercent': 80 }, [{ id: 'tv', kind: 'software_installed', name: 'TeamViewer' }])
    const group = await mk('Tills', 10, { 'alerts.cpuPercent': 70 })
    const device = await mk('POS-01 only', 40, { 'alerts.cpuPercent': 60 })
    await assign(orgWide, 'org', orgA)
    await assign(site, 'site', branch)
    await assign(group, 'group', groupId)
    await assign(device, 'device', windows.id, 5)
    const eff = async () => (await admin.get(`/api/v1/policies/effective/${windows.id}`)).json
    let e = await eff()
    const cpu = () => e.values.find((v: { key: string }) => v.key === 'alerts.cpuPercent')
    // Equal priority 50: the site (more specific) beats the org; 10 and 5 lose to both.
    expect(cpu()).toMatchObject({ value: 80, source: { policyName: 'Branch', level: 'site', priority: 50, target: 'site Branch' } })
    expect(cpu().overridden.map((o: { policyName: string; value: number }) => `${o.policyName}=${o.value}`)).toEqual(['Org defaults=90', 'Tills=70', 'POS-01 only=60'])
    expect(e.values.find((v: { key: string }) => v.key === 'alerts.owner')).toMatchObject({ value: 'noc', source: { level: 'org' } })
    expect(e.rules.find((r: { key: string }) => r.key === 'software:teamviewer')).toMatchObject({ rule: { kind: 'software_installed' }, source: { policyName: 'Branch' } })
    // Raise the org policy: it now wins the value and the conflicting rule.
    await admin.patch(`/api/v1/policies/${orgWide}`, { priority: 60 })
    e = await eff()
    expect(cpu()).toMatchObject({ value: 90, source: { policyName: 'Org defaults', level: 'org' } })
    expect(e.rules.find((r: { key: string }) => r.key === 'software:teamviewer')).toMatchObject({ rule: { kind: 'software_absent' }, source: { policyName: 'Org defaults' } })
    // An assignment's own priority overrides the policy's.
    await assign(group, 'device', windows.id, 99)
    e = await eff()
    expect(cpu()).toMatchObject({ value: 70, source: { policyName: 'Tills', level: 'device', priority: 99 } })
    // The Linux device at HQ only gets the org policy.
    const l = (await admin.get(`/api/v1/policies/effective/${linux.id}`)).json
    expect(l.policies.map((p: { name: string }) => p.name)).toEqual(['Org defaults'])
    for (const id of [orgWide, site, group, device]) await admin.post(`/api/v1/policies/${id}/deactivate`)
  })
})

describe('compliance', () => {
  let id: string
  test('inventory rules: per-rule detail, history, a warn alert through the channel, dashboard and CSV', async () => {
    const res = await policy({
      name: 'Baseline', type: 'security', enforcement: 'warn', alertSeverity: 'high', alertChannelIds: [channel], checkIntervalMinutes: 30,
      settings: { rules: [
        { id: 'nginx', kind: 'software_installed', name: 'nginx', versionOp: '>=', version: '1.20', os: ['linux'] },
        { id: 'ssh', kind: 'service_running', name: 'ssh', os: ['linux'] },
        { id: 'tv', kind: 'software_absent', name: 'TeamViewer' },
        { id: 'defender', kind: 'service_running', name: 'WinDefend', os: ['windows'] },
        { id: 'hb', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '120' },
      ] },
    })
    expect(res.status).toBe(201)
    id = res.json.id
    await assign(id, 'org', orgA)
    await admin.post(`/api/v1/policies/${id}/activate`)
    s.clock.advance(61_000)
    await runJobs(s.ctx)
    const rows = (await admin.get(`/api/v1/policies/${id}/compliance`)).json.compliance as { deviceId: string; status: string; details: { ruleId: string; status: string; actual: string }[]; alertId: string | null }[]
    const lin = rows.find((r) => r.deviceId === linux.id)!
    const win = rows.find((r) => r.deviceId === windows.id)!
    expect(lin.status).toBe('compliant')
    expect(lin.details.map((d) => `${d.ruleId}:${d.status}`)).toEqual(['nginx:pass', 'ssh:pass', 'tv:pass', 'hb:pass'])
    expect(win.status).toBe('non_compliant')
    expect(win.details.find((d) => d.ruleId === 'tv')).toMatchObject({ status: 'fail', actual: 'installed (15.50.5)' })
    expect(win.details.find((d) => d.ruleId === 'defender')).toMatchObject({ status: 'fail', actual: 'stopped' })
    expect(win.alertId).toBeTruthy()
    await runJobs(s.ctx)
    const [hit] = await receiver.waitFor(1, (r) => r.path === '/compliance')
    expect(hit.json.alert.title).toBe('POS-01 is not compliant with "Baseline"')
    expect(hit.json.alert.severity).toBe('high')
    const dash = (await admin.get(`/api/v1/policies/dashboard?orgId=${orgA}`)).json
    expect(dash.policies.find((p: { id: string }) => p.id === id)).toMatchObject({ total: 2, compliant: 1, nonCompliant: 1, percent: 50 })
    expect(dash.trend.at(-1).percent).toBe(50)
    expect(dash.worst[0]).toMatchObject({ deviceId: windows.id, failing: 2 })
    const csv = await fetch(`${s.url}/api/v1/policies/compliance.csv?policyId=${id}`, { headers: admin.extraHeaders })
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const text = await csv.text()
    expect(text.split('\n')[0]).toBe('policy,device,os,status,failing_rules,checked_at,changed_at,remediation_attempts')
    expect(text).toContain('Baseline,POS-01,windows,non_compliant,"""TeamViewer"" not installed (installed (15.50.5)); Service ""WinDefend"" running (stopped)"')

    // Fixed on the device: the next check is compliant, the alert resolves, history has both.
    await s.ctx.db.delete(t.deviceSoftware).where(and(eq(t.deviceSoftware.deviceId, windows.id), eq(t.deviceSoftware.name, 'TeamViewer')))
    await s.ctx.db.update(t.deviceServices).set({ state: 'running' }).where(eq(t.deviceServices.deviceId, windows.id))
    s.clock.advance(31 * 60_000)
    await runJobs(s.ctx)
    const after = (await admin.get(`/api/v1/policies/${id}/compliance`)).json.compliance.find((r: { deviceId: string }) => r.deviceId === windows.id)
    expect(after).toMatchObject({ status: 'compliant', alertId: null })
    expect((await admin.get(`/api/v1/alerts/${win.alertId}`)).json.status).toBe('resolved')
    const history = (await admin.get(`/api/v1/policies/history?policyId=${id}&deviceId=${windows.id}`)).json.history
    expect(history.map((h: { status: string }) => h.status)).toEqual(['compliant', 'non_compliant'])
  })

  test('dry run of a draft: who would fail and what would be remediated; nothing is written', async () => {
    const script = await admin.post('/api/v1/scripts', { orgId: orgA, name: 'Remove TeamViewer', description: '', category: 'Fix', tags: [], osTypes: ['windows'], language: 'powershell', content: 'exit 0', parameters: [] })
    const draft = await policy({ name: 'No remote tools', enforcement: 'enforce', remediationScriptId: script.json.id, settings: { rules: [{ id: 'anydesk', kind: 'software_absent', name: 'Google Chrome' }] } })
    await assign(draft.json.id, 'org', orgA)
    const res = await admin.post(`/api/v1/policies/${draft.json.id}/test`)
    expect(res.status).toBe(200)
    expect(res.json.summary).toMatchObject({ devices: 2, non_compliant: 1, compliant: 1, remediations: 1 })
    const pos = res.json.devices.find((d: { deviceId: string }) => d.deviceId === windows.id)
    expect(pos.status).toBe('non_compliant')
    expect(pos.remediation).toContain('would run Remove TeamViewer')
    expect((await admin.get(`/api/v1/policies/${draft.json.id}/compliance`)).json.compliance).toEqual([])
  })

  test('versions and rollback', async () => {
    const p = (await policy({ name: 'Versioned', settings: { values: { 'a.b': 1 } } })).json
    await admin.patch(`/api/v1/policies/${p.id}`, { settings: { values: { 'a.b': 2 } }, changelog: 'bumped' })
    const versions = (await admin.get(`/api/v1/policies/${p.id}/versions`)).json.versions
    expect(versions.map((v: { version: number; changelog: string }) => `${v.version}:${v.changelog}`)).toEqual(['2:bumped', '1:Created'])
    const back = (await admin.post(`/api/v1/policies/${p.id}/rollback/${versions[1].id}`)).json
    expect(back).toMatchObject({ version: 3, settings: { values: { 'a.b': 1 } } })
  })

  test('deactivating drops current compliance (history stays)', async () => {
    await admin.post(`/api/v1/policies/${id}/deactivate`)
    expect((await admin.get(`/api/v1/policies/${id}/compliance`)).json.compliance).toEqual([])
    expect((await admin.get(`/api/v1/policies/history?policyId=${id}`)).json.history.length).toBeGreaterThan(0)
  })
})

describe('tenant isolation', () => {
  test('another organization sees none of it', async () => {
    const p = (await policy({ name: 'Secret' })).json
    const b = await bearerClient(s, 'b-admin@example.com', testPassword)
    for (const path of [`/api/v1/policies/${p.id}`, `/api/v1/policies/${p.id}/versions`, `/api/v1/policies/${p.id}/assignments`, `/api/v1/policies/${p.id}/compliance`, `/api/v1/policies/effective/${linux.id}`]) {
      expect([path, (await b.get(path)).status]).toEqual([path, 404])
    }
    expect((await b.post(`/api/v1/policies/${p.id}/test`)).status).toBe(404)
    expect((await b.patch(`/api/v1/policies/${p.id}`, { name: 'mine' })).status).toBe(404)
    expect((await b.get('/api/v1/policies')).json.policies).toEqual([])
    expect((await b.get('/api/v1/policies/compliance')).json.compliance).toEqual([])
    expect((await b.post('/api/v1/policies', { orgId: orgA, name: 'x', type: 'custom' })).status).toBe(404)
    expect((await s.client().get('/api/v1/policies')).status).toBe(401)
  })
})

describe('retention', () => {
  test('compliance history older than a year is pruned', async () => {
    const before = (await admin.get('/api/v1/policies/history')).json.history.length
    expect(before).toBeGreaterThan(0)
    s.clock.advance(366 * 24 * 3600_000)
    await runJobs(s.ctx)
    expect((await admin.get('/api/v1/policies/history')).json.history).toEqual([])
  })
})
