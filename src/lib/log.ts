// One logger, made in main.ts (or by the test harness) and passed down in the app context.
// Lines are JSON so they can be shipped anywhere; the console form is still readable.
import type { LogLevel } from '../config'

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type Logger = {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** createLogger writes JSON lines at or above `level` to `write` (stderr by default). */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const at = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return
    write(JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...serialize(fields) }))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

function serialize(fields?: Record<string, unknown>) {
  if (!fields) return {}
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? errorFields(v) : v
  return out
}

/** errorFields keeps an error's message and its cause chain (drizzle wraps the driver's error). */
function errorFields(e: Error): Record<string, unknown> {
  const code = (e as { code?: unknown }).code
  return { message: e.message, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}), ...(e.cause instanceof Error ? { cause: errorFields(e.cause) } : {}), stack: e.stack }
}

export const silentLogger: Logger = createLogger('error', () => {})
