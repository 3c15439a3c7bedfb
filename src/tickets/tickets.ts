// The lightweight ticket list: create (by hand, from an alert, or by a ticket rule), update
// status/priority/assignee, comment, link alerts. Tickets are seen by members with
// tickets:read on the whole organization.
import { alertsByIds, deviceLabels, getAlert } from '../alerts/alerts'
import type { UserActor } from '../auth/actor'
import { recordAudit, systemActor, type AuditActor } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { notifyUsers, usersAllowed } from '../notifications/inbox'
import type { Permission } from '../tenancy/permissions'
import type { Scope } from '../tenancy/scope'
import type { CreateTicketInput, TicketListQuery, UpdateTicketInput } from './model'
import {
  alertIdsOfTicket, closedStatuses, findTicket, insertComment, insertTicket, linkAlert, listComments, listTicketRows, nextTicketNumber, ticketsOfAlert, updateTicketRow,
  type Ticket,
} from './tickets-repo'

type Ctx = AppContext

/** ticketOrgIds: orgs where the scope holds `perm` for the whole org (site-limited members see no tickets). */
export function ticketOrgIds(scope: Scope, perm: Permission = 'tickets:read'): string[] {
  return [...scope.orgs].filter(([, g]) => g.siteIds === null && g.permissions.has(perm)).map(([id]) => id)
}

export async function listTickets(ctx: Ctx, actor: UserActor, q: TicketListQuery = {}) {
  const limit = 50
  const page = q.page ?? 1
  const assigneeId = q.assignee === 'me' ? actor.user.id : q.assignee
  const { rows, total } = await listTicketRows(ctx.db, { orgIds: ticketOrgIds(actor.scope), status: q.status, orgId: q.orgId, assigneeId, priority: q.priority, search: q.search, limit, offset: (page - 1) * limit })
  return { rows, total, page, limit }
}

export async function getTicket(ctx: Ctx, actor: UserActor, id: string, perm: Permission = 'tickets:read'): Promise<Ticket> {
  const ticket = await findTicket(ctx.db, id)
  if (!ticket || !ticketOrgIds(actor.scope).includes(ticket.orgId)) throw new NotFoundError('ticket')
  if (!ticketOrgIds(actor.scope, perm).includes(ticket.orgId)) throw new ForbiddenError(`you need the ${perm} permission for this ticket`, perm)
  return ticket
}

/** ticketDetail: the ticket, its comments, linked alerts and names to show. */
export async function ticketDetail(ctx: Ctx, actor: UserActor, id: string) {
  const ticket = await getTicket(ctx, actor, id)
  const alerts = await alertsByIds(ctx, await alertIdsOfTicket(ctx.db, id))
  const devices = await deviceLabels(ctx, [ticket.deviceId, ...alerts.map((a) => a.deviceId)].filter((x): x is string => !!x))
  return { ticket, comments: await listComments(ctx.db, id), alerts, devices }
}

async function checkAssignee(ctx: Ctx, orgId: string, assigneeId: string | null | undefined): Promise<string | null> {
  if (!assigneeId) return null
  const ok = await usersAllowed(ctx, [assigneeId], { orgId, perm: 'tickets:write' })
  if (ok.length === 0) throw new ValidationError('assigneeId', 'the assignee must be a user who can work tickets in this organization')
  return assigneeId
}

async function tellAssignee(ctx: Ctx, ticket: Ticket, by: string | null, what: string) {
  if (!ticket.assigneeId || ticket.assigneeId === by) return
  await notifyUsers(ctx, [ticket.assigneeId], { kind: 'ticket', title: `#${ticket.number} ${ticket.title}`, body: what, link: `/tickets/${ticket.id}`, orgId: ticket.orgId, ticketId: ticket.id })
}

export type NewTicket = { orgId: string; partnerId: string; title: string; description: string; priority: Ticket['priority']; assigneeId: string | null; deviceId: string | null; source: Ticket['source']; ticketRuleId: string | null; groupKey: string | null; alertIds: string[] }

/**
 * openTicket writes a ticket (with its first system comment, alert links and audit row) in one
 * transaction. `audit` is who opened it (a ticket rule: the system) and what to add to the entry.
 */
