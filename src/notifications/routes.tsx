// Notification pages: channels (editor, send test, delivery log), escalation policies, and the
// notification center (bell fragment and inbox).
import { Elysia, t } from 'elysia'
import { ChannelFormPage, ChannelsPage, SecretOncePage } from '../../views/notifications/channels'
import { BellContent, InboxPage } from '../../views/notifications/inbox'
import { PoliciesPage, PolicyFormPage } from '../../views/notifications/policies'
import { last, list, num, ownerFromValue, ownerNames, ownerOptions } from '../alerts/page-options'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listUsersByIds, memberUserIds } from '../tenancy/users-repo'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { canEditChannel, channelDeliveries, createChannel, deleteChannel, getChannel, listChannels, testChannel, updateChannel, type ChannelView } from './channels'
import { inbox, markNotificationsRead, unreadCount } from './inbox'
import { createChannelBody, createPolicyBody, updateChannelBody, updatePolicyBody } from './model'
import { createPolicy, deletePolicy, getPolicy, listPolicies, updatePolicy } from './policies'
import type { EscalationPolicy } from './channels-repo'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const split = (v: string | undefined) => (v ?? '').split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean)

/** channelInput reads the editor: type-specific fields carry a .<type> suffix where types share a setting. */
function channelInput(body: unknown, type: string) {
  const b = (body ?? {}) as Record<string, unknown>
  const config: Record<string, unknown> = {}
  const secrets: Record<string, unknown> = {}
  const to = last(b, `config.to.${type}`)
  if (to !== undefined) config.to = split(to)
  const url = last(b, `config.url.${type}`)
  if (url !== undefined) config.url = url
  if (type === 'ntfy' && last(b, 'config.topic')) config.topic = last(b, 'config.topic')
  if (type === 'sms') for (const k of ['method', 'contentType', 'bodyTemplate', 'authHeader', 'authTemplate']) { const v = last(b, `config.${k}`); if (v !== undefined) config[k] = v }
  for (const k of ['webhookUrl', 'signingSecret', 'routingKey']) { const v = last(b, `secrets.${k}`); if (v !== undefined) secrets[k] = v }
  const token = last(b, `secrets.token.${type}`)
  if (token !== undefined) secrets.token = token
  return { name: last(b, 'name'), type, enabled: b.enabled === 'true', config, secrets }
}

/** Form values the editor shows again after an error (never the secrets). */
function channelValues(input: ReturnType<typeof channelInput>, owner?: string): FormValues {
  const c = input.config as { to?: string[]; url?: string }
  return { name: input.name, type: input.type, enabled: input.enabled, owner, config: input.config, 'config.to': c.to?.join(', '), 'config.url': c.url }
}

/** Errors on shared settings go next to this type's field. */
function placeErrors(errors: FieldErrors, type: string): FieldErrors {
  const out: FieldErrors = {}
  for (const [k, v] of Object.entries(errors)) {
    const base = k.replace(/\.\d+$/, '')
    out[['config.to', 'config.url', 'secrets.token'].includes(base) ? `${base}.${type}` : k] = v
  }
  return out
}

function viewValues(c: ChannelView): FormValues {
  return { name: c.name, type: c.type, enabled: c.enabled, config: c.config, 'config.to': c.config.to?.join(', '), 'config.url': c.config.url }
}

