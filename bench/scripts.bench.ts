// Scripting benchmarks (issue 4): fan-out of one run to 1,000 and 10,000 devices (batch,
// executions and signed-command queue rows written, offline devices so nothing is sent), and
// output ingestion of a 50 MiB script output in 64 KiB chunks (throughput and memory). Each
// beside a raw baseline in the same run: raw bun:sqlite inserts of the same rows, and raw
// file appends of the same chunks.
import { Database } from 'bun:sqlite'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { newId } from '../src/lib/ids'
import { appendOutput, finishOutput, outputLimits } from '../src/scripts/output'
import { makeDevices } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin } from '../src/testing/factories'
import { startTestServer } from '../src/testing/server'
import { t } from '../src/db/tables'
import { table } from './stats'

const s = await startTestServer()
const admin = await setupAdmin(s.ctx)
const org = await makeOrg(s.ctx, admin.partnerId, 'Bench org')
const client = s.client()
await client.login(admin.email, admin.password)
const created = await client.post('/api/v1/scripts', { name: 'Bench', description: '', category: 'Bench', tags: [], osTypes: ['linux'], language: 'bash', orgId: org.id, content: 'echo "$WHO"', parameters: [{ name: 'WHO', type: 'string', required: false, default: 'x' }] })

// Raw baseline: the same number of rows (batch + execution + command per device) with prepared inserts in one transaction.
function rawFanOut(n: number): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-raw-'))
  const db = new Database(path.join(dir, 'raw.db'))
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL')
  db.exec('CREATE TABLE executions (id TEXT PRIMARY KEY, batch_id TEXT, device_id TEXT, status TEXT, created_at INTEGER)')
  db.exec('CREATE TABLE commands (id TEXT PRIMARY KEY, device_id TEXT, type TEXT, payload TEXT, status TEXT, expires_at INTEGER)')
  const e = db.prepare('INSERT INTO executions VALUES (?, ?, ?, ?, ?)')
  const c = db.prepare('INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?)')
  const t0 = performance.now()
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      e.run(newId(), 'batch', `device-${i}`, 'queued', Date.now())
      c.run(newId(), `device-${i}`, 'script.run', JSON.stringify({ content: 'echo "$WHO"', parameters: { WHO: 'x' } }), 'pending', Date.now() + 86_400_000)
    }
  })()
  const ms = performance.now() - t0
  db.close()
  rmSync(dir, { recursive: true, force: true })
  return ms
}

const fanOut: (string | number | null)[][] = []
for (const n of [1_000, 10_000]) {
  const site = await makeSite(s.ctx, org.id, `Site ${n}`)
  await makeDevices(s.ctx, Array.from({ length: n }, () => ({ orgId: org.id, siteId: site.id, osType: 'linux' as const, status: 'offline' as const })))
  const t0 = performance.now()
  const res = await client.post(`/api/v1/scripts/${created.json.id}/execute`, { siteIds: [site.id], confirmCount: n })
  const ms = performance.now() - t0
  if (res.status !== 201 || res.json.executions.some((e: { status: string }) => e.status !== 'queued')) throw new Error(`not every execution was queued: ${res.text.slice(0, 300)}`)
  const raw = rawFanOut(n)
  fanOut.push([`${n.toLocaleString('en')} devices`, ms, n / (ms / 1000), raw, ms / raw])
}
console.log('### Fan-out: POST /api/v1/scripts/:id/execute to N devices (batch, executions, queued commands)\n')
console.log(table(['', 'Breeze ms', 'devices/s', 'raw bun:sqlite ms', 'ratio'], fanOut))
console.log()

// ---- output ingestion: 50 MiB in 64 KiB chunks ----
const [execution] = await s.ctx.db.select().from(t.scriptExecutions).limit(1)
const chunk = 'x'.repeat(64 * 1024 - 1) + '\n'
const chunks = outputLimits.maxBytes / chunk.length
Bun.gc(true)
const rssBefore = process.memoryUsage().rss
let rssPeak = rssBefore
const t0 = performance.now()
for (let i = 0; i < chunks; i++) {
  await appendOutput(s.ctx, execution.id, { seq: i, stream: 'stdout', data: chunk })
  if (i % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
}
await finishOutput(s.ctx, execution.id, outputLimits.maxBytes)
const ingestMs = performance.now() - t0

const rawDir = mkdtempSync(path.join(os.tmpdir(), 'breeze-raw-'))
const r0 = performance.now()
for (let i = 0; i < chunks; i++) appendFileSync(path.join(rawDir, 'out.log'), chunk)
const rawMs = performance.now() - r0
rmSync(rawDir, { recursive: true, force: true })

const mib = outputLimits.maxBytes / 2 ** 20
console.log(`### Output ingestion: ${mib} MiB in ${chunks} chunks of 64 KiB\n`)
console.log(table(['', 'ms', 'MiB/s', 'RSS growth MiB'], [
  ['Breeze appendOutput (inline 1 MiB + blob)', ingestMs, mib / (ingestMs / 1000), (rssPeak - rssBefore) / 2 ** 20],
  ['raw file append', rawMs, mib / (rawMs / 1000), null],
  ['ratio', ingestMs / rawMs, null, null],
]))
console.log()
await s.stop()
