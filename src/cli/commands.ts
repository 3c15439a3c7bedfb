// The offline commands. Each prints what it did, or an error naming what to fix.
import { createApiKeyFor } from '../auth/api-keys'
import { completeSetup, isInitialized } from '../auth/setup'
import { systemActor } from '../audit/service'
import { verifyAuditChain } from '../audit/verify'
import { loadConfig } from '../config'
import { appliedMigrationTags, embeddedMigrations } from '../db/migrate'
import { createContext, version } from '../server'
import { loadScope } from '../tenancy/scope-repo'
import { findUserByEmail } from '../tenancy/users-repo'
import { configFlags, configFlagsHelp, parse, parseDuration, required, UsageError } from './args'

type Out = { log(line: string): void }

export const help = {
  migrate: `breeze migrate [--status]\n\nApply pending database migrations (serve also does this at start).\n\n  --status              list applied and pending migrations, change nothing\n${configFlagsHelp}`,
  setup: `breeze setup --email EMAIL --password PASSWORD --partner-name NAME [--name NAME] [--public-url URL]\n\nCreate the first partner and its administrator without the browser.\n\n  --public-url URL      where people and agents reach Breeze, e.g. https://rmm.example.com\n                        (links in emails and install commands; changeable under Settings)\n${configFlagsHelp}`,
  backup: `breeze backup --out FILE\n\nWrite a consistent backup (database, blobs, keys) to FILE (.tar.gz) while the server runs.\n\n${configFlagsHelp}`,
  restore: `breeze restore FILE [--force]\n\nRestore a backup into an empty data directory (and database). --force replaces existing data.\n\n${configFlagsHelp}`,
  audit: `breeze audit verify\n\nCheck the audit log's hash chain; names every edited, deleted or reordered row.\n\n${configFlagsHelp}`,
  'api-key': `breeze api-key create --email EMAIL --name NAME [--expires-in 30d]\n\nPrint a new API key for a user (for provisioning scripts). It has all of the user's permissions.\n\n${configFlagsHelp}`,
}

const contextFor = (values: Record<string, unknown>) => createContext(loadConfig({ 'data-dir': values['data-dir'] as string | undefined, 'database-url': values['database-url'] as string | undefined, 'allow-network-fs': values['allow-network-fs'] as boolean | undefined }), {
  log: { debug() {}, info() {}, warn() {}, error: (m, f) => process.stderr.write(`${m} ${JSON.stringify(f ?? {})}\n`) },
})

export async function migrateCommand(argv: string[], out: Out): Promise<number> {
  const args = parse(argv, { ...configFlags, status: { type: 'boolean' } })
  if (!args) return out.log(help.migrate), 0
  // createContext migrates; --status must not, so it opens the database itself.
  if (args.values.status) {
    const { openDatabase } = await import('../db')
    const config = loadConfig({ 'data-dir': args.values['data-dir'], 'database-url': args.values['database-url'] })
    const database = await openDatabase(config)
    const applied = new Set(await appliedMigrationTags(database))
    for (const m of embeddedMigrations(database.dialect)) out.log(`${applied.has(m.tag) ? 'applied' : 'pending'}  ${m.tag}`)
    await database.close()
    return 0
  }
  const ctx = await contextFor(args.values)
  out.log(`database is up to date (${embeddedMigrations(ctx.database.dialect).length} migrations, ${ctx.database.dialect})`)
  await ctx.database.close()
  return 0
}

