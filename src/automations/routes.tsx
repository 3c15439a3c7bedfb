// Automation pages: the list, one automation (what it does in words, its webhook, run now /
// test run, recent runs), the visual editor (static/js/automations.js builds it over the JSON
// API), and a run with its per-step log, refreshed live.
import { Elysia, t } from 'elysia'
import { AutomationEditorPage, AutomationPage, AutomationsPage, RunPage, RunSteps } from '../../views/automations/pages'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listDevices } from '../devices/service'
import { listLivePartners, listOrgNames } from '../tenancy/repo'
import { can, orgIdsWith, partnerIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { csvExport, isoTime } from '../web/csv'
import { isHtmx } from '../web/htmx'
import { pageProps } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import {
  automationVisibility, canEditAutomation, deleteAutomation, getAutomation, listAutomations, rotateWebhookSecret, setAutomationEnabled, stepWarnings, webhookUrlOf,
} from './automations'
import { describeConditions, describeStep, describeTrigger, type Names } from './describe'
import { editorOptions } from './editor-options'
import { allSteps } from './model'
import type { Automation } from './repo'
import { cancelRun, getRun, listRunsOf, recentRuns, runNow } from './run-history'
import { cronPreview } from './schedule'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const listQuery = t.Object({ search: t.Optional(t.String({ maxLength: 200 })), trigger: t.Optional(t.String({ maxLength: 20 })), orgId: t.Optional(t.String({ maxLength: 64 })) })
const runForm = t.Object({ deviceId: t.Optional(t.String({ maxLength: 64 })), test: t.Optional(t.String({ maxLength: 5 })), orgId: t.Optional(t.String({ maxLength: 64 })) })

/** Names of what an automation refers to, for reading it in words (empty when the caller cannot list them). */
async function namesFor(ctx: AppContext, actor: UserActor, a: Pick<Automation, 'orgId' | 'partnerId' | 'id'>): Promise<Names> {
  const o = await editorOptions(ctx, actor, a.orgId ? { orgId: a.orgId, automationId: a.id } : { partnerId: a.partnerId, automationId: a.id }).catch(() => null)
  const map = (list: { id: string; name: string }[] | undefined) => new Map((list ?? []).map((x) => [x.id, x.name]))
  return { scripts: map(o?.scripts), channels: map(o?.channels), automations: map(o?.automations), groups: map(o?.groups), sites: map(o?.sites), rules: map(o?.alertRules) }
}

/** The orgs and partners the actor may create automations for, as `org:<id>` / `partner:<id>` options. */
async function owners(ctx: AppContext, actor: UserActor) {
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'automations:write'))
  const partners = await listLivePartners(ctx.db, partnerIdsWith(actor.scope, 'automations:write'))
  return [...orgs.map((o) => ({ value: `org:${o.id}`, label: o.name })), ...partners.map((p) => ({ value: `partner:${p.id}`, label: `${p.name} — every organization` }))]
}

