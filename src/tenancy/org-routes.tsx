// Organizations: pages and /api/v1/orgs.
import { Elysia } from 'elysia'
import { NewOrgPage, OrgPage, OrgsPage, OrgTable } from '../../views/tenancy/orgs'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm } from '../web/forms'
import { htmxTarget } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { csvExport, isoTime } from '../web/csv'
import { createOrgBody, idParams, orgListQuery, updateOrgBody } from './model'
import { createOrg, deleteOrg, getOrg, listOrgs, partnersForNewOrg, updateOrg } from './orgs'
import { listLivePartners } from './repo'
import { can } from './scope'
import { listSites } from './sites'

/** orgFormPatch: an edit form sends every field, so an emptied optional field means "clear it". */
function orgFormPatch<T extends Record<string, unknown>>(v: T) {
  return { ...v, maxDevices: v.maxDevices ?? null, contractStart: v.contractStart ?? null, contractEnd: v.contractEnd ?? null, billingContact: v.billingContact ?? null }
}

export function orgRoutes(ctx: AppContext) {
  async function orgPage(c: PageContext, id: string, extra: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}, status = 200) {
    const actor = userOf(c.actor)
    const org = await getOrg(ctx, actor, id)
    const sites = (await listSites(ctx, actor, { orgId: id })).map((r) => r.site)
    return render(c, <OrgPage page={await pageProps(ctx, c)} org={org} sites={sites} {...extra}
      canEdit={can(actor.scope, 'orgs:write', id)} canDelete={can(actor.scope, 'orgs:delete', id)} canAddSite={can(actor.scope, 'sites:write', id)} />, status)
  }

  async function newOrgPage(c: PageContext, extra: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}, status = 200) {
    const actor = userOf(c.actor)
    return render(c, <NewOrgPage page={await pageProps(ctx, c)} partners={await listLivePartners(ctx.db, partnersForNewOrg(actor))} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.orgs.routes' })
    .use(actorPlugin(ctx))
    .get('/orgs', async (c) => {
      const actor = userOf(c.actor)
      const result = await listOrgs(ctx, actor, c.query)
      const table = <OrgTable {...result} query={c.query} />
      if (htmxTarget(c.request) === 'org-table') return render(c, table)
      return render(c, <OrgsPage page={await pageProps(ctx, c)} canCreate={partnersForNewOrg(actor).length > 0} table={table} query={c.query} />)
    }, { query: orgListQuery })
    .get('/orgs/export.csv', (c) => {
      const actor = userOf(c.actor)
      return csvExport(ctx.log, 'organizations.csv', ['Name', 'Slug', 'Status', 'Type', 'Sites', 'Contract start', 'Contract end', 'Billing contact', 'Created'],
        async (n) => { const r = await listOrgs(ctx, actor, { ...c.query, page: n, perPage: 200 }); return { rows: r.rows, perPage: 200 } },
        (o) => [o.name, o.slug, o.status, o.type, o.siteCount, o.contractStart ?? '', o.contractEnd ?? '', o.billingContact?.email ?? o.billingContact?.name ?? '', isoTime(o.createdAt)])
    }, { query: orgListQuery })
    .get('/orgs/new', (c) => newOrgPage(c))
    .post('/orgs', async (c) => {
      const form = parseForm(createOrgBody, c.body)
      if (!form.ok) return newOrgPage(c, form, 400)
      try {
        const org = await createOrg(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created ${org.name}. Next: add its sites.` })
        return redirect(c, `/orgs/${org.id}`)
      } catch (err) {
        return newOrgPage(c, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/orgs/:id', (c) => orgPage(c, c.params.id), { params: idParams })
    .post('/orgs/:id', async (c) => {
      const form = parseForm(updateOrgBody, c.body)
      if (!form.ok) return orgPage(c, c.params.id, form, 400)
      try {
        await updateOrg(ctx, userOf(c.actor), c.params.id, orgFormPatch(form.value))
      } catch (err) {
        return orgPage(c, c.params.id, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Saved.' })
      return redirect(c, `/orgs/${c.params.id}`)
    }, { params: idParams })
    .post('/orgs/:id/delete', async (c) => {
      await deleteOrg(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Organization deleted.' })
      return redirect(c, '/orgs')
    }, { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/orgs', async (c) => {
      const { rows, total, page, perPage } = await listOrgs(ctx, userOf(c.actor), c.query)
      return { data: rows, pagination: { page, perPage, total } }
    }, { query: orgListQuery, detail: { summary: 'List organizations you can see', tags: ['tenancy'] } })
    .post('/api/v1/orgs', async (c) => {
      c.set.status = 201
      return createOrg(ctx, userOf(c.actor), c.body)
    }, { body: createOrgBody, detail: { summary: 'Create an organization', tags: ['tenancy'] } })
    .get('/api/v1/orgs/:id', (c) => getOrg(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get an organization', tags: ['tenancy'] } })
    .patch('/api/v1/orgs/:id', (c) => updateOrg(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateOrgBody, detail: { summary: 'Update an organization', tags: ['tenancy'] } })
    .delete('/api/v1/orgs/:id', async (c) => {
      await deleteOrg(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete (soft) an organization', tags: ['tenancy'] } })
}

