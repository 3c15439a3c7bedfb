// Fleet software inventory: pages and /api/v1/software.
import { Elysia } from 'elysia'
import { FleetSoftwarePage, SoftwareDetailPage, SoftwareTable } from '../../views/devices/software'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps } from '../web/page'
import { render } from '../web/render'
import { csvExport } from '../web/csv'
import { csvFile } from '../web/api-doc'
import { t } from 'elysia'
import { fleetSoftwareQuery, softwareDetailQuery } from './model'
import { fleetSoftware, softwareDetail } from './software'

const tags = ['devices']

const exportQuery = t.Object({ search: t.Optional(t.String({ maxLength: 200 })), orgId: t.Optional(t.String({ minLength: 1, maxLength: 64 })) })

export function softwareRoutes(ctx: AppContext) {
  /** exportFleet: the software list as CSV (every page, with the list's filters). */
  function exportFleet(actor: ReturnType<typeof userOf>, q: { search?: string; orgId?: string }) {
    return csvExport(ctx.log, 'software.csv', ['Software', 'Publisher', 'Devices', 'Versions'],
      (n) => fleetSoftware(ctx, actor, { ...q, page: n, perPage: 500 }), (r) => [r.name, r.publisher, r.devices, r.versions])
  }
  /** exportDevices: the devices that have one software (optionally one version) as CSV. */
  function exportDevices(actor: ReturnType<typeof userOf>, q: { name: string; version?: string; orgId?: string }) {
    return csvExport(ctx.log, 'software-devices.csv', ['Device', 'Hostname', 'OS', 'Status', 'Site', 'Software', 'Version', 'Installed'],
      async (n) => { const r = await softwareDetail(ctx, actor, { ...q, page: n }); return { rows: r.devices, perPage: r.perPage } },
      (d) => [d.displayName ?? d.hostname, d.hostname, d.osType, d.status, d.siteName, q.name, d.version, d.installDate])
  }
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
    .get('/software/export.csv', async (c) => {
      const page = await pageProps(ctx, c)
      return exportFleet(userOf(c.actor), { search: c.query.search, orgId: c.query.orgId ?? page.activeOrgId ?? undefined })
    }, { query: exportQuery })
    .get('/software/detail/export.csv', async (c) => {
      const page = await pageProps(ctx, c)
      return exportDevices(userOf(c.actor), { ...c.query, orgId: page.activeOrgId ?? undefined })
    }, { query: softwareDetailQuery })
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
    .get('/api/v1/software/export', (c) => exportFleet(userOf(c.actor), c.query), { query: exportQuery, detail: { summary: 'The software list (name, publisher, devices, versions) as CSV', tags, ...csvFile } })
    .get('/api/v1/software/versions/export', (c) => exportDevices(userOf(c.actor), c.query), { query: softwareDetailQuery, detail: { summary: 'The devices that have one software (optionally one version) as CSV', tags, ...csvFile } })
    .get('/api/v1/software/versions', (c) => softwareDetail(ctx, userOf(c.actor), c.query),
      { query: softwareDetailQuery, detail: { summary: 'One software name: its versions with device counts, and the devices that have it', tags } })
}
