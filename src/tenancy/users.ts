// Users as seen by administrators: listing, inviting, changing roles, disabling, removing.
import type { UserActor } from '../auth/actor'
import { deleteUserSessions } from '../auth/session-repo'
import { issueUserToken } from '../auth/token-repo'
import { auditEvent, recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { publicLink } from '../settings/public-url'
import { isMailConfigured, sendMail } from '../settings/service'
import type { InviteUserInput, MembershipInput, UpdateUserInput } from './model'
import { findLiveOrg, findSite } from './repo'
import { assignableRole } from './roles'
import { orgIdsWith, partnerIdsWith, requireOrg, requirePartner, type Scope } from './scope'
import {
  deleteOrgMember, deletePartnerMember, findUserByEmail, findUserById, insertUser, listOrgMemberships, listPartnerMemberships,
  listUsersByIds, memberUserIds, updateUserRow, upsertOrgMember, upsertPartnerMember, type User,
} from './users-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys' | 'secrets' | 'config'>

export const inviteTtlMs = 7 * 24 * 3600_000

export type MembershipView = { kind: 'partner' | 'organization'; id: string; targetId: string; targetName: string; roleId: string; roleName: string; detail: string }
export type UserView = Omit<User, 'passwordHash' | 'mfaSecret' | 'mfaLastStep' | 'failedLoginCount'> & { memberships: MembershipView[] }

/** publicUser strips the secrets from a user row; the only shape that leaves this domain. */
export function publicUser(u: User): Omit<User, 'passwordHash' | 'mfaSecret' | 'mfaLastStep' | 'failedLoginCount'> {
  const { passwordHash: _p, mfaSecret: _s, mfaLastStep: _l, failedLoginCount: _f, ...rest } = u
  return rest
}

async function visibleUserIds(ctx: Ctx, scope: Scope, orgId?: string): Promise<string[]> {
  const orgs = orgIdsWith(scope, 'users:read').filter((id) => !orgId || id === orgId)
  const partners = orgId ? [] : partnerIdsWith(scope, 'users:read')
  return memberUserIds(ctx.db, partners, orgs)
}

/** membershipViews lists a user's memberships, only those inside the viewer's scope. */
async function membershipViews(ctx: Ctx, scope: Scope, userIds: string[]): Promise<Map<string, MembershipView[]>> {
  const out = new Map<string, MembershipView[]>()
  const add = (userId: string, v: MembershipView) => out.set(userId, [...(out.get(userId) ?? []), v])
  for (const r of await listPartnerMemberships(ctx.db, userIds)) {
    if (!scope.partners.get(r.m.partnerId)?.has('users:read')) continue
    add(r.m.userId, { kind: 'partner', id: r.m.id, targetId: r.m.partnerId, targetName: r.partnerName, roleId: r.m.roleId, roleName: r.roleName, detail: r.m.orgAccess === 'selected' ? `${r.m.orgIds.length} selected organizations` : r.m.orgAccess === 'all' ? 'all organizations' : 'no organizations' })
  }
  for (const r of await listOrgMemberships(ctx.db, userIds)) {
    if (!scope.orgs.get(r.m.orgId)?.permissions.has('users:read')) continue
    add(r.m.userId, { kind: 'organization', id: r.m.id, targetId: r.m.orgId, targetName: r.orgName, roleId: r.m.roleId, roleName: r.roleName, detail: r.m.siteIds ? `${r.m.siteIds.length} sites` : 'all sites' })
  }
  return out
}

export async function listUsers(ctx: Ctx, actor: UserActor, opts: { search?: string; orgId?: string } = {}): Promise<UserView[]> {
  const users = await listUsersByIds(ctx.db, await visibleUserIds(ctx, actor.scope, opts.orgId), opts.search)
  const memberships = await membershipViews(ctx, actor.scope, users.map((u) => u.id))
  return users.map((u) => ({ ...publicUser(u), memberships: memberships.get(u.id) ?? [] }))
}

export async function getUser(ctx: Ctx, actor: UserActor, id: string): Promise<UserView> {
  const ids = await visibleUserIds(ctx, actor.scope)
  const user = ids.includes(id) || id === actor.user.id ? await findUserById(ctx.db, id) : undefined
  if (!user) throw new NotFoundError('user')
  const memberships = await membershipViews(ctx, actor.scope, [id])
  return { ...publicUser(user), memberships: memberships.get(id) ?? [] }
}

/** applyMembership validates and writes one membership; returns the partner it belongs to. */
async function applyMembership(ctx: Ctx, scope: Scope, userId: string, m: MembershipInput): Promise<{ partnerId: string; orgId: string | null }> {
  const now = ctx.clock.now()
  if ('partnerId' in m) {
    requirePartner(scope, m.partnerId, 'users:write')
    await assignableRole(ctx, scope, m.roleId, { partnerId: m.partnerId })
    const orgIds = m.orgAccess === 'selected' ? m.orgIds ?? [] : []
    for (const [i, orgId] of orgIds.entries()) {
      const org = await findLiveOrg(ctx.db, orgId)
      if (!org || org.partnerId !== m.partnerId || !scope.orgs.has(orgId)) throw new ValidationError(`membership/orgIds/${i}`, 'unknown organization for this partner')
    }
    await upsertPartnerMember(ctx.db, { id: newId(), partnerId: m.partnerId, userId, roleId: m.roleId, orgAccess: m.orgAccess, orgIds, createdAt: now })
    return { partnerId: m.partnerId, orgId: null }
  }
  const grant = requireOrg(scope, m.orgId, 'users:write')
  await assignableRole(ctx, scope, m.roleId, { orgId: m.orgId, partnerId: grant.partnerId })
  const siteIds = m.siteIds ?? null
  if (grant.siteIds !== null && (siteIds === null || siteIds.some((s) => !grant.siteIds!.includes(s)))) {
    throw new ForbiddenError('you can only give access to the sites you have access to')
  }
  for (const [i, siteId] of (siteIds ?? []).entries()) {
    const site = await findSite(ctx.db, siteId)
    if (!site || site.orgId !== m.orgId) throw new ValidationError(`membership/siteIds/${i}`, 'unknown site for this organization')
  }
  await upsertOrgMember(ctx.db, { id: newId(), orgId: m.orgId, userId, roleId: m.roleId, siteIds, deviceGroupIds: null, createdAt: now })
  return { partnerId: grant.partnerId, orgId: m.orgId }
}

export type InviteResult = { user: UserView; inviteUrl: string | null; emailed: boolean; existing: boolean }

/**
 * inviteUser gives an email address a membership. A new address gets an invited account and a
 * one-time link (emailed when SMTP is set up, otherwise returned for the admin to pass on).
 */
export async function inviteUser(ctx: Ctx, actor: UserActor, input: InviteUserInput): Promise<InviteResult> {
  const email = input.email.trim().toLowerCase()
  const now = ctx.clock.now()
  const { user, token, where, existing } = await withTx(ctx.db, async (tx) => {
    const c = { ...ctx, db: tx }
    let user = await findUserByEmail(tx, email)
    const existing = !!user
    if (user?.id === actor.user.id) throw new ConflictError('you cannot invite yourself', 'email')
    if (!user) {
      user = {
        id: newId(), email, name: input.name?.trim() || email.split('@')[0], passwordHash: null, status: 'invited', isPlatformAdmin: false,
        mfaSecret: null, mfaEnabled: false, mfaLastStep: null, failedLoginCount: 0, lockedUntil: null, lastLoginAt: null, passwordChangedAt: null,
        createdAt: now, updatedAt: now,
      }
      await insertUser(tx, user)
    }
    const where = await applyMembership(c, actor.scope, user.id, input.membership)
    const token = user.status === 'invited' ? await issueUserToken(tx, now, user.id, 'invite', inviteTtlMs) : null
    await recordAudit(c, actor.audit, { action: existing ? 'user.membership.add' : 'user.invite', partnerId: where.partnerId, orgId: where.orgId, resourceType: 'user', resourceId: user.id, resourceName: email, details: { membership: input.membership } })
    return { user, token, where, existing }
  })
  const inviteUrl = token ? await publicLink(ctx, `/invite/${token}`, where.partnerId) : null
  let emailed = false
  if (inviteUrl && (await isMailConfigured(ctx))) {
    try {
      await sendMail(ctx, { to: email, subject: 'You are invited to Breeze', text: `${actor.user.name} (${actor.user.email}) invited you to Breeze.\n\nSet your password and sign in here (the link works once, for 7 days):\n${inviteUrl}\n` })
      emailed = true
    } catch (err) {
      await auditEvent(ctx, actor.audit, { action: 'user.invite.email', result: 'failure', partnerId: where.partnerId, resourceType: 'user', resourceId: user.id, resourceName: email, errorMessage: (err as Error).message })
    }
  }
  ctx.events.emit('user.invited', { userId: user.id, email })
  return { user: await getUser(ctx, actor, user.id), inviteUrl: emailed ? null : inviteUrl, emailed, existing }
}

/** resendInvite issues a fresh link for a user who has not accepted yet. */
export async function resendInvite(ctx: Ctx, actor: UserActor, id: string): Promise<InviteResult> {
  const view = await getUser(ctx, actor, id)
  if (view.status !== 'invited') throw new ConflictError('this user has already accepted the invitation')
  const first = view.memberships[0]
  if (!first) throw new NotFoundError('user')
  if (first.kind === 'partner') requirePartner(actor.scope, first.targetId, 'users:write')
  else requireOrg(actor.scope, first.targetId, 'users:write')
  const token = await withTx(ctx.db, async (tx) => {
    const issued = await issueUserToken(tx, ctx.clock.now(), id, 'invite', inviteTtlMs)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'user.invite.resend', resourceType: 'user', resourceId: id, resourceName: view.email })
    return issued
  })
  const inviteUrl = await publicLink(ctx, `/invite/${token}`, first.kind === 'partner' ? first.targetId : (await findLiveOrg(ctx.db, first.targetId))?.partnerId ?? null)
  let emailed = false
  if (await isMailConfigured(ctx)) {
    await sendMail(ctx, { to: view.email, subject: 'Your Breeze invitation', text: `Set your password and sign in here (the link works once, for 7 days):\n${inviteUrl}\n` })
    emailed = true
  }
  return { user: view, inviteUrl: emailed ? null : inviteUrl, emailed, existing: true }
}

