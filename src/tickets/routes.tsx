// Ticket pages: list, new, detail (update, comment, link alert), and ticket rules.
import { Elysia, t } from 'elysia'
import { TicketRuleFormPage, TicketRulesPage } from '../../views/tickets/rules'
import { NewTicketPage, TicketPage, TicketsPage } from '../../views/tickets/tickets'
import { deviceLabels } from '../alerts/alerts'
import { last, list, orgNameMap, ownerFromValue, ownerNames, ownerOptions, pageQuery } from '../alerts/page-options'
import { listRules } from '../alerts/rules'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { usersAllowed } from '../notifications/inbox'
import { listOrgNames } from '../tenancy/repo'
import { listUsersByIds, memberUserIds } from '../tenancy/users-repo'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { csvExport, isoTime } from '../web/csv'
import { commentBody, createTicketBody, createTicketRuleBody, ticketListQuery, updateTicketBody, updateTicketRuleBody } from './model'
import { createTicketRule, deleteTicketRule, getTicketRule, listTicketRulesFor, updateTicketRule } from './ticket-rules'
import { addComment, createTicket, linkAlertByHand, listTickets, ticketDetail, ticketOrgIds, updateTicket } from './tickets'
import type { TicketRule } from './tickets-repo'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })

export function ticketRoutes(ctx: AppContext) {
  /** workers: users who can work tickets in the org (assignee choices). */
  async function workers(orgId: string | null, actor: UserActor) {
    const orgIds = orgId ? [orgId] : ticketOrgIds(actor.scope, 'tickets:write')
    const ids = await memberUserIds(ctx.db, [...new Set(orgIds.map((id) => actor.scope.orgs.get(id)?.partnerId).filter((x): x is string => !!x))], orgIds)
    const allowed = orgId ? await usersAllowed(ctx, ids, { orgId, perm: 'tickets:write' }) : ids
    return (await listUsersByIds(ctx.db, allowed)).map((u) => ({ id: u.id, name: u.name }))
  }

  async function userNames(ids: string[]) {
    return Object.fromEntries((await listUsersByIds(ctx.db, [...new Set(ids)])).map((u) => [u.id, u.name]))
  }

  async function ticketPage(c: PageContext, actor: UserActor, id: string, errors?: FieldErrors, status = 200) {
    const d = await ticketDetail(ctx, actor, id)
    const orgNames = await orgNameMap(ctx, actor)
    return render(c, <TicketPage page={await pageProps(ctx, c)} ticket={d.ticket} comments={d.comments} alerts={d.alerts} orgName={orgNames[d.ticket.orgId] ?? ''} deviceNames={d.devices}
      users={await workers(d.ticket.orgId, actor)} canWrite={ticketOrgIds(actor.scope, 'tickets:write').includes(d.ticket.orgId)} errors={errors} />, status)
  }

  async function newPage(c: PageContext, actor: UserActor, values: FormValues, errors?: FieldErrors, status = 200) {
    const orgs = await listOrgNames(ctx.db, ticketOrgIds(actor.scope, 'tickets:write'))
    return render(c, <NewTicketPage page={await pageProps(ctx, c)} values={values} errors={errors} orgs={orgs} users={await workers(null, actor)} />, status)
  }

  async function rulePage(c: PageContext, actor: UserActor, rule: TicketRule | null, values: FormValues, errors?: FieldErrors, status = 200) {
    const alertRules = (await listRules(ctx, actor)).map((r) => ({ id: r.id, name: r.name }))
    return render(c, <TicketRuleFormPage page={await pageProps(ctx, c)} rule={rule} values={values} errors={errors} owners={await ownerOptions(ctx, actor, 'tickets:write')}
      alertRules={alertRules} users={await workers(rule?.orgId ?? null, actor)} />, status)
  }

  function ruleValues(body: unknown): FormValues {
    const b = (body ?? {}) as Record<string, unknown>
    return {
      name: last(b, 'name'), severities: list(b, 'severities'), alertRuleIds: list(b, 'alertRuleIds'), grouping: last(b, 'grouping') ?? 'device', priority: last(b, 'priority') ?? 'normal',
      assigneeId: last(b, 'assigneeId') ?? null, closeOnResolve: b.closeOnResolve === 'true', enabled: b.enabled === 'true', owner: last(b, 'owner'),
    }
  }

  return new Elysia({ name: 'breeze.tickets.pages' })
    .use(actorPlugin(ctx))
    .get('/tickets', async (c) => {
      const actor = userOf(c.actor)
      const query = pageQuery(ticketListQuery, c.query)
      const r = await listTickets(ctx, actor, query)
      return render(c, <TicketsPage page={await pageProps(ctx, c)} rows={r.rows} total={r.total} pageNo={r.page} limit={r.limit} query={query} orgNames={await orgNameMap(ctx, actor)}
        userNames={await userNames(r.rows.flatMap((tk) => (tk.assigneeId ? [tk.assigneeId] : [])))} deviceNames={await deviceLabels(ctx, r.rows.flatMap((tk) => (tk.deviceId ? [tk.deviceId] : [])))}
        canWrite={ticketOrgIds(actor.scope, 'tickets:write').length > 0} />)
    }, { query: t.Record(t.String(), t.String({ maxLength: 200 })) })
    .get('/tickets/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const query = pageQuery(ticketListQuery, c.query)
      const orgNames = await orgNameMap(ctx, actor)
      let users: Record<string, string> = {}
      let devices: Record<string, string> = {}
      return csvExport(ctx.log, 'tickets.csv', ['Number', 'Title', 'Organization', 'Device', 'Priority', 'Status', 'Assignee', 'Source', 'Created', 'Updated', 'Closed'],
        async (n) => {
          const r = await listTickets(ctx, actor, { ...query, page: n })
          users = await userNames(r.rows.flatMap((tk) => (tk.assigneeId ? [tk.assigneeId] : [])))
          devices = await deviceLabels(ctx, r.rows.flatMap((tk) => (tk.deviceId ? [tk.deviceId] : [])))
          return { rows: r.rows, perPage: r.limit }
        },
        (tk) => [tk.number, tk.title, orgNames[tk.orgId] ?? '', tk.deviceId ? devices[tk.deviceId] ?? '' : '', tk.priority, tk.status, tk.assigneeId ? users[tk.assigneeId] ?? '' : '', tk.source,
          isoTime(tk.createdAt), isoTime(tk.updatedAt), isoTime(tk.closedAt)])
    }, { query: t.Record(t.String(), t.String({ maxLength: 200 })) })
    .get('/tickets/new', (c) => newPage(c, userOf(c.actor), { priority: 'normal' }))
    .post('/tickets', async (c) => {
      const actor = userOf(c.actor)
      const b = (c.body ?? {}) as Record<string, unknown>
      const values: FormValues = { orgId: last(b, 'orgId'), title: last(b, 'title'), description: last(b, 'description') ?? '', priority: last(b, 'priority') ?? 'normal', assigneeId: last(b, 'assigneeId') ?? null }
      const form = checkValues(createTicketBody, values)
      if (!form.ok) return newPage(c, actor, values, form.errors, 400)
      try {
        const ticket = await createTicket(ctx, actor, form.value)
        setFlash(c.cookie, { kind: 'success', text: `Ticket #${ticket.number} created.` })
        return redirect(c, `/tickets/${ticket.id}`)
      } catch (err) {
        return newPage(c, actor, values, fieldErrorsOf(err), 400)
      }
    })
    .get('/tickets/rules', async (c) => {
      const actor = userOf(c.actor)
      const ruleNames = Object.fromEntries((await listRules(ctx, actor)).map((r) => [r.id, r.name]))
      return render(c, <TicketRulesPage page={await pageProps(ctx, c)} rules={await listTicketRulesFor(ctx, actor)} ruleNames={ruleNames} ownerNames={await ownerNames(ctx, actor)} canWrite={(await ownerOptions(ctx, actor, 'tickets:write')).length > 0} />)
    })
    .get('/tickets/rules/new', (c) => rulePage(c, userOf(c.actor), null, { grouping: 'device', priority: 'high', severities: ['critical'], closeOnResolve: true, enabled: true }))
    .post('/tickets/rules', async (c) => {
      const actor = userOf(c.actor)
      const values = ruleValues(c.body)
      const { owner, ...fields } = values
      const form = checkValues(createTicketRuleBody, { ...fields, ...ownerFromValue(owner) })
      if (!form.ok) return rulePage(c, actor, null, values, form.errors, 400)
      try {
        const rule = await createTicketRule(ctx, actor, form.value)
        setFlash(c.cookie, { kind: 'success', text: `Ticket rule "${rule.name}" created.` })
        return redirect(c, '/tickets/rules')
      } catch (err) {
        return rulePage(c, actor, null, values, fieldErrorsOf(err), 400)
      }
    })
    .get('/tickets/rules/:id', async (c) => {
      const actor = userOf(c.actor)
      const rule = await getTicketRule(ctx, actor, c.params.id)
      return rulePage(c, actor, rule, rule as unknown as FormValues)
    }, { params: idParams })
    .post('/tickets/rules/:id', async (c) => {
      const actor = userOf(c.actor)
      const rule = await getTicketRule(ctx, actor, c.params.id)
      const { owner: _, ...values } = ruleValues(c.body)
      const form = checkValues(updateTicketRuleBody, values)
      if (!form.ok) return rulePage(c, actor, rule, values, form.errors, 400)
      try {
        await updateTicketRule(ctx, actor, rule.id, form.value)
        setFlash(c.cookie, { kind: 'success', text: 'Ticket rule saved.' })
        return redirect(c, '/tickets/rules')
      } catch (err) {
        return rulePage(c, actor, rule, values, fieldErrorsOf(err), 400)
      }
    }, { params: idParams })
    .post('/tickets/rules/:id/delete', async (c) => {
      await deleteTicketRule(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Ticket rule deleted.' })
      return redirect(c, '/tickets/rules')
    }, { params: idParams })
    .get('/tickets/:id', (c) => ticketPage(c, userOf(c.actor), c.params.id), { params: idParams })
    .post('/tickets/:id', async (c) => {
      const actor = userOf(c.actor)
      const b = (c.body ?? {}) as Record<string, unknown>
      const alertId = last(b, 'alertId')
      const form = checkValues(updateTicketBody, { status: last(b, 'status'), priority: last(b, 'priority'), assigneeId: last(b, 'assigneeId') ?? null })
      if (!form.ok) return ticketPage(c, actor, c.params.id, form.errors, 400)
      try {
        await updateTicket(ctx, actor, c.params.id, form.value)
        if (alertId) await linkAlertByHand(ctx, actor, c.params.id, alertId)
      } catch (err) {
        return ticketPage(c, actor, c.params.id, fieldErrorsOf(err), 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Ticket updated.' })
      return redirect(c, `/tickets/${c.params.id}`)
    }, { params: idParams })
    .post('/tickets/:id/comments', async (c) => {
      const actor = userOf(c.actor)
      const form = checkValues(commentBody, { body: last((c.body ?? {}) as Record<string, unknown>, 'body') })
      if (!form.ok) return ticketPage(c, actor, c.params.id, form.errors, 400)
      await addComment(ctx, actor, c.params.id, form.value.body)
      return redirect(c, `/tickets/${c.params.id}`)
    }, { params: idParams })
}
