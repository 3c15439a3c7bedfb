// Ticket rules: open a ticket for alerts matching severity / alert rule, link follow-up alerts
// to the open ticket with the same grouping key, and close it (if asked) once every linked
// alert has resolved. Driven by the alert.triggered / alert.resolved events.
import { alertsByIds } from '../alerts/alerts'
import { listRules, resolveOwner } from '../alerts/rules'
import type { UserActor } from '../auth/actor'
import { recordAudit, systemActor } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { usersAllowed } from '../notifications/inbox'
import { canSeeOwned, ownerVisibility } from '../notifications/owners'
import { can, canInPartner } from '../tenancy/scope'
import type { CreateTicketRuleInput, UpdateTicketRuleInput } from './model'
import {
  alertIdsOfTicket, closedStatuses, findOpenTicketByGroup, findTicket, findTicketRule, insertComment, insertTicketRule, linkAlert, listTicketRules, ticketRulesForOrg,
  ticketsOfAlert, updateTicketRow, updateTicketRuleRow, type TicketRule,
} from './tickets-repo'
import { openTicket } from './tickets'

type Ctx = AppContext

export async function listTicketRulesFor(ctx: Ctx, actor: UserActor): Promise<TicketRule[]> {
  return listTicketRules(ctx.db, ownerVisibility(actor.scope, 'tickets:read'))
}

export async function getTicketRule(ctx: Ctx, actor: UserActor, id: string): Promise<TicketRule> {
  const r = await findTicketRule(ctx.db, id)
  if (!r || !canSeeOwned(ownerVisibility(actor.scope, 'tickets:read'), r)) throw new NotFoundError('ticket rule')
  return r
}

async function checkRuleFields(ctx: Ctx, actor: UserActor, owner: { orgId: string | null; partnerId: string }, input: UpdateTicketRuleInput) {
  if (input.alertRuleIds?.length) {
    const visible = new Map((await listRules(ctx, actor)).map((r) => [r.id, r]))
    input.alertRuleIds.forEach((id, i) => {
      const r = visible.get(id)
      if (!r || r.partnerId !== owner.partnerId || (owner.orgId !== null && r.orgId !== null && r.orgId !== owner.orgId) || (owner.orgId === null && r.orgId !== null)) {
        throw new ValidationError(`alertRuleIds/${i}`, `no alert rule ${id} that this ticket rule can follow`)
      }
    })
  }
  if (input.assigneeId) {
    if (!owner.orgId) throw new ValidationError('assigneeId', 'partner-wide ticket rules cannot assign (each org has its own people)')
    if ((await usersAllowed(ctx, [input.assigneeId], { orgId: owner.orgId, perm: 'tickets:write' })).length === 0) throw new ValidationError('assigneeId', 'the assignee must be a user who can work tickets in this organization')
  }
}

export async function createTicketRule(ctx: Ctx, actor: UserActor, input: CreateTicketRuleInput): Promise<TicketRule> {
  const owner = resolveOwner(actor, input, 'tickets:write')
  await checkRuleFields(ctx, actor, owner, input)
  const now = ctx.clock.now()
  const row: TicketRule = {
    id: newId(), ...owner, name: input.name.trim(), enabled: input.enabled ?? true, severities: [...new Set(input.severities ?? [])], alertRuleIds: [...new Set(input.alertRuleIds ?? [])],
    grouping: input.grouping ?? 'device', priority: input.priority ?? 'normal', assigneeId: input.assigneeId ?? null, closeOnResolve: input.closeOnResolve ?? true,
    createdBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await withTx(ctx.db, async (tx) => {
    await insertTicketRule(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'ticket_rule.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'ticket_rule', resourceId: row.id, resourceName: row.name })
  })
  return row
}

function canEdit(actor: UserActor, r: TicketRule) {
  return r.orgId ? can(actor.scope, 'tickets:write', r.orgId) : canInPartner(actor.scope, 'tickets:write', r.partnerId)
}

export async function updateTicketRule(ctx: Ctx, actor: UserActor, id: string, input: UpdateTicketRuleInput): Promise<TicketRule> {
  const r = await getTicketRule(ctx, actor, id)
  if (!canEdit(actor, r)) throw new ForbiddenError('you need the tickets:write permission for this rule', 'tickets:write')
  await checkRuleFields(ctx, actor, r, input)
  const next: TicketRule = { ...r, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)), updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateTicketRuleRow(tx, id, next)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'ticket_rule.update', partnerId: r.partnerId, orgId: r.orgId, resourceType: 'ticket_rule', resourceId: id, resourceName: next.name })
  })
  return next
}

