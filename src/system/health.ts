// What /healthz reports beyond "the database answers": whether this process is shutting down
// (draining) and whether its storage takes writes (a full disk). Lives on the app context as
// `ctx.health`.
import { Elysia } from 'elysia'
import { AppError } from '../lib/errors'
import { StorageState, type StorageFailure } from '../lib/storage'

/** ServiceUnavailableError is a 503 the client should retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, readonly retryAfterSeconds: number) { super(503, code, message, { retryAfterSeconds }) }
}

export class ServerHealth {
  /** Set on SIGTERM: new requests are refused while the work in hand finishes. */
  draining = false
  /** Storage failures (database and files) from the first failed write until a write succeeds again. */
  constructor(readonly storage = new StorageState()) {}

  /** storageReport: what /healthz and /readyz show about storage (`ok`, or each failing area with its cause). */
  storageReport(): { status: 'ok' } | { status: 'full' | 'failing'; failures: (Omit<StorageFailure, 'since'> & { since: string; reason: string })[] } {
    const failures = this.storage.current
    if (failures.length === 0) return { status: 'ok' }
    return {
      status: failures.some((f) => f.full) ? 'full' : 'failing',
      failures: failures.map((f) => ({
        ...f, since: new Date(f.since).toISOString(),
        reason: `${f.area === 'database' ? 'database' : 'file'} writes fail with ${f.code} (${f.message})`,
      })),
    }
  }
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
