// Patch management pages: the fleet's updates (/patches), a device's Patches tab, patch jobs.
import { Elysia, t } from 'elysia'
import { DevicePatchesTab, FleetPatchesPage, FleetPatchTable, PatchJobPage, type FleetFilters } from '../../views/patching/pages'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { canOnDevice, deviceHeader } from '../devices/header'
import { AppError } from '../lib/errors'
import { listOrgNames } from '../tenancy/repo'
import { orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { parseForm } from '../web/forms'
import { isHtmx } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { deviceParams, devicePatchesQuery, fleetQuery, jobParams } from './model'
import { complianceOf, createPatchJob, decidePatches, devicePatches, fleetPatches, getPatchJob, requestScan } from './service'

const id = t.String({ minLength: 1, maxLength: 64 })
const decideForm = t.Object({
  decision: t.Union([t.Literal('approve'), t.Literal('decline')], { error: 'choose approve or decline' }),
  orgId: id,
  patchIds: t.Array(id, { minItems: 1, maxItems: 5000, error: 'select at least one update' }),
  reason: t.Optional(t.String({ maxLength: 1000 })),
  back: t.Optional(t.String({ maxLength: 200, pattern: '^/devices/[A-Za-z0-9-]{1,64}/patches$' })),
})
const jobForm = t.Object({ orgId: t.Optional(id), deviceIds: t.Optional(t.Array(id, { maxItems: 10_000 })), patchIds: t.Optional(t.Array(id, { minItems: 1, maxItems: 5000 })) })

/** failure turns a refused action into a flash message (403/404 still answer as such). */
function failure(c: PageContext & { cookie: Parameters<typeof setFlash>[0] }, err: unknown, back: string) {
  if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
  setFlash(c.cookie, { kind: 'error', text: err.message })
  return redirect(c, back)
}

export function patchPageRoutes(ctx: AppContext) {
  const orgsWith = async (actor: UserActor, perm: 'patches:read' | 'patches:approve' | 'patches:install') => listOrgNames(ctx.db, orgIdsWith(actor.scope, perm))

  return new Elysia({ name: 'breeze.patching.pages' })
    .use(actorPlugin(ctx))
    .get('/patches', async (c) => {
      const actor = userOf(c.actor)
      const result = await fleetPatches(ctx, actor, c.query)
      const filters: FleetFilters = { state: c.query.state, severity: c.query.severity, source: c.query.source, orgId: c.query.orgId, search: c.query.search?.trim() || undefined, offset: c.query.offset }
      const approveOrgs = await orgsWith(actor, 'patches:approve')
      const table = <FleetPatchTable rows={result.data} total={result.total} limit={result.limit} filters={filters} counts={result.counts} selectable={approveOrgs.length > 0} />
      if (isHtmx(c.request) && c.request.headers.get('hx-target') === 'patch-table') return render(c, table)
      const compliance = await complianceOf(ctx, actor, { orgId: c.query.orgId, limit: 1 })
      return render(c, <FleetPatchesPage page={await pageProps(ctx, c)} table={table} compliance={compliance} filters={filters} orgs={await orgsWith(actor, 'patches:read')} approveOrgs={approveOrgs} installOrgs={await orgsWith(actor, 'patches:install')} />)
    }, { query: fleetQuery })
    .post('/patches/decide', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(decideForm, c.body)
      const back = form.ok && form.value.back ? form.value.back : '/patches'
      if (!form.ok) {
        setFlash(c.cookie, { kind: 'error', text: Object.values(form.errors)[0] })
        return redirect(c, back)
      }
      try {
        const done = await decidePatches(ctx, actor, form.value.decision === 'approve' ? 'approved' : 'declined', { orgId: form.value.orgId, patchIds: form.value.patchIds, reason: form.value.reason })
        setFlash(c.cookie, { kind: 'success', text: `${form.value.decision === 'approve' ? 'Approved' : 'Declined'} ${done.patchIds.length} update${done.patchIds.length === 1 ? '' : 's'}.` })
      } catch (err) {
        return failure(c, err, back)
      }
      return redirect(c, back)
    })
    .post('/patch-jobs', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(jobForm, c.body)
      const back = c.request.headers.get('referer') && new URL(c.request.headers.get('referer')!).pathname.match(/^\/(patches|devices\/[A-Za-z0-9-]+\/patches)$/) ? new URL(c.request.headers.get('referer')!).pathname : '/patches'
      if (!form.ok) {
        setFlash(c.cookie, { kind: 'error', text: Object.values(form.errors)[0] })
        return redirect(c, back)
      }
      try {
        const job = await createPatchJob(ctx, actor, { orgId: form.value.deviceIds?.length ? undefined : form.value.orgId, deviceIds: form.value.deviceIds, patchIds: form.value.patchIds, runNow: true })
        return redirect(c, `/patch-jobs/${job.id}`)
      } catch (err) {
        return failure(c, err, back)
      }
    })
    .get('/patch-jobs/:id', async (c) => render(c, <PatchJobPage page={await pageProps(ctx, c)} job={await getPatchJob(ctx, userOf(c.actor), c.params.id)} />), { params: jobParams })
    .get('/devices/:id/patches', async (c) => {
      const actor = userOf(c.actor)
      const r = await devicePatches(ctx, actor, c.params.id, c.query)
      const h = await deviceHeader(ctx, actor, c.params.id)
      const may = (perm: 'patches:install' | 'patches:approve') => canOnDevice(actor.scope, perm, r.device)
      return render(c, <DevicePatchesTab page={await pageProps(ctx, c)} h={h} patches={r.patches} scan={r.scan} canScan={may('patches:install')} canApprove={may('patches:approve')} canInstall={may('patches:install')} />)
    }, { params: deviceParams, query: devicePatchesQuery })
    .post('/devices/:id/patches/scan', async (c) => {
      const back = `/devices/${c.params.id}/patches`
      try {
        await requestScan(ctx, userOf(c.actor), c.params.id)
        setFlash(c.cookie, { kind: 'info', text: 'Scan requested; the list updates when the agent answers.' })
      } catch (err) {
        return failure(c, err, back)
      }
      return redirect(c, back)
    }, { params: deviceParams })
}
