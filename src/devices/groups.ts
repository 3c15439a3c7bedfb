// Device groups: static (members added by hand) and dynamic (members are the devices matching a
// rule, kept current by group-eval.ts). Groups belong to one org, optionally to one site, and
// nest: a group's devices for targeting include its descendants' (targets.ts).
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { requireOrg, type Scope } from '../tenancy/scope'
import {
  addMembers, deleteGroupRow, findGroup, groupNameTaken, insertGroup, listGroupsOfOrgs, memberCounts, memberIdsOf, removeMembers,
  removeMembersOutsideSite, updateGroupRow, type DeviceGroup,
} from './group-repo'
import { forgetGroupRules } from './group-eval'
import type { CreateGroupInput, UpdateGroupInput } from './model'
import { findDevicesByIds, findSiteOrgs } from './repo'
import { matchingDeviceIds } from './rules-repo'
import { parseRule, RuleError, type RuleNode } from './rules'
import { withDescendants } from './targets'
import { canSeeDevice, deviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export type GroupWithCount = DeviceGroup & { memberCount: number }

const maxDepth = 8

/** groupVisible: the scope sees the group's org (devices:read) and, if site-bound, its site. */
function groupVisible(scope: Scope, g: DeviceGroup, perm: 'devices:read' | 'devices:write' = 'devices:read'): boolean {
  const grant = scope.orgs.get(g.orgId)
  if (!grant?.permissions.has(perm)) return false
  return grant.siteIds === null || g.siteId === null || grant.siteIds.includes(g.siteId)
}

/** parseGroupRule parses a rule for a form or API field, as a ValidationError on `rule`. */
export function parseGroupRule(text: string | undefined | null): RuleNode {
  try {
    return parseRule(text ?? '')
  } catch (err) {
    if (err instanceof RuleError) throw new ValidationError('rule', err.message)
    throw err
  }
}

export async function listGroups(ctx: Ctx, actor: UserActor, opts: { orgId?: string; search?: string } = {}): Promise<GroupWithCount[]> {
  const v = deviceVisibility(actor.scope)
  let orgIds = [...v.orgIds, ...v.siteOrgIds]
  if (opts.orgId) orgIds = orgIds.filter((o) => o === opts.orgId)
  const groups = (await listGroupsOfOrgs(ctx.db, orgIds)).filter((g) => groupVisible(actor.scope, g))
    .filter((g) => !opts.search || g.name.toLowerCase().includes(opts.search.toLowerCase()))
  const counts = await memberCounts(ctx.db, v, groups.map((g) => g.id))
  return groups.map((g) => ({ ...g, memberCount: counts[g.id] ?? 0 }))
}

/** groupOptions: the visible groups (optionally of one org) as filter and picker options. */
export async function groupOptions(ctx: Ctx, actor: UserActor, orgId?: string) {
  const v = deviceVisibility(actor.scope)
  const orgIds = [...v.orgIds, ...v.siteOrgIds].filter((o) => !orgId || o === orgId)
  return (await listGroupsOfOrgs(ctx.db, orgIds)).filter((g) => groupVisible(actor.scope, g)).map((g) => ({ id: g.id, name: g.name, type: g.type, orgId: g.orgId, parentId: g.parentId }))
}

export async function getGroup(ctx: Ctx, actor: UserActor, id: string, perm: 'devices:read' | 'devices:write' = 'devices:read'): Promise<DeviceGroup> {
  const g = await findGroup(ctx.db, id)
  if (!g || !groupVisible(actor.scope, g)) throw new NotFoundError('device group')
  if (!groupVisible(actor.scope, g, perm)) throw new ForbiddenError(`you need the ${perm} permission for this group`, perm)
  return g
}

/** checkPlacement validates site and parent of a group being created or moved. */
async function checkPlacement(ctx: Ctx, actor: UserActor, orgId: string, siteId: string | null, parentId: string | null, selfId: string | null) {
  const grant = requireOrg(actor.scope, orgId, 'devices:write', 'organization')
  if (siteId) {
    const [site] = await findSiteOrgs(ctx.db, [siteId])
    if (!site || site.orgId !== orgId || (grant.siteIds !== null && !grant.siteIds.includes(siteId))) throw new ValidationError('siteId', 'no such site in this organization')
  } else if (grant.siteIds !== null) {
    throw new ValidationError('siteId', 'you can only create groups bound to one of your sites')
  }
  if (parentId) {
    const all = await listGroupsOfOrgs(ctx.db, [orgId])
    const parent = all.find((g) => g.id === parentId)
    if (!parent || !groupVisible(actor.scope, parent)) throw new ValidationError('parentId', 'no such parent group in this organization')
    if (selfId && withDescendants(all, [selfId]).includes(parentId)) throw new ValidationError('parentId', 'a group cannot be nested inside itself or one of its subgroups')
    if (parent.siteId && parent.siteId !== siteId) throw new ValidationError('siteId', 'the parent group is bound to a site; a subgroup must be bound to the same site')
    let depth = 1
    for (let p: DeviceGroup | undefined = parent; p?.parentId; p = all.find((g) => g.id === p!.parentId)) depth++
    if (depth >= maxDepth) throw new ValidationError('parentId', `groups nest at most ${maxDepth} levels deep`)
  }
  return grant
}

export async function createGroup(ctx: Ctx, actor: UserActor, input: CreateGroupInput): Promise<DeviceGroup> {
  const siteId = input.siteId ?? null
  const parentId = input.parentId ?? null
  const grant = await checkPlacement(ctx, actor, input.orgId, siteId, parentId, null)
  const rule = input.type === 'dynamic' ? parseGroupRule(input.rule) : null
  if (input.type === 'static' && input.rule) throw new ValidationError('rule', 'only dynamic groups have a rule')
  const name = input.name.trim()
  if (await groupNameTaken(ctx.db, input.orgId, name)) throw new ConflictError(`this organization already has a group named "${name}"`, 'name')
  const now = ctx.clock.now()
  const group: DeviceGroup = { id: newId(), orgId: input.orgId, siteId, parentId, name, type: input.type, ruleText: rule ? input.rule!.trim() : null, createdAt: now, updatedAt: now }
  await withTx(ctx.db, async (tx) => {
    await insertGroup(tx, group)
    if (rule) await syncDynamicMembers({ ...ctx, db: tx }, group, rule)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device_group.create', partnerId: grant.partnerId, orgId: group.orgId, resourceType: 'device_group', resourceId: group.id, resourceName: group.name, details: { type: group.type, rule: group.ruleText, siteId, parentId } })
  })
  forgetGroupRules(ctx, group.orgId)
  return group
}

export async function updateGroup(ctx: Ctx, actor: UserActor, id: string, patch: UpdateGroupInput): Promise<DeviceGroup> {
  const group = await getGroup(ctx, actor, id, 'devices:write')
  const siteId = patch.siteId !== undefined ? patch.siteId : group.siteId
  const parentId = patch.parentId !== undefined ? patch.parentId : group.parentId
  const grant = await checkPlacement(ctx, actor, group.orgId, siteId, parentId, group.id)
  const type = patch.type ?? group.type
  const ruleText = type === 'static' ? null : patch.rule !== undefined ? patch.rule.trim() : group.ruleText
  if (type === 'static' && patch.rule) throw new ValidationError('rule', 'only dynamic groups have a rule')
  const rule = type === 'dynamic' ? parseGroupRule(ruleText) : null
  const name = patch.name?.trim() ?? group.name
  if (name !== group.name && (await groupNameTaken(ctx.db, group.orgId, name, group.id))) throw new ConflictError(`this organization already has a group named "${name}"`, 'name')
  const next: DeviceGroup = { ...group, name, siteId, parentId, type, ruleText, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateGroupRow(tx, id, next)
    if (siteId && siteId !== group.siteId) await removeMembersOutsideSite(tx, id, siteId)
    if (rule) await syncDynamicMembers({ ...ctx, db: tx }, next, rule)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device_group.update', partnerId: grant.partnerId, orgId: group.orgId, resourceType: 'device_group', resourceId: id, resourceName: name, details: { changes: patch } })
  })
  forgetGroupRules(ctx, group.orgId)
  // note: a static group keeps the members a dynamic one had when it was switched over.
  return next
}