export async function deleteTicketRule(ctx: Ctx, actor: UserActor, id: string) {
  const r = await getTicketRule(ctx, actor, id)
  if (!canEdit(actor, r)) throw new ForbiddenError('you need the tickets:write permission for this rule', 'tickets:write')
  await withTx(ctx.db, async (tx) => {
    await updateTicketRuleRow(tx, id, { deletedAt: ctx.clock.now(), enabled: false })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'ticket_rule.delete', partnerId: r.partnerId, orgId: r.orgId, resourceType: 'ticket_rule', resourceId: id, resourceName: r.name })
  })
}

type TriggeredAlert = Awaited<ReturnType<typeof alertsByIds>>[number]

function groupKeyOf(rule: TicketRule, a: TriggeredAlert): string | null {
  switch (rule.grouping) {
    case 'device': return a.deviceId ? `device:${a.deviceId}` : `${a.kind}:${a.subject}`
    case 'rule_device': return `rule:${a.ruleId ?? a.kind}:${a.deviceId ?? a.subject}`
    case 'org': return `org:${a.orgId}`
    case 'none': return null
  }
}

/** onAlertTriggered: the first matching ticket rule links the alert to its open ticket or opens one. */
export async function onAlertTriggered(ctx: Ctx, alertId: string) {
  const [alert] = await alertsByIds(ctx, [alertId])
  if (!alert?.orgId || alert.muted || alert.status !== 'active') return
  const rule = (await ticketRulesForOrg(ctx.db, alert.orgId, alert.partnerId)).find((r) =>
    (r.severities.length === 0 || r.severities.includes(alert.severity)) && (r.alertRuleIds.length === 0 || (alert.ruleId !== null && r.alertRuleIds.includes(alert.ruleId))))
  if (!rule) return
  const key = groupKeyOf(rule, alert)
  const open = key ? await findOpenTicketByGroup(ctx.db, alert.orgId, `${rule.id}|${key}`) : undefined
  if (open) {
    const now = ctx.clock.now()
    await withTx(ctx.db, async (tx) => {
      if (!(await linkAlert(tx, open.id, alert.id, null, now))) return
      await insertComment(tx, { id: newId(), ticketId: open.id, authorId: null, authorName: null, kind: 'system', body: `Follow-up alert linked: ${alert.title}`, createdAt: now })
      await updateTicketRow(tx, open.id, { updatedAt: now })
    })
    ctx.live.publish({ orgId: open.orgId, perm: 'tickets:read' }, 'ticket.changed', { id: open.id })
    return
  }
  await openTicket(ctx, {
    orgId: alert.orgId, partnerId: alert.partnerId, title: alert.title, description: alert.message, priority: rule.priority, assigneeId: rule.assigneeId, deviceId: alert.deviceId,
    source: 'rule', ticketRuleId: rule.id, groupKey: key ? `${rule.id}|${key}` : null, alertIds: [alert.id],
  }, null)
}

/** onAlertResolved: rule tickets whose rule says so close once all their alerts are resolved. */
export async function onAlertResolved(ctx: Ctx, alertId: string) {
  for (const ticket of await ticketsOfAlert(ctx.db, alertId)) {
    if (closedStatuses.includes(ticket.status) || !ticket.ticketRuleId) continue
    const rule = await findTicketRule(ctx.db, ticket.ticketRuleId)
    if (!rule?.closeOnResolve) continue
    const alerts = await alertsByIds(ctx, await alertIdsOfTicket(ctx.db, ticket.id))
    if (alerts.some((a) => a.status !== 'resolved')) continue
    const now = ctx.clock.now()
    await withTx(ctx.db, async (tx) => {
      const fresh = await findTicket(tx, ticket.id)
      if (!fresh || closedStatuses.includes(fresh.status)) return
      await updateTicketRow(tx, ticket.id, { status: 'closed', closedAt: now, updatedAt: now })
      await insertComment(tx, { id: newId(), ticketId: ticket.id, authorId: null, authorName: null, kind: 'system', body: `Every linked alert resolved; closed automatically (rule "${rule.name}").`, createdAt: now })
      await recordAudit(withDb(ctx, tx), systemActor, { action: 'ticket.update', partnerId: ticket.partnerId, orgId: ticket.orgId, resourceType: 'ticket', resourceId: ticket.id, resourceName: `#${ticket.number} ${ticket.title}`, details: { changes: [`status ${fresh.status} → closed`], ticketRuleId: rule.id } })
    })
    ctx.live.publish({ orgId: ticket.orgId, perm: 'tickets:read' }, 'ticket.changed', { id: ticket.id })
  }
}

/** startTickets subscribes ticket rules to alert events. */
export function startTickets(ctx: Ctx) {
  ctx.events.on('alert.triggered', (p) => onAlertTriggered(ctx, p.alertId))
  ctx.events.on('alert.resolved', (p) => onAlertResolved(ctx, p.alertId))
}

