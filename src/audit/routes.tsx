// The audit log: page and /api/v1/audit.
import { Elysia } from 'elysia'
import { AuditPage, AuditTable } from '../../views/audit/audit-page'
import type { AppContext } from '../context'
import { listOrgNames } from '../tenancy/repo'
import { orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps } from '../web/page'
import { render } from '../web/render'
import { auditQuery, exportQuery } from './model'
import { auditCsvRow, csvColumns, csvLine, exportAudit, searchAudit } from './query'
import { jsonOrCsvFile } from '../web/api-doc'
import { streamDownload } from '../web/download'

export function auditRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.audit.routes' })
    .use(actorPlugin(ctx))
    .get('/audit', async (c) => {
      const actor = userOf(c.actor)
      const { rows, nextBefore } = await searchAudit(ctx, actor, c.query)
      const table = <AuditTable rows={rows} nextBefore={nextBefore} query={c.query} />
      if (htmxTarget(c.request) === 'audit-table') return render(c, table)
      const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'audit:read'))
      return render(c, <AuditPage page={await pageProps(ctx, c)} table={table} query={c.query} canExport={actor.scope.platformAdmin || orgIdsWith(actor.scope, 'audit:export').length > 0} orgs={orgs} />)
    }, { query: auditQuery })
    .get('/api/v1/audit/logs', async (c) => {
      const { rows, nextBefore } = await searchAudit(ctx, userOf(c.actor), c.query)
      return { data: rows, nextBefore }
    }, { query: auditQuery, detail: { summary: 'Search the audit log (newest first; page with ?before=<seq>)', tags: ['audit'] } })
    .get('/api/v1/audit/logs/export', async (c) => {
      const rows = exportAudit(ctx, userOf(c.actor), c.query)
      const csv = c.query.format === 'csv'
      async function* chunks() {
        let head = csv ? csvLine([...csvColumns]) : '['
        let first = true
        for await (const row of rows) {
          yield head + (csv ? auditCsvRow(row) : (first ? '' : ',') + '\n' + JSON.stringify(row))
          head = ''
          first = false
        }
        yield head + (csv ? '' : '\n]\n')
      }
      const stamp = new Date(ctx.clock.now()).toISOString().slice(0, 10)
      return streamDownload(ctx.log, chunks(), {
        'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json',
        'content-disposition': `attachment; filename="breeze-audit-${stamp}.${csv ? 'csv' : 'json'}"`,
      })
    }, { query: exportQuery, detail: { summary: 'Export the audit log as CSV or JSON (streamed)', tags: ['audit'], ...jsonOrCsvFile } })
}
