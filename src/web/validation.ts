// One wording for schema errors, shared by the JSON API (errors.tsx) and HTML forms (forms.ts):
// what is wrong with a field, in words a person can act on.

export type SchemaIssue = { path?: string; message?: string; summary?: string; value?: unknown; schema?: unknown }

type Shape = { type?: unknown; anyOf?: Shape[]; const?: unknown; minimum?: number; maximum?: number; multipleOf?: number; error?: unknown }

/** issueField turns a JSON pointer (`/steps/0/name`) into a field name (`steps.0.name`). */
export function issueField(e: SchemaIssue): string {
  return (e.path ?? '').replace(/^\//, '').replace(/\//g, '.')
}

/** issueMessage says what is wrong: the schema's own `error` text, else a message for numbers, choices and unknown fields. */
export function issueMessage(e: SchemaIssue): string {
  const schema = (e.schema ?? {}) as Shape
  if (typeof schema.error === 'string') return schema.error
  const number = numberSchema(schema)
  if (number) return numberMessage(number, e.value) ?? (typeof e.value === 'string' ? 'must be a number, not text' : e.message ?? 'invalid value')
  const choices = schema.anyOf?.every((m) => m.const !== undefined) ? schema.anyOf.map((m) => String(m.const)) : null
  if (choices) return `must be one of: ${choices.join(', ')}`
  if (schema.type === 'boolean' || schema.anyOf?.some((m) => m.type === 'boolean')) return 'must be true or false'
  if (e.message === 'Unexpected property') return 'is not a field of this request'
  if (e.message === 'Expected required property') return 'is required'
  return e.summary ?? e.message ?? 'invalid value'
}

function numberSchema(s: Shape): Shape | null {
  if (s.type === 'number' || s.type === 'integer') return s
  return s.anyOf?.find((m) => m.type === 'number' || m.type === 'integer') ?? null
}

function numberMessage(n: Shape, value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    // Numeric text: say what is wrong with the number, else that it should not be text.
    return numberMessage(n, Number(value)) ?? 'must be a number, not text'
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number'
  if ((n.multipleOf === 1 || n.type === 'integer') && !Number.isInteger(value)) return 'must be a whole number'
  const { minimum: min, maximum: max } = n
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return null
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`
  if (min !== undefined) return `must be at least ${min}`
  return `must be at most ${max}`
}