export async function deleteGroup(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  const group = await getGroup(ctx, actor, id, 'devices:write')
  const grant = requireOrg(actor.scope, group.orgId, 'devices:write', 'device group')
  await withTx(ctx.db, async (tx) => {
    await deleteGroupRow(tx, group)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device_group.delete', partnerId: grant.partnerId, orgId: group.orgId, resourceType: 'device_group', resourceId: id, resourceName: group.name })
  })
  forgetGroupRules(ctx, group.orgId)
}

/** checkMemberDevices: every device must be visible to the actor (devices:write) and fit the group's org and site. */
async function checkMemberDevices(ctx: Ctx, actor: UserActor, group: DeviceGroup, deviceIds: string[]) {
  const unique = [...new Set(deviceIds)]
  const v = deviceVisibility(actor.scope, 'devices:write')
  const devices = (await findDevicesByIds(ctx.db, unique)).filter((d) => canSeeDevice(v, d))
  if (devices.length !== unique.length) throw new NotFoundError('device')
  const misfit = devices.find((d) => d.orgId !== group.orgId || (group.siteId !== null && d.siteId !== group.siteId))
  if (misfit) throw new ValidationError('deviceIds', `${misfit.displayName ?? misfit.hostname} is not in ${group.siteId ? 'the site' : 'the organization'} of this group`)
  return devices
}