export async function openTicket(ctx: Ctx, n: NewTicket, by: { id: string; name: string } | null, audit: { actor: AuditActor; details?: Record<string, unknown> } = { actor: systemActor }): Promise<Ticket> {
  const now = ctx.clock.now()
  const ticket = await withTx(ctx.db, async (tx) => {
    const row: Ticket = {
      id: newId(), partnerId: n.partnerId, orgId: n.orgId, number: await nextTicketNumber(tx, n.orgId), title: n.title.slice(0, 300), description: n.description, status: 'open',
      priority: n.priority, assigneeId: n.assigneeId, deviceId: n.deviceId, source: n.source, ticketRuleId: n.ticketRuleId, groupKey: n.groupKey,
      createdBy: by?.id ?? null, createdAt: now, updatedAt: now, closedAt: null,
    }
    await insertTicket(tx, row)
    for (const alertId of n.alertIds) await linkAlert(tx, row.id, alertId, by?.id ?? null, now)
    const how = n.source === 'rule' ? 'Opened by a ticket rule for an alert' : n.source === 'alert' ? `Opened from an alert by ${by?.name ?? 'someone'}` : `Opened by ${by?.name ?? 'someone'}`
    await insertComment(tx, { id: newId(), ticketId: row.id, authorId: null, authorName: null, kind: 'system', body: how, createdAt: now })
    const details = { ...(n.ticketRuleId ? { ticketRuleId: n.ticketRuleId, alertIds: n.alertIds } : {}), ...audit.details }
    await recordAudit(withDb(ctx, tx), audit.actor, { action: 'ticket.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'ticket', resourceId: row.id, resourceName: `#${row.number} ${row.title}`, details: Object.keys(details).length ? details : undefined })
    return row
  })
  ctx.live.publish({ orgId: ticket.orgId, perm: 'tickets:read' }, 'ticket.changed', { id: ticket.id })
  await tellAssignee(ctx, ticket, by?.id ?? null, 'You were assigned this ticket.')
  return ticket
}

export async function createTicket(ctx: Ctx, actor: UserActor, input: CreateTicketInput): Promise<Ticket> {
  if (!ticketOrgIds(actor.scope, 'tickets:write').includes(input.orgId)) {
    if (!ticketOrgIds(actor.scope).includes(input.orgId)) throw new NotFoundError('organization')
    throw new ForbiddenError('you need the tickets:write permission in this organization', 'tickets:write')
  }
  const assigneeId = await checkAssignee(ctx, input.orgId, input.assigneeId)
  const alertIds = [...new Set(input.alertIds ?? [])]
  for (const [i, id] of alertIds.entries()) {
    const a = await getAlert(ctx, actor, id).catch(() => null)
    if (!a || a.orgId !== input.orgId) throw new ValidationError(`alertIds/${i}`, `no alert ${id} in this organization`)
  }
  if (input.deviceId && !(await deviceLabels(ctx, [input.deviceId]))[input.deviceId]) throw new ValidationError('deviceId', 'no such device')
  const ticket = await openTicket(ctx, {
    orgId: input.orgId, partnerId: actor.scope.orgs.get(input.orgId)!.partnerId, title: input.title.trim(), description: input.description ?? '', priority: input.priority ?? 'normal',
    assigneeId, deviceId: input.deviceId ?? null, source: 'manual', ticketRuleId: null, groupKey: null, alertIds,
  }, { id: actor.user.id, name: actor.user.name }, { actor: actor.audit })
  return ticket
}

/** createTicketFromAlert: "create ticket" on an alert page. */
export async function createTicketFromAlert(ctx: Ctx, actor: UserActor, alertId: string): Promise<Ticket> {
  const alert = await getAlert(ctx, actor, alertId)
  if (!alert.orgId) throw new ValidationError('alertId', 'this alert belongs to no organization')
  const existing = (await ticketsOfAlert(ctx.db, alert.id)).find((tk) => !closedStatuses.includes(tk.status))
  if (existing) return existing
  if (!ticketOrgIds(actor.scope, 'tickets:write').includes(alert.orgId)) throw new ForbiddenError('you need the tickets:write permission in this organization', 'tickets:write')
  const ticket = await openTicket(ctx, {
    orgId: alert.orgId, partnerId: alert.partnerId, title: alert.title, description: alert.message, priority: priorityFor(alert.severity), assigneeId: actor.user.id,
    deviceId: alert.deviceId, source: 'alert', ticketRuleId: null, groupKey: null, alertIds: [alert.id],
  }, { id: actor.user.id, name: actor.user.name }, { actor: actor.audit, details: { alertId } })
  return ticket
}

export function priorityFor(severity: string): Ticket['priority'] {
  return severity === 'critical' ? 'urgent' : severity === 'high' ? 'high' : severity === 'info' ? 'low' : 'normal'
}

const statusWords: Record<string, string> = { open: 'open', in_progress: 'in progress', waiting: 'waiting', resolved: 'resolved', closed: 'closed' }

export async function updateTicket(ctx: Ctx, actor: UserActor, id: string, input: UpdateTicketInput): Promise<Ticket> {
  const ticket = await getTicket(ctx, actor, id, 'tickets:write')
  const assigneeId = input.assigneeId !== undefined ? await checkAssignee(ctx, ticket.orgId, input.assigneeId) : ticket.assigneeId
  const now = ctx.clock.now()
  const status = input.status ?? ticket.status
  const next: Ticket = {
    ...ticket, title: input.title?.trim() ?? ticket.title, description: input.description ?? ticket.description, status, priority: input.priority ?? ticket.priority, assigneeId,
    closedAt: closedStatuses.includes(status) ? ticket.closedAt ?? now : null, updatedAt: now,
  }
  const changes: string[] = []
  if (next.status !== ticket.status) changes.push(`status ${statusWords[ticket.status]} → ${statusWords[next.status]}`)
  if (next.priority !== ticket.priority) changes.push(`priority ${ticket.priority} → ${next.priority}`)
  if (next.assigneeId !== ticket.assigneeId) changes.push(next.assigneeId ? 'assignee changed' : 'unassigned')
  await withTx(ctx.db, async (tx) => {
    await updateTicketRow(tx, id, next)
    if (changes.length) await insertComment(tx, { id: newId(), ticketId: id, authorId: actor.user.id, authorName: actor.user.name, kind: 'system', body: changes.join('; '), createdAt: now })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'ticket.update', partnerId: ticket.partnerId, orgId: ticket.orgId, resourceType: 'ticket', resourceId: id, resourceName: `#${ticket.number} ${next.title}`, details: { changes } })
  })
  ctx.live.publish({ orgId: ticket.orgId, perm: 'tickets:read' }, 'ticket.changed', { id })
  if (next.assigneeId !== ticket.assigneeId) await tellAssignee(ctx, next, actor.user.id, `${actor.user.name} assigned you this ticket.`)
  return next
}

