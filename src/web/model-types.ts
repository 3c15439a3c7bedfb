// Number types for the domain models, one meaning for every way a value arrives. In a JSON body
// a number is a JSON number (the text "7" is refused); in a query string Elysia converts the
// text before checking the bounds; in an HTML form src/web/forms.ts converts it. Every number
// has bounds, so a huge or negative value is a 400 naming the field, never a database error.
// note: not Elysia's t.Integer / t.Numeric / t.BooleanString: those accept text in JSON bodies too.
import { Type, type NumberOptions, type StringOptions } from '@sinclair/typebox'

type Bounded = NumberOptions & { minimum: number; maximum: number }

/** int: a whole number within bounds. */
export const int = (options: Bounded) => Type.Number({ ...options, multipleOf: 1 })

/** num: a number within bounds (fractions allowed). */
export const num = (options: Bounded) => Type.Number(options)

/** The latest time a JavaScript Date can hold, in epoch milliseconds. */
export const maxEpochMs = 8_640_000_000_000_000

/** epochMs: a point in time as epoch milliseconds. */
export const epochMs = (options: NumberOptions = {}) => Type.Number({ minimum: 0, maximum: maxEpochMs, ...options, multipleOf: 1 })

/** anyNumber: a free-form number kept as data (parameters, setting values): finite and exact. */
export const anyNumber = (options: NumberOptions = {}) => Type.Number({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options })

const isoPattern = '\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?'

/** isoDateText: a date (`2026-01-31`) or date-time (`2026-01-31T08:00:00Z`) written as text, read by the service. */
export const isoDateText = (options: StringOptions = {}) => Type.String({ maxLength: 40, pattern: `^${isoPattern}$`, error: 'must be a date like 2026-01-31 or an ISO date-time', ...options })

/** timeText: an ISO date-time or epoch milliseconds, written as text (query strings). */
export const timeText = (options: StringOptions = {}) => Type.String({ maxLength: 40, pattern: `^(\\d{1,15}|${isoPattern})$`, error: 'must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch milliseconds', ...options })
