// Roles: the six built-in ones (kept in sync with src/tenancy/permissions.ts at every start)
// and custom roles owned by a partner or an organization.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { CreateRoleInput, UpdateRoleInput } from './model'
import { builtinRoles, isPermission, type BuiltinRoleKey, type Permission } from './permissions'
import { findLiveOrg } from './repo'
import { orgIdsWith, partnerIdsWith, requireOrg, requirePartner, type Scope } from './scope'
import { deleteRoleRow, findRole, insertRole, listRoles as listRoleRows, roleInUse, updateRoleRow, upsertSystemRole, type Role } from './users-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** ensureBuiltinRoles writes the built-in roles with their current permissions. */
export async function ensureBuiltinRoles(ctx: Pick<AppContext, 'db' | 'clock'>) {
  const now = ctx.clock.now()
  for (const [key, def] of Object.entries(builtinRoles) as [BuiltinRoleKey, (typeof builtinRoles)[BuiltinRoleKey]][]) {
    await upsertSystemRole(ctx.db, {
      id: newId(), partnerId: null, orgId: null, scope: def.scope, key, name: def.name, description: def.description,
      isSystem: true, permissions: def.permissions, createdAt: now, updatedAt: now,
    })
  }
}

export async function listRoles(ctx: Ctx, actor: UserActor): Promise<Role[]> {
  return listRoleRows(ctx.db, partnerIdsWith(actor.scope, 'roles:read'), orgIdsWith(actor.scope, 'roles:read'))
}

/** getVisibleRole returns a role the actor can see, or throws NotFound. */
export async function getVisibleRole(ctx: Ctx, actor: UserActor, id: string): Promise<Role> {
  const role = await findRole(ctx.db, id)
  if (!role || !roleVisible(actor.scope, role)) throw new NotFoundError('role')
  return role
}

function roleVisible(scope: Scope, role: Role): boolean {
  if (role.isSystem) return true
  if (role.partnerId) return scope.partners.get(role.partnerId)?.has('roles:read') ?? false
  return !!role.orgId && (scope.orgs.get(role.orgId)?.permissions.has('roles:read') ?? false)
}

/** checkPermissions validates names and refuses any the actor does not hold itself where the role applies. */
function checkPermissions(list: string[], held: Set<Permission>): Permission[] {
  const out: Permission[] = []
  for (const [i, p] of list.entries()) {
    if (!isPermission(p)) throw new ValidationError(`permissions/${i}`, `unknown permission "${p}"`)
    if (!held.has(p)) throw new ForbiddenError(`you cannot grant "${p}" because you do not have it`, p)
    out.push(p)
  }
  return [...new Set(out)]
}

function heldWhereRoleApplies(scope: Scope, owner: { partnerId: string | null; orgId: string | null }): Set<Permission> {
  if (owner.partnerId) return scope.partners.get(owner.partnerId) ?? new Set()
  return scope.orgs.get(owner.orgId!)?.permissions ?? new Set()
}

export async function createRole(ctx: Ctx, actor: UserActor, input: CreateRoleInput): Promise<Role> {
  if (!!input.partnerId === !!input.orgId) throw new ValidationError('partnerId', 'give exactly one of partnerId or orgId')
  let partnerId: string
  if (input.partnerId) {
    requirePartner(actor.scope, input.partnerId, 'roles:write')
    partnerId = input.partnerId
  } else {
    if (input.scope === 'partner') throw new ValidationError('scope', 'a role owned by an organization must have scope "organization"')
    partnerId = requireOrg(actor.scope, input.orgId!, 'roles:write').partnerId
  }
  const permissions = checkPermissions(input.permissions, heldWhereRoleApplies(actor.scope, { partnerId: input.partnerId ?? null, orgId: input.orgId ?? null }))
  const now = ctx.clock.now()
  const role: Role = {
    id: newId(), partnerId: input.partnerId ?? null, orgId: input.orgId ?? null, scope: input.scope, key: null, name: input.name.trim(),
    description: input.description ?? '', isSystem: false, permissions, createdAt: now, updatedAt: now,
  }
  await withTx(ctx.db, async (tx) => {
    await insertRole(tx, role)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'role.create', partnerId, orgId: role.orgId, resourceType: 'role', resourceId: role.id, resourceName: role.name, details: { permissions } })
  })
  return role
}

async function editableRole(ctx: Ctx, actor: UserActor, id: string): Promise<{ role: Role; partnerId: string | null }> {
  const role = await getVisibleRole(ctx, actor, id)
  if (role.isSystem) throw new ForbiddenError('built-in roles cannot be changed; create a custom role instead')
  if (role.partnerId) { requirePartner(actor.scope, role.partnerId, 'roles:write'); return { role, partnerId: role.partnerId } }
  return { role, partnerId: requireOrg(actor.scope, role.orgId!, 'roles:write', 'role').partnerId }
}

export async function updateRole(ctx: Ctx, actor: UserActor, id: string, patch: UpdateRoleInput): Promise<Role> {
  const { role, partnerId } = await editableRole(ctx, actor, id)
  const permissions = patch.permissions ? checkPermissions(patch.permissions, heldWhereRoleApplies(actor.scope, role)) : role.permissions
  const changes = { name: patch.name?.trim() ?? role.name, description: patch.description ?? role.description, permissions, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateRoleRow(tx, id, changes)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'role.update', partnerId, orgId: role.orgId, resourceType: 'role', resourceId: id, resourceName: role.name, details: { changes: patch } })
  })
  if (patch.permissions) ctx.events.emit('access.changed', { userId: null, reason: 'role.update' })
  return { ...role, ...changes }
}

export async function deleteRole(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  const { role, partnerId } = await editableRole(ctx, actor, id)
  await withTx(ctx.db, async (tx) => {
    if (await roleInUse(tx, id)) throw new ConflictError('this role is assigned to users; give them another role first')
    await deleteRoleRow(tx, id)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'role.delete', partnerId, orgId: role.orgId, resourceType: 'role', resourceId: id, resourceName: role.name })
  })
}

/**
 * assignableRole checks that `roleId` may be given as a membership of the given kind in the
 * given partner/org, and that it grants nothing the assigner lacks there.
 */
export async function assignableRole(ctx: Ctx, scope: Scope, roleId: string, where: { partnerId: string } | { orgId: string; partnerId: string }): Promise<Role> {
  const role = await findRole(ctx.db, roleId)
  const kind = 'orgId' in where ? 'organization' : 'partner'
  const owned = role && (role.isSystem
    || (role.partnerId === where.partnerId)
    || ('orgId' in where && role.orgId === where.orgId))
  if (!role || !owned || !roleVisible(scope, role) && !role.isSystem) throw new ValidationError('membership/roleId', 'unknown role for this partner or organization')
  if (role.scope !== kind) throw new ValidationError('membership/roleId', `role "${role.name}" is a ${role.scope} role and cannot be used for an ${kind === 'partner' ? 'partner' : 'organization'} membership`)
  const held = 'orgId' in where ? scope.orgs.get(where.orgId)?.permissions ?? new Set<Permission>() : scope.partners.get(where.partnerId) ?? new Set<Permission>()
  const missing = role.permissions.filter((p) => isPermission(p) && !held.has(p))
  if (missing.length) throw new ForbiddenError(`you cannot assign "${role.name}": it grants ${missing.slice(0, 3).join(', ')} which you do not have`)
  if ('orgId' in where && !(await findLiveOrg(ctx.db, where.orgId))) throw new NotFoundError('organization')
  return role
}
