// Automation and policy benchmarks (issue 7), on SQLite:
//   1. scheduler overhead: the compiled server left idle with 10,000 scheduled automations
//      (one pending schedule job each), CPU from /proc, beside the same server with none, a raw
//      Bun.serve, and a raw Bun.serve polling a 10,000-row bun:sqlite job table every second
//      (target: under 2% of one core);
//   2. one policy with 20 inventory rules across 10,000 devices: a full evaluation (facts
//      read in bulk, 10,000 compliance rows written), beside the same reads and writes in raw
//      bun:sqlite.
//   bun bench/automations.bench.ts [seconds=60] [devices=10000]
import { Database } from 'bun:sqlite'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Automation } from '../src/automations/repo'
import { scheduleNext } from '../src/automations/schedules'
import { loadConfig } from '../src/config'
import { t } from '../src/db/tables'
import { newId } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import { evaluatePolicy } from '../src/policies/evaluate'
import type { Policy } from '../src/policies/repo'
import type { PolicyRule } from '../src/policies/types'
import { createContext } from '../src/server'
import { makeDevices, type MakeDeviceOptions } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin } from '../src/testing/factories'
import { percentile, table } from './stats'

const SECONDS = Number(process.argv[2] ?? 60)
const N = Number(process.argv[3] ?? 10_000)
const root = path.join(import.meta.dir, '..')
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-auto-bench-'))
const children = new Set<{ kill(): void }>()
process.on('exit', () => { for (const c of children) c.kill() })

