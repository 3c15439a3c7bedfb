// Building the app context and running the server: data directory checks, keys, database,
// migrations, jobs, HTTP, and a clean shutdown.
import { accessSync, constants, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import pkg from '../package.json'
import { createApp } from './app'
import { startAlerting } from './alerts/start'
import { startTickets } from './tickets/ticket-rules'
import { pruneAudit } from './audit/query'
import { startAutomations } from './automations/start'
import { startPolicies } from './policies/start'
import { createAuthLimits } from './auth/rate-limit'
import { deleteExpiredSessions } from './auth/session-repo'
import { issueSetupToken } from './auth/setup'
import { BlobStore } from './blobs/store'
import { ConfigError, type Config } from './config'
import type { AppContext } from './context'
import { openDatabase } from './db'
import { migrate } from './db/migrate'
import { registerDeviceActionWork } from './device-actions/register'
import { registerDeviceWork } from './devices/register'
import { registerPatchingWork } from './patching/register'
import { EventBus } from './events'
import { JobRunner } from './jobs/runner'
import { deleteFinishedJobs } from './jobs/cleanup'
import { eventOutbox, redeliverLeftovers } from './jobs/outbox'
import { loadKeys } from './keys'
import { systemClock, type Clock } from './lib/clock'
import { createLogger, type Logger } from './lib/log'
import { SecretBox } from './lib/secret-box'
import { StorageState } from './lib/storage'
import { ensureSystemScripts } from './scripts/system-scripts'
import { getPublicUrl } from './settings/public-url'
import { ensureBuiltinRoles } from './tenancy/roles'
import { loadAssets } from './web/assets'
import { LiveHub } from './web/live'
import { repairHalfApplied } from './agents/commands'
import { createAgentHub } from './agents/hub'
import { startAgentRuntime } from './agents/status'
import { startReports } from './reports/start'
import { registerRemoteWork, stopRemoteWork } from './remote/register'
import { closeCodes } from './protocol'
import { ServerHealth } from './system/health'
import { ServerMetrics } from './observability/metrics'
import { startObservability } from './observability/start'
import { closeSseStreams } from './web/sse'
import { checkDataDirFs } from './system/filesystem'

export const version: string = pkg.version

/** checkDataDir makes sure the data directory exists and is writable, or says how to fix it. */
export function checkDataDir(dir: string) {
  try {
    mkdirSync(dir, { recursive: true })
    accessSync(dir, constants.W_OK)
    const probe = path.join(dir, `.write-test-${process.pid}`)
    writeFileSync(probe, '')
    rmSync(probe)
  } catch (err) {
    throw new ConfigError(`the data directory ${dir} is not writable (${(err as Error).message}). Create it and give the user running Breeze write access, or choose another with --data-dir / BREEZE_DATA_DIR.`)
  }
}

/**
 * watchStorage logs each storage failure once, with the cause the driver gave (SQLITE_FULL,
 * 53100, ENOSPC…), when writes start failing, and once more when they succeed again; the
 * requests refused meanwhile answer 503 storage_full and log at debug only, so a full disk
 * does not also flood the log.
 */
function watchStorage(storage: StorageState, log: Logger, dataDir: string): StorageState {
  storage.listener.degraded = (f) => log.error(f.full ? 'storage full: writes are refused (503 storage_full) until space is freed' : 'storage failing: writes are refused (503 storage_error) until they succeed again', { area: f.area, code: f.code, cause: f.message, dataDir })
  storage.listener.recovered = (f, seconds) => log.warn('storage takes writes again', { area: f.area, code: f.code, seconds: Math.round(seconds) })
  return storage
}

export type ContextOptions = {
  clock?: Clock
  log?: Logger
  /** The mount table to judge the data directory's file system by (tests); default /proc/self/mountinfo. */
  mountTable?: string | null
}

/** createContext opens everything a server or an offline command needs, migrating the database. */
export async function createContext(config: Config, opts: ContextOptions = {}): Promise<AppContext> {
  checkDataDir(config.dataDir)
  const clock = opts.clock ?? systemClock
  const log = opts.log ?? createLogger(config.logLevel)
  const networkFs = checkDataDirFs(config.dataDir, { sqlite: !config.databaseUrl, allow: config.allowNetworkFs, mountTable: opts.mountTable })
  if (networkFs) log.warn('the data directory is on a network file system, which SQLite\'s write-ahead log does not survive reliably; starting anyway (--allow-network-fs)', { dataDir: config.dataDir, fsType: networkFs.fsType, source: networkFs.source })
  const keys = loadKeys(config.dataDir)
  const storage = watchStorage(new StorageState(), log, config.dataDir)
  const database = await openDatabase({ ...config, storage })
  await migrate(database, clock.now())
  const metrics = new ServerMetrics()
  storage.listener.error = (area, cause) => metrics.storageErrors.inc({ area, code: cause.code })
  const events = new EventBus(log)
  const jobs = new JobRunner(database.db, clock, log)
  events.useOutbox(eventOutbox(database.db, jobs, events, clock))
  const ctx: AppContext = {
    config, version, database, db: database.db, clock, log, keys, events, jobs,
    secrets: new SecretBox(keys.secretKey),
    blobs: new BlobStore(path.join(config.dataDir, 'blobs'), storage),
    limits: createAuthLimits(() => clock.now()),
    live: new LiveHub(),
    agents: createAgentHub(database.db),
    health: new ServerHealth(storage),
    metrics,
  }
  await ensureBuiltinRoles(ctx)
  await ensureSystemScripts(ctx)
  return ctx
}

/** registerJobs declares the recurring housekeeping jobs. */
async function registerJobs(ctx: AppContext) {
  await ctx.jobs.every('sessions.cleanup', 3600_000, () => deleteExpiredSessions(ctx.db, ctx.clock.now()))
  await ctx.jobs.every('audit.prune', 24 * 3600_000, async () => { await pruneAudit(ctx) })
  await registerDeviceWork(ctx)
  await registerDeviceActionWork(ctx)
  await registerPatchingWork(ctx)
  await startAlerting(ctx)
  startTickets(ctx)
  await startAgentRuntime(ctx)
  await registerRemoteWork(ctx)
  await startAutomations(ctx)
  await startPolicies(ctx)
  await startReports(ctx)
  await ctx.jobs.every('jobs.cleanup', 24 * 3600_000, () => deleteFinishedJobs(ctx.db, ctx.clock.now() - 7 * 24 * 3600_000))
}

/**
 * listen binds the port, refusing one that is taken. note: Elysia asks Bun for SO_REUSEPORT,
 * with which a second server on a busy port starts without error and the kernel spreads
 * connections between the two (each answering with its own data directory); off, the bind fails.
 */
function listen(app: ReturnType<typeof createApp>, config: Config, tls: { cert: Bun.BunFile; key: Bun.BunFile } | undefined) {
  try {
    app.listen({ port: config.port, hostname: config.host, tls, reusePort: false })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'EADDRINUSE') throw new ConfigError(`port ${config.port} on ${config.host} is already in use (another Breeze, or another program, listens there). Stop it or choose another port with --port / PORT.`)
    if (code === 'EACCES') throw new ConfigError(`not allowed to listen on port ${config.port} (ports below 1024 need privileges). Choose another port with --port / PORT.`)
    throw err
  }
}

