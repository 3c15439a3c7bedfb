// Fleet query (issue 19): `software.name = "openssl" AND software.version < "3.0.13"` over N
// devices with 25 packages each (SQLite, in process, the partner admin's scope): the first page
// of 50 with the total and each device's matching packages (runFleetQuery, what the API and the
// device list answer), beside raw bun:sqlite running the equivalent SQL on the same indexes
// (the version bound as the same sort key, so the baseline does no version parsing either).
//   bun bench/fleet-query.bench.ts [devices=10000]
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config'
import { runFleetQuery } from '../src/devices/fleet-query'
import { packageVersionKey } from '../src/devices/versions'
import { silentLogger } from '../src/lib/log'
import { createContext } from '../src/server'
import { makeDevices } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin } from '../src/testing/factories'
import { loadScope } from '../src/tenancy/scope-repo'
import { percentile, table } from './stats'

const N = Number(process.argv[2] ?? 10_000)
const runs = 30
const q = 'software.name = "openssl" AND software.version < "3.0.13"'
const step = (what: string) => process.stderr.write(`[fleet-query] ${new Date().toISOString().slice(11, 19)} ${what}\n`)
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-fleet-query-bench-'))

step(`creating ${N} devices with 25 packages each`)
const ctx = await createContext(loadConfig({ 'data-dir': work, 'database-url': '' }, { BREEZE_LOG_LEVEL: 'error' }), { log: silentLogger })
const admin = await setupAdmin(ctx)
const org = await makeOrg(ctx, admin.partnerId, 'Bench Corp')
const site = await makeSite(ctx, org.id, 'HQ')
// openssl versions as Debian writes them: a third of the fleet below the bound, some equal, some above.
const openssl = ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1', '3.0.15-1~deb12u1', '1.1.1w-0+deb11u1', '3.0.9-1']
for (let i = 0; i < N; i += 1000) {
  await makeDevices(ctx, Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
    orgId: org.id, siteId: site.id, osType: 'linux' as const,
    software: [
      { name: 'openssl', version: openssl[(i + j) % openssl.length], source: 'dpkg' },
      ...Array.from({ length: 24 }, (_, k) => ({ name: `package-${k}`, version: `1.${k}.${(i + j) % 7}-1`, source: 'dpkg' })),
    ],
  })))
}
const scope = await loadScope(ctx.db, admin.user)
const actor = { kind: 'user' as const, user: admin.user, scope, session: null, apiKey: null, audit: { type: 'user' as const, id: admin.user.id, email: admin.user.email, ip: null, userAgent: null } }

async function measure(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn()
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    ms.push(performance.now() - t0)
  }
  return ms
}

step('runFleetQuery')
let total = 0
const breeze = await measure(async () => { total = (await runFleetQuery(ctx, actor, { q, perPage: 50 })).total })
await ctx.database.close()

step('raw bun:sqlite baseline')
const raw = new Database(path.join(work, 'breeze.db'), { readonly: true })
const bound = packageVersionKey('3.0.13', 'dpkg')
const match = `SELECT DISTINCT s.device_id FROM device_software s WHERE lower(s.name) = 'openssl' AND s.version_key < ?1`
const pageQ = raw.query(`SELECT d.id, d.hostname FROM devices d WHERE d.org_id = ?2 AND d.status <> 'decommissioned' AND d.id IN (${match}) ORDER BY lower(d.hostname), d.id LIMIT 50`)
const countQ = raw.query(`SELECT count(*) AS n FROM devices d WHERE d.org_id = ?2 AND d.status <> 'decommissioned' AND d.id IN (${match})`)
const pkgQ = raw.query(`SELECT device_id, name, version FROM device_software WHERE lower(name) = 'openssl' AND version_key < ?1 AND device_id IN (SELECT value FROM json_each(?2))`)
let rawTotal = 0
const baseline = await measure(async () => {
  const page = pageQ.all(bound, org.id) as { id: string }[]
  rawTotal = (countQ.get(bound, org.id) as { n: number }).n
  pkgQ.all(bound, JSON.stringify(page.map((p) => p.id)))
})
raw.close()
rmSync(work, { recursive: true, force: true })
if (total !== rawTotal) throw new Error(`the two disagree: Breeze ${total} devices, raw SQL ${rawTotal}`)

const summarize = (ms: number[]) => ({ p50: percentile(ms, 50), p95: percentile(ms, 95), max: Math.max(...ms) })
const b = summarize(breeze)
const r = summarize(baseline)
console.log(`${N} devices × 25 packages; query \`${q}\` matches ${total} devices; first page of 50 with the total and matching packages; ${runs} runs after 3 warm-ups.\n`)
console.log(table(['', 'p50 ms', 'p95 ms', 'max ms'], [
  ['Breeze runFleetQuery (rule parse, scope, list page, total, packages)', b.p50, b.p95, b.max],
  ['raw bun:sqlite: the same page, count and packages', r.p50, r.p95, r.max],
  ['ratio (p50)', Math.round((b.p50 / r.p50) * 10) / 10, null, null],
]))
process.exit(0)
