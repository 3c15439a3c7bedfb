// Alert pages: the live dashboard, one alert (timeline, deliveries, actions), and history with
// statistics. Actions post here and come back to the page they were made from.
import { Elysia, t } from 'elysia'
import { AlertDetailPage, AlertDetail, type AlertDetailProps } from '../../views/alerts/detail'
import { AlertTable, AlertsDashboardPage } from '../../views/alerts/dashboard'
import { AlertHistoryPage } from '../../views/alerts/history'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import { createTicketFromAlert, ticketForAlert, ticketOrgIds } from '../tickets/tickets'
import { can } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, refererPath, render, setFlash } from '../web/render'
import { acknowledge, alertDetail, namesFor, resolve, searchAlerts, statistics, suppress } from './alerts'
import { alertListQuery, type AlertListQuery } from './model'
import { orgNameMap, pageQuery } from './page-options'
import { severities } from './types'
import { int } from '../web/model-types'
import { csvExport, isoTime } from '../web/csv'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const noteOf = (body: unknown) => {
  const v = (body as Record<string, unknown> | undefined)?.note
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 2000) : undefined
}

export function alertRoutes(ctx: AppContext) {
  async function table(c: PageContext, actor: UserActor, query: AlertListQuery) {
    const result = await searchAlerts(ctx, actor, { ...query, limit: 100 })
    const counts: Record<string, number> = {}
    for (const s of severities) counts[s] = (await searchAlerts(ctx, actor, { status: 'open', severity: s, orgId: query.orgId, limit: 1 })).total
    return (
      <AlertTable rows={result.rows} total={result.total} page={result.page} limit={result.limit} names={await namesFor(ctx, actor, result.rows)} orgNames={await orgNameMap(ctx, actor)}
        query={query} counts={counts} canWrite={[...actor.scope.orgs.values()].some((g) => g.permissions.has('alerts:write'))} csrf={c.csrfToken} now={ctx.clock.now()} />
    )
  }

  async function detailProps(c: PageContext, actor: UserActor, id: string): Promise<AlertDetailProps> {
    const d = await alertDetail(ctx, actor, id)
    const orgNames = await orgNameMap(ctx, actor)
    const ticket = await ticketForAlert(ctx, actor, id)
    return {
      ...d, names: await namesFor(ctx, actor, [d.alert, ...d.children]), orgName: d.alert.orgId ? orgNames[d.alert.orgId] ?? null : null,
      ticket: ticket ? { id: ticket.id, number: ticket.number, title: ticket.title, status: ticket.status } : null,
      canWrite: d.alert.orgId ? can(actor.scope, 'alerts:write', d.alert.orgId) : false,
      canTicket: !!d.alert.orgId && ticketOrgIds(actor.scope, 'tickets:write').includes(d.alert.orgId), csrf: c.csrfToken, now: ctx.clock.now(),
    }
  }

  /** back returns to the page the action came from (dashboard or detail), never off-site. */
  const back = (c: { request: Request }, id: string) => {
    const ref = refererPath(c.request, '')
    return ref === '/alerts' || ref.startsWith('/alerts?') ? ref : `/alerts/${id}`
  }

  return new Elysia({ name: 'breeze.alerts.pages' })
    .use(actorPlugin(ctx))
    .get('/alerts', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const q = pageQuery(alertListQuery, c.query)
      const query: AlertListQuery = { ...q, orgId: q.orgId ?? page.activeOrgId ?? undefined }
      const fragment = await table(c, actor, query)
      if (htmxTarget(c.request) === 'alert-table') return render(c, fragment)
      return render(c, <AlertsDashboardPage page={page} table={fragment} query={query} />)
    }, { query: t.Record(t.String(), t.String({ maxLength: 200 })) })
    .get('/alerts/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const q = pageQuery(alertListQuery, c.query)
      const query: AlertListQuery = { ...q, orgId: q.orgId ?? page.activeOrgId ?? undefined }
      const orgNames = await orgNameMap(ctx, actor)
      let names: Awaited<ReturnType<typeof namesFor>> = { devices: {}, sites: {}, rules: {} }
      return csvExport(ctx.log, 'alerts.csv', ['Triggered', 'Severity', 'Status', 'Alert', 'Device', 'Site', 'Organization', 'Rule', 'Acknowledged', 'Resolved', 'Message'],
        async (n) => {
          const r = await searchAlerts(ctx, actor, { ...query, limit: 500, page: n })
          names = await namesFor(ctx, actor, r.rows)
          return { rows: r.rows, perPage: 500 }
        },
        (a) => [isoTime(a.triggeredAt), a.severity, a.status, a.title, a.deviceId ? names.devices[a.deviceId] ?? '' : '', a.siteId ? names.sites[a.siteId] ?? '' : '', a.orgId ? orgNames[a.orgId] ?? '' : '',
          a.ruleId ? names.rules[a.ruleId] ?? '' : '', isoTime(a.acknowledgedAt), isoTime(a.resolvedAt), a.message])
    }, { query: t.Record(t.String(), t.String({ maxLength: 200 })) })
    .get('/alerts/history', async (c) => {
      const actor = userOf(c.actor)
      const days = [1, 7, 30, 90].includes(c.query.days ?? 30) ? c.query.days ?? 30 : 30
      const to = ctx.clock.now()
      const from = to - days * 24 * 3600_000
      const stats = await statistics(ctx, actor, { from, to })
      const recent = await searchAlerts(ctx, actor, { status: 'all', from, to, limit: 50, page: c.query.page })
      const names = await namesFor(ctx, actor, recent.rows)
      return render(c, <AlertHistoryPage page={await pageProps(ctx, c)} days={days} stats={stats} names={names} orgNames={await orgNameMap(ctx, actor)} recent={recent.rows} total={recent.total} pageNo={recent.page} limit={recent.limit} />)
    }, { query: t.Object({ days: t.Optional(int({ minimum: 1, maximum: 3650 })), page: t.Optional(int({ minimum: 1, maximum: 10_000 })) }) })
    .get('/alerts/:id', async (c) => {
      const actor = userOf(c.actor)
      const props = await detailProps(c, actor, c.params.id)
      if (htmxTarget(c.request) === 'alert-detail') return render(c, <AlertDetail {...props} />)
      return render(c, <AlertDetailPage page={await pageProps(ctx, c)} detail={props} />)
    }, { params: idParams })
    .post('/alerts/:id/acknowledge', async (c) => {
      await acknowledge(ctx, userOf(c.actor), c.params.id, noteOf(c.body))
      setFlash(c.cookie, { kind: 'success', text: 'Acknowledged: escalation stopped.' })
      return redirect(c, back(c, c.params.id))
    }, { params: idParams })
    .post('/alerts/:id/resolve', async (c) => {
      await resolve(ctx, userOf(c.actor), c.params.id, noteOf(c.body))
      setFlash(c.cookie, { kind: 'success', text: 'Resolved.' })
      return redirect(c, back(c, c.params.id))
    }, { params: idParams })
    .post('/alerts/:id/suppress', async (c) => {
      const minutes = Number((c.body as Record<string, unknown> | undefined)?.minutes)
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 30 * 24 * 60) throw new ValidationError('minutes', 'choose how long to suppress the alert')
      await suppress(ctx, userOf(c.actor), c.params.id, minutes, noteOf(c.body))
      setFlash(c.cookie, { kind: 'success', text: `Suppressed for ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}.` })
      return redirect(c, back(c, c.params.id))
    }, { params: idParams })
    .post('/alerts/:id/ticket', async (c) => {
      const ticket = await createTicketFromAlert(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: `Ticket #${ticket.number} is open for this alert.` })
      return redirect(c, `/tickets/${ticket.id}`)
    }, { params: idParams })
}
