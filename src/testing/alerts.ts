// Alerting fixtures: a real local HTTP receiver for webhooks (Slack, Teams, PagerDuty, ntfy,
// Gotify, SMS gateways all arrive here), and heartbeats emitted on the real event bus.
import type { AppContext } from '../context'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import type { HeartbeatMetrics } from '../events'
import { upsertSetting } from '../settings/repo'
import { TestClient } from './client'

export type Received = { method: string; path: string; query: URLSearchParams; headers: Headers; body: string; json: any; at: number }

/**
 * startReceiver listens on a random local port and records every request; `respond` decides
 * the answer (default 200 "ok").
 */
export function startReceiver(respond: (req: Received, n: number) => Response | Promise<Response> = () => new Response('ok')) {
  const requests: Received[] = []
  const waiters: (() => void)[] = []
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const body = await request.text()
      let json: unknown = undefined
      try { json = JSON.parse(body) } catch {}
      const r: Received = { method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body, json, at: Date.now() }
      requests.push(r)
      waiters.splice(0).forEach((w) => w())
      return respond(r, requests.length)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    /** waitFor resolves once `count` requests matching `filter` arrived (10 s at most). */
    async waitFor(count = 1, filter: (r: Received) => boolean = () => true): Promise<Received[]> {
      const deadline = Date.now() + 10_000
      for (;;) {
        const hits = requests.filter(filter)
        if (hits.length >= count) return hits
        if (Date.now() > deadline) throw new Error(`expected ${count} request(s), got ${hits.length}`)
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 100) })
      }
    },
    stop: () => server.stop(true),
  }
}

/**
 * allowLoopbackReceivers lets channels reach startReceiver's 127.0.0.1, as a platform
 * administrator's explicit allow entry would (the outbound guard refuses loopback otherwise).
 */
export async function allowLoopbackReceivers(ctx: AppContext) {
  await upsertSetting(ctx.db, 'outbound', { allowPrivate: false, allowAddresses: ['127.0.0.1'] }, ctx.clock.now())
}

export function metrics(over: Partial<HeartbeatMetrics> = {}): HeartbeatMetrics {
  return { cpuPercent: 10, ramPercent: 40, diskPercent: 50, volumes: {}, netInBytes: 0, netOutBytes: 0, processCount: 120, pendingReboot: false, custom: {}, ...over }
}

/** heartbeat emits heartbeat.received as the agent side does, and waits for every listener. */
export async function heartbeat(ctx: AppContext, device: { id: string; orgId: string }, over: Partial<HeartbeatMetrics> = {}) {
  ctx.events.emit('heartbeat.received', { deviceId: device.id, orgId: device.orgId, at: ctx.clock.now(), metrics: metrics(over) })
  await ctx.events.settle()
}

/** runJobs runs every due job (after moving the clock) and waits for the events they emit. */
export async function runJobs(ctx: AppContext) {
  await ctx.jobs.runDue()
  await ctx.events.settle()
  await ctx.jobs.runDue()
  await ctx.events.settle()
}

/**
 * bearerClient signs in and returns a client using a fresh API key: alert tests move the clock
 * by hours or days, which would expire a browser session.
 */
export async function bearerClient(server: { url: string; client(): TestClient }, email: string, password: string): Promise<TestClient> {
  const c = server.client()
  await c.login(email, password)
  const res = await c.post('/api/v1/api-keys', { name: `test ${email}` })
  if (res.status !== 201) throw new Error(`could not create an API key: ${res.status} ${res.text}`)
  return TestClient.withBearer(server.url, res.json.key)
}

/** makeAlert inserts an alert row as the engine would have opened it (lists, search, pages). */
export async function makeAlert(ctx: Pick<AppContext, 'db' | 'clock'>, a: { partnerId: string; orgId: string; siteId?: string | null; deviceId?: string | null; title: string; severity?: 'critical' | 'high' | 'medium' | 'low' | 'info'; status?: 'active' | 'acknowledged' | 'resolved' | 'suppressed'; message?: string }) {
  const now = ctx.clock.now()
  const row = {
    id: newId(), partnerId: a.partnerId, orgId: a.orgId, siteId: a.siteId ?? null, deviceId: a.deviceId ?? null, ruleId: null, kind: 'device' as const, subject: '',
    status: a.status ?? 'active', severity: a.severity ?? 'high', title: a.title, message: a.message ?? a.title, context: {} as never, triggeredAt: now, acknowledgedAt: null, acknowledgedBy: null,
    resolvedAt: null, resolvedBy: null, resolutionNote: null, resolvingValues: null, suppressedUntil: null, suppressReason: null, parentAlertId: null, escalationPolicyId: null,
    escalationStep: 0, nextEscalationAt: null, muted: false, updatedAt: now,
  }
  await ctx.db.insert(t.alerts).values(row)
  return row
}
