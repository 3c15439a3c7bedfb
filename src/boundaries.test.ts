// Import rules from CONVENTIONS.md, checked on every file: views import only types from src;
// only repos (and src/db, testing, backup) touch drizzle tables; the agent imports only
// src/protocol and src/lib; nothing but config.ts reads process.env.
import { describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import { readFileSync } from 'node:fs'
import path from 'node:path'

const root = path.join(import.meta.dir, '..')
const files = (pattern: string) => [...new Glob(pattern).scanSync(root)].filter((f) => !f.includes('node_modules'))
const imports = (file: string) => [...readFileSync(path.join(root, file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: !!m[1], from: m[2] }))

/** topLevelInitializers: the text after `=` of every column-0 `const`, up to where its brackets close. */
function topLevelInitializers(source: string): string[] {
  const out: string[] = []
  for (const m of source.matchAll(/^(?:export )?const \w+(?::[^=\n]+)? = /gm)) {
    let depth = 0
    let i = m.index + m[0].length
    for (; i < source.length; i++) {
      const c = source[i]
      if (c === '{' || c === '[' || c === '(') depth++
      else if (c === '}' || c === ']' || c === ')') depth--
      else if (c === '\n' && depth <= 0) break
    }
    const init = source.slice(m.index + m[0].length, i)
    if (!/^(async\s*)?(\([^)]*\)|\w+)(:[^=]*)?\s*=>|^(async\s+)?function\b/.test(init)) out.push(init)
  }
  return out
}

describe('module boundaries', () => {
  test('views import only types from src/', () => {
    const bad = files('views/**/*.tsx').flatMap((f) => imports(f).filter((i) => i.from.includes('/src/') && !i.typeOnly).map((i) => `${f} imports ${i.from}`))
    expect(bad).toEqual([])
  })

  test('the agent imports only src/protocol and src/lib from the server tree', () => {
    const bad = files('agent/**/*.ts').flatMap((f) => imports(f).filter((i) => /\.\.\/src\//.test(i.from) && !/\/src\/(protocol|lib)(\/|$)/.test(i.from)).map((i) => `${f} imports ${i.from}`))
    expect(bad).toEqual([])
  })

  test('only repos, src/db, jobs, backup and testing import the tables', () => {
    const allowed = (f: string) => /(^|\/)(repo|[a-z-]+-repo)\.ts$/.test(f) || f.startsWith('src/db/') || f.startsWith('src/testing/') || f.startsWith('src/jobs/') || f.endsWith('.test.ts') || f.startsWith('bench/')
    const bad = files('{src,bench}/**/*.{ts,tsx}').filter((f) => !allowed(f)).flatMap((f) => imports(f).filter((i) => i.from.endsWith('db/tables') && !i.typeOnly).map((i) => `${f} imports ${i.from}`))
    expect(bad).toEqual([])
  })

  test('no module keeps table columns from import time (t is pointed at the dialect later)', () => {
    // A top-level `const x = { id: t.devices.id }` would hold SQLite's columns even on PostgreSQL.
    // Columns inside functions (`() => t.devices.id`) are read when called, which is fine.
    const bad = files('src/**/*.{ts,tsx}').filter((f) => !f.startsWith('src/db/') && !f.endsWith('.test.ts'))
      .filter((f) => topLevelInitializers(readFileSync(path.join(root, f), 'utf8')).some((init) => init.split('\n').some((line) => /\bt\.\w+\.\w+/.test(line) && !line.includes('=>'))))
    expect(bad).toEqual([])
  })

  test('input numbers and booleans use src/web/model-types, not Elysia\'s text-accepting types', () => {
    // t.Numeric, t.Integer and t.BooleanString accept "7" and "true" in JSON bodies too, and
    // t.Numeric lets fractions through to integer columns (issue 11 items 10 and 12).
    const bad = files('src/**/*.{ts,tsx}').filter((f) => !f.endsWith('.test.ts') && !f.startsWith('src/protocol/'))
      .filter((f) => /\bt\.(Numeric|Integer|BooleanString)\(/.test(readFileSync(path.join(root, f), 'utf8')))
    expect(bad).toEqual([])
  })

  test('process.env is read only in src/config.ts (and test/bench tooling)', () => {
    const bad = files('{src,agent}/**/*.{ts,tsx}').filter((f) => !f.endsWith('.test.ts') && f !== 'src/config.ts' && !f.startsWith('src/testing/') && !f.startsWith('agent/config'))
      .filter((f) => /process\.env\b/.test(readFileSync(path.join(root, f), 'utf8')))
    expect(bad).toEqual([])
  })
})
