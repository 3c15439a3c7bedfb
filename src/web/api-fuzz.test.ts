// A fuzzer's walk over /api/v1/openapi.json, as an outside client would do it: for every
// operation, no credentials (401, never 400/500), a wrong method (405 with Allow), hostile
// query values for every declared parameter, and hostile bodies as a signed-in administrator
// with a valid CSRF token and Origin (400 or 415 naming the field, never 500). Afterwards no
// table has a new row, no object it aimed at changed, and nothing was logged as an error.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Ajv2020 from 'ajv/dist/2020'
import { count, is, Table } from 'drizzle-orm'
import { t } from '../db/tables'
import { createLogger } from '../lib/log'
import type { OpenApiDocument } from '../system/openapi'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

type Schema = Record<string, any>
type Op = { name: string; method: string; path: string; op: OpenApiDocument['paths'][string][string] }

const logLines: { level: string; msg: string; [k: string]: unknown }[] = []
let s: TestServer
let admin: TestClient
let doc: OpenApiDocument
let ops: Op[]
/** Real objects the fuzzer aims at, by collection (`/api/v1/<collection>/{id}`). */
const ids: Record<string, string> = {}
const dummyId = 'fuzz-no-such-id'
const ajv = new Ajv2020({ strict: false, allErrors: true })
const counts = { requests: 0 }

beforeAll(async () => {
  s = await startTestServer({ log: createLogger('debug', (line) => logLines.push(JSON.parse(line))) })
  const a = await setupAdmin(s.ctx)
  admin = s.client()
  expect((await admin.login(a.email, testPassword)).status).toBe(200)
  doc = (await admin.get('/api/v1/openapi.json')).json
  ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })))
  // The objects hostile requests aim at: made through the API, as a client would.
  const made = async (collection: string, body: Record<string, unknown>) => {
    const res = await admin.post(`/api/v1/${collection}`, body)
    expect({ collection, status: res.status }).toEqual({ collection, status: 201 })
    return (ids[collection] = res.json.id as string)
  }
  const orgId = await made('orgs', { name: 'Fuzz Org' })
  const siteId = await made('sites', { orgId, name: 'Fuzz Site' })
  ids.devices = (await makeDevice(s.ctx, { orgId, siteId })).id
  await made('device-groups', { orgId, name: 'Fuzz group', type: 'static' })
  await made('scripts', { orgId, name: 'Fuzz script', description: '', category: 'x', tags: [], osTypes: ['linux'], language: 'bash', content: 'true', parameters: [] })
  await made('tickets', { orgId, title: 'Fuzz ticket' })
  await made('ticket-rules', { orgId, name: 'Fuzz rule', severities: ['critical'] })
  await made('automations', { orgId, name: 'Fuzz automation', trigger: { type: 'manual' }, actions: [{ id: 'w', type: 'wait', seconds: 1 }] })
  await made('alert-rules', { orgId, name: 'Fuzz alert', severity: 'critical', cooldownMinutes: 0, targets: { kind: 'devices', ids: [ids.devices] }, conditions: { match: 'all', items: [{ type: 'metric', metric: 'cpu_percent', operator: 'gt', value: 90 }] } })
  await made('maintenance-windows', { orgId, name: 'Fuzz window', targets: { kind: 'devices', ids: [ids.devices] }, startsAt: s.clock.now() + 3_600_000, endsAt: s.clock.now() + 7_200_000 })
  await made('policies', { orgId, name: 'Fuzz policy', type: 'custom', settings: { rules: [{ id: 'a', kind: 'file_present', path: '/tmp/fuzz' }] } })
  await made('enrollment-keys', { orgId, name: 'Fuzz key' })
  const reportId = await made('reports', { orgId, name: 'Fuzz report', type: 'inventory', format: 'csv' })
  await made('report-schedules', { reportId, cron: '0 7 * * 1', recipients: ['fuzz@example.com'] })
})
afterAll(() => s.stop())

/** inParallel runs the cases a few at a time: a fuzzer's pace, seconds rather than minutes. */
async function inParallel<T>(items: T[], run: (item: T) => Promise<void>, width = 8) {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await run(items[next++]) }))
}

/** concrete fills path parameters: a real object where the fuzzer has one, else a valid value naming nothing that exists. */
function concrete(path: string): string {
  const collection = /^\/api\/v1\/([^/]+)\/\{id\}/.exec(path)?.[1]
  const declared = Object.values(doc.paths[path] ?? {}).flatMap((op) => op.parameters ?? []).filter((p) => p.in === 'path')
  return path.replace(/\{(\w+)\}/g, (_, name) => {
    if (name === 'id' && collection && ids[collection]) return ids[collection]
    const schema = declared.find((p) => p.name === name)?.schema as Schema | undefined
    return schema && isNumeric(schema) ? String(schema.minimum ?? 1) : dummyId
  })
}