export function notificationRoutes(ctx: AppContext) {
  async function channelPage(c: PageContext, actor: UserActor, channel: ChannelView | null, values: FormValues, errors?: FieldErrors, status = 200, testResult?: { ok: boolean; text: string }) {
    const deliveries = channel ? await channelDeliveries(ctx, actor, channel.id) : []
    const canWrite = channel ? canEditChannel(actor.scope, channel) : true
    return render(c, <ChannelFormPage page={await pageProps(ctx, c)} channel={channel} values={values} errors={errors} owners={await ownerOptions(ctx, actor, 'notifications:write')} deliveries={deliveries} canWrite={canWrite} testResult={testResult} />, status)
  }

  async function policyOptions(actor: UserActor) {
    const channels = (await listChannels(ctx, actor)).map((ch) => ({ id: ch.id, name: ch.orgId ? ch.name : `${ch.name} (partner-wide)` }))
    const ids = await memberUserIds(ctx.db, [...actor.scope.partners.keys()], [...actor.scope.orgs.keys()])
    const users = (await listUsersByIds(ctx.db, ids)).map((u) => ({ id: u.id, name: `${u.name} <${u.email}>` }))
    return { channels, users, owners: await ownerOptions(ctx, actor, 'notifications:write') }
  }

  async function policyPage(c: PageContext, actor: UserActor, policy: EscalationPolicy | null, values: FormValues, errors?: FieldErrors, status = 200) {
    const canWrite = !!(await ownerOptions(ctx, actor, 'notifications:write')).length
    return render(c, <PolicyFormPage page={await pageProps(ctx, c)} policy={policy} values={values} errors={errors} {...(await policyOptions(actor))} canWrite={canWrite} />, status)
  }

  /** policyValues reads step rows in order. */
  function policyValues(body: unknown): FormValues {
    const b = (body ?? {}) as Record<string, unknown>
    const rows = Object.keys(b).map((k) => /^steps\.(\d+)\.delayMinutes$/.exec(k)?.[1]).filter((x): x is string => !!x).sort((x, y) => Number(x) - Number(y))
    const steps = rows.map((i) => ({ delayMinutes: num(last(b, `steps.${i}.delayMinutes`)) ?? 0, channelIds: list(b, `steps.${i}.channelIds`), userIds: list(b, `steps.${i}.userIds`) }))
    return { name: last(b, 'name'), description: last(b, 'description') ?? '', steps, owner: last(b, 'owner') }
  }

  return new Elysia({ name: 'breeze.notifications.pages' })
    .use(actorPlugin(ctx))
    // ---- channels ----
    .get('/notifications/channels', async (c) => {
      const actor = userOf(c.actor)
      return render(c, <ChannelsPage page={await pageProps(ctx, c)} channels={await listChannels(ctx, actor)} ownerNames={await ownerNames(ctx, actor)} canWrite={(await ownerOptions(ctx, actor, 'notifications:write')).length > 0} />)
    })
    .get('/notifications/channels/new', (c) => channelPage(c, userOf(c.actor), null, { type: 'email', enabled: true }))
    .post('/notifications/channels', async (c) => {
      const actor = userOf(c.actor)
      const b = (c.body ?? {}) as Record<string, unknown>
      const type = last(b, 'type') ?? 'email'
      const input = channelInput(b, type)
      const owner = last(b, 'owner')
      const form = checkValues(createChannelBody, { ...input, ...ownerFromValue(owner) })
      if (!form.ok) return channelPage(c, actor, null, channelValues(input, owner), placeErrors(form.errors, type), 400)
      try {
        const { channel, signingSecret } = await createChannel(ctx, actor, form.value)
        if (signingSecret) return render(c, <SecretOncePage page={await pageProps(ctx, c)} channel={channel} secret={signingSecret} />, 201)
        setFlash(c.cookie, { kind: 'success', text: `Channel "${channel.name}" created. Use "Send test" to check it.` })
        return redirect(c, `/notifications/channels/${channel.id}`)
      } catch (err) {
        return channelPage(c, actor, null, channelValues(input, owner), placeErrors(fieldErrorsOf(err), type), 400)
      }
    })
    .get('/notifications/channels/:id', async (c) => {
      const actor = userOf(c.actor)
      const channel = await getChannel(ctx, actor, c.params.id)
      return channelPage(c, actor, channel, viewValues(channel))
    }, { params: idParams })
    .post('/notifications/channels/:id', async (c) => {
      const actor = userOf(c.actor)
      const channel = await getChannel(ctx, actor, c.params.id)
      const input = channelInput(c.body, channel.type)
      const { type: _, ...patch } = input
      const form = checkValues(updateChannelBody, patch)
      if (!form.ok) return channelPage(c, actor, channel, channelValues(input), placeErrors(form.errors, channel.type), 400)
      try {
        await updateChannel(ctx, actor, channel.id, form.value)
        setFlash(c.cookie, { kind: 'success', text: 'Channel saved.' })
        return redirect(c, `/notifications/channels/${channel.id}`)
      } catch (err) {
        return channelPage(c, actor, channel, channelValues(input), placeErrors(fieldErrorsOf(err), channel.type), 400)
      }
    }, { params: idParams })
    .post('/notifications/channels/:id/test', async (c) => {
      const actor = userOf(c.actor)
      const result = await testChannel(ctx, actor, c.params.id)
      const channel = await getChannel(ctx, actor, c.params.id)
      const text = result.ok ? `Test sent${result.statusCode ? ` (HTTP ${result.statusCode})` : ''}. Check that it arrived.` : `The test failed: ${result.error}`
      return channelPage(c, actor, channel, viewValues(channel), undefined, result.ok ? 200 : 502, { ok: result.ok, text })
    }, { params: idParams })
    .post('/notifications/channels/:id/delete', async (c) => {
      await deleteChannel(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Channel deleted.' })
      return redirect(c, '/notifications/channels')
    }, { params: idParams })
    // ---- escalation policies ----
    .get('/notifications/policies', async (c) => {
      const actor = userOf(c.actor)
      const channelNames = Object.fromEntries((await listChannels(ctx, actor)).map((ch) => [ch.id, ch.name]))
      return render(c, <PoliciesPage page={await pageProps(ctx, c)} policies={await listPolicies(ctx, actor)} channelNames={channelNames} canWrite={(await ownerOptions(ctx, actor, 'notifications:write')).length > 0} />)
    })
    .get('/notifications/policies/new', (c) => policyPage(c, userOf(c.actor), null, { steps: [{ delayMinutes: 0 }, { delayMinutes: 15 }] }))
    .post('/notifications/policies', async (c) => {
      const actor = userOf(c.actor)
      const values = policyValues(c.body)
      const { owner, ...fields } = values
      const form = checkValues(createPolicyBody, { ...fields, ...ownerFromValue(owner) })
      if (!form.ok) return policyPage(c, actor, null, values, form.errors, 400)
      try {
        const p = await createPolicy(ctx, actor, form.value)
        setFlash(c.cookie, { kind: 'success', text: `Policy "${p.name}" created. Choose it in alert rules.` })
        return redirect(c, '/notifications/policies')
      } catch (err) {
        return policyPage(c, actor, null, values, fieldErrorsOf(err), 400)
      }
    })
    .get('/notifications/policies/:id', async (c) => {
      const actor = userOf(c.actor)
      const p = await getPolicy(ctx, actor, c.params.id)
      return policyPage(c, actor, p, p as unknown as FormValues)
    }, { params: idParams })
    .post('/notifications/policies/:id', async (c) => {
      const actor = userOf(c.actor)
      const p = await getPolicy(ctx, actor, c.params.id)
      const { owner: _, ...values } = policyValues(c.body)
      const form = checkValues(updatePolicyBody, values)
      if (!form.ok) return policyPage(c, actor, p, values, form.errors, 400)
      try {
        await updatePolicy(ctx, actor, p.id, form.value)
        setFlash(c.cookie, { kind: 'success', text: 'Policy saved.' })
        return redirect(c, '/notifications/policies')
      } catch (err) {
        return policyPage(c, actor, p, values, fieldErrorsOf(err), 400)
      }
    }, { params: idParams })
    .post('/notifications/policies/:id/delete', async (c) => {
      await deletePolicy(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Policy deleted.' })
      return redirect(c, '/notifications/policies')
    }, { params: idParams })
    // ---- notification center ----
    .get('/notifications/bell', async (c) => render(c, <BellContent unread={await unreadCount(ctx, userOf(c.actor))} />))
    .get('/notifications', async (c) => {
      const actor = userOf(c.actor)
      return render(c, <InboxPage page={await pageProps(ctx, c)} items={await inbox(ctx, actor, { limit: 100 })} unread={await unreadCount(ctx, actor)} />)
    })
    .post('/notifications/read', async (c) => {
      const b = (c.body ?? {}) as Record<string, unknown>
      await markNotificationsRead(ctx, userOf(c.actor), b.all === 'true' ? 'all' : list(b, 'ids'))
      return redirect(c, '/notifications')
    })
}
