// Policy pages: list, templates, editor, one policy (assignments, compliance, history,
// versions), the dry run, the compliance dashboard with CSV export, and a device's effective
// policy. Thin adapters over the same services as /api/v1/policies.
import { Elysia, t } from 'elysia'
import { ComplianceDashboardPage, EffectivePolicyPage } from '../../views/policies/compliance'
import { DryRunPage, PolicyPage } from '../../views/policies/detail'
import { PoliciesPage, PolicyEditorPage, TemplatesPage, type EditorChoices } from '../../views/policies/editor'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { groupOptions } from '../devices/groups'
import { listDevices } from '../devices/service'
import { listChannels } from '../notifications/channels'
import { usableBy } from '../notifications/owners'
import { listScripts, scriptUsableIn } from '../scripts/library'
import { listOrgNames, listSites } from '../tenancy/repo'
import { can, orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { csvExport, isoTime } from '../web/csv'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { checkNow, complianceCsv, complianceHistory, complianceRows, dashboard, effectivePolicy, testPolicy } from './compliance'
import { policyFromForm } from './form'
import { createPolicyBody, updatePolicyBody } from './model'
import {
  assignPolicy, createFromTemplate, createPolicy, deletePolicy, getPolicy, listPoliciesFor, listPolicyAssignments, policyVersions, rollbackPolicy, setPolicyStatus, unassignPolicy, updatePolicy,
} from './policies'
import { ruleKey, ruleLabel } from './rules'
import { policyTemplates } from './templates'
import { int } from '../web/model-types'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const csvHeaders = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="compliance.csv"', 'x-content-type-options': 'nosniff' }

async function choicesFor(ctx: AppContext, actor: UserActor, orgId: string): Promise<EditorChoices> {
  const partnerId = actor.scope.orgs.get(orgId)?.partnerId ?? ''
  const scripts = (await listScripts(ctx, actor)).filter((s) => scriptUsableIn(s, orgId, partnerId)).map((s) => ({ value: s.id, label: `${s.name} (${s.osTypes.join('/')})` }))
  const channels = (await listChannels(ctx, actor)).filter((c) => c.enabled && usableBy({ orgId, partnerId }, c)).map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))
  return { scripts, channels }
}


const policyListQuery = t.Object({ type: t.Optional(t.String({ maxLength: 20 })), status: t.Optional(t.String({ maxLength: 20 })), search: t.Optional(t.String({ maxLength: 200 })), orgId: t.Optional(t.String({ maxLength: 64 })) })

