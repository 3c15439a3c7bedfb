// Logical dump and load of every Breeze table on PostgreSQL (SQLite backups copy the file with
// VACUUM INTO instead). Rows are JSON lines per table, read inside one REPEATABLE READ
// snapshot so the dump is consistent while the server keeps writing.
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import * as pgSchema from './schema/pg'

/** tablesInLoadOrder lists the PostgreSQL tables, parents before the tables that reference them. */
export function tablesInLoadOrder(): string[] {
  const tables = (Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v)
  const deps = new Map(tables.map((tb) => {
    const cfg = getTableConfig(tb)
    return [cfg.name, cfg.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name).filter((n) => n !== cfg.name)]
  }))
  const ordered: string[] = []
  const visit = (name: string) => {
    if (ordered.includes(name)) return
    for (const d of deps.get(name) ?? []) visit(d)
    ordered.push(name)
  }
  for (const name of [...deps.keys()].sort()) visit(name)
  return ordered
}

/** dumpPostgres writes <dir>/<table>.jsonl for every table; returns rows per table. */
export async function dumpPostgres(client: postgres.Sql, dir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  await client.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
    for (const table of tablesInLoadOrder()) {
      const stream = createWriteStream(path.join(dir, `${table}.jsonl`))
      let n = 0
      for await (const rows of tx`SELECT * FROM ${tx(table)}`.cursor(1000)) {
        for (const row of rows) { stream.write(JSON.stringify(row) + '\n'); n++ }
      }
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
      counts[table] = n
    }
  })
  return counts
}

/** loadPostgres inserts the dumped rows into an empty, migrated database in one transaction. */
export async function loadPostgres(client: postgres.Sql, dir: string, opts: { replace: boolean }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  const order = tablesInLoadOrder()
  await client.begin(async (tx) => {
    if (opts.replace) await tx.unsafe(`TRUNCATE ${order.map((n) => `"${n}"`).join(', ')} CASCADE`)
    for (const table of order) {
      const text = await readFile(path.join(dir, `${table}.jsonl`), 'utf8').catch(() => '')
      const rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
      for (let i = 0; i < rows.length; i += 500) {
        // One JSON parameter per batch; PostgreSQL maps it onto the table's own column types.
        await tx`INSERT INTO ${tx(table)} SELECT * FROM json_populate_recordset(null::${tx(table)}, ${JSON.stringify(rows.slice(i, i + 500))}::json)`
      }
      counts[table] = rows.length
    }
  })
  return counts
}

/** hasUsers: does the database already hold Breeze data (restore refuses to merge)? */
export async function hasUsers(client: postgres.Sql): Promise<boolean> {
  const [row] = await client`SELECT count(*)::int AS n FROM users`
  return (row?.n ?? 0) > 0
}
