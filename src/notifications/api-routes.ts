// The notifications JSON API: /api/v1/notification-channels (with /:id/test),
// /api/v1/escalation-policies and the caller's in-app notifications.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { channelDeliveries, createChannel, deleteChannel, getChannel, listChannels, testChannel, updateChannel } from './channels'
import { inbox, markNotificationsRead, unreadCount } from './inbox'
import { createChannelBody, createPolicyBody, markReadBody, updateChannelBody, updatePolicyBody } from './model'
import { createPolicy, deletePolicy, getPolicy, listPolicies, updatePolicy } from './policies'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const tags = (summary: string) => ({ detail: { summary, tags: ['notifications'] } })

export function notificationApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.notifications.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/notification-channels', async (c) => ({ data: await listChannels(ctx, userOf(c.actor), c.query.orgId) }), { query: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) }), ...tags('List notification channels (secrets are never returned)') })
    .post('/api/v1/notification-channels', async (c) => {
      const { channel, signingSecret } = await createChannel(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return signingSecret ? { ...channel, signingSecret } : channel
    }, { body: createChannelBody, ...tags('Create a channel; a generated webhook signing secret is returned once') })
    .get('/api/v1/notification-channels/:id', (c) => getChannel(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('Get a channel') })
    .patch('/api/v1/notification-channels/:id', (c) => updateChannel(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateChannelBody, ...tags('Update a channel (secrets given replace the stored ones)') })
    .delete('/api/v1/notification-channels/:id', async (c) => {
      await deleteChannel(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('Delete a channel') })
    .post('/api/v1/notification-channels/:id/test', async (c) => {
      const r = await testChannel(ctx, userOf(c.actor), c.params.id)
      if (!r.ok) c.set.status = 502
      return r
    }, { params: idParams, ...tags('Send a test message now (502 when the receiver refuses)') })
    .get('/api/v1/notification-channels/:id/deliveries', async (c) => ({ data: await channelDeliveries(ctx, userOf(c.actor), c.params.id) }), { params: idParams, ...tags('Recent deliveries through a channel') })
    .get('/api/v1/escalation-policies', async (c) => ({ data: await listPolicies(ctx, userOf(c.actor)) }), tags('List escalation policies'))
    .post('/api/v1/escalation-policies', async (c) => {
      c.set.status = 201
      return createPolicy(ctx, userOf(c.actor), c.body)
    }, { body: createPolicyBody, ...tags('Create an escalation policy') })
    .get('/api/v1/escalation-policies/:id', (c) => getPolicy(ctx, userOf(c.actor), c.params.id), { params: idParams, ...tags('Get an escalation policy') })
    .patch('/api/v1/escalation-policies/:id', (c) => updatePolicy(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updatePolicyBody, ...tags('Update an escalation policy') })
    .delete('/api/v1/escalation-policies/:id', async (c) => {
      await deletePolicy(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, ...tags('Delete an escalation policy') })
    .get('/api/v1/notifications', async (c) => {
      const actor = userOf(c.actor)
      return { data: await inbox(ctx, actor, { unreadOnly: c.query.unread === true }), unread: await unreadCount(ctx, actor) }
    }, { query: t.Object({ unread: t.Optional(t.Boolean()) }), ...tags('Your in-app notifications') })
    .post('/api/v1/notifications/read', async (c) => {
      await markNotificationsRead(ctx, userOf(c.actor), c.body.all ? 'all' : c.body.ids ?? [])
      return { ok: true }
    }, { body: markReadBody, ...tags('Mark your notifications read (ids, or all)') })
}
