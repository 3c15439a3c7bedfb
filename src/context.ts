// AppContext: everything a request or job needs, built once in server.ts and passed down
// explicitly (no module-level singletons besides the dialect's tables).
import type { Config } from './config'
import type { Database, Db } from './db'
import type { Tx } from './db/tx'
import type { EventBus } from './events'
import type { JobRunner } from './jobs/runner'
import type { ServerKeys } from './keys'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/log'
import type { SecretBox } from './lib/secret-box'
import type { AuthLimits } from './auth/rate-limit'
import type { BlobStore } from './blobs/store'
import type { LiveHub } from './web/live'
import type { AgentHub } from './agents/hub'
import type { ServerHealth } from './system/health'
import type { ServerMetrics } from './observability/metrics'

export type AppContext = {
  config: Config
  version: string
  database: Database
  db: Db
  clock: Clock
  log: Logger
  events: EventBus
  jobs: JobRunner
  keys: ServerKeys
  secrets: SecretBox
  blobs: BlobStore
  limits: AuthLimits
  /** Live updates to open pages (src/web/live.ts). */
  live: LiveHub
  /** Agent sockets, handshake limit and heartbeat writer of this process (src/agents/hub.ts). */
  agents: AgentHub
  /** Draining and storage state of this process, for /healthz and the request guards (src/system/health.ts). */
  health: ServerHealth
  /** Prometheus counters and histograms of this process (src/observability). */
  metrics: ServerMetrics
}

/** A context inside a transaction: what writers that must share the change's commit take (recordAudit). */
export type TxContext = Omit<AppContext, 'db'> & { db: Tx }

/** TxHook is work a caller adds to another function's transaction (typically its audit row). */
export type TxHook = (tx: TxContext) => Promise<void>

/**
 * withDb returns the context for work inside the transaction `tx`: its queries join it, and
 * its events wait for the commit (durable ones are recorded in it, src/events.ts).
 */
export function withDb<C extends Pick<AppContext, 'db' | 'events'>>(ctx: C, tx: Tx): Omit<C, 'db'> & { db: Tx } {
  return { ...ctx, db: tx, events: ctx.events.inTx(tx) }
}