/** send makes one request; a reset connection is a status 0 (a failure to report, not to throw). */
async function send(method: string, url: string, opts: { raw?: string; contentType?: string; signedIn?: boolean } = {}): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  try {
    return await sendOnce(method, url, opts)
  } catch (err) {
    return { status: 0, headers: new Headers(), json: undefined, text: String(err) }
  }
}

async function sendOnce(method: string, url: string, opts: { raw?: string; contentType?: string; signedIn?: boolean }) {
  counts.requests++
  const headers: Record<string, string> = opts.contentType ? { 'content-type': opts.contentType } : {}
  if (opts.signedIn === false) {
    const res = await fetch(s.url + url, { method, headers: { ...headers, origin: s.url }, body: opts.raw })
    const text = await res.text()
    let json: any
    try { json = JSON.parse(text) } catch {}
    return { status: res.status, headers: res.headers, json, text }
  }
  return admin.request(method, url, { raw: opts.raw, headers })
}

/** expectFieldError: a 4xx JSON error naming `field` (in `details.field` or among `details.errors`). */
function fieldNamed(res: { json: any }, field: string): boolean {
  const d = res.json?.error?.details
  return d?.field === field || (d?.errors ?? []).some((e: { field?: string }) => e.field === field)
}

const isNumeric = (schema: Schema) => [schema.type, ...((schema.anyOf ?? []) as Schema[]).map((m) => m.type)].some((x) => x === 'integer' || x === 'number')

/** readAs converts query text the way the server reads it, to decide with the schema whether the value is valid. */
function readAs(schema: Schema, text: string): unknown {
  const types = [schema.type, ...(schema.anyOf ?? []).map((m: Schema) => m.type)]
  if ((types.includes('integer') || types.includes('number')) && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text)
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

/** validSample: a value of `schema` good enough to fill other required parameters. */
function validSample(schema: Schema): string {
  if (schema.const !== undefined) return String(schema.const)
  if (schema.enum) return String(schema.enum[0])
  if (schema.anyOf) return validSample(schema.anyOf[0])
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1)
  if (schema.type === 'boolean') return 'true'
  return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
}

async function tableCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [name, table] of Object.entries(t)) if (is(table, Table)) out[name] = (await s.ctx.db.select({ n: count() }).from(table as any))[0].n
  return out
}

