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
  /** observe times every statement and transaction from now on (src/observability); null stops. */
  observe(observer: DbObserver | null): void
  close(): Promise<void>
}

/** DbObserver receives statement and transaction times in seconds (Prometheus histograms). */
export type DbObserver = { statement(kind: 'read' | 'write', seconds: number): void; transaction(seconds: number): void }


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
  const timing: { observer: DbObserver | null } = { observer: null }
  const db = drizzleSqlite({ client: timedSqlite(client, timing), casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'sqlite', sqlitePath: file, sqlite: client, pg: null,
    observe(observer) { timing.observer = observer },
    async close() {
      client.exec('PRAGMA optimize')
      // note: copies the WAL into the database and empties it, so a stopped server leaves one
      // self-contained file (closing the last connection would too, unless a reader is open).
      client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      client.close()
    },
  }
}

/**
 * timedSqlite hands drizzle a view of the client whose statements and transactions report
 * their time to the observer (two performance.now() calls and a histogram bucket each).
 */
function timedSqlite(client: SqliteClient, timing: { observer: DbObserver | null }): SqliteClient {
  let begunAt = 0
  const timeStatement = <S extends object>(stmt: S): S => {
    for (const method of ['run', 'all', 'get', 'values'] as const) {
      const original = (stmt as Record<string, unknown>)[method] as ((...a: unknown[]) => unknown) | undefined
      if (typeof original !== 'function') continue
      const kind = method === 'run' ? 'write' : 'read'
      ;(stmt as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const o = timing.observer
        if (!o) return original.apply(stmt, args)
        const started = performance.now()
        try { return original.apply(stmt, args) } finally { o.statement(kind, (performance.now() - started) / 1000) }
      }
    }
    return stmt
  }
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => timeStatement(target.prepare(query))
      if (prop === 'exec') {
        return (query: string) => {
          const result = target.exec(query)
          if (query.startsWith('BEGIN')) begunAt = performance.now()
          else if ((query === 'COMMIT' || query === 'ROLLBACK') && timing.observer) timing.observer.transaction((performance.now() - begunAt) / 1000)
          return result
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

type PgClient = postgres.Sql
/** timedPostgres: the same for postgres-js (a query runs when awaited, so its time starts there). */
function timedPostgres(client: PgClient, timing: { observer: DbObserver | null }): PgClient {
  const wrap = (sqlClient: PgClient): PgClient => new Proxy(sqlClient, {
    get(target, prop) {
      if (prop === 'unsafe') {
        return (query: string, ...rest: unknown[]) => {
          const q = (target.unsafe as (...a: unknown[]) => PromiseLike<unknown>)(query, ...rest)
          const o = timing.observer
          if (!o) return q
          const kind = /^\s*select/i.test(query) ? 'read' : 'write'
          const then = q.then.bind(q)
          ;(q as { then: unknown }).then = (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => {
            const started = performance.now()
            const done = () => o.statement(kind, (performance.now() - started) / 1000)
            return then((v) => { done(); return ok ? ok(v) : v }, (e) => { done(); if (fail) return fail(e); throw e })
          }
          return q
        }
      }
      if (prop === 'begin') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: PgClient) => unknown
          const started = performance.now()
          const o = timing.observer
          const result = (target.begin as (...a: unknown[]) => Promise<unknown>)(...args, (tx: PgClient) => fn(wrap(tx)))
          return o ? result.finally(() => o.transaction((performance.now() - started) / 1000)) : result
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
    apply(target, thisArg, args) { return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args) },
  })
  return wrap(client)
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
  const timing: { observer: DbObserver | null } = { observer: null }
  const db = drizzlePg({ client: timedPostgres(client, timing), casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'pg', sqlitePath: null, sqlite: null, pg: client,
    observe(observer) { timing.observer = observer },
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
