import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import { openDatabase } from './index'
import { appliedMigrationTags, migrate } from './migrate'
import { migrationIndexSource } from './migration-index'
import { runSql } from './raw'
import { sql } from 'drizzle-orm'
import { freshPostgresDatabase, usingPostgres } from '../testing/server'

const root = path.join(import.meta.dir, '..', '..', 'migrations')

describe('embedded migrations', () => {
  for (const folder of ['sqlite', 'postgres']) {
    test(`${folder}/index.ts lists every migration (run \`bun run db:generate\` after schema changes)`, () => {
      const dir = path.join(root, folder)
      expect(readFileSync(path.join(dir, 'index.ts'), 'utf8')).toBe(migrationIndexSource(readdirSync(dir)))
    })
  }

  test('both dialects have the same migration tags', () => {
    const tags = (f: string) => readdirSync(path.join(root, f)).filter((n) => n.endsWith('.sql')).map((n) => n.replace(/^\d+_/, ''))
    expect(tags('postgres')).toEqual(tags('sqlite'))
  })
})

describe('applying migrations', () => {
  test('a migration that fails half-way leaves the database at the previous version', async () => {
    const pg = usingPostgres ? await freshPostgresDatabase() : null
    const database = await openDatabase({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'bz-mig-')), databaseUrl: pg?.url ?? '' })
    try {
      const good = { tag: '9000_good', sql: 'CREATE TABLE mig_good (id text primary key)' }
      const bad = { tag: '9001_bad', sql: 'CREATE TABLE mig_half (id text primary key);\n--> statement-breakpoint\nINSERT INTO no_such_table VALUES (1)' }
      await expect(migrate(database, Date.now(), [good, bad])).rejects.toThrow()
      expect(await appliedMigrationTags(database)).toEqual(['9000_good'])
      const tables = await runSql(database, database.dialect === 'pg'
        ? sql`SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'mig_%'`
        : sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mig_%'`)
      expect(tables.map((r) => r.name)).toEqual(['mig_good'])
      // Fixed and re-run, it applies.
      expect(await migrate(database, Date.now(), [good, { ...bad, sql: 'CREATE TABLE mig_half (id text primary key)' }])).toEqual(['9001_bad'])
    } finally {
      await database.close()
      await pg?.drop()
    }
  })
})
