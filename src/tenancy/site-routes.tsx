// Sites: pages and /api/v1/sites.
import { Elysia } from 'elysia'
import { NewSitePage, SitePage, SitesPage } from '../../views/tenancy/sites'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { csvExport } from '../web/csv'
import { createSiteBody, idParams, siteListQuery, updateSiteBody } from './model'
import { findLiveOrg, listOrgNames } from './repo'
import { can, orgIdsWith } from './scope'
import { createSite, deleteSite, getSite, listSites, updateSite } from './sites'

const timezones = Intl.supportedValuesOf('timeZone')

export function siteRoutes(ctx: AppContext) {
  async function newSitePage(c: PageContext, extra: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}, status = 200) {
    const actor = userOf(c.actor)
    const orgs = (await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'sites:write'))).filter((o) => actor.scope.orgs.get(o.id)?.siteIds === null)
    return render(c, <NewSitePage page={await pageProps(ctx, c)} orgs={orgs} timezones={timezones} values={{ timezone: 'UTC', ...extra.values }} errors={extra.errors} />, status)
  }

  async function sitePage(c: PageContext, id: string, extra: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}, status = 200) {
    const actor = userOf(c.actor)
    const site = await getSite(ctx, actor, id)
    const org = await findLiveOrg(ctx.db, site.orgId)
    return render(c, <SitePage page={await pageProps(ctx, c)} site={site} orgName={org?.name ?? ''} timezones={timezones} {...extra}
      canEdit={can(actor.scope, 'sites:write', site.orgId)} canDelete={can(actor.scope, 'sites:delete', site.orgId)} />, status)
  }

  const sitePatch = <T extends Record<string, unknown>>(v: T) => ({ ...v, address: v.address ?? null, contact: v.contact ?? null })

  return new Elysia({ name: 'breeze.sites.routes' })
    .use(actorPlugin(ctx))
    .get('/sites', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const orgId = c.query.orgId ?? page.activeOrgId ?? undefined
      const rows = await listSites(ctx, actor, { orgId, search: c.query.search })
      return render(c, <SitesPage page={page} rows={rows} orgFilter={orgId ?? null} canCreate={orgIdsWith(actor.scope, 'sites:write').length > 0} />)
    }, { query: siteListQuery })
    .get('/sites/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const rows = await listSites(ctx, actor, { orgId: c.query.orgId ?? page.activeOrgId ?? undefined, search: c.query.search })
      return csvExport(ctx.log, 'sites.csv', ['Site', 'Organization', 'Time zone', 'Street', 'City', 'Postal code', 'Country', 'Contact', 'Contact email', 'Contact phone'], async () => ({ rows, perPage: rows.length + 1 }),
        ({ site, orgName }) => [site.name, orgName, site.timezone, site.address?.street ?? '', site.address?.city ?? '', site.address?.postalCode ?? '', site.address?.country ?? '', site.contact?.name ?? '', site.contact?.email ?? '', site.contact?.phone ?? ''])
    }, { query: siteListQuery })
    .get('/sites/new', (c) => newSitePage(c, { values: c.query.orgId ? { orgId: c.query.orgId } : {} }), { query: siteListQuery })
    .post('/sites', async (c) => {
      const form = parseForm(createSiteBody, c.body)
      if (!form.ok) return newSitePage(c, form, 400)
      try {
        const site = await createSite(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created site ${site.name}.` })
        return redirect(c, `/orgs/${site.orgId}`)
      } catch (err) {
        return newSitePage(c, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/sites/:id', (c) => sitePage(c, c.params.id), { params: idParams })
    .post('/sites/:id', async (c) => {
      const form = parseForm(updateSiteBody, c.body)
      if (!form.ok) return sitePage(c, c.params.id, form, 400)
      try {
        await updateSite(ctx, userOf(c.actor), c.params.id, sitePatch(form.value))
      } catch (err) {
        return sitePage(c, c.params.id, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Saved.' })
      return redirect(c, `/sites/${c.params.id}`)
    }, { params: idParams })
    .post('/sites/:id/delete', async (c) => {
      const site = await getSite(ctx, userOf(c.actor), c.params.id)
      await deleteSite(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Site deleted.' })
      return redirect(c, `/orgs/${site.orgId}`)
    }, { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/sites', async (c) => ({ data: (await listSites(ctx, userOf(c.actor), c.query)).map((r) => r.site) }),
      { query: siteListQuery, detail: { summary: 'List sites (optionally of one organization)', tags: ['tenancy'] } })
    .post('/api/v1/sites', async (c) => {
      c.set.status = 201
      return createSite(ctx, userOf(c.actor), c.body)
    }, { body: createSiteBody, detail: { summary: 'Create a site', tags: ['tenancy'] } })
    .get('/api/v1/sites/:id', (c) => getSite(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a site', tags: ['tenancy'] } })
    .patch('/api/v1/sites/:id', (c) => updateSite(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateSiteBody, detail: { summary: 'Update a site', tags: ['tenancy'] } })
    .delete('/api/v1/sites/:id', async (c) => {
      await deleteSite(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete a site', tags: ['tenancy'] } })
}