export async function addComment(ctx: Ctx, actor: UserActor, id: string, body: string) {
  const ticket = await getTicket(ctx, actor, id, 'tickets:write')
  const now = ctx.clock.now()
  const row = { id: newId(), ticketId: id, authorId: actor.user.id, authorName: actor.user.name, kind: 'comment' as const, body, createdAt: now }
  await withTx(ctx.db, async (tx) => {
    await insertComment(tx, row)
    await updateTicketRow(tx, id, { updatedAt: now })
  })
  ctx.live.publish({ orgId: ticket.orgId, perm: 'tickets:read' }, 'ticket.changed', { id })
  await tellAssignee(ctx, ticket, actor.user.id, `${actor.user.name} commented: ${body.slice(0, 200)}`)
  return row
}

/** linkAlertByHand adds an alert of the same org to a ticket. */
export async function linkAlertByHand(ctx: Ctx, actor: UserActor, id: string, alertId: string) {
  const ticket = await getTicket(ctx, actor, id, 'tickets:write')
  const alert = await getAlert(ctx, actor, alertId).catch(() => null)
  if (!alert || alert.orgId !== ticket.orgId) throw new ValidationError('alertId', 'no such alert in this ticket\'s organization')
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    if (await linkAlert(tx, id, alertId, actor.user.id, now)) {
      await insertComment(tx, { id: newId(), ticketId: id, authorId: actor.user.id, authorName: actor.user.name, kind: 'system', body: `Linked alert: ${alert.title}`, createdAt: now })
    }
  })
}

/** ticketForAlert: the newest ticket linked to an alert the actor can see (for the alert page). */
export async function ticketForAlert(ctx: Ctx, actor: UserActor, alertId: string): Promise<Ticket | null> {
  const orgIds = ticketOrgIds(actor.scope)
  return (await ticketsOfAlert(ctx.db, alertId)).find((tk) => orgIds.includes(tk.orgId)) ?? null
}