export async function addGroupMembers(ctx: Ctx, actor: UserActor, id: string, deviceIds: string[]): Promise<{ added: number }> {
  const group = await getGroup(ctx, actor, id, 'devices:write')
  if (group.type === 'dynamic') throw new ConflictError('the members of a dynamic group come from its rule; change the rule instead')
  const devices = await checkMemberDevices(ctx, actor, group, deviceIds)
  const already = new Set(await memberIdsOf(ctx.db, id, devices.map((d) => d.id)))
  const now = ctx.clock.now()
  const fresh = devices.filter((d) => !already.has(d.id))
  await withTx(ctx.db, async (tx) => {
    await addMembers(tx, fresh.map((d) => ({ groupId: id, deviceId: d.id, addedBy: 'manual' as const, addedAt: now })))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device_group.members.add', partnerId: actor.scope.orgs.get(group.orgId)!.partnerId, orgId: group.orgId, resourceType: 'device_group', resourceId: id, resourceName: group.name, details: { count: fresh.length, deviceIds: fresh.slice(0, 50).map((d) => d.id) } })
  })
  return { added: fresh.length }
}

export async function removeGroupMembers(ctx: Ctx, actor: UserActor, id: string, deviceIds: string[]): Promise<{ removed: number }> {
  const group = await getGroup(ctx, actor, id, 'devices:write')
  if (group.type === 'dynamic') throw new ConflictError('the members of a dynamic group come from its rule; change the rule instead')
  const devices = await checkMemberDevices(ctx, actor, group, deviceIds)
  const present = await memberIdsOf(ctx.db, id, devices.map((d) => d.id))
  await withTx(ctx.db, async (tx) => {
    await removeMembers(tx, id, present)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'device_group.members.remove', partnerId: actor.scope.orgs.get(group.orgId)!.partnerId, orgId: group.orgId, resourceType: 'device_group', resourceId: id, resourceName: group.name, details: { count: present.length, deviceIds: present.slice(0, 50) } })
  })
  return { removed: present.length }
}

/** previewRule checks a rule and counts the devices of an org (or site) it matches right now. */
export async function previewRule(ctx: Ctx, actor: UserActor, input: { orgId: string; siteId?: string | null; rule: string }) {
  requireOrg(actor.scope, input.orgId, 'devices:read', 'organization')
  const rule = parseGroupRule(input.rule)
  const ids = await matchingDeviceIds(ctx.db, rule, { orgId: input.orgId, siteId: input.siteId ?? null })
  const v = deviceVisibility(actor.scope)
  const sample = (await findDevicesByIds(ctx.db, ids.slice(0, 200))).filter((d) => canSeeDevice(v, d)).slice(0, 10)
  return { count: ids.length, sample: sample.map((d) => ({ id: d.id, name: d.displayName ?? d.hostname })) }
}

/**
 * syncDynamicMembers makes a dynamic group's members the devices matching its rule (all of
 * the org's devices, or only `amongIds` when just those changed). Returns what moved.
 */
export async function syncDynamicMembers(ctx: Pick<AppContext, 'db' | 'clock'>, group: DeviceGroup, rule: RuleNode, amongIds?: string[]): Promise<{ added: string[]; removed: string[] }> {
  const matching = new Set(await matchingDeviceIds(ctx.db, rule, { orgId: group.orgId, siteId: group.siteId, amongIds }))
  const current = new Set(await memberIdsOf(ctx.db, group.id, amongIds))
  const added = [...matching].filter((id) => !current.has(id))
  const removed = [...current].filter((id) => !matching.has(id))
  if (added.length === 0 && removed.length === 0) return { added, removed }
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await removeMembers(tx, group.id, removed)
    await addMembers(tx, added.map((deviceId) => ({ groupId: group.id, deviceId, addedBy: 'dynamic_rule' as const, addedAt: now })))
  })
  return { added, removed }
}
