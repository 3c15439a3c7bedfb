// Sending HTML: one helper for pages and fragments, one for redirects that work for both
// plain requests and htmx, and flash messages that survive the redirect.
import type { Context } from 'elysia'
import { flashCookieName } from './cookies'
import { HX, isHtmx } from './htmx'

type Settable = { set: Context['set']; request: Request }

/** render sends HTML with the headers every page needs (Vary: the same URL serves full pages and fragments). */
export function render(c: Settable, html: JSX.Element | string, status = 200): string {
  c.set.status = status
  c.set.headers['content-type'] = 'text/html; charset=utf-8'
  c.set.headers.vary = 'HX-Request, HX-Target'
  c.set.headers['cache-control'] = 'no-store'
  return html as string
}

/**
 * redirect navigates: htmx follows HX-Location (no full reload), browsers a 303. NB: only
 * paths on this site; anything else (a bug, or input that slipped past localPath) goes to /.
 */
export function redirect(c: Settable, target: string): string {
  const url = localPath(target)
  if (isHtmx(c.request)) {
    c.set.status = 200
    c.set.headers[HX.location] = JSON.stringify({ path: url, target: 'body' })
    return ''
  }
  c.set.status = 303
  c.set.headers.location = url
  return ''
}

export type Flash = { kind: 'success' | 'error' | 'info'; text: string }

type CookieJar = Record<string, { value: unknown; set(o: object): void; remove(): void }>

/** setFlash queues a message for the next page shown to this browser. */
export function setFlash(cookie: CookieJar, flash: Flash) {
  cookie[flashCookieName].set({ value: JSON.stringify(flash), path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60 })
}

/** takeFlash reads and clears the queued message. */
export function takeFlash(cookie: CookieJar): Flash | null {
  const raw = cookie[flashCookieName]?.value
  if (!raw) return null
  cookie[flashCookieName].remove()
  // note: Elysia hands back cookie values that look like JSON already parsed.
  let f: { kind?: unknown; text?: unknown } | null = null
  try { f = typeof raw === 'string' ? JSON.parse(raw) : (raw as unknown as typeof f) } catch { return null }
  return f && typeof f.text === 'string' && (f.kind === 'success' || f.kind === 'error' || f.kind === 'info') ? { kind: f.kind, text: f.text.slice(0, 500) } : null
}

const probeOrigin = 'http://breeze.invalid'

/**
 * localPath returns `target` when it is a path on this site, else `fallback`: the one check for
 * every redirect target that comes from input (a `next` parameter, a form's `back`, Referer).
 * Refused: anything not starting with one `/` (`//evil.example`, `https:evil`, `javascript:`),
 * backslashes (browsers read `/\evil` as `//evil`), control characters and whitespace
 * (browsers drop tabs and newlines: `/\t/evil`), and percent-encoded forms of those, which
 * a later decode (ours or a proxy's) could turn back into an off-site target.
 */
export function localPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2000) return fallback
  if (!startsLocal(target) || unsafeChars.test(target)) return fallback
  let decoded = target
  for (let i = 0; i < 3; i++) {
    let next: string
    try { next = decodeURIComponent(decoded) } catch { break }
    if (next === decoded) break
    decoded = next
    if (!startsLocal(decoded.replace(/[\t\n\r]/g, '')) || unsafeChars.test(decoded.replace(/[\t\n\r]/g, '')[1] ?? '')) return fallback
  }
  let url: URL
  try { url = new URL(target, probeOrigin) } catch { return fallback }
  if (url.origin !== probeOrigin) return fallback
  return url.pathname + url.search + url.hash
}

const unsafeChars = /[\\\s\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/
const startsLocal = (s: string) => /^\/(?![/\\])/.test(s)

/** safeNext is localPath for post-login `next` parameters. */
export const safeNext = localPath

/** refererPath is the path of the page a form was posted from (the Referer), when it is on this site. */
export function refererPath(request: Request, fallback = '/'): string {
  const referer = request.headers.get('referer')
  if (!referer) return fallback
  try {
    const url = new URL(referer)
    return localPath(url.pathname + url.search, fallback)
  } catch {
    return fallback
  }
}
