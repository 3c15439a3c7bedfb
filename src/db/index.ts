// Opening the database: SQLite in the data directory by default, PostgreSQL when a URL is
// given. Pragmas are set deliberately and read back, so a silently ignored one fails loudly.
import { Database as SqliteClient } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { drizzle as drizzleSqlite, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type postgres from 'postgres'
import { redactUrl } from '../config'
import { selectDialect, selectSqlite, type Dialect, type Tables } from './tables'

/** Db is the query surface shared by both dialects (typed through the SQLite schema). */
export type Db = BunSQLiteDatabase<Tables>

export type Database = {
  db: Db
  dialect: Dialect
  /** Where the SQLite file lives; null on PostgreSQL. */
  sqlitePath: string | null
  /** The raw clients, for src/db only (backup, migrate, health). */
  sqlite: SqliteClient | null
  pg: postgres.Sql | null
  close(): Promise<void>
}

export class DatabaseUnavailableError extends Error {}

/** openDatabase opens (creating if needed) the configured database and checks it answers. */
export async function openDatabase(opts: { dataDir: string; databaseUrl: string }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openSqlite(path.join(opts.dataDir, 'breeze.db'))
}

export function openSqlite(file: string): Database {
  mkdirSync(path.dirname(file), { recursive: true })
  selectSqlite()
  const client = new SqliteClient(file, { create: true, strict: true })
  client.exec('PRAGMA journal_mode = WAL')
  client.exec('PRAGMA synchronous = NORMAL')
  client.exec('PRAGMA foreign_keys = ON')
  client.exec('PRAGMA busy_timeout = 5000')
  assertPragma(client, 'journal_mode', 'wal')
  assertPragma(client, 'synchronous', 1) // NORMAL
  assertPragma(client, 'foreign_keys', 1)
  const db = drizzleSqlite({ client, casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'sqlite', sqlitePath: file, sqlite: client, pg: null,
    async close() {
      client.exec('PRAGMA optimize')
      // note: copies the WAL into the database and empties it, so a stopped server leaves one
      // self-contained file (closing the last connection would too, unless a reader is open).
      client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      client.close()
    },
  }
}

function assertPragma(client: SqliteClient, name: string, expected: string | number) {
  const row = client.query(`PRAGMA ${name}`).get() as Record<string, unknown>
  const actual = Object.values(row)[0]
  if (actual !== expected) throw new Error(`SQLite PRAGMA ${name} is ${String(actual)}, expected ${expected}`)
}

async function openPostgres(url: string): Promise<Database> {
  // note: the PostgreSQL driver and schema load only when asked for; SQLite starts faster without them.
  const [{ default: postgres }, { drizzle: drizzlePg }] = await Promise.all([import('postgres'), import('drizzle-orm/postgres-js')])
  await selectDialect('pg')
  const client = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 5 })
  try {
    await client`select 1`
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {})
    throw new DatabaseUnavailableError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}. Check DATABASE_URL and that the server is running and accepts connections.`)
  }
  const db = drizzlePg({ client, casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'pg', sqlitePath: null, sqlite: null, pg: client,
    async close() { await client.end({ timeout: 5 }) },
  }
}

/** pingDatabase answers whether the database responds, for /healthz. */
export async function pingDatabase(database: Database): Promise<boolean> {
  try {
    if (database.sqlite) database.sqlite.query('select 1').get()
    else await database.pg!`select 1`
    return true
  } catch {
    return false
  }
}
