// The alerting JSON API: /api/v1/alert-rules, /api/v1/alert-templates, /api/v1/alerts,
// /api/v1/maintenance-windows. Thin adapters over the services, validated with TypeBox.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { acknowledge, alertDetail, resolve, searchAlerts, statistics, suppress } from './alerts'
import { createMaintenanceWindow, deleteMaintenanceWindow, getMaintenanceWindow, listMaintenanceWindows, updateMaintenanceWindow } from './maintenance'
import { alertListQuery, createRuleBody, createWindowBody, fromTemplateBody, noteBody, ruleListQuery, suppressBody, updateRuleBody, updateWindowBody } from './model'
import { createRule, createRuleFromTemplate, deleteRule, getRule, listRules, listTemplates, updateRule } from './rules'
import { epochMs } from '../web/model-types'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = (tag: string, summary: string) => ({ detail: { summary, tags: [tag] } })

export function alertApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.alerts.api' })
    .use(actorPlugin(ctx))
    // ---- rules ----
    .get('/api/v1/alert-rules', async (c) => ({ data: await listRules(ctx, userOf(c.actor), c.query) }), { query: ruleListQuery, ...tags('alerts', 'List alert rules (org rules and partner-wide rules you can see)') })
    .post('/api/v1/alert-rules', async (c) => {
      c.set.status = 201
      return createRule(ctx, userOf(c.actor), c.body)
    }, { body: createRuleBody, ...tags('alerts', 'Create an alert rule (orgId, or partnerId for every org of the partner)') })
    .get('/api/v1/alert-rules/:id', (c) => getRule(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('alerts', 'Get an alert rule') })
    .patch('/api/v1/alert-rules/:id', (c) => updateRule(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateRuleBody, ...tags('alerts', 'Update an alert rule') })
    .delete('/api/v1/alert-rules/:id', async (c) => {
      await deleteRule(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('alerts', 'Delete an alert rule') })
    .get('/api/v1/alert-templates', () => ({ data: listTemplates() }), tags('alerts', 'Built-in alert templates'))
    .post('/api/v1/alert-rules/from-template', async (c) => {
      c.set.status = 201
      return createRuleFromTemplate(ctx, userOf(c.actor), c.body)
    }, { body: fromTemplateBody, ...tags('alerts', 'Create a rule from a built-in template') })
    // ---- alerts ----
    .get('/api/v1/alerts', async (c) => {
      const r = await searchAlerts(ctx, userOf(c.actor), c.query)
      return { data: r.rows, total: r.total, page: r.page, limit: r.limit }
    }, { query: alertListQuery, ...tags('alerts', 'List alerts (default: open ones)') })
    .get('/api/v1/alerts/stats', async (c) => {
      const to = c.query.to ?? ctx.clock.now()
      return statistics(ctx, userOf(c.actor), { from: c.query.from ?? to - 30 * 24 * 3600_000, to, orgId: c.query.orgId })
    }, { query: t.Object({ from: t.Optional(epochMs()), to: t.Optional(epochMs()), orgId: t.Optional(t.String({ maxLength: 64 })) }), ...tags('alerts', 'Alert statistics per rule, org and severity (MTTA/MTTR in ms)') })
    .get('/api/v1/alerts/:id', async (c) => {
      const d = await alertDetail(ctx, userOf(c.actor), c.params.id)
      return { ...d.alert, events: d.events, deliveries: d.deliveries, children: d.children.map((a) => a.id), parentAlertId: d.alert.parentAlertId }
    }, { params: idParams, ...tags('alerts', 'Get an alert with its timeline and deliveries') })
    .post('/api/v1/alerts/:id/acknowledge', (c) => acknowledge(ctx, userOf(c.actor), c.params.id, c.body?.note), { params: idParams, body: t.Optional(noteBody), ...tags('alerts', 'Acknowledge an alert (stops escalation)') })
    .post('/api/v1/alerts/:id/resolve', (c) => resolve(ctx, userOf(c.actor), c.params.id, c.body?.note), { params: idParams, body: t.Optional(noteBody), ...tags('alerts', 'Resolve an alert with an optional note') })
    .post('/api/v1/alerts/:id/suppress', (c) => suppress(ctx, userOf(c.actor), c.params.id, c.body.minutes, c.body.note), { params: idParams, body: suppressBody, ...tags('alerts', 'Suppress an alert for a number of minutes') })
    .get('/api/v1/devices/:id/alerts', async (c) => {
      const r = await searchAlerts(ctx, userOf(c.actor), { status: 'all', deviceId: c.params.id, limit: 100 })
      return { data: r.rows }
    }, { params: idParams, ...tags('alerts', 'Alerts of one device') })
    // ---- maintenance windows ----
    .get('/api/v1/maintenance-windows', async (c) => ({ data: await listMaintenanceWindows(ctx, userOf(c.actor), c.query.orgId) }), { query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) }), ...tags('alerts', 'List maintenance windows') })
    .post('/api/v1/maintenance-windows', async (c) => {
      c.set.status = 201
      return createMaintenanceWindow(ctx, userOf(c.actor), c.body)
    }, { body: createWindowBody, ...tags('alerts', 'Create a maintenance window (one-off startsAt/endsAt, or cron + durationMinutes in a time zone)') })
    .get('/api/v1/maintenance-windows/:id', (c) => getMaintenanceWindow(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('alerts', 'Get a maintenance window') })
    .patch('/api/v1/maintenance-windows/:id', (c) => updateMaintenanceWindow(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateWindowBody, ...tags('alerts', 'Update a maintenance window') })
    .delete('/api/v1/maintenance-windows/:id', async (c) => {
      await deleteMaintenanceWindow(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('alerts', 'Delete a maintenance window') })
}

