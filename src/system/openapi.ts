// The OpenAPI 3.1 document of /api/v1, made from the routes themselves: their TypeBox schemas
// cleaned to plain JSON Schema 2020-12, who may call each (src/web/access.ts), and the one error
// format every route shares (src/web/errors.tsx). Every operation gets responses and security,
// so a new route cannot make the document invalid; openapi.test.ts validates all of it.
import type { AnyElysia } from 'elysia'
import { apiAccess, rawBody, type Access } from '../web/access'
import { routeTable, type RouteEntry } from '../web/route-table'

type Json = Record<string, unknown>
export type OpenApiOperation = Json & { summary?: string; tags?: string[]; parameters?: { name: string; in: string; schema: Json; required?: boolean }[]; requestBody?: { required?: boolean; content: Record<string, { schema: Json }> }; responses: Record<string, Json>; security: Record<string, string[]>[] }
export type OpenApiDocument = { openapi: string; info: Json; tags: Json[]; paths: Record<string, Record<string, OpenApiOperation>>; components: Json & { schemas: Record<string, Json> } }

/** JSON Schema 2020-12 keywords (plus OpenAPI's `example`) kept from TypeBox schemas; anything else (`error`, Elysia's markers) is dropped. */
const keywords = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems',
  'contains', 'minContains', 'maxContains', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'title', 'description', 'default', 'examples', 'example', 'deprecated',
  'readOnly', 'writeOnly', 'minProperties', 'maxProperties', 'unevaluatedProperties', 'unevaluatedItems', 'dependentRequired', 'contentMediaType', 'contentEncoding',
])
const standardFormats = new Set(['date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex'])
/** Elysia's text-to-value types are a union of the value and a string in one of these formats. */
const textFormats = new Set(['numeric', 'integer', 'boolean'])

const tagDescriptions: Record<string, string> = {
  agent: 'The agent protocol over HTTP: enrollment, heartbeat, inventory and command reports. Called by the Breeze agent with its own credential (the `agent` scheme), not by API clients; see docs/agent-protocol.md.',
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'machine-readable: validation, invalid_body, unauthorized, forbidden, not_found, conflict, …' },
        message: { type: 'string', description: 'for people; starts with the field for validation errors' },
        details: {
          type: 'object',
          properties: {
            field: { type: 'string', description: 'the first field (or query parameter) at fault; `body` for the body as a whole' },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  },
}
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
const responses = {
  BadRequest: errorResponse('A parameter or the body is invalid; `details.field` names it'),
  Unauthorized: errorResponse('No valid credential'),
  Forbidden: errorResponse('Not permitted, or a state change without a same-origin Origin / CSRF token'),
  NotFound: errorResponse('No such object, or one outside your scope'),
  UnsupportedMediaType: errorResponse('The body is not application/json'),
  Error: errorResponse('Any other failure (409 conflict, 422, 429 with Retry-After, 5xx)'),
}

const security: Record<Access, Record<string, string[]>[]> = {
  user: [{ bearer: [] }, { session: [] }],
  agent: [{ agent: [] }],
  public: [],
}

/** openApiDocument describes every /api/v1 route of `app`; `problems` lists schemas that do not mean what the document would say. */
export function openApiDocument(app: AnyElysia, version: string): { document: OpenApiDocument; problems: string[] } {
  const problems: string[] = []
  const schemas: Record<string, Json> = { Error: errorSchema }
  const paths: OpenApiDocument['paths'] = {}
  const tags = new Set<string>()
  for (const route of routeTable(app).routes) {
    if (!route.path.startsWith('/api/v1/') || route.hooks.detail?.hide) continue
    const op = operation(route, (schema, where) => clean(schema, { where, schemas, problems, at: `${route.method} ${route.path} ${where}` }))
    for (const tag of op.tags ?? []) tags.add(tag)
    ;(paths[route.path.replace(/:(\w+)/g, '{$1}')] ??= {})[route.method.toLowerCase()] = op
  }
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: 'Breeze RMM API', version, description: 'Every answer is JSON unless stated; errors are `{"error":{code,message,details}}`. Numbers and booleans in bodies are JSON numbers and booleans, never strings. Unknown body fields are refused.' },
    tags: [...tags].sort().map((name) => ({ name, ...(tagDescriptions[name] ? { description: tagDescriptions[name] } : {}) })),
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (brz_…) from Account → API keys' },
        session: { type: 'apiKey', in: 'cookie', name: 'breeze_session', description: 'The browser session (`__Host-breeze_session` over HTTPS); state changes also need the X-CSRF-Token header and a same-origin Origin' },
        agent: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`BreezeAgent <agentId>.<secret>`, issued at enrollment' },
      },
    },
  }
  return { document, problems }
}

type Clean = (schema: unknown, where: 'query' | 'params' | 'body') => Json

