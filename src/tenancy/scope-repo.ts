// Loading a user's scope from their memberships (one query per membership kind, plus one for
// the orgs of partners they see in full).
import { and, eq, inArray, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import { isPermission, type Permission } from './permissions'
import type { OrgGrant, Scope } from './scope'

const perms = (list: string[]) => new Set(list.filter(isPermission))

/** loadScope resolves what `userId` may see and do, from the database as it is now. */
export async function loadScope(db: Db, user: { id: string; isPlatformAdmin: boolean }): Promise<Scope> {
  const scope: Scope = { userId: user.id, platformAdmin: user.isPlatformAdmin, partners: new Map(), orgs: new Map() }
  if (user.isPlatformAdmin) {
    // The appliance owner administers every partner and organization.
    const all = new Set(await allPermissionsOfRole(db, 'partner_admin'))
    for (const p of await db.select({ id: t.partners.id }).from(t.partners).where(isNull(t.partners.deletedAt))) scope.partners.set(p.id, all)
    for (const o of await db.select({ id: t.organizations.id, partnerId: t.organizations.partnerId }).from(t.organizations).where(isNull(t.organizations.deletedAt))) {
      scope.orgs.set(o.id, { partnerId: o.partnerId, permissions: all, siteIds: null })
    }
    return scope
  }

  const partnerRows = await db.select({ m: t.partnerMembers, permissions: t.roles.permissions })
    .from(t.partnerMembers)
    .innerJoin(t.roles, eq(t.roles.id, t.partnerMembers.roleId))
    .innerJoin(t.partners, eq(t.partners.id, t.partnerMembers.partnerId))
    .where(and(eq(t.partnerMembers.userId, user.id), isNull(t.partners.deletedAt)))
  const fullPartners: string[] = []
  for (const { m, permissions } of partnerRows) {
    const set = perms(permissions)
    scope.partners.set(m.partnerId, set)
    if (m.orgAccess === 'all') fullPartners.push(m.partnerId)
  }
  const partnerOrgs = partnerRows.length === 0 ? [] : await db.select({ id: t.organizations.id, partnerId: t.organizations.partnerId })
    .from(t.organizations)
    .where(and(inArray(t.organizations.partnerId, partnerRows.map((r) => r.m.partnerId)), isNull(t.organizations.deletedAt)))
  for (const org of partnerOrgs) {
    const row = partnerRows.find((r) => r.m.partnerId === org.partnerId)!
    if (row.m.orgAccess === 'all' || (row.m.orgAccess === 'selected' && row.m.orgIds.includes(org.id))) {
      grant(scope, org.id, { partnerId: org.partnerId, permissions: perms(row.permissions), siteIds: null })
    }
  }

  const orgRows = await db.select({ m: t.orgMembers, permissions: t.roles.permissions, partnerId: t.organizations.partnerId })
    .from(t.orgMembers)
    .innerJoin(t.roles, eq(t.roles.id, t.orgMembers.roleId))
    .innerJoin(t.organizations, eq(t.organizations.id, t.orgMembers.orgId))
    .where(and(eq(t.orgMembers.userId, user.id), isNull(t.organizations.deletedAt)))
  for (const { m, permissions, partnerId } of orgRows) {
    grant(scope, m.orgId, { partnerId, permissions: perms(permissions), siteIds: m.siteIds })
  }
  return scope
}

/** grant merges a grant into the scope: permissions add up, and any all-sites grant wins. */
function grant(scope: Scope, orgId: string, g: OrgGrant) {
  const prev = scope.orgs.get(orgId)
  if (!prev) { scope.orgs.set(orgId, g); return }
  scope.orgs.set(orgId, {
    partnerId: g.partnerId,
    permissions: new Set([...prev.permissions, ...g.permissions]),
    siteIds: prev.siteIds === null || g.siteIds === null ? null : [...new Set([...prev.siteIds, ...g.siteIds])],
  })
}

async function allPermissionsOfRole(db: Db, key: string): Promise<Permission[]> {
  const [role] = await db.select({ permissions: t.roles.permissions }).from(t.roles).where(eq(t.roles.key, key))
  return (role?.permissions ?? []).filter(isPermission)
}
