// Fleet software inventory: pages and /api/v1/software.
import { Elysia } from 'elysia'
import { FleetSoftwarePage, SoftwareDetailPage, SoftwareTable } from '../../views/devices/software'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps } from '../web/page'
import { render } from '../web/render'
import { fleetSoftwareQuery, softwareDetailQuery } from './model'
import { fleetSoftware, softwareDetail } from './software'

const tags = ['devices']

export function softwareRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.software' })
    .use(actorPlugin(ctx))
    .get('/software', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const search = c.query.search?.trim() || undefined
      const result = await fleetSoftware(ctx, actor, { ...c.query, orgId: c.query.orgId ?? page.activeOrgId ?? undefined })
      const table = <SoftwareTable {...result} search={search} />
      if (htmxTarget(c.request) === 'software-table') return render(c, table)
      return render(c, <FleetSoftwarePage page={page} table={table} search={search} />)
    }, { query: fleetSoftwareQuery })
    .get('/software/detail', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const r = await softwareDetail(ctx, actor, { ...c.query, orgId: page.activeOrgId ?? undefined })
      return render(c, <SoftwareDetailPage page={page} name={r.name} versions={r.versions} devices={r.devices} total={r.total} pageNo={r.page} perPage={r.perPage} version={c.query.version} />)
    }, { query: softwareDetailQuery })
    .get('/api/v1/software', async (c) => {
      const r = await fleetSoftware(ctx, userOf(c.actor), c.query)
      return { data: r.rows, pagination: { page: r.page, perPage: r.perPage, total: r.total } }
    }, { query: fleetSoftwareQuery, detail: { summary: 'Software installed across your devices, with device and version counts', tags } })
    .get('/api/v1/software/versions', (c) => softwareDetail(ctx, userOf(c.actor), c.query),
      { query: softwareDetailQuery, detail: { summary: 'One software name: its versions with device counts, and the devices that have it', tags } })
}
