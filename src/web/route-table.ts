// What the app knows about its own routes, read once from the composed app: the methods each
// path pattern answers (405 with Allow), the query parameters each route declares, and the
// schemas the OpenAPI document is made from.
import type { AnyElysia } from 'elysia'
import type { TSchema } from '@sinclair/typebox'

/** RouteHooks is the part of an Elysia route's options the plumbing reads. */
export type RouteHooks = {
  body?: TSchema
  query?: TSchema
  params?: TSchema
  parse?: unknown
  detail?: Record<string, unknown> & { hide?: boolean; summary?: string; tags?: string[] }
}

export type RouteEntry = { method: string; path: string; hooks: RouteHooks }

export type Declared = { query: Record<string, TSchema> | null; params: Record<string, TSchema> | null; body: Record<string, TSchema> | null }

export type RouteTable = {
  routes: RouteEntry[]
  /** allowed lists the methods some route answers on this concrete path (empty: no such path). */
  allowed(path: string): string[]
  /** declared gives the query parameters and body fields the route declares (null: no such schema, or not an object). */
  declared(method: string, route: string): Declared | undefined
}

const tables = new WeakMap<AnyElysia, RouteTable>()

/** routeTable builds (once per app) the table of `app`'s HTTP routes. */
export function routeTable(app: AnyElysia): RouteTable {
  let table = tables.get(app)
  if (!table) tables.set(app, (table = buildTable(app)))
  return table
}

function buildTable(app: AnyElysia): RouteTable {
  const routes: RouteEntry[] = app.routes
    .filter((r) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(r.method))
    .map((r) => ({ method: r.method, path: r.path, hooks: (r.hooks ?? {}) as RouteHooks }))
  const patterns = new Map<string, { re: RegExp; methods: Set<string> }>()
  const declared = new Map<string, Declared>()
  for (const r of routes) {
    let p = patterns.get(r.path)
    if (!p) patterns.set(r.path, (p = { re: patternRegExp(r.path), methods: new Set() }))
    p.methods.add(r.method)
    declared.set(`${r.method} ${r.path}`, { query: propertiesOf(r.hooks.query), params: propertiesOf(r.hooks.params), body: propertiesOf(r.hooks.body) })
  }
  return {
    routes,
    allowed(path) {
      const methods = new Set<string>()
      for (const p of patterns.values()) if (p.re.test(path)) for (const m of p.methods) methods.add(m)
      if (methods.has('GET')) methods.add('HEAD')
      return [...methods].sort()
    },
    declared: (method, route) => declared.get(`${method === 'HEAD' ? 'GET' : method} ${route}`),
  }
}

/** patternRegExp matches the concrete paths of an Elysia path pattern (`:param` one segment, `*` the rest). */
function patternRegExp(pattern: string): RegExp {
  const body = pattern.split('/').map((seg) => seg === '*' ? '.*' : seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('/')
  return new RegExp(`^${body}$`)
}

function propertiesOf(schema: TSchema | undefined): Record<string, TSchema> | null {
  return (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? null
}
