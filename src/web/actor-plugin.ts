// Resolves who is calling, once per request, and enforces the cross-site rules on every
// state-changing request: Origin / Sec-Fetch-Site must be our own, and a request that rides
// on a cookie must carry the matching CSRF token.
import { Elysia } from 'elysia'
import { findUsableApiKey, keyScope } from '../auth/api-keys'
import { userAuditActor, type Actor, type UserActor } from '../auth/actor'
import { findLiveSession, type Session } from '../auth/session-repo'
import { auditEvent } from '../audit/service'
import type { AppContext } from '../context'
import { randomToken } from '../lib/crypto'
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors'
import { getSecuritySettings } from '../settings/service'
import { loadScope } from '../tenancy/scope-repo'
import { findUserById, mfaRequiredFor } from '../tenancy/users-repo'
import { apiAccess } from './access'
import { takeBody } from './api-body'
import { anonCookieName, cookieAttributes, sessionCookieName } from './cookies'
import { csrfField, csrfHeader, csrfTokenFor, csrfTokenMatches } from './csrf'
import { requestInfo } from './request-info'

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/** JSON sign-in needs no token: a cross-site form cannot send a JSON body (and Origin is still checked). */
const jsonLoginPaths = new Set(['/api/v1/auth/login'])

export class MfaEnrollmentRequired extends AppError {
  constructor() { super(403, 'mfa_setup_required', 'your organization requires two-factor authentication: set it up under Account → Two-factor authentication first') }
}

/** UserActor plus whether the user still has to enrol MFA before doing anything else. */
export type RequestActor = Actor & { mustEnrollMfa?: boolean }

export function actorPlugin(ctx: AppContext) {
  return new Elysia({ name: 'breeze.actor' })
    .derive({ as: 'global' }, async (c) => {
      const { request, server, cookie } = c
      const info = requestInfo(ctx.config, request, server?.requestIP(request)?.address ?? null)
      const anonymous = { kind: 'anonymous' as const, audit: { type: 'user' as const, id: null, email: null, ip: info.ip, userAgent: info.userAgent } }
      let actor: RequestActor = anonymous
      let session: Session | null = null
      // note: /metrics takes its own bearer token (a scrape token, not an API key).
      const bearer = info.path === '/metrics' ? undefined : request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1]
      if (bearer) {
        const now = ctx.clock.now()
        const key = await findUsableApiKey(ctx.db, bearer, now)
        const user = key ? await findUserById(ctx.db, key.userId) : undefined
        if (!key || !user || user.status !== 'active') throw new UnauthorizedError('invalid, expired or revoked API key')
        actor = { kind: 'user', user, apiKey: key, session: null, scope: keyScope(await loadScope(ctx.db, user), key), audit: userAuditActor(user, key, info.ip, info.userAgent) }
      } else {
        const token = cookie[sessionCookieName(info)]?.value
        if (typeof token === 'string' && token) {
          session = await findLiveSession(ctx.db, token, ctx.clock.now(), await getSecuritySettings(ctx))
          const user = session?.stage === 'full' ? await findUserById(ctx.db, session.userId) : undefined
          if (session && user?.status === 'active') {
            const mustEnrollMfa = !user.mfaEnabled && (await mfaRequiredFor(ctx.db, user.id))
            actor = { kind: 'user', user, apiKey: null, session, scope: await loadScope(ctx.db, user), audit: userAuditActor(user, null, info.ip, info.userAgent), mustEnrollMfa }
          } else if (!session || session.stage === 'full') {
            session = null
            cookie[sessionCookieName(info)].remove()
          }
        }
      }
      // Before sign-in, forms are bound to a random anonymous cookie (login CSRF protection).
      let anonId = cookie[anonCookieName(info)]?.value as string | undefined
      if (!session && !bearer && !anonId && request.method === 'GET' && !info.api) {
        anonId = randomToken(16)
        cookie[anonCookieName(info)].set({ value: anonId, ...cookieAttributes(info) })
      }
      const csrfToken = session ? csrfTokenFor(ctx.keys, { sessionId: session.id }) : anonId ? csrfTokenFor(ctx.keys, { anonId }) : ''
      // The API checks who is calling before it looks at what they sent (derive runs before validation).
      if (c.route.startsWith('/api/')) {
        if (apiAccess(request.method, c.route) === 'user' && actor.kind !== 'user') throw new UnauthorizedError()
        takeBody(c)
      }
      return { info, actor, session, csrfToken }
    })
    .onBeforeHandle({ as: 'global' }, async ({ request, info, actor, session, csrfToken, body }) => {
      if (safeMethods.has(request.method)) return
      const site = request.headers.get('sec-fetch-site')
      const origin = request.headers.get('origin')
      const ownOrigins = [info.origin, ctx.config.publicUrl ? new URL(ctx.config.publicUrl).origin : null]
      if ((site && site !== 'same-origin' && site !== 'none') || (origin && !ownOrigins.includes(origin))) {
        throw new ForbiddenError('cross-site request refused')
      }
      if (actor.kind === 'user' && actor.apiKey) return
      // Without cookies there is no ambient credential to abuse (API and agent clients).
      if (!request.headers.get('cookie')) return
      const json = request.headers.get('content-type')?.startsWith('application/json') ?? false
      if (!session && json && jsonLoginPaths.has(info.path)) return
      const given = request.headers.get(csrfHeader) ?? (body && typeof body === 'object' ? (body as Record<string, unknown>)[csrfField] : undefined)
      if (!csrfToken || !csrfTokenMatches(csrfToken, given)) {
        if (actor.kind === 'user') await auditEvent(ctx, actor.audit, { action: 'security.csrf', result: 'denied', details: { method: request.method, path: info.path } })
        throw new ForbiddenError('missing or invalid CSRF token; reload the page and try again')
      }
    })
}

/** userOf returns the signed-in user or throws 401 (pages turn that into the login redirect). */
export function userOf(actor: RequestActor, opts: { allowMfaEnrollment?: boolean } = {}): UserActor {
  if (actor.kind !== 'user') throw new UnauthorizedError()
  if (actor.mustEnrollMfa && !opts.allowMfaEnrollment) throw new MfaEnrollmentRequired()
  return actor
}
