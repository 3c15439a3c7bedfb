// Input shapes of the tickets domain (forms and JSON API).
import { t } from 'elysia'
import { severities } from '../alerts/types'
import { ticketGrouping, ticketPriorities, ticketStatuses } from './types'
import { int } from '../web/model-types'

const lit = <const T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })

export const createTicketBody = t.Object({
  orgId: id,
  title: t.String({ minLength: 1, maxLength: 300 }),
  description: t.Optional(t.String({ maxLength: 20_000 })),
  priority: t.Optional(lit(ticketPriorities, 'priority must be urgent, high, normal or low')),
  assigneeId: t.Optional(t.Union([id, t.Null()])),
  deviceId: t.Optional(t.Union([id, t.Null()])),
  alertIds: t.Optional(t.Array(id, { maxItems: 100 })),
})
export type CreateTicketInput = typeof createTicketBody.static

export const updateTicketBody = t.Object({
  title: t.Optional(t.String({ minLength: 1, maxLength: 300 })),
  description: t.Optional(t.String({ maxLength: 20_000 })),
  status: t.Optional(lit(ticketStatuses, 'status must be open, in_progress, waiting, resolved or closed')),
  priority: t.Optional(lit(ticketPriorities, 'priority must be urgent, high, normal or low')),
  assigneeId: t.Optional(t.Union([id, t.Null()])),
})
export type UpdateTicketInput = typeof updateTicketBody.static

export const commentBody = t.Object({ body: t.String({ minLength: 1, maxLength: 20_000, error: 'write a comment' }) })
export const linkAlertBody = t.Object({ alertId: id })

export const ticketListQuery = t.Object({
  status: t.Optional(t.Union([lit(ticketStatuses), t.Literal('open'), t.Literal('closed'), t.Literal('all')])),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  assignee: t.Optional(t.String({ maxLength: 64 })),
  priority: t.Optional(lit(ticketPriorities)),
  search: t.Optional(t.String({ maxLength: 200 })),
  page: t.Optional(int({ minimum: 1, maximum: 10_000 })),
})
export type TicketListQuery = typeof ticketListQuery.static

const ruleFields = {
  name: t.String({ minLength: 1, maxLength: 200 }),
  enabled: t.Optional(t.Boolean()),
  severities: t.Optional(t.Array(lit(severities, 'severities are critical, high, medium, low, info'), { maxItems: 5 })),
  alertRuleIds: t.Optional(t.Array(id, { maxItems: 100 })),
  grouping: t.Optional(lit(ticketGrouping, 'grouping must be device, rule_device, org or none')),
  priority: t.Optional(lit(ticketPriorities, 'priority must be urgent, high, normal or low')),
  assigneeId: t.Optional(t.Union([id, t.Null()])),
  closeOnResolve: t.Optional(t.Boolean()),
}

export const createTicketRuleBody = t.Object({ ...ruleFields, orgId: t.Optional(id), partnerId: t.Optional(id) })
export type CreateTicketRuleInput = typeof createTicketRuleBody.static
export const updateTicketRuleBody = t.Partial(t.Object(ruleFields))
export type UpdateTicketRuleInput = typeof updateTicketRuleBody.static
