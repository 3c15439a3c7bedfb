// Which channels and policies an owner may use: an org uses its own and its partner's
// partner-wide ones; a partner-wide rule or policy uses partner-wide ones only.
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import type { Permission } from '../tenancy/permissions'
import { orgIdsWith, partnerIdsWith, type Scope } from '../tenancy/scope'
import { findChannels, findPolicy, type OwnerVisibility } from './channels-repo'

export type Owner = { orgId: string | null; partnerId: string }

export function usableBy(owner: Owner, row: { orgId: string | null; partnerId: string }): boolean {
  return row.partnerId === owner.partnerId && (row.orgId === null || row.orgId === owner.orgId)
}

/** checkChannelIds: every id is a channel the owner may notify through (400 naming `field` otherwise). */
export async function checkChannelIds(ctx: Pick<AppContext, 'db'>, owner: Owner, ids: string[], field: string): Promise<string[]> {
  const unique = [...new Set(ids)]
  const found = await findChannels(ctx.db, unique)
  for (const [i, id] of unique.entries()) {
    const ch = found.find((c) => c.id === id)
    if (!ch || !usableBy(owner, ch)) throw new ValidationError(`${field}/${i}`, `no notification channel ${id} available to ${owner.orgId ? 'this organization' : 'this partner'}`)
  }
  return unique
}

export async function checkPolicyId(ctx: Pick<AppContext, 'db'>, owner: Owner, id: string | null, field: string): Promise<string | null> {
  if (id === null) return null
  const p = await findPolicy(ctx.db, id)
  if (!p || !usableBy(owner, p)) throw new ValidationError(field, `no escalation policy ${id} available to ${owner.orgId ? 'this organization' : 'this partner'}`)
  return id
}

/** ownerVisibility: org rows where the scope holds `perm`, and partner rows of its partners (read: also its orgs' partners). */
export function ownerVisibility(scope: Scope, perm: Permission): OwnerVisibility {
  const orgIds = orgIdsWith(scope, perm)
  const partnerIds = new Set(partnerIdsWith(scope, perm))
  if (perm.endsWith(':read')) for (const id of orgIds) partnerIds.add(scope.orgs.get(id)!.partnerId)
  return { orgIds, partnerIds: [...partnerIds] }
}

export function canSeeOwned(v: OwnerVisibility, row: { orgId: string | null; partnerId: string }): boolean {
  return row.orgId ? v.orgIds.includes(row.orgId) : v.partnerIds.includes(row.partnerId)
}
