// Applies the embedded migrations. Each migration runs in one transaction with its record in
// breeze_migrations, so a crash mid-way leaves the database at the previous version.
import { migrations as pgMigrations } from '../../migrations/postgres/index'
import { migrations as sqliteMigrations } from '../../migrations/sqlite/index'
import type { Database } from './index'

export type Migration = { tag: string; sql: string }

/** embeddedMigrations lists the migrations for a dialect, oldest first. */
export function embeddedMigrations(dialect: Database['dialect']): Migration[] {
  return dialect === 'pg' ? pgMigrations : sqliteMigrations
}

/** statements splits a migration at drizzle's breakpoints, skipping comment-only parts. */
function statements(migration: Migration): string[] {
  return migration.sql.split('--> statement-breakpoint').map((s) => s.trim()).filter((s) => s.replace(/^--.*$/gm, '').trim() !== '')
}

/** migrate applies every pending migration (of `all`, the embedded ones by default) and returns the tags it applied. */
export async function migrate(database: Database, now = Date.now(), all = embeddedMigrations(database.dialect)): Promise<string[]> {
  return database.sqlite ? migrateSqlite(database.sqlite, all, now) : migratePg(database.pg!, all, now)
}

function migrateSqlite(client: NonNullable<Database['sqlite']>, all: Migration[], now: number): string[] {
  client.exec('CREATE TABLE IF NOT EXISTS breeze_migrations (tag text PRIMARY KEY, applied_at integer NOT NULL)')
  const done = new Set((client.query('SELECT tag FROM breeze_migrations').all() as { tag: string }[]).map((r) => r.tag))
  const applied: string[] = []
  // note: foreign keys must be off while drizzle's table-rebuild migrations run (SQLite docs,
  // "Making Other Kinds Of Table Schema Changes"); foreign_key_check proves them intact before commit.
  client.exec('PRAGMA foreign_keys = OFF')
  try {
    for (const migration of all) {
      if (done.has(migration.tag)) continue
      client.transaction(() => {
        for (const stmt of statements(migration)) client.exec(stmt)
        const broken = client.query('PRAGMA foreign_key_check').all()
        if (broken.length > 0) throw new Error(`migration ${migration.tag} breaks foreign keys: ${JSON.stringify(broken.slice(0, 3))}`)
        client.query('INSERT INTO breeze_migrations (tag, applied_at) VALUES (?, ?)').run(migration.tag, now)
      }).immediate()
      applied.push(migration.tag)
    }
  } finally {
    client.exec('PRAGMA foreign_keys = ON')
  }
  return applied
}

async function migratePg(client: NonNullable<Database['pg']>, all: Migration[], now: number): Promise<string[]> {
  await client`CREATE TABLE IF NOT EXISTS breeze_migrations (tag text PRIMARY KEY, applied_at bigint NOT NULL)`
  const applied: string[] = []
  for (const migration of all) {
    await client.begin(async (tx) => {
      // Several servers may start at once against one database: one migrates, the rest wait.
      await tx`SELECT pg_advisory_xact_lock(7311003)`
      const [row] = await tx`SELECT 1 FROM breeze_migrations WHERE tag = ${migration.tag}`
      if (row) return
      for (const stmt of statements(migration)) await tx.unsafe(stmt)
      await tx`INSERT INTO breeze_migrations (tag, applied_at) VALUES (${migration.tag}, ${now})`
      applied.push(migration.tag)
    })
  }
  return applied
}

/** appliedMigrationTags lists the migrations already applied, oldest first. */
export async function appliedMigrationTags(database: Database): Promise<string[]> {
  if (database.sqlite) {
    const exists = database.sqlite.query("SELECT 1 FROM sqlite_master WHERE name = 'breeze_migrations'").get()
    return exists ? (database.sqlite.query('SELECT tag FROM breeze_migrations ORDER BY tag').all() as { tag: string }[]).map((r) => r.tag) : []
  }
  const [exists] = await database.pg!`SELECT to_regclass('breeze_migrations') AS t`
  if (!exists?.t) return []
  return (await database.pg!`SELECT tag FROM breeze_migrations ORDER BY tag`).map((r) => r.tag as string)
}
