// Webhook triggers: POST /api/v1/automations/webhooks/<token> with
//   X-Breeze-Timestamp: <unix seconds>
//   X-Breeze-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the secret>
// (the same scheme Breeze signs its own outgoing webhooks with, docs/webhooks.md). A timestamp
// more than five minutes off is refused, and a replayed request (same signature, or the same
// Idempotency-Key) starts no second run.
import type { AppContext } from '../context'
import { hmacHex, safeEqual } from '../lib/crypto'
import { AppError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors'
import { findDeviceFacts } from './facts-repo'
import { findAutomationByWebhook } from './repo'
import { startRun } from './runs'

export const webhookToleranceSeconds = 300

/** webhookSignature is what a caller sends: `sha256=` and the hex HMAC of `${timestamp}.${body}`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${hmacHex(secret, `${timestamp}.${body}`)}`
}

export async function receiveWebhook(ctx: AppContext, token: string, headers: Headers, body: string) {
  const a = await findAutomationByWebhook(ctx.db, token)
  if (!a || !a.webhookSecretSealed) throw new NotFoundError('webhook')
  const timestamp = headers.get('x-breeze-timestamp') ?? ''
  const signature = headers.get('x-breeze-signature') ?? ''
  if (!/^\d{9,11}$/.test(timestamp)) throw new UnauthorizedError('missing or malformed X-Breeze-Timestamp (unix seconds)')
  if (Math.abs(ctx.clock.now() / 1000 - Number(timestamp)) > webhookToleranceSeconds) throw new UnauthorizedError(`X-Breeze-Timestamp is more than ${webhookToleranceSeconds} s from the server's clock`)
  const expected = webhookSignature(ctx.secrets.open(a.webhookSecretSealed), timestamp, body)
  if (!safeEqual(expected, signature.trim())) {
    ctx.log.warn('automation webhook: bad signature', { automationId: a.id })
    throw new UnauthorizedError('invalid X-Breeze-Signature')
  }
  if (!a.enabled) throw new AppError(409, 'disabled', 'this automation is disabled')
  let payload: unknown = null
  if (body.trim()) {
    try { payload = JSON.parse(body) } catch { throw new ValidationError('body', 'the body is not JSON') }
  }
  const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? payload as Record<string, unknown> : {}
  let deviceId: string | null = null
  if (typeof p.deviceId === 'string') {
    const device = await findDeviceFacts(ctx.db, p.deviceId)
    const inOwner = device && device.partnerId === a.partnerId && (a.orgId === null || device.orgId === a.orgId)
    if (!inOwner) throw new ValidationError('deviceId', 'no such device in this automation\'s organization')
    deviceId = device.id
  }
  const key = headers.get('idempotency-key')?.slice(0, 200) || signature.trim()
  const runs = await startRun(ctx, a, { type: 'webhook', key: `webhook:${key}`, by: 'webhook', deviceId, data: { event: 'webhook', body: payload } })
  return runs.map((r) => ({ id: r.id, status: r.status, orgId: r.orgId }))
}