export function automationRoutes(ctx: AppContext) {
  /** The list's rows (page and CSV alike): each automation with its owner's name and its last run. */
  async function listRows(actor: UserActor, query: typeof listQuery.static) {
    const list = await listAutomations(ctx, actor, query)
    const last = new Map<string, { status: string; at: number }>()
    for (const r of await recentRuns(ctx, actor)) if (!last.has(r.automationId)) last.set(r.automationId, { status: r.status, at: r.createdAt })
    const names = await orgNames(actor)
    return list.map((a) => ({
      id: a.id, name: a.name, enabled: a.enabled, owner: (a.orgId ? names.get(a.orgId) : names.get(a.partnerId)) ?? '', trigger: describeTrigger(a.trigger), triggerType: a.trigger.type,
      steps: allSteps(a.actions).length, runCount: a.runCount, last: last.get(a.id) ?? null,
    }))
  }

  async function orgNames(actor: UserActor) {
    const v = automationVisibility(actor.scope)
    const names = new Map((await listOrgNames(ctx.db, v.orgIds)).map((o) => [o.id, o.name]))
    for (const p of await listLivePartners(ctx.db, v.partnerIds)) names.set(p.id, `${p.name} (every organization)`)
    return names
  }

  return new Elysia({ name: 'breeze.automations.pages' })
    .use(actorPlugin(ctx))
    .get('/automations', async (c) => {
      const actor = userOf(c.actor)
      return render(c, <AutomationsPage page={await pageProps(ctx, c)} rows={await listRows(actor, c.query)} query={c.query} canCreate={(await owners(ctx, actor)).length > 0} />)
    }, { query: listQuery })
    .get('/automations/export.csv', async (c) => {
      const rows = await listRows(userOf(c.actor), c.query)
      return csvExport(ctx.log, 'automations.csv', ['Name', 'Owner', 'Enabled', 'Trigger', 'Steps', 'Runs', 'Last run', 'Last run at'],
        async () => ({ rows, perPage: Infinity }),
        (r) => [r.name, r.owner, r.enabled ? 'yes' : 'no', r.trigger, r.steps, r.runCount, r.last?.status ?? '', isoTime(r.last?.at)])
    }, { query: listQuery })
    .get('/automations/new', async (c) => {
      const actor = userOf(c.actor)
      const list = await owners(ctx, actor)
      const chosen = c.query.owner && list.some((o) => o.value === c.query.owner) ? c.query.owner : list[0]?.value ?? ''
      return render(c, <AutomationEditorPage page={await pageProps(ctx, c)} automation={null} owners={list} owner={chosen} />)
    }, { query: t.Object({ owner: t.Optional(t.String({ maxLength: 80 })) }) })
    .get('/automations/:id', async (c) => {
      const actor = userOf(c.actor)
      const a = await getAutomation(ctx, actor, c.params.id)
      const names = await namesFor(ctx, actor, a)
      const warnings = await stepWarnings(ctx, a)
      const steps = allSteps(a.actions).map(({ step, path }) => ({ path, depth: path.split('.').length > 1 ? (path.split('.').length - 1) / 2 : 0, text: describeStep(step, names), type: step.type, warning: warnings[path] ?? null }))
      const { runs } = await listRunsOf(ctx, actor, a.id, { limit: 20 })
      const execOrgs = a.orgId ? (can(actor.scope, 'automations:execute', a.orgId) ? [a.orgId] : []) : orgIdsWith(actor.scope, 'automations:execute')
      const devices = execOrgs.length ? (await listDevices(ctx, actor, { orgId: a.orgId ?? undefined, perPage: 500, sort: 'name' })).rows.filter((d) => execOrgs.includes(d.orgId)).map((d) => ({ id: d.id, label: `${d.displayName || d.hostname} (${d.orgName})` })) : []
      const schedule = a.trigger.type === 'schedule' && a.trigger.cron ? cronPreview(a.trigger.cron, a.trigger.timezone ?? 'UTC', ctx.clock.now()) : null
      return render(c, <AutomationPage
        page={await pageProps(ctx, c)} automation={a} trigger={describeTrigger(a.trigger, names)} conditions={describeConditions(a.conditions)} steps={steps} runs={runs}
        canEdit={canEditAutomation(actor.scope, a)} canRun={execOrgs.length > 0} devices={devices} orgs={a.orgId ? [] : (await listOrgNames(ctx.db, execOrgs)).map((o) => ({ id: o.id, label: o.name }))}
        webhookUrl={await webhookUrlOf(ctx, a)}
        schedule={schedule && schedule.ok ? schedule.next : []} secret={null}
      />)
    }, { params: idParams })
    .get('/automations/:id/edit', async (c) => {
      const actor = userOf(c.actor)
      const a = await getAutomation(ctx, actor, c.params.id)
      if (!canEditAutomation(actor.scope, a)) return redirect(c, `/automations/${a.id}`)
      return render(c, <AutomationEditorPage page={await pageProps(ctx, c)} automation={{ id: a.id, name: a.name }} owners={[]} owner={a.orgId ? `org:${a.orgId}` : `partner:${a.partnerId}`} />)
    }, { params: idParams })
    .post('/automations/:id/enable', async (c) => {
      await setAutomationEnabled(ctx, userOf(c.actor), c.params.id, true)
      setFlash(c.cookie, { kind: 'success', text: 'Enabled.' })
      return redirect(c, `/automations/${c.params.id}`)
    }, { params: idParams })
    .post('/automations/:id/disable', async (c) => {
      await setAutomationEnabled(ctx, userOf(c.actor), c.params.id, false)
      setFlash(c.cookie, { kind: 'success', text: 'Disabled: it will not start until you enable it again.' })
      return redirect(c, `/automations/${c.params.id}`)
    }, { params: idParams })
    .post('/automations/:id/delete', async (c) => {
      await deleteAutomation(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Deleted. Its past runs are kept.' })
      return redirect(c, '/automations')
    }, { params: idParams })
    .post('/automations/:id/webhook-secret', async (c) => {
      const actor = userOf(c.actor)
      const secret = await rotateWebhookSecret(ctx, actor, c.params.id)
      const a = await getAutomation(ctx, actor, c.params.id)
      const names = await namesFor(ctx, actor, a)
      // The new secret is shown on this response only (never stored in a cookie or link).
      return render(c, <AutomationPage
        page={await pageProps(ctx, c)} automation={a} trigger={describeTrigger(a.trigger, names)} conditions={describeConditions(a.conditions)}
        steps={allSteps(a.actions).map(({ step, path }) => ({ path, depth: (path.split('.').length - 1) / 2, text: describeStep(step, names), type: step.type, warning: null }))}
        runs={(await listRunsOf(ctx, actor, a.id, { limit: 20 })).runs} canEdit canRun={false} devices={[]} orgs={[]}
        webhookUrl={await webhookUrlOf(ctx, a)} schedule={[]} secret={secret}
      />)
    }, { params: idParams })
    .post('/automations/:id/run', async (c) => {
      const body = c.body
      const runs = await runNow(ctx, userOf(c.actor), c.params.id, { deviceId: body.deviceId || undefined, test: body.test === '1', orgId: body.orgId || undefined })
      setFlash(c.cookie, { kind: runs[0]?.status === 'skipped' ? 'info' : 'success', text: runs[0]?.status === 'skipped' ? `Not run: ${runs[0].error}` : body.test === '1' ? 'Test run started on one device.' : 'Started.' })
      return redirect(c, runs.length === 1 ? `/automation-runs/${runs[0].id}` : `/automations/${c.params.id}`)
    }, { params: idParams, body: runForm })
    .get('/automation-runs/:id', async (c) => {
      const actor = userOf(c.actor)
      const { run, steps } = await getRun(ctx, actor, c.params.id)
      const a = await getAutomation(ctx, actor, run.automationId).catch(() => null)
      const props = { run, steps, automationName: a?.name ?? run.definition.name, automationId: a?.id ?? null, canCancel: can(actor.scope, 'automations:execute', run.orgId) }
      // The live refresh asks for the log fragment only.
      if (isHtmx(c.request) && c.request.headers.get('hx-target') === 'run-live') return render(c, <RunSteps {...props} csrf={c.csrfToken} />)
      return render(c, <RunPage page={await pageProps(ctx, c)} {...props} />)
    }, { params: idParams })
    .post('/automation-runs/:id/cancel', async (c) => {
      await cancelRun(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Cancelled.' })
      return redirect(c, `/automation-runs/${c.params.id}`)
    }, { params: idParams })
}
