// startTestServer: the real server, in this process, on a random port, with a fresh data
// directory and — when DATABASE_URL is set — a fresh PostgreSQL database of its own.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { loadConfig, testEnv, type Config } from '../config'
import { ManualClock } from '../lib/clock'
import { createLogger, type Logger } from '../lib/log'
import { startServer, type RunningServer } from '../server'
import { TestClient } from './client'

export type TestServer = RunningServer & { clock: ManualClock; dataDir: string; config: Config; client(): TestClient; databaseUrl: string }

export const usingPostgres = testEnv.databaseUrl !== ''

/** freshPostgresDatabase creates an empty database next to DATABASE_URL's and returns its URL and a drop function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(testEnv.databaseUrl, { max: 1, onnotice: () => {} })
  const name = `breeze_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await admin.unsafe(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(testEnv.databaseUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(testEnv.databaseUrl, { max: 1, onnotice: () => {} })
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
      await a.end()
    },
  }
}

/**
 * startTestServer starts the server with a ManualClock: frozen unless `runningClock` (end-to-end
 * tests with a real agent and browser that never move time themselves).
 */
export async function startTestServer(opts: { env?: Record<string, string>; dataDir?: string; databaseUrl?: string; runningClock?: boolean; log?: Logger } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'breeze-test-'))
  const pg = usingPostgres && !opts.databaseUrl ? await freshPostgresDatabase() : null
  const databaseUrl = opts.databaseUrl ?? pg?.url ?? ''
  const config = loadConfig({ port: '0', host: '127.0.0.1', 'data-dir': dataDir, 'database-url': databaseUrl || undefined }, { BREEZE_LOG_LEVEL: 'error', ...opts.env })
  const clock = new ManualClock(Date.now(), opts.runningClock ?? false)
  const server = await startServer(config, { clock, log: opts.log ?? createLogger(process.env.BREEZE_TEST_LOG === '1' ? 'debug' : 'error') })
  const url = `http://127.0.0.1:${server.port}`
  return {
    ...server, url, clock, dataDir, config, databaseUrl,
    client: () => new TestClient(url),
    async stop(stopOpts) {
      const report = await server.stop(stopOpts)
      await pg?.drop()
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
      return report
    },
  }
}
