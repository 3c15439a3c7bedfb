// Policy pages over HTTP: the editor's form post (rules with per-kind fields, settings rows,
// errors shown next to the form), template gallery, assignment form, detail, dry run,
// compliance dashboard with CSV, the effective policy page, escaping, and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let deviceId: string
let policyId: string

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  const other = (await makeOrg(s.ctx, a.partnerId, 'Globex')).id
  const site = await makeSite(s.ctx, orgId, 'HQ')
  deviceId = (await makeDevice(s.ctx, { orgId, siteId: site.id, osType: 'linux', hostname: '<img src=x onerror=alert(1)>', software: [{ name: 'nginx', version: '1.24.0' }] })).id
  await makeUser(s.ctx, 'other@example.com', 'org_admin', { orgId: other })
  admin = s.client()
  await admin.login(a.email, testPassword)
})
afterAll(() => s.stop())

describe('policy pages', () => {
  test('the editor creates a policy from its form; a bad rule re-renders the form with the message', async () => {
    const bad = await admin.form('/policies', { orgId, name: 'Web', type: 'software', priority: '60', enforcement: 'warn', checkIntervalMinutes: '30', maxRemediationAttempts: '2', alertSeverity: 'high', 'rules.0.kind': 'software_installed' }, `/policies/new?orgId=${orgId}`)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('a software installed rule needs a software name')
    const ok = await admin.form('/policies', {
      orgId, name: 'Web <servers>', type: 'software', priority: '60', enforcement: 'warn', checkIntervalMinutes: '30', maxRemediationAttempts: '2', alertSeverity: 'high',
      'values.0.key': 'web.maxWorkers', 'values.0.value': '8', 'values.3.key': 'web.tls', 'values.3.value': 'true',
      'rules.0.kind': 'software_installed', 'rules.0.name': 'nginx', 'rules.0.versionOp': '>=', 'rules.0.version': '1.20', 'rules.0.os': 'linux',
      'rules.5.kind': 'file_present', 'rules.5.path': '/etc/nginx/nginx.conf', 'rules.5.name': 'ignored for files',
    }, `/policies/new?orgId=${orgId}`)
    expect(ok.status).toBe(303)
    policyId = ok.headers.get('location')!.split('/').pop()!
    const p = (await admin.get(`/api/v1/policies/${policyId}`)).json
    expect(p).toMatchObject({ name: 'Web <servers>', priority: 60, enforcement: 'warn', settings: { values: { 'web.maxWorkers': 8, 'web.tls': true } } })
    expect(p.settings.rules).toEqual([
      { id: 'software-installed-1', kind: 'software_installed', os: ['linux'], name: 'nginx', version: '1.20', versionOp: '>=' },
      { id: 'file-present-2', kind: 'file_present', path: '/etc/nginx/nginx.conf' },
    ])
    const page = await admin.get(`/policies/${policyId}`)
    expect(page.text).toContain('Web &lt;servers&gt;')
    expect(page.text).not.toContain('Web <servers>')
  })

  test('assign through the form, activate, check: the compliance table, dashboard, CSV and effective page', async () => {
    await admin.get(`/policies/${policyId}`)
    expect((await admin.form(`/policies/${policyId}/assignments`, { targetType: 'device', 'target.device': deviceId, 'target.org': orgId })).status).toBe(303)
    expect((await admin.get(`/api/v1/policies/${policyId}/assignments`)).json.assignments).toHaveLength(1)
    await admin.form(`/policies/${policyId}/activate`, {})
    expect((await admin.form(`/policies/${policyId}/check`, {})).status).toBe(303)
    const page = (await admin.get(`/policies/${policyId}`)).text
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).not.toContain('<img src=x')
    const dash = (await admin.get(`/compliance?orgId=${orgId}`)).text
    expect(dash).toContain('Web &lt;servers&gt;')
    expect(dash).toMatch(/id="overall-percent"[^>]*>(100|0)%|id="overall-percent"[^>]*>—/)
    const csv = await admin.get(`/compliance/export.csv?policyId=${policyId}`)
    expect(csv.headers.get('content-disposition')).toContain('compliance.csv')
    expect(csv.text.split('\n')[1]).toStartWith('Web <servers>,<img src=x onerror=alert(1)>,linux,')
    const eff = (await admin.get(`/policies/effective/${deviceId}`)).text
    expect(eff).toContain('web.maxWorkers')
    expect(eff).toContain('&quot;nginx&quot; installed (&gt;= 1.20)')
    const dry = await admin.form(`/policies/${policyId}/test`, {})
    expect(dry.status).toBe(200)
    expect(dry.text).toContain('Dry run: Web &lt;servers&gt;')
  })

  test('templates page lists them; using one makes a draft', async () => {
    const gallery = await admin.get('/policies/templates')
    expect(gallery.text.match(/data-template="/g)!.length).toBeGreaterThanOrEqual(20)
    const made = await admin.form('/policies/from-template', { templateKey: 'linux-security-baseline', orgId })
    expect(made.status).toBe(303)
    expect((await admin.get(made.headers.get('location')!)).text).toContain('Linux security baseline')
  })

  test('another organization gets 404 pages', async () => {
    const other = s.client()
    await other.login('other@example.com', testPassword)
    for (const path of [`/policies/${policyId}`, `/policies/${policyId}/edit`, `/policies/effective/${deviceId}`]) expect([path, (await other.get(path)).status]).toEqual([path, 404])
    expect((await other.get('/policies')).text).not.toContain('Web &lt;servers&gt;')
  })
})
