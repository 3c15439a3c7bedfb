// The one place that reads process.env. Flags win over environment variables, which win
// over defaults. Every value is checked here so a bad config fails before anything starts.
import path from 'node:path'
import { normalizePublicUrl } from './lib/urls'

export type Config = {
  port: number
  host: string
  dataDir: string
  /** Empty means the embedded SQLite database in dataDir. */
  databaseUrl: string
  /**
   * --public-url / BREEZE_PUBLIC_URL: fixes the public URL. null: the one stored in settings
   * (confirmed at setup, edited in Settings). Links are built by settings/public-url.ts only.
   */
  publicUrl: string | null
  logLevel: LogLevel
  maxBodyBytes: number
  /** Honour X-Forwarded-For / X-Forwarded-Proto from a reverse proxy in front of Breeze. */
  trustProxy: boolean
  /** Serve HTTPS directly with this certificate and key (PEM files); null serves HTTP. */
  tls: { certFile: string; keyFile: string } | null
  /** On SIGTERM, how long the work in hand may take before it is released and the server exits anyway. */
  shutdownSeconds: number
  /**
   * How often agents send a heartbeat, after how many missed ones a device without a socket is
   * offline, and how long after its socket closed (with nothing heard since) a device is offline.
   */
  agents: { heartbeatSeconds: number; offlineAfterMissed: number; offlineGraceSeconds: number }
  /**
   * Who may read /metrics: a bearer token (BREEZE_METRICS_TOKEN) or a client address in one of
   * the listed ranges (BREEZE_METRICS_ALLOW, comma-separated addresses or CIDRs; loopback by default).
   */
  metrics: { token: string | null; allow: string[] }
  /**
   * --allow-network-fs / BREEZE_ALLOW_NETWORK_FS=1: start even though the data directory (with
   * its SQLite database) is on a network file system (src/system/filesystem.ts says why not).
   */
  allowNetworkFs: boolean
  /**
   * BREEZE_AGENTS_DIR: where agent builds are found besides <data dir>/agents; by default the
   * agents/ folder next to the server executable, or dist/agents when running from source.
   */
  agentsDir: string
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const logLevels: LogLevel[] = ['debug', 'info', 'warn', 'error']

/** Flags shared by `serve` and every offline command. */
export type ConfigFlags = {
  port?: string
  host?: string
  'data-dir'?: string
  'database-url'?: string
  'public-url'?: string
  'tls-cert'?: string
  'tls-key'?: string
  'allow-network-fs'?: boolean
}

export class ConfigError extends Error {}

/** loadConfig merges flags, environment and defaults, and throws ConfigError naming what to fix. */
export function loadConfig(flags: ConfigFlags = {}, env: Record<string, string | undefined> = process.env): Config {
  const port = parsePort(flags.port ?? env.PORT ?? '3000')
  // note: empty means unset, so a compose file can pass `${BREEZE_PUBLIC_URL:-}` through.
  const givenPublicUrl = flags['public-url'] || env.BREEZE_PUBLIC_URL || null
  let publicUrl: string | null = null
  if (givenPublicUrl !== null) {
    try { publicUrl = normalizePublicUrl(givenPublicUrl) } catch {
      throw new ConfigError(`BREEZE_PUBLIC_URL (--public-url) must be the http(s) URL people and agents reach Breeze at, such as https://rmm.example.com (no query or credentials), got "${givenPublicUrl}"`)
    }
  }
  const databaseUrl = flags['database-url'] ?? env.DATABASE_URL ?? ''
  if (databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database), got "${redactUrl(databaseUrl)}"`)
  }
  const logLevel = (env.BREEZE_LOG_LEVEL ?? 'info') as LogLevel
  if (!logLevels.includes(logLevel)) throw new ConfigError(`BREEZE_LOG_LEVEL must be one of ${logLevels.join(', ')}`)
  const maxBodyBytes = Number(env.BREEZE_MAX_BODY_BYTES ?? 16 * 1024 * 1024)
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024) throw new ConfigError('BREEZE_MAX_BODY_BYTES must be an integer of at least 1024')
  const certFile = flags['tls-cert'] ?? env.BREEZE_TLS_CERT
  const keyFile = flags['tls-key'] ?? env.BREEZE_TLS_KEY
  if (!!certFile !== !!keyFile) throw new ConfigError('give both BREEZE_TLS_CERT and BREEZE_TLS_KEY (or --tls-cert and --tls-key), or neither')
  return {
    port,
    host: flags.host ?? env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(flags['data-dir'] ?? env.BREEZE_DATA_DIR ?? './data'),
    databaseUrl,
    publicUrl,
    logLevel,
    maxBodyBytes,
    trustProxy: env.BREEZE_TRUST_PROXY === '1' || env.BREEZE_TRUST_PROXY === 'true',
    tls: certFile && keyFile ? { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) } : null,
    shutdownSeconds: intSetting(env.BREEZE_SHUTDOWN_TIMEOUT_SECONDS, 25, 1, 600, 'BREEZE_SHUTDOWN_TIMEOUT_SECONDS'),
    agents: {
      heartbeatSeconds: intSetting(env.BREEZE_AGENT_HEARTBEAT_SECONDS, 60, 5, 3600, 'BREEZE_AGENT_HEARTBEAT_SECONDS'),
      offlineAfterMissed: intSetting(env.BREEZE_AGENT_OFFLINE_AFTER_MISSED, 3, 1, 100, 'BREEZE_AGENT_OFFLINE_AFTER_MISSED'),
      offlineGraceSeconds: intSetting(env.BREEZE_AGENT_OFFLINE_GRACE_SECONDS, 60, 1, 3600, 'BREEZE_AGENT_OFFLINE_GRACE_SECONDS'),
    },
    metrics: metricsAccess(env),
    allowNetworkFs: flags['allow-network-fs'] === true || env.BREEZE_ALLOW_NETWORK_FS === '1' || env.BREEZE_ALLOW_NETWORK_FS === 'true',
    agentsDir: path.resolve(env.BREEZE_AGENTS_DIR || defaultAgentsDir()),
  }
}

/** The agents/ folder next to the compiled server, or what `npm run build` writes when running from source. */
function defaultAgentsDir(): string {
  const exe = path.basename(process.execPath)
  return /^bun(\.exe)?$/.test(exe) ? path.join(import.meta.dir, '..', 'dist', 'agents') : path.join(path.dirname(process.execPath), 'agents')
}

function metricsAccess(env: Record<string, string | undefined>): Config['metrics'] {
  const token = env.BREEZE_METRICS_TOKEN || null
  if (token !== null && token.length < 16) throw new ConfigError('BREEZE_METRICS_TOKEN must be at least 16 characters (a random string Prometheus sends as a bearer token)')
  const allow = (env.BREEZE_METRICS_ALLOW ?? '127.0.0.0/8,::1').split(',').map((s) => s.trim()).filter(Boolean)
  for (const entry of allow) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)) throw new ConfigError(`BREEZE_METRICS_ALLOW lists addresses or CIDR ranges separated by commas (e.g. 10.0.0.5,192.168.1.0/24); "${entry}" is neither`)
  }
  return { token, allow }
}

function intSetting(value: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`)
  return n
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got "${value}"`)
  return port
}

/** redactUrl hides the password of a database URL for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@')
}

/** Test-only knobs, read here so nothing else touches process.env. */
export const testEnv = {
  databaseUrl: process.env.DATABASE_URL ?? '',
  chromiumPath: process.env.BREEZE_CHROMIUM ?? '/usr/bin/chromium',
}
