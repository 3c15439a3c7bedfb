// Device group pages: list, create, show with members, edit, delete, rule preview and reference.
import { Elysia, t } from 'elysia'
import { GroupPage, GroupsPage, MembersTable, NewGroupPage, RulePreview, RulesPage, type GroupFormOptions } from '../../views/devices/groups'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import { can, orgIdsWith } from '../tenancy/scope'
import { listSites } from '../tenancy/sites'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { csvExport, isoTime } from '../web/csv'
import { checkValues, fieldErrorsOf, formObject, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { findSiteOrgs } from './repo'
import { createGroup, deleteGroup, getGroup, groupOptions, listGroups, previewRule, removeGroupMembers, updateGroup } from './groups'
import { createGroupBody, idParams, updateGroupBody } from './model'
import { ruleFields, type FieldDef } from './rules'
import { listDevices } from './service'
import { int } from '../web/model-types'

/** groupForm shapes a posted group form: empty site/parent mean "none". */
function groupForm(body: unknown): FormValues {
  const raw = formObject(t.Object({ ...createGroupBody.properties }), body)
  return { ...raw, siteId: raw.siteId || null, parentId: raw.parentId || null, ...(raw.type === 'static' ? { rule: undefined } : {}) }
}

export function groupRoutes(ctx: AppContext) {
  /** formOptions: where the actor may put groups (orgs come from the page's org list, which is already scoped). */
  async function formOptions(actor: UserActor, pageOrgs: { id: string; name: string }[]): Promise<GroupFormOptions> {
    const orgIds = orgIdsWith(actor.scope, 'devices:write')
    const page = await groupOptions(ctx, actor)
    const orgs = pageOrgs.filter((o) => orgIds.includes(o.id))
    const sites = (await listSites(ctx, actor)).filter((r) => orgIds.includes(r.site.orgId)).map((r) => ({ id: r.site.id, name: r.site.name, orgId: r.site.orgId, orgName: r.orgName }))
    return { orgs, sites, parents: page.filter((g) => orgIds.includes(g.orgId)).map((g) => ({ id: g.id, name: g.name, orgId: g.orgId })) }
  }

  async function newPage(c: PageContext, extra: { values?: FormValues; errors?: FieldErrors } = {}, status = 200) {
    const page = await pageProps(ctx, c)
    return render(c, <NewGroupPage page={page} options={await formOptions(userOf(c.actor), page.orgs)} {...extra} />, status)
  }

  async function showPage(c: PageContext, id: string, pageNo = 1, extra: { values?: FormValues; errors?: FieldErrors } = {}, status = 200) {
    const actor = userOf(c.actor)
    const group = await getGroup(ctx, actor, id)
    const perPage = 100
    const members = await listDevices(ctx, actor, { groupId: id, page: pageNo, perPage })
    const canWrite = can(actor.scope, 'devices:write', group.orgId) && (actor.scope.orgs.get(group.orgId)?.siteIds === null || (group.siteId !== null && actor.scope.orgs.get(group.orgId)!.siteIds!.includes(group.siteId)))
    const parent = group.parentId ? (await groupOptions(ctx, actor, group.orgId)).find((g) => g.id === group.parentId) ?? null : null
    const [site] = group.siteId ? await findSiteOrgs(ctx.db, [group.siteId]) : []
    const page = await pageProps(ctx, c)
    const table = <MembersTable group={group} rows={members.rows} total={members.total} page={members.page} perPage={perPage} canRemove={canWrite && group.type === 'static'} csrf={page.csrf} />
    return render(c, <GroupPage page={page} group={group} orgName={page.orgs.find((o) => o.id === group.orgId)?.name ?? ''} siteName={site?.name ?? null} parent={parent}
      count={members.total} members={table} canWrite={canWrite} options={await formOptions(actor, page.orgs)} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.device-groups.pages' })
    .use(actorPlugin(ctx))
    .get('/groups', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const groups = await listGroups(ctx, actor, { orgId: page.activeOrgId ?? undefined })
      return render(c, <GroupsPage page={page} groups={groups} orgs={page.orgs} canCreate={orgIdsWith(actor.scope, 'devices:write').length > 0} />)
    })
    .get('/groups/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const page = await pageProps(ctx, c)
      const orgNames = new Map(page.orgs.map((o) => [o.id, o.name]))
      const groups = await listGroups(ctx, actor, { orgId: page.activeOrgId ?? undefined })
      const names = new Map(groups.map((g) => [g.id, g.name]))
      return csvExport(ctx.log, 'device-groups.csv', ['Name', 'Organization', 'Type', 'Rule', 'Parent', 'Members', 'Created'],
        async () => ({ rows: groups, perPage: Infinity }),
        (g) => [g.name, orgNames.get(g.orgId) ?? '', g.type, g.ruleText ?? '', g.parentId ? names.get(g.parentId) ?? '' : '', g.memberCount, isoTime(g.createdAt)])
    })
    .get('/groups/rules', async (c) => render(c, <RulesPage page={await pageProps(ctx, c)} fields={Object.entries(ruleFields) as [string, FieldDef][]} />))
    // "Make this a group" from a fleet query opens the form with the query as the rule.
    .get('/groups/new', (c) => newPage(c, c.query.rule ? { values: { type: 'dynamic', rule: c.query.rule, ...(c.query.orgId ? { orgId: c.query.orgId } : {}) } } : {}), {
      query: t.Object({ rule: t.Optional(t.String({ maxLength: 4000 })), orgId: t.Optional(t.String({ maxLength: 64 })), type: t.Optional(t.String({ maxLength: 20 })) }),
    })
    .post('/groups', async (c) => {
      const values = groupForm(c.body)
      const form = checkValues(createGroupBody, values)
      if (!form.ok) return newPage(c, { values, errors: form.errors }, 400)
      try {
        const group = await createGroup(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created the group ${group.name}.` })
        return redirect(c, `/groups/${group.id}`)
      } catch (err) {
        return newPage(c, { values, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .post('/groups/preview', async (c) => {
      const body = (c.body ?? {}) as Record<string, unknown>
      if (typeof body.rule !== 'string' || !body.rule.trim()) return render(c, <RulePreview />)
      try {
        const r = await previewRule(ctx, userOf(c.actor), { orgId: String(body.orgId ?? ''), siteId: body.siteId ? String(body.siteId) : null, rule: body.rule.slice(0, 4000) })
        return render(c, <RulePreview count={r.count} sample={r.sample} />)
      } catch (err) {
        if (err instanceof ValidationError) return render(c, <RulePreview error={err.message} />)
        throw err
      }
    })
    .get('/groups/:id', (c) => showPage(c, c.params.id, c.query.page ?? 1), { params: idParams, query: t.Object({ page: t.Optional(int({ minimum: 1, maximum: 100_000 })) }) })
    .post('/groups/:id', async (c) => {
      const values = groupForm(c.body)
      const { orgId: _org, ...patch } = values
      const form = checkValues(updateGroupBody, patch)
      if (!form.ok) return showPage(c, c.params.id, 1, { values, errors: form.errors }, 400)
      try {
        await updateGroup(ctx, userOf(c.actor), c.params.id, form.value)
      } catch (err) {
        return showPage(c, c.params.id, 1, { values, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Saved.' })
      return redirect(c, `/groups/${c.params.id}`)
    }, { params: idParams })
    .post('/groups/:id/delete', async (c) => {
      await deleteGroup(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Group deleted; its devices are unchanged.' })
      return redirect(c, '/groups')
    }, { params: idParams })
    .post('/groups/:id/members/remove', async (c) => {
      const ids = [((c.body ?? {}) as Record<string, unknown>).deviceIds ?? []].flat().map(String).filter(Boolean)
      const r = await removeGroupMembers(ctx, userOf(c.actor), c.params.id, ids)
      setFlash(c.cookie, { kind: 'success', text: `Removed ${r.removed} device${r.removed === 1 ? '' : 's'} from the group.` })
      return redirect(c, `/groups/${c.params.id}`)
    }, { params: idParams })
}
