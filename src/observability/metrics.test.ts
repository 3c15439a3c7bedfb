// /metrics and /readyz: who may scrape (listed addresses, bearer token), what is exposed (the
// breeze_ families with live values: HTTP timings by route pattern, agents connected,
// heartbeats, job queue, notification deliveries, database timings, memory), and that
// Prometheus' own checker accepts the document (promtool from Debian's prometheus package).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'
import { addressAllowed } from './routes'

const token = 'scrape-token-0123456789abcdef'
let s: TestServer
let agent: ProtocolAgent

/** value reads one sample (`name{labels}`) from an exposition document. */
function value(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line ? Number(line.slice(series.length + 1)) : null
}

beforeAll(async () => {
  s = await startTestServer({ runningClock: true, env: { BREEZE_METRICS_TOKEN: token } })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Metrics Org')).id
  await makeSite(s.ctx, orgId, 'HQ')
  const admin = s.client()
  await admin.login(a.email, testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'metrics' })).json.key as string
  agent = await enrollProtocolAgent(s, key)
  await agent.connect()
})
afterAll(async () => { agent?.close(); await s.stop() })

const scrape = (headers: Record<string, string> = {}) => fetch(`${s.url}/metrics`, { headers }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), text: await r.text() }))

describe('/metrics', () => {
  test('loopback may scrape; a wrong token is refused like an unknown page', async () => {
    const ok = await scrape()
    expect(ok.status).toBe(200)
    expect(ok.type).toContain('text/plain')
    expect((await scrape({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(404)
    expect((await scrape({ authorization: `Bearer ${token}` })).status).toBe(200)
  })

  test('the address list and CIDR matching', () => {
    expect(addressAllowed('127.0.0.1', ['127.0.0.0/8'])).toBe(true)
    expect(addressAllowed('::ffff:127.0.0.1', ['127.0.0.0/8'])).toBe(true)
    expect(addressAllowed('10.1.2.3', ['127.0.0.0/8', '::1'])).toBe(false)
    expect(addressAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true)
    expect(addressAllowed('192.168.1.9', ['192.168.1.9'])).toBe(true)
    expect(addressAllowed('::1', ['::1'])).toBe(true)
    expect(addressAllowed(null, ['0.0.0.0/0'])).toBe(false)
  })

  test('live values: heartbeats, agents, HTTP by route pattern, jobs, database, memory', async () => {
    const before = value((await scrape()).text, 'breeze_heartbeats_total') ?? 0
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${s.url}/api/v1/agents/${agent.agentId}/heartbeat`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: agent.auth },
        body: JSON.stringify({ agentVersion: '0.1.0', hardwareId: agent.hardwareId, collectedAt: Date.now(), uptimeSeconds: 100, lastUser: null, loggedInUsers: [], pendingReboot: false,
          metrics: { cpuPercent: 5, ramPercent: 50, ramUsedMb: 100, diskPercent: 20, diskUsedGb: 3, volumes: {}, netInBytes: 1, netOutBytes: 2, processCount: 100 } }),
      })
      expect(r.status).toBe(200)
    }
    await s.ctx.jobs.enqueue('metrics.test.never', {}, { runAt: s.clock.now() + 3600_000 })
    s.ctx.metrics.notifications.inc({ channel: 'email', result: 'sent' })
    await Bun.sleep(5) // the heartbeat's response is sent before onAfterResponse runs
    const text = (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()))
    expect(value(text, "breeze_heartbeats_total")).toBe(before + 3)
    expect(value(text, 'breeze_agents_connected')).toBe(1)
    // Route patterns, never raw ids: bounded label values.
    expect(value(text, 'breeze_http_request_duration_seconds_count{method="POST",route="/api/v1/agents/:id/heartbeat",status="2xx"}')).toBeGreaterThanOrEqual(3)
    expect(text).not.toContain(agent.agentId)
    expect(value(text, 'breeze_job_queue_depth{state="pending"}')).toBeGreaterThanOrEqual(1)
    expect(value(text, 'breeze_job_queue_lag_seconds')).toBeGreaterThanOrEqual(0)
    expect(value(text, 'breeze_notification_deliveries_total{channel="email",result="sent"}')).toBe(1)
    expect(value(text, 'breeze_db_statement_duration_seconds_count{kind="read"}')).toBeGreaterThan(0)
    expect(value(text, 'breeze_db_statement_duration_seconds_count{kind="write"}')).toBeGreaterThan(0)
    expect(value(text, 'breeze_db_transaction_duration_seconds_count')).toBeGreaterThan(0)
    expect(value(text, 'breeze_process_memory_bytes{type="rss"}')).toBeGreaterThan(10_000_000)
    expect(text).toMatch(/^breeze_event_loop_lag_seconds\{stat="p99"\} [0-9.e-]+$/m)
    // Every family is ours.
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE'))) expect(line.split(' ')[2]).toStartWith('breeze_')
  })

  test('promtool check metrics accepts the document', async () => {
    const promtool = Bun.which('promtool')
    expect(promtool).not.toBeNull() // .ci/run installs Debian's prometheus package
    const text = (await scrape()).text
    const p = Bun.spawn([promtool!, 'check', 'metrics'], { stdin: new Blob([text]), stdout: 'pipe', stderr: 'pipe' })
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    expect({ code, out, err }).toEqual({ code: 0, out: '', err: '' })
  })
})

describe('/readyz', () => {
  test('ready while the database answers and the runner runs; 503 while draining', async () => {
    const r = await fetch(`${s.url}/readyz`)
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', jobs: 'ok', draining: false } })
    s.ctx.health.draining = true
    try {
      const d = await fetch(`${s.url}/readyz`)
      expect(d.status).toBe(503)
      expect((await d.json()).checks.draining).toBe(true)
    } finally { s.ctx.health.draining = false }
  })
})
