// Cookie names and attributes. Over HTTPS the names carry the __Host- prefix, which browsers
// only accept with Secure, Path=/ and no Domain — so no subdomain can plant or read them.
import type { RequestInfo } from './request-info'

export const sessionCookieName = (info: RequestInfo) => (info.secure ? '__Host-breeze_session' : 'breeze_session')
export const anonCookieName = (info: RequestInfo) => (info.secure ? '__Host-breeze_anon' : 'breeze_anon')
export const flashCookieName = 'breeze_flash'

export function cookieAttributes(info: RequestInfo, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: info.secure, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) }
}

type Jar = Record<string, { set(o: object): void; remove(): void }>

/** setSessionCookie stores a new session token; the browser keeps it no longer than the session lives. */
export function setSessionCookie(cookie: Jar, info: RequestInfo, token: string, maxAgeMs: number) {
  cookie[sessionCookieName(info)].set({ value: token, ...cookieAttributes(info, Math.floor(maxAgeMs / 1000)) })
}

export function clearSessionCookie(cookie: Jar, info: RequestInfo) {
  cookie[sessionCookieName(info)].remove()
}