export type RunningServer = { ctx: AppContext; url: string; port: number; stop(opts?: { deadline?: number }): Promise<ShutdownReport> }

/** startServer runs Breeze until stop() is called. */
export async function startServer(config: Config, opts: ContextOptions = {}): Promise<RunningServer> {
  const ctx = await createContext(config, opts)
  const assets = await loadAssets()
  const app = createApp(ctx, assets)
  const tls = config.tls ? { cert: Bun.file(config.tls.certFile), key: Bun.file(config.tls.keyFile) } : undefined
  try {
    listen(app, config, tls)
  } catch (err) {
    await ctx.database.close()
    throw err
  }
  const port = app.server!.port!
  // note: with --port 0 the system picked one; links that fall back to this address need it.
  config.port = port
  const scheme = tls ? 'https' : 'http'
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `${scheme}://${shownHost}:${port}`
  await registerJobs(ctx)
  startObservability(ctx)
  // note: after the port is ours (a second server on the same data must not repair under the first).
  await repairHalfApplied(ctx)
  const leftovers = await redeliverLeftovers(ctx.db, ctx.clock.now())
  if (leftovers > 0) ctx.log.warn('delivering events the previous process recorded but did not deliver', { count: leftovers })
  ctx.jobs.start()
  ctx.log.info('breeze started', { url, version, database: ctx.database.dialect, databaseVersion: ctx.database.version, dataDir: config.dataDir })
  const setupToken = await issueSetupToken(ctx)
  // Links would point where others cannot follow (before setup, the setup page asks for it).
  const publicUrl = await getPublicUrl(ctx)
  if (publicUrl.warning && (publicUrl.source !== 'unset' || !setupToken)) ctx.log.warn(publicUrl.warning, { publicUrl: publicUrl.url, source: publicUrl.source })
  if (setupToken && config.logLevel !== 'error') {
    const base = config.publicUrl ?? url
    ctx.log.info('first run: create the first administrator', { setupUrl: `${base}/setup?token=${setupToken}` })
    process.stderr.write(`\n  Breeze is not set up yet. Open this one-time link to create the first administrator:\n\n    ${base}/setup?token=${setupToken}\n\n`)
  }
  let stopping: Promise<ShutdownReport> | null = null
  return {
    ctx, url, port,
    stop: (opts) => (stopping ??= shutdown(ctx, app, opts?.deadline ?? Date.now() + config.shutdownSeconds * 1000)),
  }
}

