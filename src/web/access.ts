// Who may call each /api/v1 route, in one place. Every route needs a signed-in user or an API
// key (fail closed) except those listed here. The actor plugin checks it before the body is
// parsed or validated, and the OpenAPI document states it as each operation's security.

/** Access: `user` (session or API key), `public` (no credential, or one the route checks itself), `agent` (the agent credential, checked by the agent routes). */
export type Access = 'user' | 'public' | 'agent'

const publicRoutes = new Set([
  'POST /api/v1/auth/login',
  // The second sign-in step: the half-signed-in session of the first step is checked by the route.
  'POST /api/v1/auth/mfa/verify',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/forgot-password',
  'POST /api/v1/auth/reset-password',
  'GET /api/v1/openapi.json',
  'GET /api/v1/docs',
  // The HMAC signature over the raw body is the credential (docs/automations.md).
  'POST /api/v1/automations/webhooks/:token',
  // The enrollment key in the body is the credential (and the pending enrollment's token when polling).
  'POST /api/v1/agents/enroll',
  'POST /api/v1/agents/enroll/poll',
  'POST /api/v1/agents/install-check',
])

/** Routes that read their body as raw text themselves (a signature covers the exact bytes). */
const rawBodyRoutes = new Set(['POST /api/v1/automations/webhooks/:token'])

/** apiAccess says who may call `method route` (an Elysia path pattern under /api/v1). */
export function apiAccess(method: string, route: string): Access {
  const key = `${method === 'HEAD' ? 'GET' : method} ${route}`
  if (publicRoutes.has(key)) return 'public'
  if (route.startsWith('/api/v1/agents/:id/')) return 'agent'
  return 'user'
}

/** rawBody: the route parses its own body (the JSON-object rule of the API does not apply). */
export function rawBody(method: string, route: string): boolean {
  return rawBodyRoutes.has(`${method} ${route}`)
}
