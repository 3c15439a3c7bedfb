// API keys: `brz_` + 256 random bits, shown once and stored as SHA-256. A key carries a subset
// of its creator's permissions and orgs, and is re-checked against the creator's current
// scope on every request, so it can never do more than its creator can now.
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import type { Db } from '../db'
import { withTx } from '../db/tx'
import { randomToken, sha256Hex } from '../lib/crypto'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { isPermission, type Permission } from '../tenancy/permissions'
import { narrowScope, permissionsAnywhere, type Scope } from '../tenancy/scope'
import type { ApiKey, UserActor } from './actor'
import { requireFreshStepUp } from './fleet-guard'
import { findApiKeyByHash, insertApiKey, listApiKeysOf, revokeOwnApiKey, touchApiKey } from './api-key-repo'
import type { CreateApiKeyInput } from './model'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export const apiKeyPrefix = 'brz_'

export type ApiKeyView = Omit<ApiKey, 'keyHash'>

function view(k: ApiKey): ApiKeyView {
  const { keyHash: _h, ...rest } = k
  return rest
}

/** createApiKey makes a key for `scope`'s user; the secret is returned once and never again. */
export async function createApiKeyFor(ctx: Ctx, userId: string, scope: Scope, input: CreateApiKeyInput, audit: UserActor['audit']): Promise<{ key: string; apiKey: ApiKeyView }> {
  const held = permissionsAnywhere(scope)
  const permissions: Permission[] = []
  for (const [i, p] of (input.permissions ?? [...held]).entries()) {
    if (!isPermission(p)) throw new ValidationError(`permissions/${i}`, `unknown permission "${p}"`)
    if (!held.has(p)) throw new ForbiddenError(`a key cannot have "${p}" because you do not have it`, p)
    permissions.push(p)
  }
  const orgIds = input.orgIds ?? null
  for (const [i, id] of (orgIds ?? []).entries()) {
    if (!scope.orgs.has(id)) throw new ValidationError(`orgIds/${i}`, 'unknown organization')
  }
  const secret = apiKeyPrefix + randomToken(32)
  const now = ctx.clock.now()
  const apiKey: ApiKey = {
    id: newId(), userId, name: input.name.trim(), prefix: secret.slice(0, 12), keyHash: sha256Hex(secret), permissions: [...new Set(permissions)], orgIds,
    lastUsedAt: null, expiresAt: input.expiresInDays ? now + input.expiresInDays * 86_400_000 : null, revokedAt: null, createdAt: now, fleet: input.fleet === true,
  }
  await withTx(ctx.db, async (tx) => {
    await insertApiKey(tx, apiKey)
    await recordAudit({ ...ctx, db: tx }, audit, { action: 'api_key.create', resourceType: 'api_key', resourceId: apiKey.id, resourceName: apiKey.name, details: { permissions: apiKey.permissions, orgIds, expiresAt: apiKey.expiresAt, fleet: apiKey.fleet } })
  })
  return { key: secret, apiKey: view(apiKey) }
}

/** createApiKey: a key for the caller; one with the fleet scope needs the same recent step-up as a fleet-wide action. */
export async function createApiKey(ctx: Ctx, actor: UserActor, input: CreateApiKeyInput) {
  if (actor.apiKey) throw new ForbiddenError('API keys cannot create other API keys')
  if (input.fleet) await requireFreshStepUp(ctx, actor, 'api_key.create.fleet')
  return createApiKeyFor(ctx, actor.user.id, actor.scope, input, actor.audit)
}

export async function listApiKeys(ctx: Ctx, actor: UserActor): Promise<ApiKeyView[]> {
  return (await listApiKeysOf(ctx.db, actor.user.id)).map(view)
}

export async function revokeApiKey(ctx: Ctx, actor: UserActor, id: string) {
  await withTx(ctx.db, async (tx) => {
    const revoked = await revokeOwnApiKey(tx, id, actor.user.id, ctx.clock.now())
    if (!revoked) throw new NotFoundError('API key')
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'api_key.revoke', resourceType: 'api_key', resourceId: id, resourceName: revoked.name })
  })
  ctx.events.emit('access.changed', { userId: actor.user.id, reason: 'api_key.revoke' })
}

/** findUsableApiKey returns the key for a bearer secret if it is neither revoked nor expired. */
export async function findUsableApiKey(db: Db, secret: string, now: number): Promise<ApiKey | null> {
  if (!secret.startsWith(apiKeyPrefix)) return null
  const key = await findApiKeyByHash(db, sha256Hex(secret))
  if (!key || key.revokedAt || (key.expiresAt !== null && key.expiresAt <= now)) return null
  if (!key.lastUsedAt || now - key.lastUsedAt > 60_000) await touchApiKey(db, key.id, now)
  return key
}

/** keyScope is the creator's current scope narrowed to what the key allows. */
export function keyScope(creatorScope: Scope, key: ApiKey): Scope {
  return narrowScope(creatorScope, key.permissions.filter(isPermission), key.orgIds)
}
