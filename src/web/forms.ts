// HTML form posts are checked against the same TypeBox schema as the JSON API, but inside the
// handler, so a bad field re-renders the form with the message next to it instead of an
// error page. Form fields are text: where the schema wants a number or a boolean the text is
// converted first (a checkbox's "on" is true); what was typed goes back to the form as typed.
import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { AppError, ValidationError } from '../lib/errors'
import { csrfField } from './csrf'
import { issueField, issueMessage } from './validation'

export type FieldErrors = Record<string, string>
export type FormValues = Record<string, unknown>
export type FormResult<S extends TSchema> = { ok: true; value: Static<S> } | { ok: false; errors: FieldErrors; values: FormValues }

/**
 * formObject turns urlencoded fields into an object: empty fields are dropped, dotted names
 * nest (`contact.email`), fields the schema declares as arrays are always arrays, and fields
 * the schema does not declare are left out.
 * NB: Elysia normalises every schema it validates a route with (additionalProperties: false),
 * and the same schema objects validate forms — so stray fields must never reach them.
 */
export function formObject(schema: TSchema, body: unknown): FormValues {
  const out: FormValues = {}
  const props = declaredFields(schema)
  for (const [key, raw] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (key === csrfField || !(key.split('.')[0] in props)) continue
    const isArray = isArraySchema(props[key])
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => v !== '' && v !== undefined)
    if (values.length === 0 && !isArray) continue
    const value = isArray ? values : values[values.length - 1]
    const path = key.split('.')
    let node = out
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as FormValues
    node[path[path.length - 1]] = value
  }
  return out
}

/** declaredFields lists the top-level fields of an object schema, or of every member of a union. */
function declaredFields(schema: TSchema): Record<string, TSchema> {
  const members = (schema as { anyOf?: TSchema[] }).anyOf ?? [schema]
  return Object.assign({}, ...members.map((m) => (m as { properties?: Record<string, TSchema> }).properties ?? {}))
}

function isArraySchema(s: TSchema | undefined): boolean {
  if (!s) return false
  if ((s as { type?: string }).type === 'array') return true
  return ((s as { anyOf?: TSchema[] }).anyOf ?? []).some(isArraySchema)
}

/** parseForm validates a form post against `schema`, returning typed values or field errors. */
export function parseForm<S extends TSchema>(schema: S, body: unknown): FormResult<S> {
  return checkValues(schema, formObject(schema, body))
}

/** checkValues validates values a page already shaped (e.g. rows of a repeated field group); every field at fault gets its message. */
export function checkValues<S extends TSchema>(schema: S, input: FormValues): FormResult<S> {
  const values = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  const typed = Value.Convert(schema, checkboxes(schema, structuredClone(values)))
  const errors: FieldErrors = {}
  for (const e of Value.Errors(schema, typed)) {
    const field = issueField(e) || 'form'
    if (!errors[field]) errors[field] = issueMessage(e)
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, values }
  return { ok: true, value: Value.Decode(schema, typed) as Static<S> }
}

/** checkboxes turns a ticked checkbox's "on" into true where the schema wants a boolean (Value.Convert knows "true" and "1"). */
function checkboxes(schema: TSchema, values: FormValues): FormValues {
  const props = declaredFields(schema)
  for (const [key, value] of Object.entries(values)) if (value === 'on' && takesBoolean(props[key])) values[key] = true
  return values
}

function takesBoolean(s: TSchema | undefined): boolean {
  if (!s) return false
  return (s as { type?: string }).type === 'boolean' || ((s as { anyOf?: TSchema[] }).anyOf ?? []).some(takesBoolean)
}

/** fieldErrorsOf turns a service's ValidationError/AppError into form errors, rethrowing anything else. */
export function fieldErrorsOf(err: unknown): FieldErrors {
  if (err instanceof ValidationError) return { [err.field.replace(/\//g, '.')]: err.message }
  if (err instanceof AppError && err.status < 500 && err.status !== 404) {
    const field = (err.details as { field?: string } | undefined)?.field
    return { [field ?? 'form']: err.message }
  }
  throw err
}
