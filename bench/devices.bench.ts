// Devices benchmarks (issue 3): the device list with 10,000 devices and the 30-day metrics
// chart query of one device, each beside a raw Bun.serve + bun:sqlite baseline doing the same
// query in the same run.
import { Database } from 'bun:sqlite'
import { DAY, HOUR, rollupMetrics } from '../src/devices/metrics'
import { addMetrics, makeDevices, type MakeDeviceOptions } from '../src/testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../src/testing/factories'
import { startTestServer } from '../src/testing/server'
import { percentile, table } from './stats'

const DEVICES = Number(process.argv[2] ?? 10_000)
const time = async (fn: () => Promise<unknown>, n: number) => {
  const out: number[] = []
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); out.push(performance.now() - t0) }
  return out
}
const row = (label: string, xs: number[]) => [label, percentile(xs, 50), percentile(xs, 95), percentile(xs, 99)]

const s = await startTestServer({ env: { BREEZE_LOG_LEVEL: 'error' } })
const admin = await setupAdmin(s.ctx)
const orgs = [await makeOrg(s.ctx, admin.partnerId, 'Contoso'), await makeOrg(s.ctx, admin.partnerId, 'Fabrikam')]
const sites = [] as { id: string; orgId: string; name: string }[]
for (const org of orgs) for (const name of ['HQ', 'Branch', 'Warehouse', 'Lab', 'Remote']) sites.push({ ...(await makeSite(s.ctx, org.id, name)), orgId: org.id })

// ---- 1. 10,000 realistic devices ----
const t0 = performance.now()
const oses = ['windows', 'windows', 'windows', 'linux', 'macos'] as const
const packages = ['Google Chrome', 'Mozilla Firefox', '7-Zip', 'Microsoft Edge', 'Zoom', 'Slack', 'OpenSSL', 'curl']
const list: MakeDeviceOptions[] = Array.from({ length: DEVICES }, (_, i) => {
  const site = sites[i % sites.length]
  return {
    orgId: site.orgId, siteId: site.id, osType: oses[i % oses.length], hostname: `host-${String(i).padStart(5, '0')}`,
    status: i % 7 === 0 ? 'offline' : 'online', cpuPercent: (i * 37) % 100, ramPercent: (i * 53) % 100, diskPercent: (i * 29) % 100,
    lastSeenAt: s.clock.now() - (i % 500) * 60_000, lastUser: `user${i % 300}`, tags: i % 3 === 0 ? ['servers'] : i % 3 === 1 ? ['workstations', 'finance'] : [],
    software: packages.slice(0, 3 + (i % 5)).map((name, k) => ({ name, version: `${100 + ((i + k) % 7)}.0`, publisher: 'Vendor' })),
  }
})
for (let i = 0; i < list.length; i += 1000) await makeDevices(s.ctx, list.slice(i, i + 1000))
console.log(`(seeded ${DEVICES} devices with hardware, disks, network and ${list.reduce((n, d) => n + d.software!.length, 0)} software rows in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`)

const c = s.client()
await c.login(admin.email, testPassword)
const htmx = { 'hx-request': 'true', 'hx-target': 'device-table' }
await time(() => c.get('/devices'), 20)
const listPage = await time(() => c.get('/devices'), 200)
const listFragment = await time(() => c.get('/devices?sort=cpu', htmx), 200)
const listSearch = await time(() => c.get('/devices?search=host-0999', htmx), 200)
const listFiltered = await time(() => c.get(`/devices?orgId=${orgs[0].id}&os=windows&status=online&tag=servers`, htmx), 200)
const listDeep = await time(() => c.get('/devices?page=150', htmx), 100)
const api = await time(() => c.get('/api/v1/devices?perPage=100&sort=lastSeen'), 200)

// Raw baseline: Bun.serve + bun:sqlite, the same 10,000 rows and the same kind of page
// (sorted by lower(name), 50 rows with site and org names, plus the total count).
const raw = new Database(':memory:')
raw.exec(`CREATE TABLE sites (id TEXT PRIMARY KEY, name TEXT); CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT);
  CREATE TABLE devices (id TEXT PRIMARY KEY, org_id TEXT, site_id TEXT, hostname TEXT, display_name TEXT, os_type TEXT, os_version TEXT, status TEXT, last_seen_at INTEGER, last_user TEXT, cpu INTEGER, ram INTEGER, disk INTEGER, tags TEXT);
  CREATE INDEX devices_org_site ON devices (org_id, site_id);`)
