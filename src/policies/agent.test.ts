// Compliance checks and remediation through the compiled agent on this machine: endpoint rules
// (a file, the firewall) answered by the agent's policy.check, a check script, a remediation
// script that fixes the device and a re-check that finds it compliant; a remediation that does
// not help stops at the attempt limit and raises the alert; the dry run asks the agent live.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { bearerClient, runJobs } from '../testing/alerts'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let deviceId: string
const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-policy-'))

async function script(name: string, content: string, parameters: unknown[] = []) {
  const res = await admin.post('/api/v1/scripts', { orgId, name, description: '', category: 'Compliance', tags: [], osTypes: ['linux'], language: 'bash', content, parameters })
  expect(res.status).toBe(201)
  return res.json.id as string
}

const target = [{ name: 'TARGET', type: 'string', required: true }]

/** The agent judges command expiry by the real clock: keep the test clock in step with it. */
function realTime() {
  s.clock.set(Math.max(s.clock.now(), Date.now()))
}

async function compliance(policyId: string) {
  realTime()
  await runJobs(s.ctx)
  return (await admin.get(`/api/v1/policies/${policyId}/compliance`)).json.compliance[0] as { status: string; details: { ruleId: string; status: string; actual: string }[]; remediationAttempts: number; alertId: string | null; remediationBatchId: string | null } | undefined
}

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = await bearerClient(s, a.email, testPassword)
  deviceId = (await startConnectedAgent(s, admin, orgId)).deviceId
}, 120_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('compliance on a real agent', () => {
  test('the agent finds the file missing, remediation creates it, the re-check is compliant', async () => {
    const file = path.join(dir, 'baseline', 'marker.conf')
    const fix = await script('Create marker', 'mkdir -p "$(dirname "$TARGET")"\necho managed > "$TARGET"\n', target)
    const check = await script('Marker present', 'test -f "$TARGET"\n', target)
    const res = await admin.post('/api/v1/policies', {
      orgId, name: 'Marker baseline', type: 'security', enforcement: 'enforce', maxRemediationAttempts: 2, checkIntervalMinutes: 30, status: 'active',
      settings: { rules: [
        { id: 'file', kind: 'file_present', path: file, remediationScriptId: fix, remediationParameters: { TARGET: file } },
        { id: 'check', kind: 'script', scriptId: check, parameters: { TARGET: file } },
        { id: 'fw', kind: 'firewall' },
      ] },
    })
    expect(res.status).toBe(201)
    const id = res.json.id
    await admin.post(`/api/v1/policies/${id}/assignments`, { targetType: 'org', targetId: orgId })
    expect(existsSync(file)).toBe(false)
    realTime()
    const first = await admin.post(`/api/v1/policies/${id}/check`)
    expect(first.json).toMatchObject({ devices: 1, agentChecks: 1, scriptBatches: 1 })
    // The agent answers, the device is non-compliant, remediation runs and fixes it.
    await waitFor(async () => existsSync(file), 40_000, 'the remediation script to create the file')
    const done = await waitFor(async () => {
      const c = await compliance(id)
      const file = c?.details.find((d) => d.ruleId === 'file')
      return file?.status === 'pass' && c?.details.find((d) => d.ruleId === 'check')?.status === 'pass' ? c : null
    }, 40_000, 'a compliant re-check')
    expect(done.details.find((d) => d.ruleId === 'file')!.actual).toMatch(/^present \(\d+ bytes\)$/)
    // The firewall is answered for real on this machine (whatever its state), not left pending.
    expect(['pass', 'fail', 'error']).toContain(done.details.find((d) => d.ruleId === 'fw')!.status)
    // One remediation ran; the count resets only when the device is fully compliant (the firewall decides that here).
    const firewallOn = done.details.find((d) => d.ruleId === 'fw')!.status === 'pass'
    expect({ status: done.status, attempts: done.remediationAttempts }).toEqual(firewallOn ? { status: 'compliant', attempts: 0 } : { status: 'non_compliant', attempts: 1 })
    const history = (await admin.get(`/api/v1/policies/history?policyId=${id}`)).json.history as { kind: string; status: string; summary: string }[]
    const remediation = history.filter((h) => h.kind === 'remediation').map((h) => h.status)
    expect(remediation).toContain('started')
    expect(remediation).toContain('completed')
    expect(history.find((h) => h.kind === 'status' && h.status === 'non_compliant')!.summary).toMatch(/^Not compliant: /)
    expect(history.find((h) => h.kind === 'remediation' && h.status === 'started')!.summary).toBe('Remediation "Create marker" started (attempt 1 of 2)')
  })

  test('a remediation that does not help stops at the attempt limit and raises the alert', async () => {
    const file = path.join(dir, 'never', 'here.conf')
    const noop = await script('Does nothing', 'echo "not fixing $TARGET"\n', target)
    const res = await admin.post('/api/v1/policies', {
      orgId, name: 'Unfixable', type: 'custom', enforcement: 'enforce', maxRemediationAttempts: 2, status: 'active', alertSeverity: 'critical',
      settings: { rules: [{ id: 'file', kind: 'file_present', path: file, remediationScriptId: noop, remediationParameters: { TARGET: file } }] },
    })
    const id = res.json.id
    await admin.post(`/api/v1/policies/${id}/assignments`, { targetType: 'device', targetId: deviceId })
    realTime()
    await admin.post(`/api/v1/policies/${id}/check`)
    const final = await waitFor(async () => {
      const c = await compliance(id)
      return c?.alertId ? c : null
    }, 60_000, 'the alert after the last attempt')
    expect(final).toMatchObject({ status: 'non_compliant', remediationAttempts: 2, remediationBatchId: null })
    await Bun.sleep(1500)
    expect((await compliance(id))!.remediationAttempts).toBe(2)
    const alert = (await admin.get(`/api/v1/alerts/${final.alertId}`)).json
    expect(alert).toMatchObject({ severity: 'critical', status: 'active' })
    expect(alert.message).toContain('Remediation gave up after 2 attempt(s)')
    const started = (await admin.get(`/api/v1/policies/history?policyId=${id}`)).json.history.filter((h: { kind: string; status: string }) => h.kind === 'remediation' && h.status === 'started')
    expect(started).toHaveLength(2)
  })

  test('the dry run asks the agent live and changes nothing', async () => {
    const present = path.join(dir, 'present.txt')
    await Bun.write(present, 'x')
    const res = await admin.post('/api/v1/policies', { orgId, name: 'Draft check', type: 'custom', settings: { rules: [{ id: 'a', kind: 'file_present', path: present }, { id: 'b', kind: 'file_present', path: path.join(dir, 'absent.txt') }] } })
    await admin.post(`/api/v1/policies/${res.json.id}/assignments`, { targetType: 'org', targetId: orgId })
    realTime()
    const dry = (await admin.post(`/api/v1/policies/${res.json.id}/test`)).json
    expect(dry.devices).toHaveLength(1)
    expect(dry.devices[0].rules.map((r: { ruleId: string; status: string }) => `${r.ruleId}:${r.status}`)).toEqual(['a:pass', 'b:fail'])
    expect(dry.devices[0].remediation).toBe('monitor mode: no remediation')
    expect((await admin.get(`/api/v1/policies/${res.json.id}/compliance`)).json.compliance).toEqual([])
  })
})
