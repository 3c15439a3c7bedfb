// Fleet-wide actions (more than 50 devices): a recent step-up (TOTP or recovery code, replay
// protected), refusal without MFA, API keys only with the fleet scope, the per-tenant hourly
// rate limit (429 + Retry-After, other tenants unaffected), bulk device actions, the run
// form's code prompt, and system runs left alone. Nothing is dispatched when refused.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { executeScriptForOrg } from '../scripts/execute'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { enableTestMfa, makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { TestClient as Client } from '../testing/client'

let s: TestServer
let admin: TestClient
let code: () => string
let adminId: string
let partnerId: string
let orgA: string
let orgB: string
let siteA: string
let siteB: string
let scriptA: string
let scriptB: string

const step = () => s.clock.advance(30_000) // a TOTP code is single use: the next one is 30 s later
const countRows = async (table: typeof t.scriptBatches | typeof t.agentCommands) => (await s.ctx.db.select({ id: table.id }).from(table)).length
const run = (c: TestClient, scriptId: string, siteId: string, extra: Record<string, unknown> = {}) =>
  c.post(`/api/v1/scripts/${scriptId}/execute`, { siteIds: [siteId], confirmCount: 51, ...extra })
async function audits(action: string) {
  return s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, action))
}

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  adminId = a.user.id
  partnerId = a.partnerId
  orgA = (await makeOrg(s.ctx, partnerId, 'Org A')).id
  orgB = (await makeOrg(s.ctx, partnerId, 'Org B')).id
  siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  siteB = (await makeSite(s.ctx, orgB, 'HQ')).id
  await makeDevices(s.ctx, [
    ...Array.from({ length: 51 }, () => ({ orgId: orgA, siteId: siteA, osType: 'linux' as const })),
    ...Array.from({ length: 51 }, () => ({ orgId: orgB, siteId: siteB, osType: 'linux' as const })),
  ])
  admin = s.client()
  await admin.login(a.email, testPassword)
  const script = (orgId: string) => admin.post('/api/v1/scripts', { name: `Check ${orgId.slice(-4)}`, description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo ok\n', parameters: [] })
  scriptA = (await script(orgA)).json.id
  scriptB = (await script(orgB)).json.id
})
afterAll(() => s.stop())

describe('step-up for fleet-wide runs', () => {
  test('without MFA a run over the threshold is refused with the reason, nothing dispatched; 50 devices need nothing', async () => {
    const before = [await countRows(t.scriptBatches), await countRows(t.agentCommands)]
    const res = await run(admin, scriptA, siteA)
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('mfa_required_for_fleet')
    expect(res.json.error.message).toContain('two-factor authentication')
    expect([await countRows(t.scriptBatches), await countRows(t.agentCommands)]).toEqual(before)
    expect((await audits('fleet.refused')).some((r) => (r.details as { reason?: string }).reason === 'mfa_required_for_fleet' && r.orgId === orgA)).toBe(true)
    // Stepping up is pointless without MFA: it says so.
    expect((await admin.post('/api/v1/auth/step-up', { code: '123456' })).json.error.code).toBe('mfa_not_enrolled')
    // At the threshold itself nothing more is asked.
    const devices = (await s.ctx.db.select({ id: t.devices.id }).from(t.devices).where(eq(t.devices.siteId, siteA))).slice(0, 50)
    expect((await admin.post(`/api/v1/scripts/${scriptA}/execute`, { deviceIds: devices.map((d) => d.id) })).status).toBe(201)
  })

  test('signed in with a code: runs at once; later the step-up is stale → 403 step_up_required, nothing dispatched', async () => {
    code = (await enableTestMfa(s.ctx, adminId)).code
    const fresh = s.client()
    expect((await fresh.login('admin@example.com', testPassword, code)).status).toBe(200)
    admin = fresh
    expect((await run(admin, scriptA, siteA)).status).toBe(201)

    s.clock.advance(10 * 60_000) // the default: a confirmation counts for 10 minutes
    const before = [await countRows(t.scriptBatches), await countRows(t.agentCommands)]
    const res = await run(admin, scriptA, siteA)
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('step_up_required')
    expect(res.json.error.details).toMatchObject({ deviceCount: 51, stepUpUrl: '/api/v1/auth/step-up', stepUpPage: '/account/step-up', validMinutes: 10 })
    expect([await countRows(t.scriptBatches), await countRows(t.agentCommands)]).toEqual(before)
  })

  test('wrong and replayed codes are refused; a good code allows runs for N minutes, then it expires', async () => {
    expect((await admin.post('/api/v1/auth/step-up', {})).status).toBe(400)
    const wrong = await admin.post('/api/v1/auth/step-up', { code: '000000' })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error.details.field).toBe('code')
    step()
    const good = code()
    const ok = await admin.post('/api/v1/auth/step-up', { code: good })
    expect(ok.status).toBe(200)
    expect(ok.json.validUntil).toBe(s.clock.now() + 10 * 60_000)
    // The same code again is refused (the last accepted step is kept on the user, as at sign-in).
    expect((await admin.post('/api/v1/auth/step-up', { code: good })).json.error.message).toContain('already used')
    const audit = await audits('auth.step_up')
    expect(audit.filter((r) => r.result === 'success')).toHaveLength(1)
    expect(audit.filter((r) => r.result === 'failure').length).toBeGreaterThanOrEqual(2)

    const res = await run(admin, scriptA, siteA)
    expect(res.status).toBe(201)
    expect(res.json.deviceCount).toBe(51)
    const [row] = (await audits('script.execute')).filter((r) => (r.details as { batchId?: string }).batchId === res.json.batchId)
    expect(row.details).toMatchObject({ fleetWide: true })
    // A re-run is a fleet-wide action too (still within the window here).
    expect((await admin.post(`/api/v1/script-runs/${res.json.batchId}/rerun`, { confirmCount: 51 })).status).toBe(201)

    s.clock.advance(10 * 60_000) // ten minutes after the step-up it no longer counts
    expect((await run(admin, scriptA, siteA)).json.error.code).toBe('step_up_required')
    expect((await admin.post(`/api/v1/script-runs/${res.json.batchId}/rerun`, { confirmCount: 51 })).json.error.code).toBe('step_up_required')
  })

  test('a recovery code steps up once', async () => {
    const codes = (await s.ctx.db.select().from(t.recoveryCodes).where(eq(t.recoveryCodes.userId, adminId)))
    expect(codes).toHaveLength(0) // enrolled by the fixture without codes: make some through the API
    const regen = await admin.post('/api/v1/auth/mfa/recovery-codes', { password: testPassword })
    const recovery = regen.json.recoveryCodes[0]
    expect((await admin.post('/api/v1/auth/step-up', { code: recovery })).status).toBe(200)
    expect((await admin.post('/api/v1/auth/step-up', { code: recovery })).status).toBe(400)
  })
})

