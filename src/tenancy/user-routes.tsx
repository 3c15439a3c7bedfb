// Users: pages and /api/v1/users.
import { Elysia } from 'elysia'
import { InviteUserPage, UserPage, UsersPage, type MembershipChoices } from '../../views/tenancy/users'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, formObject, parseForm, type FieldErrors } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { csvExport, isoTime } from '../web/csv'
import { idParams, inviteUserBody, inviteUserFields, membershipBody, membershipPickerFields, updateUserBody, userListQuery, type MembershipInput } from './model'
import { listLivePartners, listOrgNames, listSites } from './repo'
import { listRoles } from './roles'
import { orgIdsWith, partnerIdsWith } from './scope'
import { getUser, inviteUser, listUsers, removeUser, resendInvite, updateUser } from './users'

async function membershipChoices(ctx: AppContext, actor: UserActor): Promise<MembershipChoices> {
  const partners = await listLivePartners(ctx.db, partnerIdsWith(actor.scope, 'users:write'))
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'users:write'))
  const roles = await listRoles(ctx, actor)
  const sitesByOrg: MembershipChoices['sitesByOrg'] = {}
  for (const { site } of await listSites(ctx.db, orgs.map((o) => o.id))) (sitesByOrg[site.orgId] ??= []).push({ id: site.id, name: site.name })
  return { partners, orgs, partnerRoles: roles.filter((r) => r.scope === 'partner'), orgRoles: roles.filter((r) => r.scope === 'organization'), sitesByOrg }
}

/** membershipFromForm reads the access picker's fields into a MembershipInput (validated by the service). */
function membershipFromForm(body: unknown): { ok: true; value: MembershipInput } | { ok: false; errors: FieldErrors } {
  const f = formObject(membershipPickerFields, body) as Record<string, unknown>
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)
  const candidate = f.kind === 'partner'
    ? { partnerId: f.partnerId, roleId: f.partnerRoleId, orgAccess: f.orgAccess ?? 'all', orgIds: list(f.orgIds) }
    : { orgId: f.orgId, roleId: f.orgRoleId, siteIds: list(f.siteIds).length ? list(f.siteIds) : null }
  const parsed = checkValues(membershipBody, candidate)
  return parsed.ok ? parsed : { ok: false, errors: { form: 'choose where the user gets access and with which role' } }
}

export function userRoutes(ctx: AppContext) {
  async function invitePage(c: PageContext, extra: Partial<Parameters<typeof InviteUserPage>[0]> = {}, status = 200) {
    const actor = userOf(c.actor)
    return render(c, <InviteUserPage page={await pageProps(ctx, c)} choices={await membershipChoices(ctx, actor)} {...extra} />, status)
  }

  async function userPage(c: PageContext, id: string, extra: { errors?: FieldErrors; values?: Record<string, unknown>; inviteUrl?: string | null } = {}, status = 200) {
    const actor = userOf(c.actor)
    const user = await getUser(ctx, actor, id)
    const choices = await membershipChoices(ctx, actor)
    const canManage = choices.orgs.length + choices.partners.length > 0
    return render(c, <UserPage page={await pageProps(ctx, c)} user={user} choices={choices} canManage={canManage} isSelf={id === actor.user.id} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.users.routes' })
    .use(actorPlugin(ctx))
    .get('/users', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const users = await listUsers(ctx, actor, { search: c.query.search, orgId: c.query.orgId ?? page.activeOrgId ?? undefined })
      const canInvite = orgIdsWith(actor.scope, 'users:write').length + partnerIdsWith(actor.scope, 'users:write').length > 0
      return render(c, <UsersPage page={page} users={users} canInvite={canInvite} search={c.query.search} />)
    }, { query: userListQuery })
    .get('/users/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const users = await listUsers(ctx, actor, { search: c.query.search, orgId: c.query.orgId ?? page.activeOrgId ?? undefined })
      return csvExport(ctx.log, 'users.csv', ['Name', 'Email', 'Status', 'Two-factor', 'Access', 'Last sign-in', 'Created'], async () => ({ rows: users, perPage: users.length + 1 }),
        (u) => [u.name, u.email, u.status, u.mfaEnabled ? 'on' : 'off', u.memberships.map((m) => `${m.roleName} · ${m.targetName}`).join('; '), isoTime(u.lastLoginAt), isoTime(u.createdAt)])
    }, { query: userListQuery })
    .get('/users/invite', (c) => invitePage(c))
    .post('/users/invite', async (c) => {
      const base = parseForm(inviteUserFields, c.body)
      const membership = membershipFromForm(c.body)
      const values = { ...formObject(inviteUserFields, c.body), ...formObject(membershipPickerFields, c.body) }
      if (!base.ok || !membership.ok) return invitePage(c, { values, errors: { ...(base.ok ? {} : base.errors), ...(membership.ok ? {} : membership.errors) } }, 400)
      try {
        const result = await inviteUser(ctx, userOf(c.actor), { ...base.value, membership: membership.value })
        return invitePage(c, { result: { email: result.user.email, inviteUrl: result.inviteUrl, emailed: result.emailed, existing: result.existing } })
      } catch (err) {
        return invitePage(c, { values, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/users/:id', (c) => userPage(c, c.params.id), { params: idParams })
    .post('/users/:id/membership', async (c) => {
      const membership = membershipFromForm(c.body)
      if (!membership.ok) return userPage(c, c.params.id, { errors: membership.errors }, 400)
      try {
        await updateUser(ctx, userOf(c.actor), c.params.id, { membership: membership.value })
      } catch (err) {
        return userPage(c, c.params.id, { errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Access saved.' })
      return redirect(c, `/users/${c.params.id}`)
    }, { params: idParams })
    .post('/users/:id/status', async (c) => {
      const form = parseForm(updateUserBody, c.body)
      if (!form.ok || !form.value.status) return userPage(c, c.params.id, { errors: { form: 'status must be active or disabled' } }, 400)
      await updateUser(ctx, userOf(c.actor), c.params.id, { status: form.value.status })
      setFlash(c.cookie, { kind: 'success', text: form.value.status === 'disabled' ? 'User disabled and signed out.' : 'User enabled.' })
      return redirect(c, `/users/${c.params.id}`)
    }, { params: idParams })
    .post('/users/:id/resend', async (c) => {
      const result = await resendInvite(ctx, userOf(c.actor), c.params.id)
      if (result.emailed) setFlash(c.cookie, { kind: 'success', text: 'Invitation sent again.' })
      return result.emailed ? redirect(c, `/users/${c.params.id}`) : userPage(c, c.params.id, { inviteUrl: result.inviteUrl })
    }, { params: idParams })
    .post('/users/:id/remove', async (c) => {
      await removeUser(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'User removed.' })
      return redirect(c, '/users')
    }, { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/users', async (c) => ({ data: await listUsers(ctx, userOf(c.actor), c.query) }), { query: userListQuery, detail: { summary: 'List users in your organizations', tags: ['tenancy'] } })
    .post('/api/v1/users', async (c) => {
      const result = await inviteUser(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return result
    }, { body: inviteUserBody, detail: { summary: 'Invite a user by email (a one-time link; returned when email is not set up)', tags: ['tenancy'] } })
    .get('/api/v1/users/:id', (c) => getUser(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a user with their memberships', tags: ['tenancy'] } })
    .patch('/api/v1/users/:id', (c) => updateUser(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateUserBody, detail: { summary: 'Rename, disable/enable, or set a membership', tags: ['tenancy'] } })
    .delete('/api/v1/users/:id', async (c) => {
      await removeUser(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Remove a user from everything you manage', tags: ['tenancy'] } })
}
