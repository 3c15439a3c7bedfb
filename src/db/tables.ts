// `t` holds the tables of the database this process runs on. Repos write
// `db.select().from(t.users)` and never learn the dialect: both schema files infer identical
// row types (schema-parity.test.ts), so the SQLite types describe either.
import * as sqlite from './schema/sqlite'

export type Tables = typeof sqlite
export type Dialect = 'sqlite' | 'pg'

export const t: Tables = { ...sqlite }
let current: Dialect | null = null

function claim(dialect: Dialect) {
  if (current !== null && current !== dialect) throw new Error(`this process already runs on ${current}; cannot switch to ${dialect}`)
  current = dialect
}

/** selectSqlite points `t` at the SQLite tables (the default, synchronous). */
export function selectSqlite() {
  claim('sqlite')
  Object.assign(t, sqlite)
}

/** selectDialect points `t` at one dialect's tables; a process runs on one database kind. */
export async function selectDialect(dialect: Dialect) {
  if (dialect === 'sqlite') return selectSqlite()
  claim('pg')
  Object.assign(t, (await import('./schema/pg')) as unknown as Tables)
}

/** currentDialect is for src/db only; nothing else may branch on the database kind. */
export function currentDialect(): Dialect {
  if (current === null) throw new Error('no database opened yet')
  return current
}
