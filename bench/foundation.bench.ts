// Foundation benchmarks (issue 2): cold start of the compiled server, the organization list
// page with 1,000 organizations, and whether argon2id sign-ins block other requests. Each
// figure sits beside a raw baseline measured in the same run.
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { makeOrg, setupAdmin, testPassword } from '../src/testing/factories'
import { startTestServer } from '../src/testing/server'
import { percentile, table } from './stats'

const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-bench-'))
const root = path.join(import.meta.dir, '..')

async function compile(entry: string, out: string) {
  const proc = Bun.spawnSync(['bun', 'build', '--compile', '--minify', entry, '--outfile', out], { cwd: root, stdout: 'ignore', stderr: 'pipe' })
  if (proc.exitCode !== 0) throw new Error(proc.stderr.toString())
}

/** coldStart spawns `cmd` and returns ms until GET url/healthz answers 200. */
async function coldStart(cmd: string[], port: number, env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now()
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env, PORT: String(port) }, stdout: 'ignore', stderr: 'ignore' })
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`)
        if (res.status === 200) return performance.now() - t0
      } catch {}
      await Bun.sleep(2)
    }
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
  }
}

// ---- 1. cold start ----
const breeze = path.join(work, 'breeze')
await compile('src/main.ts', breeze)
const rawSrc = path.join(work, 'raw.ts')
await Bun.write(rawSrc, "Bun.serve({ port: Number(process.env.PORT), hostname: '127.0.0.1', fetch: () => Response.json({ status: 'ok' }) })\n")
const raw = path.join(work, 'raw')
await compile(rawSrc, raw)
const starts: number[] = []
const rawStarts: number[] = []
for (let i = 0; i < 7; i++) {
  const dataDir = path.join(work, `data-${i}`)
  starts.push(await coldStart([breeze, 'serve', '--host', '127.0.0.1', '--data-dir', dataDir], 39100 + i, { BREEZE_LOG_LEVEL: 'error', DATABASE_URL: '' }))
  rawStarts.push(await coldStart([raw], 39200 + i))
}
console.log('### Cold start to 200 on /healthz (empty data dir: keys created, database migrated)\n')
console.log(table(['', 'p50 ms', 'max ms'], [
  ['dist/breeze (compiled)', percentile(starts, 50), Math.max(...starts)],
  ['raw compiled Bun.serve', percentile(rawStarts, 50), Math.max(...rawStarts)],
  ['ratio', percentile(starts, 50) / percentile(rawStarts, 50), null],
]))
console.log(`target: under 300 ms — ${percentile(starts, 50) < 300 ? 'met' : 'NOT met'}\n`)

// ---- 2. organization list with 1,000 organizations ----
const s = await startTestServer({ env: { BREEZE_LOG_LEVEL: 'error' } })
const admin = await setupAdmin(s.ctx)
for (let i = 0; i < 1000; i++) await makeOrg(s.ctx, admin.partnerId, `Customer ${String(i).padStart(4, '0')}`)
const c = s.client()
await c.login(admin.email, testPassword)
const time = async (fn: () => Promise<unknown>, n: number) => {
  const out: number[] = []
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); out.push(performance.now() - t0) }
  return out
}
await time(() => c.get('/orgs'), 20)
const page50 = await time(() => c.get('/orgs'), 200)
const page500 = await time(() => c.get('/orgs?perPage=500'), 50)
const search = await time(() => c.get('/orgs?search=0999'), 200)
const api = await time(() => c.get('/api/v1/orgs?perPage=100'), 200)

// Raw baseline: Bun.serve + bun:sqlite selecting the same page and building trivial HTML.
const rawDb = new Database(':memory:')
rawDb.exec('CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT, slug TEXT, status TEXT, created_at INTEGER)')
const ins = rawDb.prepare('INSERT INTO orgs VALUES (?, ?, ?, ?, ?)')
for (let i = 0; i < 1000; i++) ins.run(crypto.randomUUID(), `Customer ${i}`, `customer-${i}`, 'active', Date.now())
const q = rawDb.prepare('SELECT * FROM orgs ORDER BY name LIMIT 50')
const rawServer = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(`<table>${(q.all() as { name: string }[]).map((r) => `<tr><td>${r.name}</td></tr>`).join('')}</table>`, { headers: { 'content-type': 'text/html' } }) })
const rawUrl = `http://127.0.0.1:${rawServer.port}/`
await time(() => fetch(rawUrl).then((r) => r.text()), 20)
const rawPage = await time(() => fetch(rawUrl).then((r) => r.text()), 200)
rawServer.stop()

console.log('### Organization list, 1,000 organizations, signed-in partner admin (round trip over HTTP)\n')
console.log(table(['request', 'p50 ms', 'p95 ms'], [
  ['GET /orgs (page of 50, full layout)', percentile(page50, 50), percentile(page50, 95)],
  ['GET /orgs?perPage=500', percentile(page500, 50), percentile(page500, 95)],
  ['GET /orgs?search=0999', percentile(search, 50), percentile(search, 95)],
  ['GET /api/v1/orgs?perPage=100', percentile(api, 50), percentile(api, 95)],
  ['raw Bun.serve + bun:sqlite page of 50', percentile(rawPage, 50), percentile(rawPage, 95)],
  ['ratio /orgs : raw (p50)', percentile(page50, 50) / percentile(rawPage, 50), null],
]))

// ---- 3. sign-ins do not block other requests ----
const idle = await time(() => fetch(`${s.url}/healthz`), 100)
const flood = Array.from({ length: 40 }, () => s.client().login(admin.email, testPassword))
const during = await time(() => fetch(`${s.url}/healthz`), 100)
const t0 = performance.now()
await Promise.all(flood)
const floodMs = performance.now() - t0
console.log('\n### 40 concurrent sign-ins (argon2id, at most 2 hashing at once) vs. other requests\n')
console.log(table(['', 'p50 ms', 'p95 ms'], [
  ['GET /healthz, idle', percentile(idle, 50), percentile(idle, 95)],
  ['GET /healthz, during the sign-in flood', percentile(during, 50), percentile(during, 95)],
]))
console.log(`\nsign-in throughput: ${(40 / (floodMs / 1000 + (during.reduce((a, b) => a + b, 0) / 1000))).toFixed(1)} sign-ins/s (argon2id, 64 MiB, t=2) on this machine\n`)

await s.stop()
rmSync(work, { recursive: true, force: true })
