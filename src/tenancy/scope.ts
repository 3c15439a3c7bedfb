// The caller's scope: which partners and organizations it may see, and what it may do in
// each. Resolved once per request (src/auth/actor.ts); every tenant-data query and check
// goes through the helpers here, so the tenancy rule lives in one place.
import { ForbiddenError, NotFoundError } from '../lib/errors'
import type { Permission } from './permissions'

export type OrgGrant = { partnerId: string; permissions: Set<Permission>; /** null = all sites */ siteIds: string[] | null }

export type Scope = {
  userId: string
  platformAdmin: boolean
  /** Partner-level grants (manage the partner, create orgs, partner users). */
  partners: Map<string, Set<Permission>>
  orgs: Map<string, OrgGrant>
}

/** can: may the scope do `perm` in org `orgId`? */
export function can(scope: Scope, perm: Permission, orgId: string): boolean {
  return scope.orgs.get(orgId)?.permissions.has(perm) ?? false
}

/** canInPartner: may the scope do `perm` at the partner level of `partnerId`? */
export function canInPartner(scope: Scope, perm: Permission, partnerId: string): boolean {
  return scope.partners.get(partnerId)?.has(perm) ?? false
}

/** orgIdsWith lists the orgs where the scope holds `perm` (for list queries). */
export function orgIdsWith(scope: Scope, perm: Permission): string[] {
  const ids: string[] = []
  for (const [id, grant] of scope.orgs) if (grant.permissions.has(perm)) ids.push(id)
  return ids
}

export function partnerIdsWith(scope: Scope, perm: Permission): string[] {
  const ids: string[] = []
  for (const [id, perms] of scope.partners) if (perms.has(perm)) ids.push(id)
  return ids
}

/**
 * requireOrg throws NotFound when the org is outside the scope (so its existence never
 * leaks) and Forbidden when the scope sees it but lacks `perm`.
 */
export function requireOrg(scope: Scope, orgId: string, perm: Permission, what = 'organization'): OrgGrant {
  const grant = scope.orgs.get(orgId)
  if (!grant) throw new NotFoundError(what)
  if (!grant.permissions.has(perm)) throw new ForbiddenError(`you need the ${perm} permission in this organization`, perm)
  return grant
}

export function requirePartner(scope: Scope, partnerId: string, perm: Permission) {
  const perms = scope.partners.get(partnerId)
  if (!perms) throw new NotFoundError('partner')
  if (!perms.has(perm)) throw new ForbiddenError(`you need the ${perm} permission for this partner`, perm)
}

/** siteVisible: for site-scoped members, is this site one of theirs? */
export function siteVisible(scope: Scope, orgId: string, siteId: string): boolean {
  const grant = scope.orgs.get(orgId)
  return !!grant && (grant.siteIds === null || grant.siteIds.includes(siteId))
}

/** permissionsAnywhere is the union of all the scope's permissions (menus, API key limits). */
export function permissionsAnywhere(scope: Scope): Set<Permission> {
  const all = new Set<Permission>()
  for (const perms of scope.partners.values()) for (const p of perms) all.add(p)
  for (const grant of scope.orgs.values()) for (const p of grant.permissions) all.add(p)
  return all
}

/** narrowScope limits a scope to a permission subset and org subset (API keys). */
export function narrowScope(scope: Scope, permissions: Permission[], orgIds: string[] | null): Scope {
  const allowed = new Set(permissions)
  const keep = (perms: Set<Permission>) => new Set([...perms].filter((p) => allowed.has(p)))
  const orgs = new Map<string, OrgGrant>()
  for (const [id, grant] of scope.orgs) {
    if (orgIds && !orgIds.includes(id)) continue
    orgs.set(id, { ...grant, permissions: keep(grant.permissions) })
  }
  const partners = new Map<string, Set<Permission>>()
  for (const [id, perms] of scope.partners) partners.set(id, orgIds ? new Set([...keep(perms)].filter((p) => p.endsWith(':read'))) : keep(perms))
  return { userId: scope.userId, platformAdmin: false, partners, orgs }
}
