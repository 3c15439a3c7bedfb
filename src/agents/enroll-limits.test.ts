// Refused enrollments are limited per source address (429 with Retry-After, nothing
// written); valid keys never are, so a fleet behind one NAT address enrolls unhindered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { addressKey } from '../auth/rate-limit'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'

let s: TestServer
let admin: TestClient
let orgId: string

const enrollBody = (key: string, over: Record<string, unknown> = {}) => ({
  enrollmentKey: key, hostname: 'host-1', osType: 'linux', osVersion: 'Debian 12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: 1, hardwareId: `hw-${newId()}`, ...over,
})
const enroll = (from: string, key: string) =>
  fetch(`${s.url}/api/v1/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify(enrollBody(key)) })
    .then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), json: (await r.json().catch(() => null)) as any }))
const count = async (table: typeof t.devices | typeof t.auditLogs) => (await s.ctx.db.select().from(table)).length

beforeAll(async () => {
  // Behind a (pretend) reverse proxy, so each test request can come from its own address.
  s = await startTestServer({ env: { BREEZE_TRUST_PROXY: '1' } })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
}, 60_000)
afterAll(() => s.stop())

describe('enrollment rate limit', () => {
  test('addressKey: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7')
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7')
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey(null)).toBe('unknown')
  })

  test('refused enrollments from one address get 429 with Retry-After past the limit; valid keys still enroll', async () => {
    const expired = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'expiring', expiresAt: s.clock.now() + 1_000 })).json.key
    const revoked = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'revoked' })).json
    await admin.delete(`/api/v1/enrollment-keys/${revoked.id}`)
    const valid = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'rollout' })).json.key
    s.clock.advance(2_000)
    const attacker = '198.51.100.7'
    // Variants of a bad key: random, well-formed but unknown, a valid key's prefix, expired, revoked.
    const bad = (i: number) => [`brz_${newId()}`, 'x', valid.slice(0, -1) + (valid.endsWith('a') ? 'b' : 'a'), expired, revoked.key, valid.toUpperCase()][i % 6]
    for (let i = 0; i < 30; i++) expect((await enroll(attacker, bad(i))).status).toBe(403)
    const devices = await count(t.devices)
    const audit = await count(t.auditLogs)
    for (let i = 30; i < 42; i++) {
      const r = await enroll(attacker, bad(i))
      expect({ status: r.status, code: r.json.error.code }).toEqual({ status: 429, code: 'rate_limited' })
      expect(Number(r.retryAfter)).toBeGreaterThan(0)
    }
    // A client-written X-Forwarded-For entry does not make a new address: the proxy's last entry counts.
    expect((await enroll(`203.0.113.${Math.floor(Math.random() * 200)}, ${attacker}`, `brz_${newId()}`)).status).toBe(429)
    // Nothing written for limited attempts (no device, no audit row).
    expect(await count(t.devices)).toBe(devices)
    expect(await count(t.auditLogs)).toBe(audit)
    // Another address is not affected.
    expect((await enroll('198.51.100.8', `brz_${newId()}`)).status).toBe(403)

    // Mass enrollment with the valid key from the limited address: never slowed down.
    const started = performance.now()
    const results = await Promise.all(Array.from({ length: 300 }, () => enroll(attacker, valid)))
    expect(results.map((r) => r.status).filter((x) => x !== 200)).toEqual([])
    expect(performance.now() - started).toBeLessThan(60_000)
    expect(await count(t.devices)).toBe(devices + 300)

    // The window ends.
    s.clock.advance(16 * 60_000)
    expect((await enroll(attacker, `brz_${newId()}`)).status).toBe(403)
  }, 120_000)

  test('an IPv6 client cannot escape the limit by rotating through its /64', async () => {
    for (let i = 0; i < 30; i++) expect((await enroll(`2001:db8:77:1::${(i + 1).toString(16)}`, `brz_${newId()}`)).status).toBe(403)
    expect((await enroll('2001:db8:77:1:abcd:ef01:2345:6789', `brz_${newId()}`)).status).toBe(429)
    expect((await enroll('2001:db8:77:2::1', `brz_${newId()}`)).status).toBe(403)
  })

  test('a valid key enrolls from a /64 that is at its limit', async () => {
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'one' })).json.key
    const r = await enroll('2001:db8:77:1::99', key)
    expect(r.status).toBe(200)
    expect((await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, r.json.deviceId))).length).toBe(1)
  })
})
