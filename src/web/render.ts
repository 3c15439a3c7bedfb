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

/** redirect navigates: htmx follows HX-Location (no full reload), browsers a 303. */
export function redirect(c: Settable, url: string): string {
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

/** safeNext keeps a post-login redirect on this site (no //evil.example or scheme tricks). */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : fallback
}
