// /api/v1/automations: CRUD, enable/disable, webhook secret, manual and test runs, run history,
// the editor's live check and cron preview, and the public webhook endpoint.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import {
  createAutomation, deleteAutomation, getAutomation, listAutomations, publicAutomation, rotateWebhookSecret, setAutomationEnabled, stepWarnings, updateAutomation, validateDraft,
} from './automations'
import { editorOptions } from './editor-options'
import { createAutomationBody, cronQuery, listQuery, runBody, runsQuery, updateAutomationBody, validateBody } from './model'
import { cancelRun, deviceCustomFields, getRun, listRunsOf, publicRun, runNow } from './run-history'
import { cronPreview } from './schedule'
import { receiveWebhook } from './webhook'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = ['automations']

export function automationApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.automations.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/automations', async (c) => {
      const automations = await listAutomations(ctx, userOf(c.actor), c.query)
      return { automations: await Promise.all(automations.map((a) => publicAutomation(ctx, a))) }
    }, { query: listQuery, detail: { summary: 'List automations', tags } })
    .post('/api/v1/automations', async (c) => {
      const { automation, webhookSecret } = await createAutomation(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return { ...(await publicAutomation(ctx, automation)), ...(webhookSecret ? { webhookSecret } : {}) }
    }, { body: createAutomationBody, detail: { summary: 'Create an automation (a webhook trigger returns its secret once)', tags } })
    .post('/api/v1/automations/validate', async (c) => validateDraft(ctx, userOf(c.actor), c.body), { body: validateBody, detail: { summary: 'Check a draft definition: every problem by path, and the schedule preview', tags } })
    .get('/api/v1/automations/cron-preview', (c) => {
      userOf(c.actor)
      const p = cronPreview(c.query.cron, c.query.timezone ?? 'UTC', ctx.clock.now())
      if (!p.ok) { c.set.status = 400; return { error: { code: 'validation', message: `cron: ${p.error}`, details: { field: 'cron' } } } }
      return p
    }, { query: cronQuery, detail: { summary: 'The next five times a cron expression fires in a time zone', tags } })
    .get('/api/v1/automations/editor-options', (c) => editorOptions(ctx, userOf(c.actor), c.query), {
      query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })), partnerId: t.Optional(t.String({ maxLength: 64 })), automationId: t.Optional(t.String({ maxLength: 64 })) }),
      detail: { summary: 'What the editor offers an owner: scripts, channels, automations, groups, sites, devices', tags },
    })
    .get('/api/v1/automations/device-fields/:id', (c) => deviceCustomFields(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Custom fields automations set on a device', tags } })
    .get('/api/v1/automations/:id', async (c) => {
      const a = await getAutomation(ctx, userOf(c.actor), c.params.id)
      return { ...(await publicAutomation(ctx, a)), warnings: await stepWarnings(ctx, a) }
    }, { params: idParams, detail: { summary: 'One automation, with warnings about steps that will not work (deleted scripts)', tags } })
    .patch('/api/v1/automations/:id', async (c) => {
      const { automation, webhookSecret } = await updateAutomation(ctx, userOf(c.actor), c.params.id, c.body)
      return { ...(await publicAutomation(ctx, automation)), ...(webhookSecret ? { webhookSecret } : {}) }
    }, { params: idParams, body: updateAutomationBody, detail: { summary: 'Edit an automation (a new version; running runs keep theirs)', tags } })
    .delete('/api/v1/automations/:id', async (c) => {
      await deleteAutomation(ctx, userOf(c.actor), c.params.id)
      c.set.status = 204
      return ''
    }, { params: idParams, detail: { summary: 'Delete an automation (its runs are kept)', tags } })
    .post('/api/v1/automations/:id/enable', async (c) => publicAutomation(ctx, await setAutomationEnabled(ctx, userOf(c.actor), c.params.id, true)), { params: idParams, detail: { summary: 'Enable', tags } })
    .post('/api/v1/automations/:id/disable', async (c) => publicAutomation(ctx, await setAutomationEnabled(ctx, userOf(c.actor), c.params.id, false)), { params: idParams, detail: { summary: 'Disable', tags } })
    .post('/api/v1/automations/:id/webhook-secret', async (c) => ({ webhookSecret: await rotateWebhookSecret(ctx, userOf(c.actor), c.params.id) }), { params: idParams, detail: { summary: 'Issue a new webhook secret (shown once)', tags } })
    .post('/api/v1/automations/:id/run', async (c) => {
      const runs = await runNow(ctx, userOf(c.actor), c.params.id, c.body ?? {})
      c.set.status = 202
      return { runs: runs.map(publicRun) }
    }, { params: idParams, body: t.Optional(runBody), detail: { summary: 'Run now (manual trigger), optionally about one device; test: true runs on that device only', tags } })
    .get('/api/v1/automations/:id/runs', async (c) => {
      const { runs, nextBefore } = await listRunsOf(ctx, userOf(c.actor), c.params.id, c.query)
      return { runs: runs.map(publicRun), nextBefore }
    }, { params: idParams, query: runsQuery, detail: { summary: 'Run history', tags } })
    .get('/api/v1/automation-runs/:id', async (c) => {
      const { run, steps } = await getRun(ctx, userOf(c.actor), c.params.id)
      return { ...publicRun(run), steps }
    }, { params: idParams, detail: { summary: 'One run with its per-step log', tags } })
    .post('/api/v1/automation-runs/:id/cancel', async (c) => publicRun(await cancelRun(ctx, userOf(c.actor), c.params.id)), { params: idParams, detail: { summary: 'Cancel a run that has not ended', tags } })
    // The webhook trigger: no session; the HMAC signature is the credential.
    .post('/api/v1/automations/webhooks/:token', async (c) => {
      const runs = await receiveWebhook(ctx, c.params.token, c.request.headers, c.body)
      c.set.status = 202
      return { accepted: true, runs }
    }, { params: t.Object({ token: t.String({ maxLength: 64 }) }), body: t.String({ maxLength: 256 * 1024 }), parse: 'text', detail: { summary: 'Webhook trigger (HMAC-signed; see docs/automations.md)', tags } })
}
