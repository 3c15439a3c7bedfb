// /api/v1/devices: list, read, update, decommission, inventory, metrics, bulk actions, CSV export.
import { Elysia, t } from 'elysia'
import { csvLine } from '../audit/query'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { csvFile } from '../web/api-doc'
import { streamDownload } from '../web/download'
import { runBulkAction } from './bulk'
import { chosenColumns, deviceColumns } from './columns'
import { getInventoryAt, getInventoryDiff } from './inventory-history'
import { getMetrics, getRetention, updateRetention } from './metrics'
import { getCustomFields, updateCustomFields } from './custom-fields'
import { endMaintenance, getDeviceWithMaintenance, startMaintenance } from './maintenance'
import { createSavedView, deleteSavedView, getSavedView, listSavedViews, updateSavedView } from './saved-views'
import { bulkBody, changesQuery, createSavedViewBody, updateSavedViewBody, deviceListQuery, idParams, inventoryAtQuery, inventoryDiffQuery, metricsQuery, putCustomFieldsBody, retentionBody, servicesQuery, softwareQuery, startMaintenanceBody, updateDeviceBody, type DeviceListQuery } from './model'
import { decommissionDevice, getChanges, getHardware, getNetwork, getServices, getSoftware, listDevices, updateDevice } from './service'

const tags = ['devices']

