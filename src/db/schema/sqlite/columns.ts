// Column kinds shared by every SQLite table. The PostgreSQL twin (../pg/columns.ts) maps the
// same names to its native types so both schemas infer identical row types.
import { integer, text } from 'drizzle-orm/sqlite-core'

/** Text primary key holding a UUIDv7. */
export const id = () => text().primaryKey()
/** Epoch milliseconds. */
export const ms = () => integer()
export const bool = () => integer({ mode: 'boolean' })
export const json = <T>() => text({ mode: 'json' }).$type<T>()
export const int = () => integer()
export { text }
