// Headers on every response. The CSP allows no inline script and no third-party origin:
// all behaviour is in /static, which is why Alpine's CSP build is used.
import { Elysia } from 'elysia'

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const securityHeaders = new Elysia({ name: 'breeze.security-headers' }).onRequest(({ set }) => {
  set.headers['content-security-policy'] = csp
  set.headers['x-content-type-options'] = 'nosniff'
  set.headers['referrer-policy'] = 'same-origin'
  set.headers['x-frame-options'] = 'DENY'
  set.headers['cross-origin-opener-policy'] = 'same-origin'
  set.headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=()'
})