describe('per-tenant rate limit', () => {
  test('past N fleet-wide actions per hour an organization gets 429 with Retry-After; another organization is unaffected', async () => {
    expect((await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 60, orgActionsPerHour: 4, partnerActionsPerHour: 100 })).status).toBe(200)
    step()
    expect((await admin.post('/api/v1/auth/step-up', { code: code() })).status).toBe(200)
    // Org A already ran 3 fleet-wide actions within this hour (2 runs + 1 re-run, all at most 21 minutes ago).
    expect((await run(admin, scriptA, siteA)).status).toBe(201)
    const before = [await countRows(t.scriptBatches), await countRows(t.agentCommands)]
    const limited = await run(admin, scriptA, siteA)
    expect(limited.status).toBe(429)
    expect(limited.json.error.code).toBe('fleet_rate_limited')
    expect(limited.json.error.message).toContain('Org A')
    const retryAfter = Number(limited.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect([await countRows(t.scriptBatches), await countRows(t.agentCommands)]).toEqual(before)
    expect((await audits('fleet.refused')).some((r) => (r.details as { reason?: string }).reason === 'fleet_rate_limited')).toBe(true)
    // The other organization still runs.
    expect((await run(admin, scriptB, siteB)).status).toBe(201)
    // When the oldest action leaves the hour, org A has room again.
    s.clock.advance(retryAfter * 1000)
    expect((await run(admin, scriptA, siteA)).status).toBe(201)
  })

  test('the partner-wide limit counts every organization of the partner', async () => {
    expect((await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 60, orgActionsPerHour: 100, partnerActionsPerHour: 1 })).status).toBe(200)
    const res = await run(admin, scriptB, siteB)
    expect(res.status).toBe(429)
    expect(res.json.error.details).toMatchObject({ tenant: 'partner', limit: 1 })
    expect((await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 10, orgActionsPerHour: 10, partnerActionsPerHour: 30 })).status).toBe(200)
  })

  test('automation and policy runs (the system path) are neither refused nor counted', async () => {
    expect((await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 10, orgActionsPerHour: 1, partnerActionsPerHour: 1 })).status).toBe(200)
    const before = (await s.ctx.db.select().from(t.fleetActions)).length
    const { batch } = await executeScriptForOrg(s.ctx, orgA, scriptA, { targets: { siteIds: [siteA] } }, { type: 'automation', userId: null })
    expect(batch.deviceCount).toBe(51)
    expect((await s.ctx.db.select().from(t.fleetActions)).length).toBe(before)
    expect((await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 10, orgActionsPerHour: 10, partnerActionsPerHour: 30 })).status).toBe(200)
  })

  test('settings: validated, platform admins only, shown on the Settings page', async () => {
    const bad = await admin.put('/api/v1/settings/fleet', { stepUpMinutes: 0, orgActionsPerHour: 10, partnerActionsPerHour: 30 })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('stepUpMinutes')
    expect((await admin.get('/api/v1/settings')).json.fleet).toEqual({ stepUpMinutes: 10, orgActionsPerHour: 10, partnerActionsPerHour: 30 })
    const page = await admin.get('/settings')
    expect(page.text).toContain('action="/settings/fleet"')
    expect(page.text).toContain('name="orgActionsPerHour"')
    await makeUser(s.ctx, 'tech@example.com', 'partner_technician', { partnerId })
    const tech = s.client()
    await tech.login('tech@example.com', testPassword)
    expect((await tech.put('/api/v1/settings/fleet', { stepUpMinutes: 60, orgActionsPerHour: 10, partnerActionsPerHour: 30 })).status).toBe(403)
  })
})

