// /api/v1/policies: CRUD, activate/deactivate/archive, versions and rollback, assignments,
// templates, effective policy of a device, compliance (JSON and CSV), history, dashboard,
// dry run and "check now".
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkNow, complianceCsv, complianceHistory, complianceRows, dashboard, effectivePolicy, testPolicy } from './compliance'
import { assignmentBody, complianceQuery, createPolicyBody, fromTemplateBody, policyListQuery, updatePolicyBody } from './model'
import {
  assignPolicy, createFromTemplate, createPolicy, deletePolicy, getPolicy, listPoliciesFor, listPolicyAssignments, policyVersions, rollbackPolicy, setPolicyStatus, unassignPolicy, updatePolicy,
} from './policies'
import { policyTemplates } from './templates'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = ['policies']

export function policyApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.policies.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/policies', async (c) => ({ policies: await listPoliciesFor(ctx, userOf(c.actor), c.query) }), { query: policyListQuery, detail: { summary: 'List policies', tags } })
    .post('/api/v1/policies', async (c) => {
      c.set.status = 201
      return createPolicy(ctx, userOf(c.actor), c.body)
    }, { body: createPolicyBody, detail: { summary: 'Create a policy (draft unless status: active)', tags } })
    .get('/api/v1/policies/templates', (c) => {
      userOf(c.actor)
      return { templates: policyTemplates }
    }, { detail: { summary: 'Built-in policy templates', tags } })
    .post('/api/v1/policies/from-template/:templateId', async (c) => {
      c.set.status = 201
      return createFromTemplate(ctx, userOf(c.actor), c.params.templateId, c.body ?? {})
    }, { params: t.Object({ templateId: t.String({ maxLength: 64 }) }), body: t.Optional(fromTemplateBody), detail: { summary: 'Create a draft policy from a template', tags } })
    .get('/api/v1/policies/effective/:deviceId', (c) => effectivePolicy(ctx, userOf(c.actor), c.params.deviceId), {
      params: t.Object({ deviceId: t.String({ maxLength: 64 }) }), detail: { summary: 'The merged policy of a device and where each value came from', tags },
    })
    .get('/api/v1/policies/compliance', async (c) => ({ compliance: await complianceRows(ctx, userOf(c.actor), c.query) }), { query: complianceQuery, detail: { summary: 'Current compliance per policy and device', tags } })
    .get('/api/v1/policies/compliance.csv', async (c) => new Response(await complianceCsv(ctx, userOf(c.actor), c.query), {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="compliance.csv"', 'x-content-type-options': 'nosniff' },
    }), { query: complianceQuery, detail: { summary: 'Compliance as CSV', tags } })
    .get('/api/v1/policies/dashboard', (c) => dashboard(ctx, userOf(c.actor), c.query.orgId), { query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) }), detail: { summary: 'Compliance percentages, 30-day trend, least compliant devices', tags } })
    .get('/api/v1/policies/history', async (c) => ({ history: await complianceHistory(ctx, userOf(c.actor), c.query) }), {
      query: t.Object({ deviceId: t.Optional(t.String({ maxLength: 64 })), policyId: t.Optional(t.String({ maxLength: 64 })) }), detail: { summary: 'Compliance history (status changes and remediations)', tags },
    })
    .get('/api/v1/policies/:id', (c) => getPolicy(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'One policy', tags } })
    .patch('/api/v1/policies/:id', (c) => updatePolicy(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updatePolicyBody, detail: { summary: 'Edit a policy (a new version)', tags } })
    .delete('/api/v1/policies/:id', async (c) => {
      await deletePolicy(ctx, userOf(c.actor), c.params.id)
      c.set.status = 204
      return ''
    }, { params: idParams, detail: { summary: 'Delete a policy', tags } })
    .post('/api/v1/policies/:id/activate', (c) => setPolicyStatus(ctx, userOf(c.actor), c.params.id, 'active'), { params: idParams, detail: { summary: 'Activate (checked from now on)', tags } })
    .post('/api/v1/policies/:id/deactivate', (c) => setPolicyStatus(ctx, userOf(c.actor), c.params.id, 'inactive'), { params: idParams, detail: { summary: 'Deactivate (no longer checked; its alerts resolve)', tags } })
    .post('/api/v1/policies/:id/archive', (c) => setPolicyStatus(ctx, userOf(c.actor), c.params.id, 'archived'), { params: idParams, detail: { summary: 'Archive', tags } })
    .get('/api/v1/policies/:id/versions', async (c) => ({ versions: await policyVersions(ctx, userOf(c.actor), c.params.id) }), { params: idParams, detail: { summary: 'Versions', tags } })
    .post('/api/v1/policies/:id/rollback/:versionId', (c) => rollbackPolicy(ctx, userOf(c.actor), c.params.id, c.params.versionId), {
      params: t.Object({ id: t.String({ maxLength: 64 }), versionId: t.String({ maxLength: 64 }) }), detail: { summary: 'Save an earlier version as the newest', tags },
    })
    .get('/api/v1/policies/:id/assignments', async (c) => ({ assignments: await listPolicyAssignments(ctx, userOf(c.actor), c.params.id) }), { params: idParams, detail: { summary: 'Where the policy applies', tags } })
    .post('/api/v1/policies/:id/assignments', async (c) => {
      c.set.status = 201
      return assignPolicy(ctx, userOf(c.actor), c.params.id, c.body)
    }, { params: idParams, body: assignmentBody, detail: { summary: 'Assign to the org, a site, a group or a device (optional priority override)', tags } })
    .delete('/api/v1/policies/:id/assignments/:assignmentId', async (c) => {
      await unassignPolicy(ctx, userOf(c.actor), c.params.id, c.params.assignmentId)
      c.set.status = 204
      return ''
    }, { params: t.Object({ id: t.String({ maxLength: 64 }), assignmentId: t.String({ maxLength: 64 }) }), detail: { summary: 'Remove an assignment', tags } })
    .get('/api/v1/policies/:id/compliance', async (c) => ({ compliance: await complianceRows(ctx, userOf(c.actor), { policyId: c.params.id, status: c.query.status }) }), {
      params: idParams, query: t.Object({ status: t.Optional(t.String({ maxLength: 20 })) }), detail: { summary: 'Compliance of each device with this policy', tags },
    })
    .post('/api/v1/policies/:id/test', (c) => testPolicy(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Dry run: which devices would be non-compliant and what would be remediated, changing nothing', tags } })
    .post('/api/v1/policies/:id/check', (c) => checkNow(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Check an active policy now', tags } })
}