export type ShutdownReport = { ms: number; releasedJobs: string[]; forcedConnections: boolean }

/**
 * shutdown stops this server in order, all by `deadline` (epoch ms): refuse new requests
 * (/healthz says draining), stop claiming jobs, end the live streams (SSE, agent sockets
 * with 1012 "service restart", remote sessions), let the requests and jobs in hand finish —
 * jobs still running at the deadline are released to run again on the next start — then
 * write what is batched and close the database (SQLite: WAL checkpointed and truncated).
 */
async function shutdown(ctx: AppContext, app: ReturnType<typeof createApp>, deadline: number): Promise<ShutdownReport> {
  const started = Date.now()
  const left = () => Math.max(0, deadline - Date.now())
  const byDeadline = <T>(p: Promise<T>): Promise<T | 'late'> => Promise.race([p, Bun.sleep(left()).then(() => 'late' as const)])
  ctx.health.draining = true
  const jobs = ctx.jobs.stop(deadline)
  const streams = closeSseStreams()
  await ctx.agents.stop(closeCodes.serviceRestart, 'server restarting')
  await byDeadline(stopRemoteWork(ctx).catch((err) => ctx.log.warn('could not end remote sessions at shutdown', { err })))
  const releasedJobs = await jobs
  // Requests in hand (their database work included) finish before the database closes. The
  // port stays open meanwhile: new requests get 503 and /healthz says "draining".
  const server = app.server
  let forcedConnections = false
  if (server) {
    while (server.pendingRequests > 0 && left() > 0) await Bun.sleep(20)
    if ((await byDeadline(server.stop(false))) === 'late') {
      forcedConnections = true
      ctx.log.warn('requests still open at the shutdown deadline were cut', { requests: server.pendingRequests, sockets: server.pendingWebSockets })
      await server.stop(true)
    }
  }
  await ctx.agents.heartbeats.drain()
  await byDeadline(ctx.events.settle())
  ctx.metrics.stop()
  await ctx.database.close()
  const report = { ms: Date.now() - started, releasedJobs, forcedConnections }
  ctx.log.info('breeze stopped', { ...report, sseStreams: streams })
  return report
}
