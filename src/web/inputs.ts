// Inputs, before validation. Query parameters a route does not declare are ignored, as a web
// server does (cache busters, tracking tags); numeric ones (and numeric path parameters) are
// read as numbers here, so the schema's bounds are checked with the parameter's name
// (`limit: must be a whole number`).
// On pages an empty query value means "not given" (filter forms send every field, set or not)
// and form fields a route does not declare (the CSRF token, the button pressed) are dropped.
// Text with NUL characters (which PostgreSQL cannot store) is a 400 on the API; pages drop them.
// On the API an empty value is a value, so an id or a number left empty is a 400 naming it,
// and an undeclared body field is a 400 too (normalize is off, see app.ts).
import { Elysia, type AnyElysia } from 'elysia'
import { ValidationError } from '../lib/errors'
import { routeTable } from './route-table'

export function inputsPlugin(root: () => AnyElysia) {
  return new Elysia({ name: 'breeze.inputs' }).onTransform({ as: 'global' }, (c) => {
    const declared = routeTable(root()).declared(c.request.method, c.route)
    const api = c.route.startsWith('/api/')
    const query = c.query as Record<string, unknown>
    for (let [key, value] of Object.entries(query)) {
      if (typeof value === 'string' && value.includes('\0')) {
        if (api) throw new ValidationError(key, `${key}: must not contain NUL characters`)
        query[key] = value = value.replaceAll('\0', '')
      }
      const schema = declared?.query?.[key] as Shape | undefined
      if ((declared?.query && !schema) || (!api && value === '')) delete query[key]
      else if (schema) readNumber(query, key, schema)
    }
    const params = c.params as Record<string, unknown> | undefined
    for (const [key, schema] of Object.entries(declared?.params ?? {})) if (params && key in params) readNumber(params, key, schema as Shape)
    if (!api && declared?.body && c.body && typeof c.body === 'object' && !Array.isArray(c.body)) {
      for (const key of Object.keys(c.body)) if (!(key in declared.body)) delete (c.body as Record<string, unknown>)[key]
    }
  })
}

/** readNumber reads text as a number where the schema wants one. Blank text is not zero; text that is no number stays text unless only a number fits. */
function readNumber(values: Record<string, unknown>, key: string, schema: Shape) {
  const value = values[key]
  if (typeof value !== 'string' || !takesNumber(schema)) return
  const n = value.trim() === '' ? NaN : Number(value)
  if (!Number.isNaN(n) || onlyNumber(schema)) values[key] = n
}

type Shape = { type?: unknown; format?: unknown; anyOf?: Shape[] }
const isNumber = (s: Shape) => s.type === 'number' || s.type === 'integer'

/** takesNumber: the schema is a number, or a union with one. */
function takesNumber(schema: Shape): boolean {
  return isNumber(schema) || (schema.anyOf ?? []).some(takesNumber)
}

/** onlyNumber: nothing but a number fits (Elysia's numeric text counts as a number). */
function onlyNumber(schema: Shape): boolean {
  if (isNumber(schema)) return true
  return !!schema.anyOf?.length && schema.anyOf.every((m) => isNumber(m) || (m.type === 'string' && (m.format === 'numeric' || m.format === 'integer')))
}