function operation(route: RouteEntry, clean: Clean): OpenApiOperation {
  const { method, path, hooks } = route
  const { hide: _hide, responses: declared, ...detail } = hooks.detail ?? {}
  const access = apiAccess(method, path)
  const parameters: NonNullable<OpenApiOperation['parameters']> = []
  const pathSchema = (hooks.params ? clean(hooks.params, 'params') : {}) as { properties?: Record<string, Json> }
  for (const [, name] of path.matchAll(/:(\w+)/g)) parameters.push({ name, in: 'path', required: true, schema: pathSchema.properties?.[name] ?? { type: 'string', maxLength: 64 } })
  if (hooks.query) {
    const q = clean(hooks.query, 'query') as { properties?: Record<string, Json>; required?: string[] }
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema, ...(typeof schema.description === 'string' ? { description: schema.description } : {}) })
    }
  }
  const op: OpenApiOperation = {
    operationId: `${method.toLowerCase()}_${path.replace('/api/v1/', '').replace(/:/g, 'by_').replace(/[^A-Za-z0-9]+/g, '_')}`,
    ...detail,
    ...(parameters.length ? { parameters } : {}),
    security: security[access],
    responses: {},
  }
  if (hooks.body) {
    const raw = rawBody(method, path)
    const schema = clean(hooks.body, 'body')
    op.requestBody = { required: !isOptional(hooks.body), content: raw ? { '*/*': { schema } } : { 'application/json': { schema } } }
  }
  const mutating = method !== 'GET'
  const success = declared && typeof declared === 'object' ? (declared as Record<string, Json>) : { 200: { description: 'OK', content: { 'application/json': { schema: {} } } } }
  op.responses = {
    ...success,
    ...(parameters.length || mutating ? { 400: { $ref: '#/components/responses/BadRequest' } } : {}),
    ...(access !== 'public' ? { 401: { $ref: '#/components/responses/Unauthorized' }, 403: { $ref: '#/components/responses/Forbidden' } } : {}),
    ...(path.includes(':') ? { 404: { $ref: '#/components/responses/NotFound' } } : {}),
    ...(mutating && !rawBody(method, path) ? { 415: { $ref: '#/components/responses/UnsupportedMediaType' } } : {}),
    default: { $ref: '#/components/responses/Error' },
  }
  return op
}

function isOptional(schema: unknown): boolean {
  return Object.getOwnPropertySymbols(schema as object).some((s) => s.description === 'TypeBox.Optional' && (schema as Record<symbol, unknown>)[s] === 'Optional')
}

type CleanState = { where: 'query' | 'params' | 'body'; schemas: Record<string, Json>; problems: string[]; at: string }

/**
 * clean turns a TypeBox schema into plain JSON Schema: TypeBox/Elysia keywords dropped, Elysia's
 * text-to-value unions (t.Numeric, t.Integer, t.BooleanString) shown as the value they decode to,
 * recursive schemas moved to components, the root of a body closed (unknown fields are refused).
 */
function clean(schema: unknown, state: CleanState): Json {
  const out = cleanNode(schema, state, '') as Json
  if (state.where === 'body' && out.type === 'object' && !('additionalProperties' in out)) out.additionalProperties = false
  return out
}

function cleanNode(node: unknown, state: CleanState, at: string, ids: Map<string, string> = new Map()): unknown {
  if (Array.isArray(node)) return node.map((n, i) => cleanNode(n, state, `${at}/${i}`, ids))
  if (!node || typeof node !== 'object') return node
  const s = node as Json
  const text = textUnion(s)
  if (text) {
    if (state.where === 'body') state.problems.push(`${state.at}${at || '/'}: accepts ${text.format} text in a JSON body; use a plain ${text.value.type}`)
    const { anyOf: _a, ...rest } = s
    return cleanNode({ ...rest, ...text.value, type: text.value.type }, state, at, ids)
  }
  if (typeof s.$id === 'string') {
    // A recursive schema: give it a name in components and point every use there.
    const name = s.$id.replace(/[^A-Za-z0-9._-]/g, '_')
    const inner = new Map(ids).set(s.$id, name)
    if (!state.schemas[name]) {
      state.schemas[name] = {}
      const { $id: _id, ...body } = s
      state.schemas[name] = cleanNode(body, state, at, inner) as Json
    }
    return { $ref: `#/components/schemas/${name}` }
  }
  if (typeof s.$ref === 'string') {
    const name = ids.get(s.$ref) ?? s.$ref.replace(/[^A-Za-z0-9._-]/g, '_')
    return { $ref: `#/components/schemas/${name}` }
  }
  const out: Json = {}
  for (const [key, value] of Object.entries(s)) {
    if (!keywords.has(key)) continue
    if (key === 'format' && !standardFormats.has(String(value))) continue
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, cleanNode(v, state, `${at}/${k}`, ids)]))
    } else if (key === 'default' || key === 'const' || key === 'enum' || key === 'examples' || key === 'example') {
      out[key] = value
    } else {
      out[key] = cleanNode(value, state, at, ids)
    }
  }
  // A whole number (src/web/model-types.ts `int`) is an integer to a client.
  if (out.type === 'number' && out.multipleOf === 1) { out.type = 'integer'; delete out.multipleOf }
  return out
}

/** textUnion recognises Elysia's `anyOf: [value, string in a text format]` and returns the value member. */
function textUnion(s: Json): { format: string; value: Json } | null {
  const anyOf = s.anyOf
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return null
  const textIndex = anyOf.findIndex((m) => (m as Json)?.type === 'string' && textFormats.has(String((m as Json).format)))
  if (textIndex < 0) return null
  const value = anyOf[1 - textIndex] as Json
  if (!['number', 'integer', 'boolean'].includes(String(value.type))) return null
  return { format: String((anyOf[textIndex] as Json).format), value }
}
