// Every SQL fragment that differs between SQLite and PostgreSQL lives here, so nothing outside
// src/db/ knows which database it runs on.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { currentDialect } from './tables'

const isPg = () => currentDialect() === 'pg'

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c)
}

function iLike(column: SQLWrapper, pattern: string): SQL {
  return isPg() ? sql`${column} ILIKE ${pattern}` : sql`${column} LIKE ${pattern} ESCAPE '\\'`
}

/** iContains: case-insensitive "column contains text" (LIKE wildcards in text match literally). */
export function iContains(column: SQLWrapper, text: string): SQL {
  return iLike(column, `%${escapeLike(text)}%`)
}

/** iStartsWith: case-insensitive "column starts with text". */
export function iStartsWith(column: SQLWrapper, text: string): SQL {
  return iLike(column, `${escapeLike(text)}%`)
}

/** jsonArrayHas: the JSON array in `column` contains the string `value`. */
export function jsonArrayHas(column: SQLWrapper, value: string): SQL {
  return isPg()
    ? sql`${column} @> ${JSON.stringify([value])}::jsonb`
    : sql`EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${value})`
}

/** bytewise compares text by its bytes (PostgreSQL's "C" collation; SQLite's default), for sort keys. */
export function bytewise(column: SQLWrapper): SQL {
  return isPg() ? sql`(${column} COLLATE "C")` : sql`${column}`
}

/** timeBucket floors an epoch-ms column to multiples of `sizeMs` (integer division on both). */
export function timeBucket(column: SQLWrapper, sizeMs: number): SQL<number> {
  return sql<number>`(${column} / ${sql.raw(String(Math.trunc(sizeMs)))}) * ${sql.raw(String(Math.trunc(sizeMs)))}`.mapWith(Number)
}

/**
 * lockedForUpdate adds `FOR UPDATE [SKIP LOCKED]` on PostgreSQL. SQLite needs nothing: withTx
 * opens its transactions with BEGIN IMMEDIATE, which already holds the write lock.
 */
export function lockedForUpdate<Q>(query: Q, opts: { skipLocked?: boolean } = {}): Q {
  if (!isPg()) return query
  return (query as unknown as { for(s: string, o?: object): Q }).for('update', opts.skipLocked ? { skipLocked: true } : undefined)
}

/**
 * inIds: `column IN (ids)` as ONE parameter (a JSON array on SQLite, a text[] on PostgreSQL),
 * so scope filters over thousands of orgs keep a constant statement text instead of
 * thousands of placeholders. An empty list matches nothing.
 */
export function inIds(column: SQLWrapper, ids: readonly string[]): SQL {
  if (ids.length === 0) return sql`1 = 0`
  return isPg()
    ? sql`${column} = ANY(${`{${ids.map((id) => `"${id.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[])`
    : sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`
}

/**
 * prepared turns a query built with `sql.placeholder(...)` values into a prepared statement,
 * run with `.execute(values)`; PostgreSQL wants a name for it. For hot paths (agent heartbeats),
 * where building the query each time costs more than running it.
 */
export function prepared<P>(query: { prepare(...args: never[]): P }, name: string): P {
  return (query as unknown as { prepare(arg?: string): P }).prepare(isPg() ? name : undefined)
}

/** tailText: the last `n` characters of a text expression (output kept to a bound). */
export function tailText(expr: SQL, n: number): SQL<string> {
  return isPg() ? sql<string>`right(${expr}, ${sql.raw(String(Math.trunc(n)))})` : sql<string>`substr(${expr}, ${sql.raw(String(-Math.trunc(n)))})`
}
