// `bun run db:generate [--name NAME]`: diff both schema dialects into new migrations, then
// rewrite each folder's index.ts, which imports every .sql file as text so that
// `bun build --compile` embeds them. migrate.test.ts fails when an index is stale.
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { migrationIndexSource } from '../src/db/migration-index'

const extraArgs = process.argv.slice(2)
for (const dialect of ['sqlite', 'pg'] as const) {
  const proc = Bun.spawnSync(['./node_modules/.bin/drizzle-kit', 'generate', '--config', `src/db/drizzle.${dialect}.config.ts`, ...extraArgs], { stdout: 'inherit', stderr: 'inherit' })
  if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1)
}
for (const folder of ['sqlite', 'postgres']) {
  const dir = path.join('migrations', folder)
  await Bun.write(path.join(dir, 'index.ts'), migrationIndexSource(readdirSync(dir)))
}
