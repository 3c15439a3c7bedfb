// One-line JSON logs on stderr (journald, launchd and the Windows service wrapper keep them).
import { env } from '../config'

const order = { debug: 10, info: 20, warn: 30, error: 40 } as const
type Level = keyof typeof order
const threshold = order[(env.logLevel as Level) in order ? (env.logLevel as Level) : 'info']

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (order[level] < threshold) return
  const extra = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v])) : {}
  process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...extra }) + '\n')
}

export const log = {
  debug: (msg: string, f?: Record<string, unknown>) => write('debug', msg, f),
  info: (msg: string, f?: Record<string, unknown>) => write('info', msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => write('warn', msg, f),
  error: (msg: string, f?: Record<string, unknown>) => write('error', msg, f),
}
