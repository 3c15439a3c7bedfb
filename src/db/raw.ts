// Running a hand-written statement on either database (tests that tamper with rows, tooling).
import type { SQL } from 'drizzle-orm'
import type { Database } from './index'

/** runSql executes a statement and returns its rows (empty for statements without results). */
export async function runSql(database: Database, query: SQL): Promise<Record<string, unknown>[]> {
  if (database.dialect === 'pg') return (await (database.db as unknown as { execute(q: SQL): Promise<Record<string, unknown>[]> }).execute(query))
  return (database.db as unknown as { all(q: SQL): Record<string, unknown>[] }).all(query)
}