export function policyRoutes(ctx: AppContext) {
  async function editor(c: PageContext, opts: { policyId?: string; orgId?: string; values?: FormValues; errors?: FieldErrors }, status = 200) {
    const actor = userOf(c.actor)
    const policy = opts.policyId ? await getPolicy(ctx, actor, opts.policyId, 'policies:write') : null
    const writable = orgIdsWith(actor.scope, 'policies:write')
    const orgId = policy?.orgId ?? (opts.orgId && writable.includes(opts.orgId) ? opts.orgId : writable[0])
    if (!orgId) return redirect(c, '/policies')
    const [org] = await listOrgNames(ctx.db, [orgId])
    const values = opts.values ?? (policy ? { ...policy } : { type: 'custom', priority: 50, enforcement: 'monitor', checkIntervalMinutes: 60, maxRemediationAttempts: 3, alertSeverity: 'medium', settings: { values: {}, rules: [] } })
    return render(c, <PolicyEditorPage page={await pageProps(ctx, c)} policy={policy} orgId={orgId} orgName={org?.name ?? ''} values={values} errors={opts.errors} choices={await choicesFor(ctx, actor, orgId)} />, status)
  }

  async function save(c: PageContext & { body: unknown }, policyId?: string) {
    const values = policyFromForm((c.body ?? {}) as Record<string, unknown>)
    const form = checkValues(policyId ? updatePolicyBody : createPolicyBody, values)
    if (!form.ok) return editor(c, { policyId, orgId: values.orgId as string | undefined, values, errors: form.errors }, 400)
    try {
      const actor = userOf(c.actor)
      const p = policyId ? await updatePolicy(ctx, actor, policyId, form.value as typeof updatePolicyBody.static) : await createPolicy(ctx, actor, form.value as typeof createPolicyBody.static)
      setFlash(c.cookie, { kind: 'success', text: policyId ? `Saved version ${p.version}.` : 'Created as a draft: assign it, try the dry run, then activate it.' })
      return redirect(c, `/policies/${p.id}`)
    } catch (err) {
      return editor(c, { policyId, orgId: values.orgId as string | undefined, values, errors: fieldErrorsOf(err) }, 400)
    }
  }

  const statusAction = (status: 'active' | 'inactive' | 'archived', text: string) => async (c: PageContext & { params: { id: string } }) => {
    await setPolicyStatus(ctx, userOf(c.actor), c.params.id, status)
    setFlash(c.cookie, { kind: 'success', text })
    return redirect(c, `/policies/${c.params.id}`)
  }

  return new Elysia({ name: 'breeze.policies.pages' })
    .use(actorPlugin(ctx))
    .get('/policies', async (c) => {
      const actor = userOf(c.actor)
      const policies = await listPoliciesFor(ctx, actor, c.query)
      const orgNames = Object.fromEntries((await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'policies:read'))).map((o) => [o.id, o.name]))
      return render(c, <PoliciesPage page={await pageProps(ctx, c)} policies={policies} orgNames={orgNames} query={c.query} canCreate={orgIdsWith(actor.scope, 'policies:write').length > 0} />)
    }, { query: policyListQuery })
    .get('/policies/export.csv', async (c) => {
      const actor = userOf(c.actor)
      const policies = await listPoliciesFor(ctx, actor, c.query)
      const orgNames = new Map((await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'policies:read'))).map((o) => [o.id, o.name]))
      return csvExport(ctx.log, 'policies.csv', ['Name', 'Organization', 'Type', 'Status', 'Enforcement', 'Priority', 'Check every (min)', 'Version', 'Updated'],
        async () => ({ rows: policies, perPage: Infinity }),
        (p) => [p.name, orgNames.get(p.orgId) ?? '', p.type, p.status, p.enforcement, p.priority, p.checkIntervalMinutes, p.version, isoTime(p.updatedAt)])
    }, { query: policyListQuery })
    .get('/policies/templates', async (c) => {
      const actor = userOf(c.actor)
      const orgs = (await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'policies:write'))).map((o) => ({ value: o.id, label: o.name }))
      return render(c, <TemplatesPage page={await pageProps(ctx, c)} templates={policyTemplates} orgs={orgs} />)
    })
    .post('/policies/from-template', async (c) => {
      const p = await createFromTemplate(ctx, userOf(c.actor), c.body.templateKey, { orgId: c.body.orgId })
      setFlash(c.cookie, { kind: 'success', text: `Created "${p.name}" as a draft. Assign it, run the dry run, then activate it.` })
      return redirect(c, `/policies/${p.id}`)
    }, { body: t.Object({ templateKey: t.String({ maxLength: 64 }), orgId: t.Optional(t.String({ maxLength: 64 })), _csrf: t.Optional(t.String()) }) })
    .get('/policies/new', (c) => editor(c, { orgId: c.query.orgId }), { query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) }) })
    .post('/policies', (c) => save(c))
    .get('/policies/effective/:deviceId', async (c) => {
      const actor = userOf(c.actor)
      const eff = await effectivePolicy(ctx, actor, c.params.deviceId)
      const ruleLabels = Object.fromEntries(eff.rules.map((r) => [ruleKey(r.rule), ruleLabel(r.rule)]))
      const compliance = (await complianceRows(ctx, actor, { deviceId: c.params.deviceId })).map((r) => ({ policyName: r.policyName, status: r.status }))
      return render(c, <EffectivePolicyPage page={await pageProps(ctx, c)} eff={eff} ruleLabels={ruleLabels} compliance={compliance} />)
    }, { params: t.Object({ deviceId: t.String({ maxLength: 64 }) }) })
    .get('/policies/:id', async (c) => {
      const actor = userOf(c.actor)
      const p = await getPolicy(ctx, actor, c.params.id)
      const canWrite = can(actor.scope, 'policies:write', p.orgId)
      const [org] = await listOrgNames(ctx.db, [p.orgId])
      const targets = canWrite
        ? {
          orgId: p.orgId, orgName: org?.name ?? '',
          sites: (await listSites(ctx.db, [p.orgId])).map(({ site }) => ({ value: site.id, label: site.name })),
          groups: (await groupOptions(ctx, actor, p.orgId)).map((g) => ({ value: g.id, label: g.name })),
          devices: (await listDevices(ctx, actor, { orgId: p.orgId, perPage: 500, sort: 'name' })).rows.map((d) => ({ value: d.id, label: d.displayName || d.hostname })),
        }
        : { orgId: p.orgId, orgName: org?.name ?? '', sites: [], groups: [], devices: [] }
      const scriptNames = Object.fromEntries((await listScripts(ctx, actor)).map((s) => [s.id, s.name]))
      return render(c, <PolicyPage
        page={await pageProps(ctx, c)} policy={p} ruleLabels={(p.settings.rules ?? []).map((r) => `${ruleLabel(r)}${r.os?.length ? ` (${r.os.join(', ')})` : ''}`)}
        assignments={await listPolicyAssignments(ctx, actor, p.id)} compliance={(await complianceRows(ctx, actor, { policyId: p.id })).slice(0, 1000)}
        history={(await complianceHistory(ctx, actor, { policyId: p.id })).slice(0, 50)} versions={await policyVersions(ctx, actor, p.id)} canWrite={canWrite} targets={targets} scriptNames={scriptNames}
      />)
    }, { params: idParams })
    .get('/policies/:id/edit', (c) => editor(c, { policyId: c.params.id }), { params: idParams })
    .post('/policies/:id', (c) => save(c, c.params.id), { params: idParams })
    .post('/policies/:id/activate', statusAction('active', 'Activated: the first check runs within a minute.'), { params: idParams })
    .post('/policies/:id/deactivate', statusAction('inactive', 'Deactivated: no longer checked; its alerts are resolved.'), { params: idParams })
    .post('/policies/:id/archive', statusAction('archived', 'Archived.'), { params: idParams })
    .post('/policies/:id/delete', async (c) => {
      await deletePolicy(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Deleted.' })
      return redirect(c, '/policies')
    }, { params: idParams })
    .post('/policies/:id/check', async (c) => {
      const r = await checkNow(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: `Checked ${r.devices} device${r.devices === 1 ? '' : 's'}: ${r.compliant} compliant, ${r.nonCompliant} not; ${r.agentChecks} agent checks and ${r.scriptBatches} check scripts on their way.` })
      return redirect(c, `/policies/${c.params.id}`)
    }, { params: idParams })
    .post('/policies/:id/test', async (c) => render(c, <DryRunPage page={await pageProps(ctx, c)} result={await testPolicy(ctx, userOf(c.actor), c.params.id)} />), { params: idParams })
    .post('/policies/:id/assignments', async (c) => {
      const body = c.body as Record<string, unknown>
      const type = String(body.targetType ?? '') as 'org' | 'site' | 'group' | 'device'
      const priority = typeof body.priority === 'string' && body.priority !== '' ? Number(body.priority) : null
      const form = checkValues(t.Object({ targetType: t.Union([t.Literal('org'), t.Literal('site'), t.Literal('group'), t.Literal('device')]), targetId: t.String({ minLength: 1, maxLength: 64 }), priority: t.Union([int({ minimum: 1, maximum: 100 }), t.Null()]) }), { targetType: type, targetId: body[`target.${type}`], priority })
      if (!form.ok) {
        setFlash(c.cookie, { kind: 'error', text: Object.entries(form.errors).map(([k, v]) => `${k}: ${v}`).join('; ') })
        return redirect(c, `/policies/${c.params.id}`)
      }
      await assignPolicy(ctx, userOf(c.actor), c.params.id, form.value)
      setFlash(c.cookie, { kind: 'success', text: 'Assigned.' })
      return redirect(c, `/policies/${c.params.id}`)
    }, { params: idParams })
    .post('/policies/:id/assignments/:assignmentId/delete', async (c) => {
      await unassignPolicy(ctx, userOf(c.actor), c.params.id, c.params.assignmentId)
      setFlash(c.cookie, { kind: 'success', text: 'Removed the assignment.' })
      return redirect(c, `/policies/${c.params.id}`)
    }, { params: t.Object({ id: t.String({ maxLength: 64 }), assignmentId: t.String({ maxLength: 64 }) }) })
    .post('/policies/:id/rollback/:versionId', async (c) => {
      const p = await rollbackPolicy(ctx, userOf(c.actor), c.params.id, c.params.versionId)
      setFlash(c.cookie, { kind: 'success', text: `Rolled back: saved as version ${p.version}.` })
      return redirect(c, `/policies/${c.params.id}`)
    }, { params: t.Object({ id: t.String({ maxLength: 64 }), versionId: t.String({ maxLength: 64 }) }) })
    .get('/compliance', async (c) => {
      const actor = userOf(c.actor)
      const orgs = (await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'policies:read'))).map((o) => ({ value: o.id, label: o.name }))
      const orgId = c.query.orgId || (orgs.length === 1 ? orgs[0].value : undefined)
      return render(c, <ComplianceDashboardPage page={await pageProps(ctx, c)} dash={await dashboard(ctx, actor, orgId)} orgs={orgs} orgId={orgId} />)
    }, { query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) }) })
    .get('/compliance/export.csv', async (c) => new Response(await complianceCsv(ctx, userOf(c.actor), c.query), { headers: csvHeaders }), {
      query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })), policyId: t.Optional(t.String({ maxLength: 64 })), status: t.Optional(t.String({ maxLength: 20 })) }),
    })
}
