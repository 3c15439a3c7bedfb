// Who is calling: resolved once per request by the web layer (src/web/actor-plugin.ts) and
// passed to services explicitly.
import type { AuditActor } from '../audit/service'
import type { t } from '../db/tables'
import type { Scope } from '../tenancy/scope'
import type { User } from '../tenancy/users-repo'
import type { Session } from './session-repo'

export type ApiKey = typeof t.apiKeys.$inferSelect

export type UserActor = {
  kind: 'user'
  user: User
  scope: Scope
  /** Set for browser sessions. */
  session: Session | null
  /** Set when authenticated by an API key (scope is then narrowed to the key). */
  apiKey: ApiKey | null
  audit: AuditActor
}

export type AnonymousActor = { kind: 'anonymous'; audit: AuditActor }

export type Actor = UserActor | AnonymousActor

export function userAuditActor(user: Pick<User, 'id' | 'email'>, apiKey: ApiKey | null, ip: string | null, userAgent: string | null): AuditActor {
  return apiKey
    ? { type: 'api_key', id: apiKey.id, email: user.email, ip, userAgent }
    : { type: 'user', id: user.id, email: user.email, ip, userAgent }
}
