// Partners: pages and /api/v1/partners.
import { Elysia } from 'elysia'
import { PartnerFormPage, PartnersPage } from '../../views/tenancy/partners'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm, type FieldErrors } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { createPartnerBody, idParams, updatePartnerBody } from './model'
import { createPartner, deletePartner, getPartner, listPartners, updatePartner } from './partners'

/** An edit form sends every field: empty limits mean "no limit", an unticked box means false. */
const partnerFormPatch = <T extends Record<string, unknown>>(v: T) => ({ ...v, maxOrganizations: v.maxOrganizations ?? null, maxDevices: v.maxDevices ?? null, billingEmail: v.billingEmail ?? null, mfaRequired: v.mfaRequired ?? false })

export function partnerRoutes(ctx: AppContext) {
  async function partnerPage(c: PageContext, id: string | null, extra: { values?: Record<string, unknown>; errors?: FieldErrors } = {}, status = 200) {
    const actor = userOf(c.actor)
    const partner = id ? await getPartner(ctx, actor, id) : null
    return render(c, <PartnerFormPage page={await pageProps(ctx, c)} partner={partner} canDelete={actor.scope.platformAdmin} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.partners.routes' })
    .use(actorPlugin(ctx))
    .get('/partners', async (c) => {
      const actor = userOf(c.actor)
      return render(c, <PartnersPage page={await pageProps(ctx, c)} partners={await listPartners(ctx, actor)} canCreate={actor.scope.platformAdmin} />)
    })
    .get('/partners/new', (c) => partnerPage(c, null))
    .post('/partners', async (c) => {
      const form = parseForm(createPartnerBody, c.body)
      if (!form.ok) return partnerPage(c, null, form, 400)
      try {
        const partner = await createPartner(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created partner ${partner.name}. Invite its administrator from Users.` })
        return redirect(c, '/partners')
      } catch (err) {
        return partnerPage(c, null, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/partners/:id', (c) => partnerPage(c, c.params.id), { params: idParams })
    .post('/partners/:id', async (c) => {
      const form = parseForm(updatePartnerBody, c.body)
      if (!form.ok) return partnerPage(c, c.params.id, form, 400)
      try {
        await updatePartner(ctx, userOf(c.actor), c.params.id, partnerFormPatch(form.value))
      } catch (err) {
        return partnerPage(c, c.params.id, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Saved.' })
      return redirect(c, `/partners/${c.params.id}`)
    }, { params: idParams })
    .post('/partners/:id/delete', async (c) => {
      await deletePartner(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Partner deleted.' })
      return redirect(c, '/partners')
    }, { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/partners', async (c) => ({ data: await listPartners(ctx, userOf(c.actor)) }), { detail: { summary: 'List partners you belong to (all, for platform admins)', tags: ['tenancy'] } })
    .post('/api/v1/partners', async (c) => {
      c.set.status = 201
      return createPartner(ctx, userOf(c.actor), c.body)
    }, { body: createPartnerBody, detail: { summary: 'Create a partner (platform admins)', tags: ['tenancy'] } })
    .get('/api/v1/partners/:id', (c) => getPartner(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a partner', tags: ['tenancy'] } })
    .patch('/api/v1/partners/:id', (c) => updatePartner(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updatePartnerBody, detail: { summary: 'Update a partner (e.g. require MFA)', tags: ['tenancy'] } })
    .delete('/api/v1/partners/:id', async (c) => {
      await deletePartner(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete (soft) a partner (platform admins)', tags: ['tenancy'] } })
}
