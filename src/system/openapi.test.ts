// The OpenAPI document is valid OpenAPI 3.1, covers every /api/v1 route (a new route cannot
// drop out or make it invalid), and its schemas say what the server enforces: plain JSON
// Schema 2020-12, defaults that satisfy their own schema, numbers and strings with bounds.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { createApp } from '../app'
import { startTestServer, type TestServer } from '../testing/server'
import { apiAccess } from '../web/access'
import { loadAssets } from '../web/assets'
import { routeTable } from '../web/route-table'
import { openApiDocument, type OpenApiDocument } from './openapi'

type Schema = Record<string, any>

let s: TestServer
let doc: OpenApiDocument
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  s = await startTestServer()
  app = createApp(s.ctx, await loadAssets())
  const res = await fetch(`${s.url}/api/v1/openapi.json`)
  expect(res.status).toBe(200)
  doc = await res.json()
})
afterAll(() => s.stop())

/** operations lists every operation of the document with a readable name. */
const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, path, op })))

/** schemasOf yields every schema an operation carries: parameters and request bodies. */
function* schemasOf(op: OpenApiDocument['paths'][string][string]): Generator<[string, Schema]> {
  for (const p of op.parameters ?? []) yield [`?${p.name}`, p.schema]
  for (const [type, c] of Object.entries(op.requestBody?.content ?? {})) yield [`body(${type})`, c.schema]
}

/** walk visits a schema and every schema inside it, with a path for messages. */
function walk(schema: Schema, at: string, visit: (s: Schema, at: string) => void) {
  if (!schema || typeof schema !== 'object') return
  visit(schema, at)
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) (schema[k] ?? []).forEach((x: Schema, i: number) => walk(x, `${at}/${k}/${i}`, visit))
  for (const k of ['properties', 'patternProperties']) for (const [name, x] of Object.entries(schema[k] ?? {})) walk(x as Schema, `${at}/${name}`, visit)
  for (const k of ['items', 'additionalProperties', 'not']) if (schema[k] && typeof schema[k] === 'object') walk(schema[k], `${at}/${k}`, visit)
}

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as Parameters<Validator["validate"]>[0])
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  test('describes every /api/v1 route, with security and error responses', () => {
    const documented = new Set(operations().map((o) => o.name))
    const hidden = new Set(['GET /api/v1/openapi.json', 'GET /api/v1/docs'])
    const routes = routeTable(app).routes.filter((r) => r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    expect(routes.filter((r) => !documented.has(r) && !hidden.has(r))).toEqual([])
    expect(documented.has('GET /api/v1/policies/compliance.csv')).toBe(true)
    for (const { name, op, path } of operations()) {
      const access = apiAccess(name.split(' ')[0], path.replace(/\{(\w+)\}/g, ':$1'))
      expect({ name, security: Array.isArray(op.security) }).toEqual({ name, security: true })
      expect({ name, hasSuccess: Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), hasDefault: 'default' in op.responses }).toEqual({ name, hasSuccess: true, hasDefault: true })
      if (access !== 'public') expect({ name, unauthorized: op.responses['401'] }).toEqual({ name, unauthorized: { $ref: '#/components/responses/Unauthorized' } })
      if (op.parameters?.length || op.requestBody) expect({ name, badRequest: !!op.responses['400'] }).toEqual({ name, badRequest: true })
    }
  })

  test('describes the agent API under its own tag and credential', () => {
    const agentOps = operations().filter((o) => o.path.startsWith('/api/v1/agents/'))
    expect(agentOps.map((o) => o.name).sort()).toEqual(['POST /api/v1/agents/enroll', 'POST /api/v1/agents/enroll/poll', 'POST /api/v1/agents/install-check', 'POST /api/v1/agents/{id}/heartbeat', 'POST /api/v1/agents/{id}/inventory', 'POST /api/v1/agents/{id}/messages'])
    for (const o of agentOps) expect(o.op.tags).toEqual(['agent'])
    for (const o of agentOps.filter((x) => x.path.includes('{id}'))) expect(o.op.security).toEqual([{ agent: [] }])
    expect(doc.tags.find((t) => t.name === 'agent')?.description).toContain('agent')
    expect(operations().filter((o) => o.op.tags?.includes('agent') && !o.path.startsWith('/api/v1/agents/'))).toEqual([])
  })

  test('every schema is plain JSON Schema 2020-12 and every default satisfies its own schema', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true })
    addFormats(ajv)
    ajv.addKeyword('example')
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`)
    const problems: string[] = []
    const compile = (schema: Schema, at: string) => { try { return ajv.compile(schema) } catch (e) { problems.push(`${at}: ${(e as Error).message}`) } }
    for (const { name, op } of operations()) {
      for (const [where, schema] of schemasOf(op)) {
        compile(schema, `${name} ${where}`)
        walk(schema, `${name} ${where}`, (x, at) => {
          if (x.default === undefined) return
          const { default: value, ...rest } = x
          const check = compile(rest, at)
          if (check && !check(value)) problems.push(`${at}: default ${JSON.stringify(value)} does not satisfy its schema`)
        })
      }
    }
    expect(problems).toEqual([])
  })

  test('every number, string and array a client sends has bounds; bodies take JSON numbers, not text', () => {
    const { problems } = openApiDocument(app, 'test')
    expect(problems).toEqual([])
    const unbounded: string[] = []
    // note: the agent protocol's schemas (src/protocol) are checked by their own tests.
    for (const { name, op } of operations().filter((o) => !o.op.tags?.includes('agent'))) {
      for (const [where, schema] of schemasOf(op)) {
        walk(schema, `${name} ${where}`, (x, at) => {
          const types = Array.isArray(x.type) ? x.type : [x.type]
          if ((types.includes('integer') || types.includes('number')) && (x.minimum === undefined || x.maximum === undefined)) unbounded.push(`${at}: number without minimum/maximum`)
          if (types.includes('string') && [x.maxLength, x.enum, x.const, x.pattern, x.format].every((k) => k === undefined)) unbounded.push(`${at}: string without maxLength`)
          if (types.includes('array') && x.maxItems === undefined) unbounded.push(`${at}: array without maxItems`)
        })
      }
    }
    expect(unbounded).toEqual([])
  })
})
