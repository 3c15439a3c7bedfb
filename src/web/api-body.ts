// JSON API bodies: a JSON object sent as application/json, or no body at all. Anything else
// (text/plain, a form, malformed JSON, `[]`, `null`, a bare string, text with NUL characters)
// is refused before any work.
// The parser never throws: a bad body becomes a BodyProblem that the actor plugin raises once
// the caller is known, so an unauthenticated caller gets 401, not a lesson in what to send.
import { Elysia } from 'elysia'
import { AppError, ValidationError } from '../lib/errors'
import { rawBody } from './access'

/** BodyProblem stands in for a request body the API refuses; `error` is what the caller gets. */
export class BodyProblem {
  constructor(readonly error: AppError) {}
}

/** EmptyBody stands in for a request that declared a body but sent no bytes. */
export const EmptyBody = Object.freeze({ emptyBody: true })

const problem = (status: number, code: string, message: string) => new BodyProblem(new AppError(status, code, message, { field: 'body' }))

/** isJsonType: application/json or a +json type such as application/merge-patch+json. */
function isJsonType(contentType: string): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

export const apiBodyParser = new Elysia({ name: 'breeze.api-body' })
  .onParse({ as: 'global' }, async ({ request, route }) => {
    if (!route.startsWith('/api/') || rawBody(request.method, route) || !request.body) return
    const text = await request.text()
    if (text.trim() === '') return EmptyBody
    if (!isJsonType(request.headers.get('content-type') ?? '')) return problem(415, 'unsupported_media_type', 'body: send a JSON object with Content-Type: application/json')
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return problem(400, 'invalid_body', 'body: the request body is not valid JSON')
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return problem(400, 'invalid_body', 'body: must be a JSON object')
    const nul = nulPath(value, '')
    if (nul !== null) return new BodyProblem(new ValidationError(nul, `${nul}: must not contain NUL characters`))
    return value
  })

/** nulPath finds a string with a NUL character (PostgreSQL cannot store it) and returns where it is. */
function nulPath(value: unknown, at: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? at || 'body' : null
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = nulPath(v, at ? `${at}/${k}` : k)
      if (found !== null) return found
    }
  }
  return null
}

/** takeBody raises a refused body's error and turns an empty one into no body. */
export function takeBody(c: { body: unknown }) {
  if (c.body instanceof BodyProblem) throw c.body.error
  if (c.body === EmptyBody) c.body = undefined
}
