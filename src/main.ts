#!/usr/bin/env bun
// `breeze <command>`: the CLI. `serve` is the default command.
import { configFlags, configFlagsHelp, parse, UsageError } from './cli/args'
import { apiKeyCommand, auditCommand, backupCommand, migrateCommand, restoreCommand, setupCommand, versionCommand } from './cli/commands'
import { ConfigError, loadConfig } from './config'
import { DatabaseUnavailableError } from './db'
import { ValidationError } from './lib/errors'
import { startServer } from './server'

const serveHelp = `breeze serve [options]      (the default command)

Run the Breeze server.

  --port N              port to listen on (env PORT, default 3000)
  --host HOST           address to bind (env HOST, default 0.0.0.0)
  --public-url URL      URL users and agents reach Breeze at (env BREEZE_PUBLIC_URL)
  --tls-cert FILE       serve HTTPS with this PEM certificate (env BREEZE_TLS_CERT)
  --tls-key FILE        ... and this PEM key (env BREEZE_TLS_KEY)
${configFlagsHelp}`

const usage = `Breeze — self-hosted remote monitoring and management

Usage: breeze <command> [options]

Commands:
  serve        run the server (default)
  migrate      apply database migrations
  setup        create the first administrator without the browser
  backup       write an online backup of the database, blobs and keys
  restore      restore a backup into an empty data directory
  audit verify check the audit log's hash chain
  api-key create  print a new API key for a user
  version      print the version

Run 'breeze <command> --help' for a command's options.`

const out = { log: (line: string) => process.stdout.write(line + '\n') }

async function serve(argv: string[]): Promise<number> {
  const args = parse(argv, { ...configFlags, port: { type: 'string' }, host: { type: 'string' }, 'public-url': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } })
  if (!args) return out.log(serveHelp), 0
  const config = loadConfig(args.values)
  const server = await startServer(config)
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: the operator does not want to wait. Committed data is safe (WAL);
      // jobs in hand run again when their lease lapses.
      server.ctx.log.warn('second signal: exiting now', { signal })
      process.exit(130)
    }
    stopping = true
    server.ctx.log.info('shutting down', { signal, deadlineSeconds: config.shutdownSeconds })
    // note: a backstop in case a step hangs past the deadline (the steps themselves race it).
    setTimeout(() => { server.ctx.log.error('shutdown did not finish in time; exiting'); process.exit(1) }, config.shutdownSeconds * 1000 + 5_000).unref()
    server.stop().then(() => process.exit(0), (err) => {
      server.ctx.log.error('shutdown failed', { err })
      process.exit(1)
    })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return -1 // keep running
}

const commands: Record<string, (argv: string[]) => Promise<number> | number> = {
  serve,
  migrate: (a) => migrateCommand(a, out),
  setup: (a) => setupCommand(a, out),
  backup: (a) => backupCommand(a, out),
  restore: (a) => restoreCommand(a, out),
  audit: (a) => auditCommand(a, out),
  'api-key': (a) => apiKeyCommand(a, out),
  version: (a) => versionCommand(a, out),
  help: () => (out.log(usage), 0),
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0]
  if (first === '--help' || first === '-h') return out.log(usage), 0
  if (first === '--version') return versionCommand([], out)
  const name = first === undefined || first.startsWith('-') ? 'serve' : first
  const command = commands[name]
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage}`)
  return command(name === first ? argv.slice(1) : argv)
}

try {
  const code = await main(process.argv.slice(2))
  if (code >= 0) process.exit(code)
} catch (err) {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof DatabaseUnavailableError || err instanceof ValidationError) {
    process.stderr.write(`breeze: ${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`breeze: ${(err as Error).stack ?? err}\n`)
  process.exit(1)
}
