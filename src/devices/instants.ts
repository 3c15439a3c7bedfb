// Moments named in query strings (history filters, inventory time-travel).
import { ValidationError } from '../lib/errors'

const DAY = 86_400_000

/**
 * parseInstant reads epoch milliseconds, an ISO date-time, or a bare date (UTC). A bare date
 * means its start for `edge: 'start'` and its last millisecond for `edge: 'end'`.
 */
export function parseInstant(value: string | undefined, field: string, edge: 'start' | 'end'): number | undefined {
  if (value === undefined || value === '') return undefined
  if (/^\d{1,15}$/.test(value)) return Number(value)
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(value)
  const ms = Date.parse(bare ? `${value}T00:00:00Z` : value)
  if (!Number.isFinite(ms)) throw new ValidationError(field, `${field} must be a date like 2026-01-31, an ISO 8601 time or epoch milliseconds`)
  return bare && edge === 'end' ? ms + DAY - 1 : ms
}
