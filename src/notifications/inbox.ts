// The in-app notification center: a bell with an unread count, updated live. Entries are
// written for the users an event concerns, each checked against that user's own scope.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { newId } from '../lib/ids'
import type { Permission } from '../tenancy/permissions'
import { memberUserIds } from '../tenancy/users-repo'
import { can, siteVisible } from '../tenancy/scope'
import { loadScope } from '../tenancy/scope-repo'
import { activeUsersByIds, countUnread, insertNotifications, listNotifications, listPlatformAdminIds, markRead, type InboxNotification } from './inbox-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'live'>

export type NewNotification = { kind: string; title: string; body: string; link: string | null; orgId: string | null; alertId?: string | null; ticketId?: string | null }

/**
 * usersAllowed keeps the users who hold `perm` in the org (and see the site, when given),
 * resolved through each user's scope so the rule is the same as on the pages.
 */
export async function usersAllowed(ctx: Pick<AppContext, 'db'>, userIds: string[], where: { orgId: string; siteId?: string | null; perm: Permission }): Promise<string[]> {
  const out: string[] = []
  for (const user of await activeUsersByIds(ctx.db, userIds)) {
    const scope = await loadScope(ctx.db, user)
    if (!can(scope, where.perm, where.orgId)) continue
    if (where.siteId && !siteVisible(scope, where.orgId, where.siteId)) continue
    out.push(user.id)
  }
  return out
}

/** orgAudience: every active user who holds `perm` in the org (members of it or its partner, and platform admins). */
export async function orgAudience(ctx: Pick<AppContext, 'db'>, where: { orgId: string; partnerId: string; siteId?: string | null; perm: Permission }): Promise<string[]> {
  const candidates = [...new Set([...(await memberUserIds(ctx.db, [where.partnerId], [where.orgId])), ...(await listPlatformAdminIds(ctx.db))])]
  return usersAllowed(ctx, candidates, where)
}

/** notifyUsers writes one inbox entry per user and pushes the new count to their open pages. */
export async function notifyUsers(ctx: Ctx, userIds: string[], n: NewNotification) {
  const now = ctx.clock.now()
  const rows: InboxNotification[] = [...new Set(userIds)].map((userId) => ({
    id: newId(), userId, orgId: n.orgId, kind: n.kind, title: n.title.slice(0, 300), body: n.body.slice(0, 2000), link: n.link,
    alertId: n.alertId ?? null, ticketId: n.ticketId ?? null, readAt: null, createdAt: now,
  }))
  await insertNotifications(ctx.db, rows)
  for (const r of rows) ctx.live.publish({ userId: r.userId }, 'notification.created', { id: r.id })
}

export async function inbox(ctx: Ctx, actor: UserActor, opts: { unreadOnly?: boolean; limit?: number } = {}) {
  return listNotifications(ctx.db, actor.user.id, { unreadOnly: opts.unreadOnly, limit: opts.limit ?? 50 })
}

export async function unreadCount(ctx: Ctx, actor: UserActor): Promise<number> {
  return countUnread(ctx.db, actor.user.id)
}

/** markNotificationsRead marks the caller's own entries (ids of others are ignored). */
export async function markNotificationsRead(ctx: Ctx, actor: UserActor, ids: string[] | 'all') {
  await markRead(ctx.db, actor.user.id, ids, ctx.clock.now())
  ctx.live.publish({ userId: actor.user.id }, 'notification.created', {})
}