/** Every membership of `userId` must be one the actor manages, for account-wide changes. */
async function requireManagesWholeUser(ctx: Ctx, scope: Scope, userId: string) {
  if (scope.platformAdmin) return
  const partnerRows = await listPartnerMemberships(ctx.db, [userId])
  const orgRows = await listOrgMemberships(ctx.db, [userId])
  const ok = partnerRows.every((r) => scope.partners.get(r.m.partnerId)?.has('users:write'))
    && orgRows.every((r) => scope.orgs.get(r.m.orgId)?.permissions.has('users:write'))
  if (!ok || partnerRows.length + orgRows.length === 0) throw new ForbiddenError('this user also belongs to organizations you do not manage')
}

export async function updateUser(ctx: Ctx, actor: UserActor, id: string, input: UpdateUserInput): Promise<UserView> {
  const view = await getUser(ctx, actor, id)
  const self = id === actor.user.id
  if (input.status !== undefined && self) throw new ForbiddenError('you cannot change your own status')
  if (input.membership && self) throw new ForbiddenError('you cannot change your own roles')
  if ((input.name !== undefined && !self) || input.status !== undefined) await requireManagesWholeUser(ctx, actor.scope, id)
  await withTx(ctx.db, async (tx) => {
    const c = { ...ctx, db: tx }
    const patch: Partial<User> = { updatedAt: ctx.clock.now() }
    if (input.name !== undefined) patch.name = input.name.trim()
    if (input.status !== undefined && view.status !== 'invited') patch.status = input.status
    await updateUserRow(tx, id, patch)
    if (input.status === 'disabled') await deleteUserSessions(tx, id)
    const where = input.membership ? await applyMembership(c, actor.scope, id, input.membership) : null
    await recordAudit(c, actor.audit, { action: 'user.update', partnerId: where?.partnerId ?? null, orgId: where?.orgId ?? null, resourceType: 'user', resourceId: id, resourceName: view.email, details: { ...input } })
  })
  if (input.status !== undefined || input.membership) ctx.events.emit('access.changed', { userId: id, reason: 'user.update' })
  return getUser(ctx, actor, id)
}

