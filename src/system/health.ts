// What /healthz reports beyond "the database answers": whether this process is shutting down
// (draining). Lives on the app context as `ctx.health`.
import { Elysia } from 'elysia'
import { AppError } from '../lib/errors'

/** ServiceUnavailableError is a 503 the client should retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, readonly retryAfterSeconds: number) { super(503, code, message, { retryAfterSeconds }) }
}

export class ServerHealth {
  /** Set on SIGTERM: new requests are refused while the work in hand finishes. */
  draining = false
}

/**
 * drainingGuard refuses new requests once the server is shutting down (503 with
 * Retry-After, the connection closed), except /healthz, which says "draining". Agents
 * reconnecting their socket during the drain are refused the same way and retry later.
 */
export function drainingGuard(health: ServerHealth) {
  return new Elysia({ name: 'breeze.draining' }).onRequest(({ request, set }) => {
    if (!health.draining) return
    const path = new URL(request.url).pathname
    if (path === '/healthz' || path === '/readyz') return
    set.headers.connection = 'close'
    throw new ServiceUnavailableError('shutting_down', 'the server is restarting; try again in a few seconds', 5)
  })
}
