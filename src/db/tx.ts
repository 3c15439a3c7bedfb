// One transaction helper for both dialects, and what runs around a commit.
import type { Db } from './index'
import { asStorageError } from '../lib/storage'
import { currentDialect } from './tables'

declare const txBrand: unique symbol
/**
 * Tx is a database handle inside withTx. Writers that must never commit on their own — the
 * audit log above all — take a Tx, so a call outside the change's transaction does not
 * type-check (issue 11, item 17).
 */
export type Tx = Db & { readonly [txBrand]: true }

/** What waits for the outermost transaction: work to add before COMMIT, notifications after it. */
type Scope = { before: (() => Promise<void>)[]; after: (() => void)[] }

let sqliteScope: Scope | null = null
const pgScopes = new WeakMap<object, Scope>()

/**
 * withTx runs fn inside one transaction and returns its result; a throw rolls everything back.
 * A nested call joins the outer transaction.
 *
 * NB: on SQLite the body must await database calls only — no fetch, file, timer or other
 * I/O. bun:sqlite runs every query synchronously, so a body of database awaits finishes within
 * one microtask drain and nothing else can interleave with the open transaction; any real
 * I/O await would let other requests' statements slip into it (drizzle #2275 is the same
 * hazard in drizzle's own helper, which is why it is not used here). Do I/O before, or after
 * the commit with afterCommit.
 */
export async function withTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (currentDialect() === 'pg') {
    const outer = pgScopes.get(db)
    // note: nested, drizzle makes a savepoint; its hooks wait for the outermost commit.
    if (outer) return (db as unknown as PgLike).transaction((tx) => { pgScopes.set(tx as object, outer); return fn(tx as Tx) })
    const scope: Scope = { before: [], after: [] }
    let result: T
    try {
      result = await (db as unknown as PgLike).transaction(async (tx) => {
        pgScopes.set(tx as object, scope)
        const r = await fn(tx as Tx)
        await runBefore(scope)
        return r
      })
    } catch (err) {
      throw asStorageError(err, 'database')
    }
    runAfter(scope)
    return result
  }
  if (sqliteScope) return fn(db as Tx)
  const client = (db as unknown as { $client: SqliteClient }).$client
  client.exec('BEGIN IMMEDIATE')
  const scope: Scope = { before: [], after: [] }
  sqliteScope = scope
  let result: T
  try {
    result = await fn(db as Tx)
    await runBefore(scope)
    client.exec('COMMIT')
  } catch (err) {
    // note: on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, a failed COMMIT) SQLite has
    // rolled back already; a ROLLBACK then fails with "no transaction is active", which used to
    // replace the real cause (a full disk answered as a bare 500). A storage failure becomes
    // the one StorageFullError (503 storage_full), the driver's error kept as its cause.
    if (client.inTransaction) {
      try { client.exec('ROLLBACK') } catch { /* the original error says what happened */ }
    }
    throw asStorageError(err, 'database')
  } finally {
    sqliteScope = null
  }
  runAfter(scope)
  return result
}

/** inTransaction says whether `db` is inside withTx (on SQLite: whether a transaction is open). */
export function inTransaction(db: Db): boolean {
  return currentDialect() === 'pg' ? pgScopes.has(db) : sqliteScope !== null
}

/**
 * afterCommit runs fn once the transaction `db` belongs to has committed (never when it rolls
 * back); outside a transaction, at once. For in-process notifications of a change: live
 * updates, waiting callers, event listeners.
 */
export function afterCommit(db: Db, fn: () => void) {
  const scope = scopeOf(db)
  if (scope) scope.after.push(fn)
  else fn()
}

/** beforeCommit adds database work to the end of the transaction `db` belongs to (at once outside one). */
export async function beforeCommit(db: Db, fn: () => Promise<void>) {
  const scope = scopeOf(db)
  if (scope) scope.before.push(fn)
  else await fn()
}

function scopeOf(db: Db): Scope | null {
  return currentDialect() === 'pg' ? pgScopes.get(db) ?? null : sqliteScope
}

async function runBefore(scope: Scope) {
  // note: a hook may add hooks (an outbox row that schedules its delivery).
  for (let i = 0; i < scope.before.length; i++) await scope.before[i]()
}

function runAfter(scope: Scope) {
  for (const fn of scope.after) {
    try { fn() } catch { /* a notification must not undo or fail a committed change */ }
  }
}

type PgLike = { transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> }
type SqliteClient = { exec(sql: string): void; readonly inTransaction: boolean }