/** removeUser takes away every membership the actor manages; a user left with none is disabled. */
export async function removeUser(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  if (id === actor.user.id) throw new ForbiddenError('you cannot remove yourself')
  const view = await getUser(ctx, actor, id)
  await withTx(ctx.db, async (tx) => {
    let removed = 0
    for (const r of await listPartnerMemberships(tx, [id])) {
      if (actor.scope.partners.get(r.m.partnerId)?.has('users:delete')) { await deletePartnerMember(tx, r.m.partnerId, id); removed++ }
    }
    for (const r of await listOrgMemberships(tx, [id])) {
      if (actor.scope.orgs.get(r.m.orgId)?.permissions.has('users:delete')) { await deleteOrgMember(tx, r.m.orgId, id); removed++ }
    }
    if (removed === 0) throw new ForbiddenError('you need the users:delete permission where this user is a member', 'users:delete')
    const left = (await listPartnerMemberships(tx, [id])).length + (await listOrgMemberships(tx, [id])).length
    const target = await findUserById(tx, id)
    if (left === 0 && !target?.isPlatformAdmin) {
      await updateUserRow(tx, id, { status: 'disabled', updatedAt: ctx.clock.now() })
      await deleteUserSessions(tx, id)
    }
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'user.remove', resourceType: 'user', resourceId: id, resourceName: view.email, details: { membershipsRemoved: removed, disabled: left === 0 } })
  })
  ctx.events.emit('access.changed', { userId: id, reason: 'user.remove' })
}
