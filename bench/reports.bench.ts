// Reports (issue 19): a hardware-inventory report over N devices (SQLite) — the section query,
// then each file format rendered, and a whole run as the job makes it (build, PDF, blob) —
// with the process's RSS, beside a raw bun:sqlite baseline (the same join, hand-made CSV).
//   bun bench/reports.bench.ts [devices=10000]
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config'
import { silentLogger } from '../src/lib/log'
import { chosenColumns, createReport, resolveTarget } from '../src/reports/reports'
import { renderCsv, renderPdf, renderXlsx, type ReportMeta } from '../src/reports/render'
import { executeRun, queueRun } from '../src/reports/runs'
import { findRun } from '../src/reports/repo'
import { createContext } from '../src/server'
import { makeDevices } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin } from '../src/testing/factories'
import { loadScope } from '../src/tenancy/scope-repo'
import { table } from './stats'

const N = Number(process.argv[2] ?? 10_000)
const step = (what: string) => process.stderr.write(`[reports] ${new Date().toISOString().slice(11, 19)} ${what}\n`)
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-reports-bench-'))
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20)
let peak = 0
const sampler = setInterval(() => { peak = Math.max(peak, mb()) }, 20)

step(`creating ${N} devices`)
const ctx = await createContext(loadConfig({ 'data-dir': work, 'database-url': '' }, { BREEZE_LOG_LEVEL: 'error' }), { log: silentLogger })
const admin = await setupAdmin(ctx)
const org = await makeOrg(ctx, admin.partnerId, 'Bench Corp')
const sites = [await makeSite(ctx, org.id, 'HQ'), await makeSite(ctx, org.id, 'Branch')]
for (let i = 0; i < N; i += 1000) {
  await makeDevices(ctx, Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
    orgId: org.id, siteId: sites[(i + j) % 2].id, osType: (['windows', 'linux', 'macos'] as const)[(i + j) % 3],
    software: [{ name: 'Google Chrome', version: `12${(i + j) % 3}.0` }, { name: '7-Zip', version: '23.01' }],
  })))
}

const scope = await loadScope(ctx.db, admin.user)
const actor = { kind: 'user' as const, user: admin.user, scope, session: null, apiKey: null, audit: { type: 'user' as const, id: admin.user.id, email: admin.user.email, ip: null, userAgent: null } }
const def = await createReport(ctx, actor, { name: 'Bench inventory', type: 'inventory', format: 'pdf', orgId: org.id })

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; rssAfter: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { ms: performance.now() - t0, value, rssAfter: mb() }
}

const rows: (string | number | null)[][] = []
const rssStart = mb()
step('section query')
const { section, target } = await resolveTarget(ctx, scope, def, ctx.clock.now())
const built = await timed(() => section.build(ctx, target, { limit: 100_000 }))
rows.push(['inventory section (query, all rows)', built.ms, built.value.rows.length, null, built.rssAfter])
const columns = chosenColumns(section, null)
const meta: ReportMeta = { title: def.name, sectionLabel: section.label, partnerName: 'Acme IT', scopeLabel: 'Bench Corp', periodLabel: 'now', generatedAt: Date.now(), generatedBy: 'bench', logo: null }
step('CSV')
const csv = await timed(async () => renderCsv(columns, built.value))
rows.push(['render CSV', csv.ms, built.value.rows.length, Math.round(csv.value.length / 1024), csv.rssAfter])
step('XLSX')
const xlsx = await timed(() => renderXlsx(meta, columns, built.value))
rows.push(['render XLSX', xlsx.ms, built.value.rows.length, Math.round(xlsx.value.length / 1024), xlsx.rssAfter])
step('PDF')
const pdf = await timed(() => renderPdf(meta, columns, built.value))
rows.push(['render PDF (first 5,000 rows)', pdf.ms, Math.min(5000, built.value.rows.length), Math.round(pdf.value.length / 1024), pdf.rssAfter])
step('whole run')
const run = await queueRun(ctx, def, { userId: admin.user.id, apiKeyId: null }, 'manual', null)
const whole = await timed(() => executeRun(ctx, run.id))
const finished = await findRun(ctx.db, run.id)
if (finished?.status !== 'done') throw new Error(`run ${finished?.status}: ${finished?.error}`)
rows.push(['whole run as the job makes it (query, PDF, blob)', whole.ms, finished.rowCount, Math.round((finished.bytes ?? 0) / 1024), whole.rssAfter])
await ctx.database.close()

step('raw bun:sqlite baseline')
const raw = new Database(path.join(work, 'breeze.db'), { readonly: true })
const q = raw.query(`SELECT coalesce(d.display_name, d.hostname) AS device, o.name AS org, s.name AS site, d.os_type, d.os_version, h.manufacturer, h.model, h.serial_number, h.cpu_model, h.ram_total_mb, h.disk_total_gb, d.last_seen_at
  FROM devices d JOIN sites s ON s.id = d.site_id JOIN organizations o ON o.id = d.org_id LEFT JOIN device_hardware h ON h.device_id = d.id
  WHERE d.org_id = ? AND d.status <> 'decommissioned' ORDER BY o.name, lower(coalesce(d.display_name, d.hostname)), d.id`)
const rawQuery = await timed(async () => q.values(org.id))
rows.push(['raw bun:sqlite: the same join', rawQuery.ms, rawQuery.value.length, null, rawQuery.rssAfter])
const rawCsv = await timed(async () => rawQuery.value.map((r) => r.map((v) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',')).join('\r\n'))
rows.push(['raw: hand-made CSV string', rawCsv.ms, rawQuery.value.length, Math.round(rawCsv.value.length / 1024), rawCsv.rssAfter])
raw.close()
clearInterval(sampler)

console.log(`${N} devices (3 OS types, 2 sites, hardware rows), SQLite; RSS at start of the measured part ${rssStart} MiB, peak ${peak} MiB.\n`)
console.log(table(['step', 'ms', 'rows', 'KiB', 'RSS after (MiB)'], rows))
rmSync(work, { recursive: true, force: true })
