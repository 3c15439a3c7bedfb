// The tickets JSON API: /api/v1/tickets, /api/v1/ticket-rules, and tickets from alerts.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { commentBody, createTicketBody, createTicketRuleBody, linkAlertBody, ticketListQuery, updateTicketBody, updateTicketRuleBody } from './model'
import { createTicketRule, deleteTicketRule, getTicketRule, listTicketRulesFor, updateTicketRule } from './ticket-rules'
import { addComment, createTicket, createTicketFromAlert, linkAlertByHand, listTickets, ticketDetail, ticketForAlert, updateTicket } from './tickets'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = (summary: string) => ({ detail: { summary, tags: ['tickets'] } })

export function ticketApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.tickets.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/tickets', async (c) => {
      const r = await listTickets(ctx, userOf(c.actor), c.query)
      return { data: r.rows, total: r.total, page: r.page, limit: r.limit }
    }, { query: ticketListQuery, ...tags('List tickets (default: not resolved or closed)') })
    .post('/api/v1/tickets', async (c) => {
      c.set.status = 201
      return createTicket(ctx, userOf(c.actor), c.body)
    }, { body: createTicketBody, ...tags('Create a ticket') })
    .get('/api/v1/tickets/:id', async (c) => {
      const d = await ticketDetail(ctx, userOf(c.actor), c.params.id)
      return { ...d.ticket, comments: d.comments, alertIds: d.alerts.map((a) => a.id) }
    }, { params: idParams, ...tags('Get a ticket with comments and linked alerts') })
    .patch('/api/v1/tickets/:id', (c) => updateTicket(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateTicketBody, ...tags('Update status, priority, assignee, title or description') })
    .post('/api/v1/tickets/:id/comments', async (c) => {
      c.set.status = 201
      return addComment(ctx, userOf(c.actor), c.params.id, c.body.body)
    }, { params: idParams, body: commentBody, ...tags('Comment on a ticket') })
    .post('/api/v1/tickets/:id/alerts', async (c) => {
      await linkAlertByHand(ctx, userOf(c.actor), c.params.id, c.body.alertId)
      return { ok: true }
    }, { params: idParams, body: linkAlertBody, ...tags('Link an alert of the same organization') })
    .post('/api/v1/alerts/:id/create-ticket', async (c) => {
      c.set.status = 201
      return createTicketFromAlert(ctx, userOf(c.actor), c.params.id)
    }, { params: idParams, ...tags('Open a ticket for an alert (or return its open ticket)') })
    .get('/api/v1/alerts/:id/ticket', async (c) => ({ ticket: await ticketForAlert(ctx, userOf(c.actor), c.params.id) }), { params: idParams, ...tags('The ticket linked to an alert, if any') })
    .get('/api/v1/ticket-rules', async (c) => ({ data: await listTicketRulesFor(ctx, userOf(c.actor)) }), tags('List ticket rules'))
    .post('/api/v1/ticket-rules', async (c) => {
      c.set.status = 201
      return createTicketRule(ctx, userOf(c.actor), c.body)
    }, { body: createTicketRuleBody, ...tags('Create a ticket rule') })
    .get('/api/v1/ticket-rules/:id', (c) => getTicketRule(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('Get a ticket rule') })
    .patch('/api/v1/ticket-rules/:id', (c) => updateTicketRule(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateTicketRuleBody, ...tags('Update a ticket rule') })
    .delete('/api/v1/ticket-rules/:id', async (c) => {
      await deleteTicketRule(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('Delete a ticket rule') })
}
