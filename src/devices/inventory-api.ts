// /api/v1/inventory: fleet queries (run, export as CSV, saved queries).
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { exportCsv } from './device-api'
import { chosenColumns, deviceColumns } from './columns'
import { deleteSavedQuery, listSavedQueries, runFleetQuery, saveQuery } from './fleet-query'
import { deviceListQuery, idParams } from './model'

const tags = ['inventory']
const q = t.String({ minLength: 1, maxLength: 4000, error: 'q is a query such as software.name = openssl AND software.version < "3.0.13"' })
const fleetQueryParams = t.Object({ ...deviceListQuery.properties, q })
const saveQueryBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 80, pattern: '\\S', error: 'a name is 1 to 80 characters' }),
  q,
  orgId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false })

export function inventoryApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.inventory.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/inventory/query', async (c) => {
      const r = await runFleetQuery(ctx, userOf(c.actor), c.query)
      return { data: r.rows, pagination: { page: r.page, perPage: r.perPage, total: r.total, nextCursor: r.nextCursor, sort: r.sort, order: r.order } }
    }, { query: fleetQueryParams, detail: { summary: 'Devices matching a fleet query (q: hardware, OS, software.name/version with real version ordering, custom.<field>, status…), with the packages that matched', tags } })
    .get('/api/v1/inventory/query/export', (c) => {
      const { columns, ...query } = c.query
      return exportCsv(ctx, userOf(c.actor), query, columns ? chosenColumns(columns) : deviceColumns.map((x) => x.key))
    }, { query: t.Object({ ...fleetQueryParams.properties, columns: t.Optional(t.String({ maxLength: 500 })) }), detail: { summary: 'Every device matching a fleet query as CSV', tags } })
    .get('/api/v1/inventory/queries', async (c) => ({ data: await listSavedQueries(ctx, userOf(c.actor)) }),
      { detail: { summary: 'Your saved fleet queries (saved views of the device list that hold a query)', tags } })
    .post('/api/v1/inventory/queries', async (c) => {
      c.set.status = 201
      return saveQuery(ctx, userOf(c.actor), c.body)
    }, { body: saveQueryBody, detail: { summary: 'Save a fleet query under a name', tags } })
    .delete('/api/v1/inventory/queries/:id', async (c) => {
      await deleteSavedQuery(ctx, userOf(c.actor), c.params.id)
      c.set.status = 204
      return ''
    }, { params: idParams, detail: { summary: 'Delete one of your saved fleet queries', tags } })
}
