// Opening the database: SQLite in the data directory by default, PostgreSQL when a URL is
// given. Pragmas are set deliberately and read back, so a silently ignored one fails loudly.
import { Database as SqliteClient } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { drizzle as drizzleSqlite, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type postgres from 'postgres'
import { redactUrl } from '../config'
import { StorageState } from '../lib/storage'
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
  /** The engine's version (SQLite's sqlite_version(), PostgreSQL's server_version), logged at start. */
  version: string
  /** Storage failures seen by this database's statements (a full disk: SQLITE_FULL, 53100), until a write succeeds again. */
  storage: StorageState
  /** observe times every statement and transaction from now on (src/observability); null stops. */
  observe(observer: DbObserver | null): void
  close(): Promise<void>
}

/** DbObserver receives statement and transaction times in seconds (Prometheus histograms). */
export type DbObserver = { statement(kind: 'read' | 'write', seconds: number): void; transaction(seconds: number): void }


export class DatabaseUnavailableError extends Error {}

/**
 * The oldest SQLite Breeze runs on: 3.35 brought RETURNING (every compare-and-set status move
 * and output chunk claim reads back what it changed) and ALTER TABLE DROP COLUMN (migrations);
 * 3.38 made the JSON functions part of every build (json_each filters on JSON columns). Bun
 * embeds a newer one on Linux and Windows; on macOS bun:sqlite uses the system's library.
 */
export const minSqliteVersion = '3.38.0'

/** sqliteVersionProblem says why Breeze cannot run on SQLite `version`, or null when it can. */
export function sqliteVersionProblem(version: string): string | null {
  if (versionAtLeast(version, minSqliteVersion)) return null
  return `SQLite ${version} is too old: Breeze needs ${minSqliteVersion} or newer (RETURNING, DROP COLUMN, built-in JSON functions). Update the system's SQLite library, or use PostgreSQL (DATABASE_URL).`
}

/** versionAtLeast compares dotted version numbers (3.9.2 < 3.38.0). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number)
  const b = min.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x > y
  }
  return true
}

/** openDatabase opens (creating if needed) the configured database and checks it answers. */
export async function openDatabase(opts: { dataDir: string; databaseUrl: string; storage?: StorageState }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.storage) : openSqlite(path.join(opts.dataDir, 'breeze.db'), opts.storage)
}

