// CSRF tokens are derived, not stored: an HMAC of the session id (or, before sign-in, of a
// random anonymous cookie) under a server key. A page embeds the token; htmx sends it as the
// X-CSRF-Token header (static/js/app.js) and plain forms as the _csrf field.
import type { ServerKeys } from '../keys'
import { hmacHex, safeEqual } from '../lib/crypto'

export const csrfHeader = 'x-csrf-token'
export const csrfField = '_csrf'

/** csrfTokenFor binds a token to whatever credential cookie the browser holds. */
export function csrfTokenFor(keys: ServerKeys, binding: { sessionId: string } | { anonId: string }): string {
  const subject = 'sessionId' in binding ? `session:${binding.sessionId}` : `anon:${binding.anonId}`
  return hmacHex(keys.derive('csrf'), subject).slice(0, 40)
}

export function csrfTokenMatches(expected: string, given: unknown): boolean {
  return typeof given === 'string' && safeEqual(expected, given)
}
