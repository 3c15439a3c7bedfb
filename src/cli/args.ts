// Flag parsing shared by every command: strict (unknown flags are errors) with --help.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError } from '../config'

export const configFlags = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'allow-network-fs': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>

export const configFlagsHelp = `  --data-dir DIR        data directory (env BREEZE_DATA_DIR, default ./data)
  --database-url URL    PostgreSQL URL (env DATABASE_URL; default: SQLite in the data directory)
  --allow-network-fs    start even though the data directory is on a network file system
                        (NFS, SMB, sshfs…), which SQLite's write-ahead log does not survive
                        (env BREEZE_ALLOW_NETWORK_FS=1)`

export class UsageError extends Error {}

/** parse reads argv for one command; throws UsageError with the problem, or returns null for --help. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals })
    if ((parsed.values as Record<string, unknown>).help) return null
    return parsed
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** required returns a flag's value or throws a UsageError naming it. */
export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`)
  return v
}

/** parseDuration reads 30d, 12h, 45m into milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)([dhm])$/.exec(value)
  if (!m) throw new UsageError(`--${flag} must look like 30d, 12h or 45m`)
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']
}

export { ConfigError }
