// The two dialect schemas must describe the same tables: identical file bodies below the
// marker line, and (checked by tsc) identical inferred row types.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { InferSelectModel, Table } from 'drizzle-orm'
import type * as pg from './schema/pg'
import type * as sqlite from './schema/sqlite'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Rows<S> = { [K in keyof S as S[K] extends Table ? K : never]: S[K] extends Table ? InferSelectModel<S[K]> : never }
// A type error here means a column differs between schema/sqlite and schema/pg.
const rowsMatch: Equal<Rows<typeof sqlite>, Rows<typeof pg>> = true

const marker = '// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----'
const dir = (d: string) => path.join(import.meta.dir, 'schema', d)

describe('schema parity', () => {
  test('row types are equal (compile-time)', () => expect(rowsMatch).toBe(true))

  test('both dialects have the same files', () => {
    expect(readdirSync(dir('pg')).sort()).toEqual(readdirSync(dir('sqlite')).sort())
  })

  for (const file of readdirSync(dir('sqlite')).filter((f) => f !== 'columns.ts' && f !== 'index.ts')) {
    test(`${file}: table definitions are identical`, () => {
      const body = (d: string) => {
        const text = readFileSync(path.join(dir(d), file), 'utf8')
        expect(text).toContain(marker)
        return text.slice(text.indexOf(marker))
      }
      expect(body('pg')).toBe(body('sqlite'))
    })
  }

  test('index files export the same modules', () => {
    expect(readFileSync(path.join(dir('pg'), 'index.ts'), 'utf8')).toBe(readFileSync(path.join(dir('sqlite'), 'index.ts'), 'utf8'))
  })
})
