// What a caller authenticated with, kept by things that outlive the request (a live remote
// session), so they can ask later whether it still holds: the user still active, the browser
// session still signed in (not signed out or revoked), the API key not revoked or expired,
// and the scope as the database says now.
import type { AppContext } from '../context'
import type { Scope } from '../tenancy/scope'
import { loadScope } from '../tenancy/scope-repo'
import { findUserById } from '../tenancy/users-repo'
import type { UserActor } from './actor'
import { findApiKeyById } from './api-key-repo'
import { keyScope } from './api-keys'
import { findSessionById } from './session-repo'

export type Credential = { userId: string; sessionId: string | null; apiKeyId: string | null }

/** credentialOf is how `actor` signed in: its browser session or its API key. */
export function credentialOf(actor: UserActor): Credential {
  return { userId: actor.user.id, sessionId: actor.session?.id ?? null, apiKeyId: actor.apiKey?.id ?? null }
}

export function sameCredential(a: Credential, b: Credential): boolean {
  return a.userId === b.userId && a.sessionId === b.sessionId && a.apiKeyId === b.apiKeyId
}

/**
 * currentScope is what a credential may do now, or null when it no longer signs anyone in.
 * note: a browser session counts until it is deleted (sign-out, revocation, password reset,
 * disabling) or its absolute lifetime ends; its idle expiry is not judged here, because work
 * held open by the session (a terminal in use) is not page activity.
 */
export async function currentScope(ctx: Pick<AppContext, 'db' | 'clock'>, cred: Credential): Promise<Scope | null> {
  const user = await findUserById(ctx.db, cred.userId)
  if (!user || user.status !== 'active') return null
  const now = ctx.clock.now()
  if (cred.sessionId) {
    const session = await findSessionById(ctx.db, cred.sessionId)
    if (!session || session.userId !== user.id || session.stage !== 'full' || session.expiresAt <= now) return null
  }
  const scope = await loadScope(ctx.db, user)
  if (!cred.apiKeyId) return scope
  const key = await findApiKeyById(ctx.db, cred.apiKeyId)
  if (!key || key.userId !== user.id || key.revokedAt || (key.expiresAt !== null && key.expiresAt <= now)) return null
  return keyScope(scope, key)
}