for (const o of orgs) raw.query('INSERT INTO orgs VALUES (?, ?)').run(o.id, o.name)
for (const st of sites) raw.query('INSERT INTO sites VALUES (?, ?)').run(st.id, st.name)
const ins = raw.prepare('INSERT INTO devices VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
raw.transaction(() => list.forEach((d, i) => ins.run(String(i), d.orgId, d.siteId, d.hostname!, d.osType!, 'Windows 11 Pro', d.status!, d.lastSeenAt!, d.lastUser!, d.cpuPercent!, d.ramPercent!, d.diskPercent!, JSON.stringify(d.tags))))()
const page = raw.prepare(`SELECT d.*, s.name AS site, o.name AS org FROM devices d JOIN sites s ON s.id = d.site_id JOIN orgs o ON o.id = d.org_id
  WHERE d.status <> 'decommissioned' ORDER BY lower(coalesce(d.display_name, d.hostname)), d.id LIMIT 50`)
const total = raw.prepare(`SELECT count(*) AS n FROM devices WHERE status <> 'decommissioned'`)
const esc = (v: unknown) => String(v ?? '').replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`)
const rawServer = Bun.serve({
  port: 0, hostname: '127.0.0.1',
  fetch: () => {
    const rows = page.all() as Record<string, unknown>[]
    const n = (total.get() as { n: number }).n
    return new Response(`<p>${n} devices</p><table>${rows.map((r) => `<tr><td>${esc(r.hostname)}</td><td>${esc(r.status)}</td><td>${esc(r.os_version)}</td><td>${esc(r.site)}</td><td>${esc(r.last_user)}</td><td>${r.cpu}</td><td>${r.ram}</td><td>${r.disk}</td></tr>`).join('')}</table>`, { headers: { 'content-type': 'text/html' } })
  },
})
const rawUrl = `http://127.0.0.1:${rawServer.port}/`
await time(() => fetch(rawUrl).then((r) => r.text()), 20)
const rawPage = await time(() => fetch(rawUrl).then((r) => r.text()), 200)
rawServer.stop()

console.log(`### Device list, ${DEVICES.toLocaleString('en')} devices, signed-in partner admin (HTTP round trip, ms)\n`)
console.log(table(['request', 'p50', 'p95', 'p99'], [
  row('GET /devices (full page: layout, filters with sites and groups, 50 rows, count)', listPage),
  row('GET /devices?sort=cpu (htmx table fragment)', listFragment),
  row('GET /devices?search=host-0999 (fragment; name, user, IP search)', listSearch),
  row('GET /devices?orgId&os&status&tag (fragment)', listFiltered),
  row('GET /devices?page=150 (fragment, offset 7,450)', listDeep),
  row('GET /api/v1/devices?perPage=100&sort=lastSeen', api),
  row('raw Bun.serve + bun:sqlite, page of 50 + count', rawPage),
  ['ratio GET /devices : raw (p95)', percentile(listPage, 95) / percentile(rawPage, 95), null, null],
]))
console.log(`\ntarget: device list p95 under 150 ms at 10,000 devices — ${percentile(listPage, 95) < 150 ? 'met' : 'NOT met'}\n`)

// ---- 2. 30 days of metrics for one device ----
const deviceId = (await c.get('/api/v1/devices?perPage=1')).json.data[0].id as string
const now = s.clock.now()
const start = Math.floor((now - 30 * DAY) / HOUR) * HOUR
const samples = Array.from({ length: Math.floor((now - start) / 60_000) }, (_, i) => ({
  at: start + i * 60_000, cpuPercent: Math.round(30 + 25 * Math.sin(i / 90)), ramPercent: 40 + (i % 30), diskPercent: 60 + Math.floor(i / 10_000), netInBytes: 1000 + (i % 97) * 10, netOutBytes: 500 + (i % 13) * 10, processCount: 180 + (i % 20),
}))
await addMetrics(s.ctx, deviceId, samples)
// Other devices' samples in the same table (a day each for 300 devices), as in a real fleet.
const others = (await c.get('/api/v1/devices?perPage=300&page=2')).json.data.map((d: { id: string }) => d.id) as string[]
for (const id of others) await addMetrics(s.ctx, id, Array.from({ length: 1440 }, (_, i) => ({ at: now - DAY + i * 60_000, cpuPercent: i % 100, ramPercent: 50, diskPercent: 70 })))
const r0 = performance.now()
let rolled = { hours: 0, days: 0 }
for (let k = 0; k < 20; k++) { const r = await rollupMetrics(s.ctx); rolled = { hours: rolled.hours + r.hours, days: rolled.days + r.days }; if (r.hours === 0) break }
const rollupMs = performance.now() - r0
const m = (from: number) => `/api/v1/devices/${deviceId}/metrics?from=${from}&to=${now}`
await time(() => c.get(m(now - 30 * DAY)), 20)
const month = await time(() => c.get(m(now - 30 * DAY)), 200)
const week = await time(() => c.get(m(now - 7 * DAY)), 200)
const day = await time(() => c.get(m(now - DAY)), 100)
const monthPoints = (await c.get(m(now - 30 * DAY))).json.points.length
const dayPoints = (await c.get(m(now - DAY))).json.points.length

// Raw baseline: the same hourly roll-up rows (720 for 30 days) in bun:sqlite, served as JSON.
raw.exec(`CREATE TABLE rollups (device_id TEXT, resolution TEXT, bucket INTEGER, samples INTEGER, cpu_avg INTEGER, cpu_min INTEGER, cpu_max INTEGER, ram_avg INTEGER, ram_min INTEGER, ram_max INTEGER,
  disk_avg INTEGER, disk_min INTEGER, disk_max INTEGER, net_in INTEGER, net_out INTEGER, process_avg INTEGER, PRIMARY KEY (device_id, resolution, bucket))`)
const insR = raw.prepare('INSERT INTO rollups VALUES (?, ?, ?, 60, 30, 5, 55, 50, 40, 69, 60, 60, 61, 60000, 30000, 190)')
raw.transaction(() => { for (const id of [deviceId, ...others]) for (let b = start; b < now; b += HOUR) insR.run(id, 'hour', b) })()
const q = raw.prepare('SELECT * FROM rollups WHERE device_id = ? AND resolution = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket')
const rawMetrics = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({ points: q.all(deviceId, 'hour', start, now) }) })
const rawMetricsUrl = `http://127.0.0.1:${rawMetrics.port}/`
await time(() => fetch(rawMetricsUrl).then((r) => r.json()), 20)
const rawMonth = await time(() => fetch(rawMetricsUrl).then((r) => r.json()), 200)
rawMetrics.stop()

console.log(`### Metrics of one device (${samples.length.toLocaleString('en')} raw samples over 30 days, rolled up: ${rolled.hours} hours and ${rolled.days} days in ${(rollupMs / 1000).toFixed(1)} s; raw kept 7 days)\n`)
console.log(table(['request', 'points', 'p50 ms', 'p95 ms', 'p99 ms'], [
  ['GET /metrics, 30 days (hourly roll-ups + on-the-fly current hour)', monthPoints, percentile(month, 50), percentile(month, 95), percentile(month, 99)],
  ['GET /metrics, 7 days (hourly)', null, percentile(week, 50), percentile(week, 95), percentile(week, 99)],
  ['GET /metrics, 24 hours (raw samples)', dayPoints, percentile(day, 50), percentile(day, 95), percentile(day, 99)],
  ['raw Bun.serve + bun:sqlite, 720 hourly rows as JSON', 720, percentile(rawMonth, 50), percentile(rawMonth, 95), percentile(rawMonth, 99)],
  ['ratio 30 days : raw (p95)', null, percentile(month, 95) / percentile(rawMonth, 95), null, null],
]))
console.log('')
await s.stop()