export async function setupCommand(argv: string[], out: Out): Promise<number> {
  const args = parse(argv, { ...configFlags, email: { type: 'string' }, password: { type: 'string' }, 'partner-name': { type: 'string' }, name: { type: 'string' }, 'public-url': { type: 'string' } })
  if (!args) return out.log(help.setup), 0
  const input = { email: required(args.values, 'email'), password: required(args.values, 'password'), partnerName: required(args.values, 'partner-name') }
  const ctx = await contextFor(args.values)
  try {
    if (await isInitialized(ctx)) throw new UsageError('Breeze is already set up; sign in and invite users from the Users page')
    const user = await completeSetup(ctx, { ...input, name: (args.values.name as string | undefined) ?? input.email.split('@')[0], publicUrl: args.values['public-url'] as string | undefined }, 'cli')
    out.log(`created partner "${input.partnerName}" and administrator ${user.email}`)
    return 0
  } finally {
    await ctx.database.close()
  }
}

export async function apiKeyCommand(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'create') {
    if (sub === undefined || sub === '--help' || sub === '-h') return out.log(help['api-key']), sub === undefined ? 2 : 0
    throw new UsageError(`unknown api-key command "${sub}" (expected: create)`)
  }
  const args = parse(rest, { ...configFlags, email: { type: 'string' }, name: { type: 'string' }, 'expires-in': { type: 'string' } })
  if (!args) return out.log(help['api-key']), 0
  const email = required(args.values, 'email')
  const name = required(args.values, 'name')
  const expiresMs = args.values['expires-in'] ? parseDuration(args.values['expires-in'], 'expires-in') : null
  const ctx = await contextFor(args.values)
  try {
    const user = await findUserByEmail(ctx.db, email)
    if (!user || user.status !== 'active') throw new UsageError(`no active user with email ${email}`)
    const scope = await loadScope(ctx.db, user)
    const { key } = await createApiKeyFor(ctx, user.id, scope, { name, expiresInDays: expiresMs ? Math.max(1, Math.ceil(expiresMs / 86_400_000)) : undefined }, { ...systemActor, email: user.email })
    out.log(key)
    return 0
  } finally {
    await ctx.database.close()
  }
}

export async function auditCommand(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'verify') {
    if (sub === undefined || sub === '--help' || sub === '-h') return out.log(help.audit), sub === undefined ? 2 : 0
    throw new UsageError(`unknown audit command "${sub}" (expected: verify)`)
  }
  const args = parse(rest, configFlags)
  if (!args) return out.log(help.audit), 0
  const ctx = await contextFor(args.values)
  try {
    const result = await verifyAuditChain(ctx.db, ctx.keys.derive('audit'))
    if (result.ok) {
      out.log(`audit log intact: ${result.checked} entries verified`)
      return 0
    }
    out.log(`audit log TAMPERED: ${result.problems.length} problem(s) in ${result.checked} entries`)
    for (const p of result.problems) out.log(`  - ${p}`)
    return 1
  } finally {
    await ctx.database.close()
  }
}

export async function backupCommand(argv: string[], out: Out): Promise<number> {
  const args = parse(argv, { ...configFlags, out: { type: 'string' } })
  if (!args) return out.log(help.backup), 0
  const file = required(args.values, 'out')
  const ctx = await contextFor(args.values)
  try {
    const { createBackup } = await import('../backup/backup')
    const summary = await createBackup(ctx, file)
    out.log(`backup written to ${file}: ${summary}`)
    return 0
  } finally {
    await ctx.database.close()
  }
}

export async function restoreCommand(argv: string[], out: Out): Promise<number> {
  const args = parse(argv, { ...configFlags, force: { type: 'boolean' } }, true)
  if (!args) return out.log(help.restore), 0
  const file = args.positionals[0]
  if (!file) throw new UsageError('give the backup file to restore: breeze restore FILE')
  const config = loadConfig({ 'data-dir': args.values['data-dir'], 'database-url': args.values['database-url'] })
  const { restoreBackup } = await import('../backup/backup')
  const summary = await restoreBackup(config, file, { force: !!args.values.force })
  out.log(`restored ${file} into ${config.dataDir}: ${summary}`)
  return 0
}

export function versionCommand(_argv: string[], out: Out): number {
  out.log(`breeze ${version} (bun ${Bun.version}, ${process.platform}-${process.arch})`)
  return 0
}
