// PostgreSQL twin of ../sqlite/columns.ts: same names, native types, identical inferred rows.
import { bigint, boolean, integer, jsonb, text } from 'drizzle-orm/pg-core'

/** Text primary key holding a UUIDv7. */
export const id = () => text().primaryKey()
/** Epoch milliseconds. */
export const ms = () => bigint({ mode: 'number' })
export const bool = () => boolean()
export const json = <T>() => jsonb().$type<T>()
export const int = () => integer()
export { text }