export function openSqlite(file: string, storage = new StorageState()): Database {
  mkdirSync(path.dirname(file), { recursive: true })
  selectSqlite()
  const client = new SqliteClient(file, { create: true, strict: true })
  const version = (client.query('select sqlite_version() as v').get() as { v: string }).v
  const tooOld = sqliteVersionProblem(version)
  if (tooOld) {
    client.close()
    throw new DatabaseUnavailableError(tooOld)
  }
  client.exec('PRAGMA journal_mode = WAL')
  client.exec('PRAGMA synchronous = NORMAL')
  client.exec('PRAGMA foreign_keys = ON')
  client.exec('PRAGMA busy_timeout = 5000')
  assertPragma(client, 'journal_mode', 'wal')
  assertPragma(client, 'synchronous', 1) // NORMAL
  assertPragma(client, 'foreign_keys', 1)
  const timing: { observer: DbObserver | null } = { observer: null }
  const db = drizzleSqlite({ client: timedSqlite(client, timing, storage), casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'sqlite', sqlitePath: file, sqlite: client, pg: null, storage, version,
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

/** isWriteSql: does a statement that returned rows write (INSERT … RETURNING)? */
const isWriteSql = (query: string) => /^\s*(insert|update|delete|replace)\b/i.test(query)

/**
 * timedSqlite hands drizzle a view of the client whose statements and transactions report
 * their time to the observer (two performance.now() calls and a histogram bucket each), and
 * whose storage failures (SQLITE_FULL, SQLITE_IOERR…) and recoveries reach `storage`: a
 * failed statement or COMMIT marks the database failing; while it is, a committed change
 * (a transaction or a statement outside one that changed rows) marks it writable again.
 */
function timedSqlite(client: SqliteClient, timing: { observer: DbObserver | null }, storage: StorageState): SqliteClient {
  let begunAt = 0
  /** Whether the open transaction changed rows (tracked only while storage is failing). */
  let txWrote = false
  const timeStatement = <S extends object>(stmt: S, query: string): S => {
    for (const method of ['run', 'all', 'get', 'values'] as const) {
      const original = (stmt as Record<string, unknown>)[method] as ((...a: unknown[]) => unknown) | undefined
      if (typeof original !== 'function') continue
      const kind = method === 'run' ? 'write' : 'read'
      ;(stmt as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const o = timing.observer
        const started = o ? performance.now() : 0
        try {
          const result = original.apply(stmt, args)
          if (storage.failing && changedRows(method, result, query)) {
            if (client.inTransaction) txWrote = true
            else storage.succeeded('database')
          }
          return result
        } catch (err) {
          storage.failed('database', err)
          throw err
        } finally {
          if (o) o.statement(kind, (performance.now() - started) / 1000)
        }
      }
    }
    return stmt
  }
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => timeStatement(target.prepare(query), query)
      if (prop === 'exec') {
        return (query: string) => {
          let result
          try {
            result = target.exec(query)
          } catch (err) {
            storage.failed('database', err)
            throw err
          }
          if (query.startsWith('BEGIN')) { begunAt = performance.now(); txWrote = false }
          else if (query === 'COMMIT' && txWrote) { txWrote = false; storage.succeeded('database') }
          if ((query === 'COMMIT' || query === 'ROLLBACK') && timing.observer) timing.observer.transaction((performance.now() - begunAt) / 1000)
          return result
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** changedRows: did this statement change anything (run: its change count; a write with RETURNING: its rows)? */
function changedRows(method: string, result: unknown, query: string): boolean {
  if (method === 'run') return ((result as { changes?: number } | null)?.changes ?? 0) > 0
  if (!isWriteSql(query)) return false
  return Array.isArray(result) ? result.length > 0 : result != null
}

type PgClient = postgres.Sql
/**
 * timedPostgres: the same for postgres-js (a query runs when awaited, so its time starts
 * there). A statement PostgreSQL accepted has its WAL written, so any write that changed
 * rows proves the storage takes writes again.
 */
function timedPostgres(client: PgClient, timing: { observer: DbObserver | null }, storage: StorageState): PgClient {
  const wrap = (sqlClient: PgClient): PgClient => new Proxy(sqlClient, {
    get(target, prop) {
      if (prop === 'unsafe') {
        return (query: string, ...rest: unknown[]) => {
          const q = (target.unsafe as (...a: unknown[]) => PromiseLike<unknown>)(query, ...rest)
          const o = timing.observer
          const kind = /^\s*select/i.test(query) ? 'read' : 'write'
          const then = q.then.bind(q)
          ;(q as { then: unknown }).then = (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => {
            const started = o ? performance.now() : 0
            const done = () => { if (o) o.statement(kind, (performance.now() - started) / 1000) }
            return then((v) => {
              done()
              if (storage.failing && kind === 'write' && ((v as { count?: number } | null)?.count ?? 0) > 0) storage.succeeded('database')
              return ok ? ok(v) : v
            }, (e) => { done(); storage.failed('database', e); if (fail) return fail(e); throw e })
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
          // note: a COMMIT PostgreSQL could not flush fails the whole begin (53100 disk_full).
          result.catch((err) => { storage.failed('database', err) })
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

async function openPostgres(url: string, storage = new StorageState()): Promise<Database> {
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
  const [{ server_version: version }] = await client`show server_version`
  const timing: { observer: DbObserver | null } = { observer: null }
  const db = drizzlePg({ client: timedPostgres(client, timing, storage), casing: 'snake_case' }) as unknown as Db
  return {
    db, dialect: 'pg', sqlitePath: null, sqlite: null, pg: client, storage, version: String(version),
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
