// Roles: pages and /api/v1/roles.
import { Elysia, t } from 'elysia'
import { RoleFormPage, RolesPage, type PermissionGroup } from '../../views/tenancy/roles'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm, type FieldErrors } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { createRoleBody, idParams, updateRoleBody } from './model'
import { resourceLabels, resources, type Resource } from './permissions'
import { listLivePartners, listOrgNames } from './repo'
import { createRole, deleteRole, getVisibleRole, listRoles, updateRole } from './roles'
import { orgIdsWith, partnerIdsWith, requireOrg, requirePartner } from './scope'

const groups: PermissionGroup[] = (Object.keys(resources) as Resource[]).map((r) => ({ resource: r, label: resourceLabels[r], permissions: resources[r].map((a) => `${r}:${a}`) }))

/** The partners and orgs that can own a new role, as "partner:<id>" / "org:<id>" options. */
async function ownerOptions(ctx: AppContext, actor: UserActor) {
  const partners = await listLivePartners(ctx.db, partnerIdsWith(actor.scope, 'roles:write'))
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'roles:write'))
  return [...partners.map((p) => ({ value: `partner:${p.id}`, label: `${p.name} (partner)` })), ...orgs.map((o) => ({ value: `org:${o.id}`, label: o.name }))]
}

const roleForm = t.Object({ name: createRoleBody.properties.name, description: createRoleBody.properties.description, owner: t.Optional(t.String({ maxLength: 80 })), scope: t.Optional(createRoleBody.properties.scope), permissions: t.Optional(t.Array(t.String({ maxLength: 64 }))) })

export function roleRoutes(ctx: AppContext) {
  async function rolePage(c: PageContext, id: string | null, extra: { values?: Record<string, unknown>; errors?: FieldErrors } = {}, status = 200) {
    const actor = userOf(c.actor)
    const role = id ? await getVisibleRole(ctx, actor, id) : null
    let canEdit = !role
    if (role && !role.isSystem) {
      try {
        if (role.partnerId) requirePartner(actor.scope, role.partnerId, 'roles:write')
        else requireOrg(actor.scope, role.orgId!, 'roles:write')
        canEdit = true
      } catch { canEdit = false }
    }
    return render(c, <RoleFormPage page={await pageProps(ctx, c)} role={role} groups={groups} owners={await ownerOptions(ctx, actor)} canEdit={canEdit} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.roles.routes' })
    .use(actorPlugin(ctx))
    .get('/roles', async (c) => {
      const actor = userOf(c.actor)
      const roles = await listRoles(ctx, actor)
      const owners: Record<string, string> = {}
      for (const p of await listLivePartners(ctx.db, [...actor.scope.partners.keys()])) owners[p.id] = p.name
      for (const o of await listOrgNames(ctx.db, [...actor.scope.orgs.keys()])) owners[o.id] = o.name
      return render(c, <RolesPage page={await pageProps(ctx, c)} roles={roles} owners={owners} canCreate={(await ownerOptions(ctx, actor)).length > 0} />)
    })
    .get('/roles/new', (c) => rolePage(c, null))
    .post('/roles', async (c) => {
      const form = parseForm(roleForm, c.body)
      if (!form.ok) return rolePage(c, null, form, 400)
      const [kind, ownerId] = (form.value.owner ?? '').split(':')
      try {
        const role = await createRole(ctx, userOf(c.actor), {
          name: form.value.name, description: form.value.description, scope: form.value.scope ?? 'organization', permissions: form.value.permissions ?? [],
          ...(kind === 'partner' ? { partnerId: ownerId } : { orgId: ownerId }),
        })
        setFlash(c.cookie, { kind: 'success', text: `Created role ${role.name}.` })
        return redirect(c, '/roles')
      } catch (err) {
        return rolePage(c, null, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/roles/:id', (c) => rolePage(c, c.params.id), { params: idParams })
    .post('/roles/:id', async (c) => {
      const form = parseForm(roleForm, c.body)
      if (!form.ok) return rolePage(c, c.params.id, form, 400)
      try {
        await updateRole(ctx, userOf(c.actor), c.params.id, { name: form.value.name, description: form.value.description, permissions: form.value.permissions ?? [] })
      } catch (err) {
        return rolePage(c, c.params.id, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Role saved.' })
      return redirect(c, '/roles')
    }, { params: idParams })
    .post('/roles/:id/delete', async (c) => {
      await deleteRole(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Role deleted.' })
      return redirect(c, '/roles')
    }, { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/roles', async (c) => ({ data: await listRoles(ctx, userOf(c.actor)) }), { detail: { summary: 'List built-in and custom roles', tags: ['tenancy'] } })
    .post('/api/v1/roles', async (c) => {
      c.set.status = 201
      return createRole(ctx, userOf(c.actor), c.body)
    }, { body: createRoleBody, detail: { summary: 'Create a custom role', tags: ['tenancy'] } })
    .get('/api/v1/roles/:id', (c) => getVisibleRole(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a role', tags: ['tenancy'] } })
    .patch('/api/v1/roles/:id', (c) => updateRole(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateRoleBody, detail: { summary: 'Update a custom role', tags: ['tenancy'] } })
    .delete('/api/v1/roles/:id', async (c) => {
      await deleteRole(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete a custom role that nobody holds', tags: ['tenancy'] } })
}