/** cpuSeconds: user + system time of a process and its reaped children (USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100
}

async function idleCpuPercent(pid: number, seconds: number): Promise<number> {
  await Bun.sleep(10_000) // startup settles
  const c0 = cpuSeconds(pid)
  const t0 = performance.now()
  await Bun.sleep(seconds * 1000)
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100
}

async function waitHealthy(port: number) {
  for (let i = 0; i < 500; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return } catch {}
    await Bun.sleep(20)
  }
  throw new Error('the server did not start')
}

// ---- 1. scheduler overhead ----
const zones = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney']

async function prepare(dataDir: string, automations: number) {
  const ctx = await createContext(loadConfig({ 'data-dir': dataDir, 'database-url': '' }, { BREEZE_LOG_LEVEL: 'error' }), { log: silentLogger })
  const admin = await setupAdmin(ctx)
  const org = await makeOrg(ctx, admin.partnerId, 'Scheduled')
  const now = ctx.clock.now()
  const rows: Automation[] = Array.from({ length: automations }, (_, i) => ({
    id: newId(), partnerId: admin.partnerId, orgId: org.id, name: `Nightly ${i}`, description: '', enabled: true,
    // Once a year (1 January), at a minute spread over the night: idle for the whole measurement.
    trigger: { type: 'schedule', cron: `${i % 60} ${1 + (i % 5)} 1 1 *`, timezone: zones[i % zones.length] }, triggerEvent: null, conditions: {},
    actions: [{ id: 'w', type: 'wait', seconds: 60 }], onFailure: 'stop', notifyChannelIds: [], webhookToken: null, webhookSecretSealed: null,
    version: 1, lastRunAt: null, runCount: 0, createdBy: null, updatedBy: null, createdAt: now, updatedAt: now, deletedAt: null,
  }))
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insert(t.automations).values(rows.slice(i, i + 500))
  for (const a of rows) await scheduleNext(ctx, a, now)
  await ctx.database.close()
}

const breeze = path.join(work, 'breeze')
const build = Bun.spawnSync(['bun', 'build', '--compile', '--minify', 'src/main.ts', '--outfile', breeze], { cwd: root, stderr: 'pipe' })
if (build.exitCode !== 0) throw new Error(build.stderr.toString())

async function breezeIdle(automations: number): Promise<number> {
  const dataDir = path.join(work, `data-${automations}`)
  const t0 = performance.now()
  await prepare(dataDir, automations)
  if (automations) console.error(`prepared ${automations} scheduled automations in ${Math.round(performance.now() - t0)} ms`)
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const proc = Bun.spawn([breeze, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], { env: { ...process.env, BREEZE_LOG_LEVEL: 'error', DATABASE_URL: '' }, stdout: 'ignore', stderr: 'inherit' })
  children.add(proc)
  await waitHealthy(port)
  const cpu = await idleCpuPercent(proc.pid, SECONDS)
  proc.kill()
  await proc.exited
  return cpu
}

async function rawIdle(poll: boolean): Promise<number> {
  const src = path.join(work, `raw-${poll}.ts`)
  const db = path.join(work, `raw-${poll}.db`)
  await Bun.write(src, `import { Database } from 'bun:sqlite'
const db = new Database(${JSON.stringify(db)})
db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, type TEXT, status TEXT, run_at INTEGER, lease_until INTEGER); CREATE INDEX IF NOT EXISTS jobs_due ON jobs(status, run_at)")
const insert = db.prepare('INSERT OR IGNORE INTO jobs VALUES (?, ?, ?, ?, ?)')
db.transaction(() => { for (let i = 0; i < 10000; i++) insert.run(String(i), 'automations.schedule', 'pending', Date.now() + 86400000 * 30, null) })()
const due = db.prepare("SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= ?) OR (status = 'running' AND lease_until <= ?) ORDER BY run_at LIMIT 4")
${poll ? 'setInterval(() => due.all(Date.now(), Date.now()), 1000)' : ''}
Bun.serve({ port: Number(process.env.PORT), fetch: () => new Response('ok') })
`)
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const proc = Bun.spawn(['bun', src], { env: { ...process.env, PORT: String(port) }, stdout: 'ignore', stderr: 'inherit' })
  children.add(proc)
  for (let i = 0; i < 500; i++) { try { if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break } catch {} await Bun.sleep(20) }
  const cpu = await idleCpuPercent(proc.pid, SECONDS)
  proc.kill()
  await proc.exited
  return cpu
}

const idle = {
  raw: await rawIdle(false),
  rawPoll: await rawIdle(true),
  empty: await breezeIdle(0),
  scheduled: await breezeIdle(N),
}

console.log(`### Scheduler overhead: idle CPU over ${SECONDS} s (after 10 s of settling)\n`)
const pct = (v: number) => v.toFixed(2)
console.log(table(['process', '% of one core'], [
  ['raw `Bun.serve`', pct(idle.raw)],
  ['raw `Bun.serve` + bun:sqlite due-job poll every 1 s over 10,000 rows', pct(idle.rawPoll)],
  ['`dist/breeze`, no automations', pct(idle.empty)],
  [`\`dist/breeze\`, ${N.toLocaleString('en')} scheduled automations`, pct(idle.scheduled)],
]))
console.log(`\ntarget: under 2% of one core ${idle.scheduled < 2 ? 'met' : 'NOT met'}; the automations add ${(idle.scheduled - idle.empty).toFixed(2)} points\n`)

// ---- 2. policy evaluation ----
{
  const dataDir = path.join(work, 'data-policy')
  const ctx = await createContext(loadConfig({ 'data-dir': dataDir, 'database-url': '' }, { BREEZE_LOG_LEVEL: 'error' }), { log: silentLogger })
  const admin = await setupAdmin(ctx)
  const org = await makeOrg(ctx, admin.partnerId, 'Fleet')
  const site = await makeSite(ctx, org.id, 'DC')
  const packages = ['nginx', 'openssh-server', 'curl', 'git', 'python3', 'rsyslog', 'unattended-upgrades', 'chrony', 'vim', 'htop', 'telnetd', 'vsftpd', 'docker-ce', 'postgresql-16', 'redis-server', 'fail2ban', 'auditd', 'clamav', 'restic', 'jq']
  const filler = Array.from({ length: 30 }, (_, i) => `lib-filler-${i}`)
  const list: MakeDeviceOptions[] = Array.from({ length: N }, (_, i) => ({
    orgId: org.id, siteId: site.id, osType: 'linux', hostname: `srv-${i}`,
    software: [...packages.filter((_, k) => (i + k) % 3 !== 0).map((name, k) => ({ name, version: `${1 + ((i + k) % 3)}.${k}.0` })), ...filler.map((name) => ({ name, version: '1.0' }))],
  }))
  const t0 = performance.now()
  const devices = await makeDevices(ctx, list)
  const services = devices.flatMap((d, i) => ['ssh', 'rsyslog', 'chrony', 'cron', 'auditd', 'fail2ban', 'nginx', 'docker'].map((name, k) => ({ id: newId(), deviceId: d.id, name, displayName: null, state: (i + k) % 7 === 0 ? 'stopped' : 'running', startMode: 'auto', updatedAt: Date.now() })))
  for (let i = 0; i < services.length; i += 500) await ctx.db.insert(t.deviceServices).values(services.slice(i, i + 500))
  console.error(`prepared ${N} devices with ${list[0].software!.length} packages and 8 services each in ${Math.round(performance.now() - t0)} ms`)

  const rules: PolicyRule[] = [
    ...['openssh-server', 'curl', 'git', 'python3', 'rsyslog', 'unattended-upgrades', 'chrony', 'auditd'].map((name, i) => ({ id: `in-${i}`, kind: 'software_installed' as const, name, ...(i % 2 ? { versionOp: '>=' as const, version: '2.0' } : {}) })),
    ...['telnetd', 'vsftpd', 'docker-ce', 'redis-server', 'clamav', 'jq'].map((name, i) => ({ id: `out-${i}`, kind: 'software_absent' as const, name })),
    ...['ssh', 'rsyslog', 'chrony', 'auditd'].map((name, i) => ({ id: `svc-${i}`, kind: 'service_running' as const, name })),
    { id: 'hb', kind: 'agent_config', setting: 'heartbeatSeconds', op: '<=', expected: '120' },
    { id: 'metrics', kind: 'agent_config', setting: 'metricsCollection', op: '=', expected: 'true' },
  ]
  const now = Date.now()
  const policy: Policy = {
    id: newId(), partnerId: admin.partnerId, orgId: org.id, name: 'Server baseline (20 rules)', description: '', type: 'security', status: 'active', priority: 50, enforcement: 'monitor',
    settings: { values: {}, rules }, checkIntervalMinutes: 60, remediationScriptId: null, maxRemediationAttempts: 0, alertSeverity: 'medium', alertChannelIds: [], templateKey: null,
    version: 1, nextCheckAt: null, lastEvaluatedAt: null, createdBy: null, updatedBy: null, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await ctx.db.insert(t.policies).values(policy)
  await ctx.db.insert(t.policyAssignments).values({ id: newId(), policyId: policy.id, orgId: org.id, targetType: 'org', targetId: org.id, priority: null, createdBy: null, createdAt: now })

  const runs: number[] = []
  let summary = ''
  for (let i = 0; i < 4; i++) {
    const s0 = performance.now()
    const r = await evaluatePolicy(ctx, policy)
    runs.push(performance.now() - s0)
    summary = `${r.devices} devices: ${r.compliant} compliant, ${r.nonCompliant} not`
  }
  await ctx.database.close()

  // Raw bun:sqlite: the same fact reads and 10,000 row writes, no evaluation logic.
  const raw = new Database(path.join(dataDir, 'breeze.db'))
  const rawRuns: number[] = []
  const names = rules.filter((r) => r.name).map((r) => r.name!)
  const sw = raw.prepare(`SELECT device_id, name, version FROM device_software WHERE ${names.map(() => 'name LIKE ?').join(' OR ')}`)
  const sv = raw.prepare(`SELECT device_id, name, state FROM device_services WHERE ${names.map(() => 'name LIKE ?').join(' OR ')}`)
  const dv = raw.prepare("SELECT id, heartbeat_seconds FROM devices WHERE org_id = ? AND status <> 'decommissioned'")
  raw.exec('CREATE TABLE IF NOT EXISTS raw_compliance (policy_id TEXT, device_id TEXT, status TEXT, details TEXT, PRIMARY KEY (policy_id, device_id))')
  const up = raw.prepare('INSERT OR REPLACE INTO raw_compliance VALUES (?, ?, ?, ?)')
  for (let i = 0; i < 4; i++) {
    const s0 = performance.now()
    const ds = dv.all(org.id) as { id: string }[]
    sw.all(...names.map((n) => `${n}%`))
    sv.all(...names.map((n) => `${n}%`))
    const details = JSON.stringify(rules.map((r) => ({ ruleId: r.id, status: 'pass' })))
    raw.transaction(() => { for (const d of ds) up.run(policy.id, d.id, 'compliant', details) })()
    rawRuns.push(performance.now() - s0)
  }
  raw.close()

  console.log(`### One policy, 20 inventory rules, ${N.toLocaleString('en')} devices (${summary})\n`)
  console.log(table(['', 'first run ms', 'later runs p50 ms', 'devices/s (later runs)'], [
    ['Breeze `evaluatePolicy` (inheritance, facts in bulk, 20 rules, compliance rows, history, daily counts)', runs[0], percentile(runs.slice(1), 50), N / (percentile(runs.slice(1), 50) / 1000)],
    [`raw bun:sqlite: same reads + ${N.toLocaleString('en')} row upsert`, rawRuns[0], percentile(rawRuns.slice(1), 50), N / (percentile(rawRuns.slice(1), 50) / 1000)],
  ]))
  console.log(`\nratio (later runs): ${(percentile(runs.slice(1), 50) / percentile(rawRuns.slice(1), 50)).toFixed(1)}\n`)
}

rmSync(work, { recursive: true, force: true })
process.exit(0)
