// GET /metrics (Prometheus text format) for a bearer token or a listed client address, and the
// HTTP timing hooks that feed breeze_http_request_duration_seconds.
import { Elysia } from 'elysia'
import ipaddr from 'ipaddr.js'
import { timingSafeEqual } from 'node:crypto'
import type { AppContext } from '../context'
import { requestInfo } from '../web/request-info'

/** addressAllowed: is `ip` inside one of the listed addresses or CIDR ranges? */
export function addressAllowed(ip: string | null, allow: string[]): boolean {
  if (!ip) return false
  let addr: ipaddr.IPv4 | ipaddr.IPv6
  try { addr = ipaddr.process(ip) } catch { return false }
  for (const entry of allow) {
    try {
      const [range, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.process(entry), ipaddr.process(entry).kind() === 'ipv4' ? 32 : 128]
      if (range.kind() === addr.kind() && addr.match(range, bits)) return true
    } catch { /* checked in config.ts */ }
  }
  return false
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** httpMetrics times every request by its route pattern (bounded label values). */
export function httpMetrics(ctx: AppContext) {
  const started = new WeakMap<Request, number>()
  return new Elysia({ name: 'breeze.http-metrics' })
    .onRequest(({ request }) => { started.set(request, performance.now()) })
    .onAfterResponse({ as: 'global' }, ({ request, route, set }) => {
      const t0 = started.get(request)
      if (t0 === undefined) return
      const status = typeof set.status === 'number' ? set.status : 200
      ctx.metrics.observeHttp(request.method, route || 'unmatched', status, (performance.now() - t0) / 1000)
    })
}

export function prometheusRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.metrics' }).get('/metrics', async ({ request, server, set }) => {
    const info = requestInfo(ctx.config, request, server?.requestIP(request)?.address ?? null)
    const bearer = request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
    const { token, allow } = ctx.config.metrics
    const ok = bearer !== undefined ? token !== null && tokenMatches(bearer, token) : addressAllowed(info.ip, allow)
    set.headers['cache-control'] = 'no-store'
    if (!ok) {
      set.status = 404
      return 'not found\n'
    }
    set.headers['content-type'] = ctx.metrics.contentType
    return ctx.metrics.text()
  }, { detail: { hide: true } })
}
