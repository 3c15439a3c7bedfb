// The agent protocol is closed (issue 11 item 7): every schema exported from src/protocol/
// refuses properties it does not declare, bounds every string, array and map, and nests no
// deeper than the depth limit. This walks every exported schema, so a schema added later
// cannot be open without this test failing.
import { describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import path from 'node:path'
import { Kind, type TSchema } from '@sinclair/typebox'
import { depthBeyond, protocolLimits } from './limits'

type Finding = string

const long = 'x'.repeat(100_000)

/** walk checks one schema and everything under it; returns its depth (objects and arrays count). */
function walk(schema: TSchema, where: string, out: Finding[], seen: Set<TSchema>): number {
  if (seen.has(schema)) return 0
  seen.add(schema)
  const s = schema as TSchema & Record<string, any>
  const kind = s[Kind] as string
  const sub = (child: TSchema, at: string) => walk(child, at, out, new Set(seen))
  switch (kind) {
    case 'Object': {
      if (s.additionalProperties !== false) out.push(`${where}: object without additionalProperties: false`)
      let depth = 0
      for (const [k, v] of Object.entries(s.properties ?? {})) depth = Math.max(depth, sub(v as TSchema, `${where}/${k}`))
      return depth + 1
    }
    case 'Record': {
      if (s.additionalProperties !== false) out.push(`${where}: map without additionalProperties: false (its key pattern is not enforced)`)
      if (typeof s.maxProperties !== 'number') out.push(`${where}: map without maxProperties`)
      let depth = 0
      for (const [pattern, v] of Object.entries(s.patternProperties ?? {})) {
        if (new RegExp(pattern).test(long)) out.push(`${where}: map keys of unbounded length (${pattern})`)
        depth = Math.max(depth, sub(v as TSchema, `${where}/*`))
      }
      return depth + 1
    }
    case 'Array':
      if (typeof s.maxItems !== 'number') out.push(`${where}: array without maxItems`)
      return sub(s.items, `${where}/#`) + 1
    case 'String':
      if (typeof s.maxLength !== 'number' && !(s.pattern && !new RegExp(s.pattern).test(long))) out.push(`${where}: string without maxLength`)
      return 0
    case 'Union': case 'Intersect': {
      let depth = 0
      for (const [i, m] of (s.anyOf ?? s.allOf ?? []).entries()) depth = Math.max(depth, sub(m, `${where}|${i}`))
      return depth
    }
    case 'Unknown': case 'Any':
      // Only where the value is checked by another schema, and says by which.
      if (typeof s.checkedBy !== 'string') out.push(`${where}: ${kind.toLowerCase()} without checkedBy (open)`)
      return 0
    case 'Literal': case 'Number': case 'Integer': case 'Boolean': case 'Null':
      return 0
    default:
      out.push(`${where}: schema kind ${kind} is not allowed in the protocol`)
      return 0
  }
}

async function protocolSchemas(): Promise<[string, TSchema][]> {
  const found: [string, TSchema][] = []
  for (const file of [...new Glob('*.ts').scanSync(import.meta.dir)].sort()) {
    if (file.endsWith('.test.ts') || file === 'index.ts' || file === 'schema.ts') continue
    const mod = await import(path.join(import.meta.dir, file))
    for (const [name, value] of Object.entries(mod)) {
      if (value && typeof value === 'object' && Kind in value) found.push([`${file.replace(/\.ts$/, '')}.${name}`, value as TSchema])
      // Schemas kept in maps (command types → payload and result).
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v && typeof v === 'object' && Kind in v) found.push([`${file.replace(/\.ts$/, '')}.${name}.${k}`, v as TSchema])
          else if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) if (v2 && typeof v2 === 'object' && Kind in v2) found.push([`${file.replace(/\.ts$/, '')}.${name}.${k}.${k2}`, v2 as TSchema])
        }
      }
    }
  }
  return found
}

describe('the agent protocol is closed', () => {
  test('every exported schema is closed, bounded and shallower than the depth limit', async () => {
    const schemas = await protocolSchemas()
    // Sanity: the walk sees the schemas that matter.
    const names = schemas.map(([n]) => n)
    for (const n of ['enroll.enrollRequest', 'heartbeat.heartbeatRequest', 'inventory.inventoryReport', 'messages.agentMessage', 'messages.agentMessageBatch', 'remote.viewerFrame', 'scripts.scriptRunPayload']) expect(names).toContain(n)
    const findings: Finding[] = []
    for (const [name, schema] of schemas) {
      const depth = walk(schema, name, findings, new Set())
      if (depth > protocolLimits.maxDepth) findings.push(`${name}: nests ${depth} levels (limit ${protocolLimits.maxDepth})`)
    }
    expect(findings).toEqual([])
  })

  test('every command type the agent handles has a result schema the server checks', async () => {
    const { readFileSync } = await import('node:fs')
    const { commandResultSchemas } = await import('./results')
    const index = readFileSync(path.join(import.meta.dir, '..', '..', 'agent', 'src', 'commands', 'index.ts'), 'utf8')
    const types = [...index.matchAll(/^\s+'([a-z][a-z_.]*)':/gm)].map((m) => m[1])
    expect(types.length).toBeGreaterThan(5)
    expect(types.filter((type) => !(type in commandResultSchemas))).toEqual([])
  })

  test('the walk itself catches an open object, an unbounded string, array or map, and an unchecked unknown', async () => {
    const { Type } = await import('@sinclair/typebox')
    const findings: Finding[] = []
    walk(Type.Object({
      open: Type.Object({ a: Type.Number() }),
      text: Type.String(),
      list: Type.Array(Type.Number()),
      map: Type.Record(Type.String(), Type.Number(), { additionalProperties: false }),
      anything: Type.Unknown(),
    }, { additionalProperties: false }), 'probe', findings, new Set())
    expect(findings).toEqual([
      'probe/open: object without additionalProperties: false',
      'probe/text: string without maxLength',
      'probe/list: array without maxItems',
      'probe/map: map without maxProperties',
      'probe/map: map keys of unbounded length (^(.*)$)',
      'probe/anything: unknown without checkedBy (open)',
    ])
  })

  test('depthBeyond finds the first value nested deeper than the limit, without recursion', () => {
    expect(depthBeyond({ a: [{ b: 1 }] }, 3)).toBeNull()
    expect(depthBeyond({ a: [{ b: { c: 1 } }] }, 3)).toBe('a/0/b')
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(depthBeyond({ x: deep }, protocolLimits.maxDepth)).toBe('x' + '/0'.repeat(protocolLimits.maxDepth - 1))
  })
})
