// One transaction helper for both dialects.
import type { Db } from './index'
import { currentDialect } from './tables'

let sqliteTxOpen = false

/**
 * withTx runs fn inside one transaction and returns its result; a throw rolls everything back.
 * A nested call joins the outer transaction.
 *
 * NB: on SQLite the body must await database calls only — no fetch, file, timer or other
 * I/O. bun:sqlite runs every query synchronously, so a body of database awaits finishes within
 * one microtask drain and nothing else can interleave with the open transaction; any real
 * I/O await would let other requests' statements slip into it (drizzle #2275 is the same
 * hazard in drizzle's own helper, which is why it is not used here).
 */
export async function withTx<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (currentDialect() === 'pg') return (db as unknown as PgLike).transaction((tx) => fn(tx as Db))
  if (sqliteTxOpen) return fn(db)
  const client = (db as unknown as { $client: { exec(sql: string): void } }).$client
  client.exec('BEGIN IMMEDIATE')
  sqliteTxOpen = true
  try {
    const result = await fn(db)
    client.exec('COMMIT')
    return result
  } catch (err) {
    client.exec('ROLLBACK')
    throw err
  } finally {
    sqliteTxOpen = false
  }
}

type PgLike = { transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> }