/** exportCsv streams every device matching the filters, page by page (keyset), as CSV. */
export function exportCsv(ctx: AppContext, actor: UserActor, q: DeviceListQuery, columnKeys: string[]): Promise<Response> {
  const columns = deviceColumns.filter((c) => columnKeys.includes(c.key))
  async function* chunks() {
    let head = csvLine(columns.map((c) => c.label))
    let cursor: string | undefined
    for (let pages = 0; pages < 200; pages++) {
      const page = await listDevices(ctx, actor, { ...q, perPage: 500, page: 1, cursor })
      yield head + page.rows.map((d) => csvLine(columns.map((c) => c.csv(d)))).join('')
      head = ''
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
  }
  return streamDownload(ctx.log, chunks(), { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="devices.csv"' })
}

export function deviceApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.devices.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/devices', async (c) => {
      const page = await listDevices(ctx, userOf(c.actor), c.query)
      return { data: page.rows, pagination: { page: page.page, perPage: page.perPage, total: page.total, nextCursor: page.nextCursor, sort: page.sort, order: page.order } }
    }, { query: deviceListQuery, detail: { summary: 'List devices you can see (filter, sort, page or cursor)', tags } })
    .get('/api/v1/devices/export', async (c) => {
      const { columns, ...q } = c.query
      return exportCsv(ctx, userOf(c.actor), q, columns ? chosenColumns(columns) : deviceColumns.map((x) => x.key))
    }, { query: t.Object({ ...deviceListQuery.properties, columns: t.Optional(t.String({ maxLength: 500 })) }), detail: { summary: 'Export the matching devices as CSV (columns: comma-separated keys)', tags, ...csvFile } })
    .post('/api/v1/devices/bulk', (c) => runBulkAction(ctx, userOf(c.actor), c.body), { body: bulkBody, detail: { summary: 'Tag, untag, move, decommission, (un)group or put in / take out of maintenance many devices (deviceIds ∪ groupIds ∪ siteIds)', tags } })
    .get('/api/v1/devices/:id', (c) => getDeviceWithMaintenance(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a device (with its maintenance, if in maintenance)', tags } })
    .patch('/api/v1/devices/:id', (c) => updateDevice(ctx, userOf(c.actor), c.params.id, c.body),
      { params: idParams, body: updateDeviceBody, detail: { summary: 'Rename, re-tag or move a device to another site of its organization', tags } })
    .delete('/api/v1/devices/:id', (c) => decommissionDevice(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'Decommission a device (history is kept; the agent is disconnected)', tags } })
    .post('/api/v1/devices/:id/maintenance', (c) => startMaintenance(ctx, userOf(c.actor), c.params.id, c.body),
      { params: idParams, body: startMaintenanceBody, detail: { summary: 'Put a device in maintenance (durationMinutes; omitted or null: until ended) with an optional reason, or change its current one', tags } })
    .delete('/api/v1/devices/:id/maintenance', (c) => endMaintenance(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'End a device\'s maintenance now: it goes back to online or offline', tags } })
    .get('/api/v1/device-views', async (c) => ({ data: await listSavedViews(ctx, userOf(c.actor)) }),
      { detail: { summary: 'Your saved views of the device list (name, filters, columns, density)', tags } })
    .post('/api/v1/device-views', async (c) => {
      c.set.status = 201
      return createSavedView(ctx, userOf(c.actor), c.body)
    }, { body: createSavedViewBody, detail: { summary: 'Save a view of the device list: a name, its filters (as GET /api/v1/devices takes them), columns and density', tags } })
    .get('/api/v1/device-views/:id', (c) => getSavedView(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'One of your saved views', tags } })
    .patch('/api/v1/device-views/:id', (c) => updateSavedView(ctx, userOf(c.actor), c.params.id, c.body),
      { params: idParams, body: updateSavedViewBody, detail: { summary: 'Rename a saved view or change its filters, columns or density', tags } })
    .delete('/api/v1/device-views/:id', async (c) => {
      await deleteSavedView(ctx, userOf(c.actor), c.params.id)
      c.set.status = 204
      return ''
    }, { params: idParams, detail: { summary: 'Delete one of your saved views', tags } })
    .get('/api/v1/devices/:id/custom-fields', async (c) => ({ data: await getCustomFields(ctx, userOf(c.actor), c.params.id) }),
      { params: idParams, detail: { summary: 'Custom fields of a device (name, value, updatedAt; updatedByRun when an automation set it)', tags } })
    .put('/api/v1/devices/:id/custom-fields', async (c) => ({ data: await updateCustomFields(ctx, userOf(c.actor), c.params.id, c.body) }),
      { params: idParams, body: putCustomFieldsBody, detail: { summary: 'Set custom fields ({ name: "value" }; null removes one; fields not named are kept)', tags } })
    .get('/api/v1/devices/:id/hardware', (c) => getHardware(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Hardware and disks of a device', tags } })
    .get('/api/v1/devices/:id/software', async (c) => ({ data: await getSoftware(ctx, userOf(c.actor), c.params.id, c.query.search) }), { params: idParams, query: softwareQuery, detail: { summary: 'Installed software of a device', tags } })
    .get('/api/v1/devices/:id/network', async (c) => ({ data: await getNetwork(ctx, userOf(c.actor), c.params.id) }), { params: idParams, detail: { summary: 'Network interfaces of a device', tags } })
    .get('/api/v1/devices/:id/services', async (c) => ({ data: await getServices(ctx, userOf(c.actor), c.params.id, c.query) }),
      { params: idParams, query: servicesQuery, detail: { summary: 'Services of a device: name, display name, state (running, stopped, exited, failed…), start type; search matches name or display name', tags } })
    .get('/api/v1/devices/:id/changes', async (c) => ({ data: await getChanges(ctx, userOf(c.actor), c.params.id, c.query) }), { params: idParams, query: changesQuery, detail: { summary: 'Change history of a device (newest first; kind, from and to (dates: UTC days, inclusive) filter it; page with before=<at>)', tags } })
    .get('/api/v1/devices/:id/inventory', (c) => getInventoryAt(ctx, userOf(c.actor), c.params.id, c.query),
      { params: idParams, query: inventoryAtQuery, detail: { summary: 'Software, hardware and OS of a device as they were at `at` (a date: the end of that day, UTC; an ISO time or epoch ms; default now). A section is null before its agent first reported it', tags } })
    .get('/api/v1/devices/:id/inventory/diff', (c) => getInventoryDiff(ctx, userOf(c.actor), c.params.id, c.query),
      { params: idParams, query: inventoryDiffQuery, detail: { summary: 'What changed in a device\'s inventory between from (a date: its start) and to (a date: its end): software added, removed and changed (version), hardware fields, OS', tags } })
    .get('/api/v1/devices/:id/metrics', (c) => getMetrics(ctx, userOf(c.actor), c.params.id, c.query),
      { params: idParams, query: metricsQuery, detail: { summary: 'Metrics history (from, to: ISO or epoch ms; resolution raw|hour|day, chosen from the range when omitted)', tags } })
    .get('/api/v1/device-metrics/retention', (c) => { userOf(c.actor); return getRetention(ctx) }, { detail: { summary: 'How long metrics are kept (days of raw samples, hourly and daily roll-ups)', tags } })
    .put('/api/v1/device-metrics/retention', async (c) => {
      await updateRetention(ctx, userOf(c.actor), c.body)
      return getRetention(ctx)
    }, { body: retentionBody, detail: { summary: 'Change metric retention (platform admins)', tags } })
}