describe('API keys and bulk actions', () => {
  test('a key without the fleet scope is refused above the threshold; granting the scope needs a fresh step-up', async () => {
    s.clock.advance(11 * 60_000)
    const plain = await admin.post('/api/v1/api-keys', { name: 'plain' })
    expect(plain.status).toBe(201)
    expect(plain.json.apiKey.fleet).toBe(false)
    const res = await run(Client.withBearer(s.url, plain.json.key), scriptA, siteA)
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('fleet_scope_required')

    const stale = await admin.post('/api/v1/api-keys', { name: 'fleet', fleet: true })
    expect(stale.status).toBe(403)
    expect(stale.json.error.code).toBe('step_up_required')
    step()
    expect((await admin.post('/api/v1/auth/step-up', { code: code() })).status).toBe(200)
    const fleet = await admin.post('/api/v1/api-keys', { name: 'fleet', fleet: true })
    expect(fleet.status).toBe(201)
    expect(fleet.json.apiKey.fleet).toBe(true)
    const key = Client.withBearer(s.url, fleet.json.key)
    expect((await run(key, scriptB, siteB)).status).toBe(201)
    // A key cannot step up, nor mint a fleet key.
    expect((await key.post('/api/v1/auth/step-up', { code: '123456' })).json.error.code).toBe('step_up_unavailable')
  })

  test('bulk decommission above the threshold needs the step-up; tagging does not', async () => {
    s.clock.advance(11 * 60_000)
    const tag = await admin.post('/api/v1/devices/bulk', { action: 'tag', siteIds: [siteB], tags: ['fleet'] })
    expect(tag.status).toBe(200)
    expect(tag.json.changed).toBe(51)
    const refused = await admin.post('/api/v1/devices/bulk', { action: 'decommission', siteIds: [siteB] })
    expect(refused.status).toBe(403)
    expect(refused.json.error.code).toBe('step_up_required')
    expect((await s.ctx.db.select().from(t.devices).where(eq(t.devices.status, 'decommissioned'))).length).toBe(0)
    step()
    expect((await admin.post('/api/v1/auth/step-up', { code: code() })).status).toBe(200)
    const done = await admin.post('/api/v1/devices/bulk', { action: 'decommission', siteIds: [siteB] })
    expect(done.status).toBe(200)
    expect(done.json.changed).toBe(51)
  })
})

describe('the run form', () => {
  test('asks for the code when needed, keeps what was chosen and runs after the code', async () => {
    s.clock.advance(11 * 60_000)
    const asked = await admin.form(`/scripts/${scriptA}/run`, { siteIds: siteA, offline: 'queue', expiresInMinutes: '60', confirmCount: '51' }, `/scripts/${scriptA}/run`)
    expect(asked.status).toBe(403)
    expect(asked.text).toContain('id="step-up-prompt"')
    expect(asked.text).toContain('name="stepUpCode"')
    expect(asked.text).toContain('type="hidden" name="confirmCount" value="51"')
    const wrong = await admin.form(`/scripts/${scriptA}/run`, { siteIds: siteA, offline: 'queue', expiresInMinutes: '60', confirmCount: '51', stepUpCode: '000000' })
    expect(wrong.status).toBe(400)
    expect(wrong.text).toContain('that code is wrong or was already used')
    step()
    const before = await countRows(t.scriptBatches)
    const ran = await admin.form(`/scripts/${scriptA}/run`, { siteIds: siteA, offline: 'queue', expiresInMinutes: '60', confirmCount: '51', stepUpCode: code() })
    expect(ran.status).toBe(303)
    expect(ran.headers.get('location')).toStartWith('/script-runs/')
    expect(await countRows(t.scriptBatches)).toBe(before + 1)
    // The step-up page itself.
    const page = await admin.get('/account/step-up?next=/devices')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Confirmed until')
  })

  test('the many-devices command form asks for the code the same way', async () => {
    s.clock.advance(11 * 60_000)
    const ids = (await s.ctx.db.select({ id: t.devices.id }).from(t.devices).where(eq(t.devices.siteId, siteA))).map((d) => d.id)
    const fields = { shell: 'bash', command: 'uptime', deviceIds: ids, confirmCount: '51' }
    const asked = await admin.form('/commands', fields, '/commands/new')
    expect(asked.status).toBe(403)
    expect(asked.text).toContain('id="step-up-prompt"')
    expect(asked.text).toContain('type="hidden" name="confirmCount" value="51"')
    expect(asked.text).toContain('Confirm and run')
    step()
    const before = await countRows(t.scriptBatches)
    const ran = await admin.form('/commands', { ...fields, stepUpCode: code() })
    expect(ran.status).toBe(303)
    expect(ran.headers.get('location')).toStartWith('/script-runs/')
    expect(await countRows(t.scriptBatches)).toBe(before + 1)
  })
})