/** snapshot reads every object the fuzzer aims at, to prove afterwards that none changed. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [collection, id] of Object.entries(ids)) out[collection] = (await admin.get(`/api/v1/${collection}/${id}`)).json
  return out
}

describe('every operation of the OpenAPI document', () => {
  test('without credentials: 401 (public operations: never a server error)', async () => {
    const wrong: string[] = []
    for (const { name, method, path, op } of ops) {
      const res = await send(method, concrete(path), op.requestBody ? { raw: '{}', contentType: 'application/json', signedIn: false } : { signedIn: false })
      const expected = op.security.length === 0 ? (res.status < 500 && res.status !== 401) : res.status === 401
      if (!expected) wrong.push(`${name}: ${res.status} ${res.text.slice(0, 120)}`)
    }
    expect(wrong).toEqual([])
    expect(ops.filter((o) => o.op.security.length > 0).length).toBeGreaterThan(180)
  })

  test('a method the path does not answer: 405 with Allow', async () => {
    const templates = Object.entries(doc.paths).map(([p, m]) => ({ re: new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`), methods: Object.keys(m).map((x) => x.toUpperCase()) }))
    const wrong: string[] = []
    for (const path of Object.keys(doc.paths)) {
      const url = concrete(path)
      const answered = new Set(templates.filter((x) => x.re.test(url)).flatMap((x) => x.methods))
      const method = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !answered.has(m))
      if (!method) continue
      if (answered.has('GET')) answered.add('HEAD')
      const res = await send(method, url)
      const allow = res.headers.get('allow')
      if (res.status !== 405 || allow !== [...answered].sort().join(', ') || res.json?.error?.code !== 'method_not_allowed') wrong.push(`${method} ${path}: ${res.status} allow=${allow}`)
    }
    expect(wrong).toEqual([])
  })

  test('hostile query values: 400 naming the parameter when the schema refuses them, never a server error', async () => {
    const wrong: string[] = []
    const cases: { name: string; method: string; url: string; param: string; schema: Schema; value: string | null }[] = []
    for (const { name, method, path, op } of ops) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query')
      for (const param of query) {
        const schema = param.schema as Schema
        const others = query.filter((p) => p.required && p.name !== param.name).map((p) => `${p.name}=${encodeURIComponent(validSample(p.schema))}`)
        const values = isNumeric(schema)
          ? ['1.5', '-1', '1e308', '99999999999999999999', 'NaN', 'abc', '', ' ', String(schema.minimum ?? 1)]
          : ['', 'x'.repeat(Math.min((schema.maxLength ?? 200) + 1, 9000)), 'nul\u0000byte', '%', validSample(schema)]
        for (const value of values) cases.push({ name, method, param: param.name, schema, value, url: `${concrete(path)}?${[...others, `${param.name}=${encodeURIComponent(value)}`].join('&')}` })
        // The same parameter twice: one value is taken, never a server error.
        cases.push({ name, method, param: param.name, schema, value: null, url: `${concrete(path)}?${[...others, `${param.name}=1`, `${param.name}=2`].join('&')}` })
      }
    }
    await inParallel(cases, async ({ name, method, url, param, schema, value }) => {
      const res = await send(method, url)
      const shown = `${name} ?${param}=${JSON.stringify(value?.slice(0, 40) ?? '[1,2]')}`
      if (res.status >= 500 || res.status === 0) return void wrong.push(`${shown}: ${res.status} ${res.text.slice(0, 100)}`)
      if (value === null) return
      const valid = !value.includes('\u0000') && ajv.validate(schema, readAs(schema, value))
      // note: a URL longer than the server takes is refused before any route (414/431).
      const tooLong = value.length > 8000 && (res.status === 414 || res.status === 431)
      if (!valid && !tooLong && (res.status !== 400 || !fieldNamed(res, param))) wrong.push(`${shown}: want 400 naming it, got ${res.status} ${res.text.slice(0, 100)}`)
      // Numbers within bounds are valid: the schema says all there is to say about them.
      else if (valid && isNumeric(schema) && res.status === 400 && fieldNamed(res, param)) wrong.push(`${shown}: a valid number was refused: ${res.text.slice(0, 100)}`)
    })
    expect(wrong).toEqual([])
    expect(cases.length).toBeGreaterThan(300)
  })

  test('hostile bodies from a signed-in administrator: 400/415 naming the field, never a server error, nothing written', async () => {
    const rowsBefore = await tableCounts()
    const objectsBefore = await snapshot()
    const logBefore = logLines.length
    const wrong: string[] = []
    const cases: { name: string; method: string; url: string; raw: string; contentType: string; status: number; field: string }[] = []
    for (const { name, method, path, op } of ops.filter((o) => o.method !== 'GET' && !o.path.startsWith('/api/v1/agents/') && !o.op.requestBody?.content['*/*'])) {
      const url = concrete(path)
      const hostile: [string, string, number, string][] = [
        ['[]', 'application/json', 400, 'body'], ['null', 'application/json', 400, 'body'], ['"text"', 'application/json', 400, 'body'], ['42', 'application/json', 400, 'body'],
        ['{"name": ', 'application/json', 400, 'body'], ['{"a":1}', 'text/plain', 415, 'body'], ['a=1', 'application/x-www-form-urlencoded', 415, 'body'], ['{"name":"nul\\u0000"}', 'application/json', 400, 'name'],
      ]
      for (const [raw, contentType, status, field] of hostile) cases.push({ name, method, url, raw, contentType, status, field })
      const schema = op.requestBody?.content['application/json']?.schema as Schema | undefined
      if (!schema) continue
      // An unknown field is refused by name.
      cases.push({ name, method, url, raw: JSON.stringify({ zzUnknownField: 1 }), contentType: 'application/json', status: 400, field: 'zzUnknownField' })
      // Numbers and booleans written as text are not numbers and booleans.
      for (const [field, prop] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        const types: unknown[] = [prop.type, ...((prop.anyOf ?? []) as Schema[]).map((m) => m.type)]
        const asText = types.includes('integer') || types.includes('number') ? String(prop.minimum ?? (prop.anyOf as Schema[] | undefined)?.find((m) => m.minimum !== undefined)?.minimum ?? 1) : types.includes('boolean') ? 'true' : null
        if (asText === null || types.includes('string')) continue
        cases.push({ name, method, url, raw: JSON.stringify({ [field]: asText }), contentType: 'application/json', status: 400, field })
      }
    }
    await inParallel(cases, async ({ name, method, url, raw, contentType, status, field }) => {
      const res = await send(method, url, { raw, contentType })
      if (res.status !== status || !fieldNamed(res, field)) wrong.push(`${name} ${contentType} ${raw}: want ${status} naming ${field}, got ${res.status} ${res.text.slice(0, 120)}`)
    })
    expect(wrong).toEqual([])
    expect(cases.length).toBeGreaterThan(900)
    expect(await tableCounts()).toEqual(rowsBefore)
    expect(await snapshot()).toEqual(objectsBefore)
    // Refusals are the caller's mistakes: debug lines, never errors.
    const logged = logLines.slice(logBefore)
    expect(logged.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([])
    expect(logged.filter((l) => l.msg === 'request refused').length).toBeGreaterThan(900)
  })

  test('nothing in the whole walk was logged as an error', () => {
    expect(logLines.filter((l) => l.level === 'error')).toEqual([])
    console.log(`api fuzz: ${ops.length} operations, ${counts.requests} requests`)
  })
})
