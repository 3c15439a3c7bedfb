// /api/v1/device-groups: static and dynamic groups, their members, and rule previews.
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { addGroupMembers, createGroup, deleteGroup, getGroup, listGroups, previewRule, removeGroupMembers, updateGroup } from './groups'
import { createGroupBody, deviceListQuery, groupListQuery, idParams, membersBody, rulePreviewBody, updateGroupBody } from './model'
import { listDevices } from './service'

const tags = ['device groups']

export function groupApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.device-groups.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/device-groups', async (c) => ({ data: await listGroups(ctx, userOf(c.actor), c.query) }), { query: groupListQuery, detail: { summary: 'List device groups you can see, with member counts', tags } })
    .post('/api/v1/device-groups', async (c) => {
      c.set.status = 201
      return createGroup(ctx, userOf(c.actor), c.body)
    }, { body: createGroupBody, detail: { summary: 'Create a static or dynamic group (dynamic: rule, see docs/device-groups.md)', tags } })
    .post('/api/v1/device-groups/preview', (c) => previewRule(ctx, userOf(c.actor), c.body), { body: rulePreviewBody, detail: { summary: 'Check a rule and count the devices it matches now', tags } })
    .get('/api/v1/device-groups/:id', (c) => getGroup(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a device group', tags } })
    .patch('/api/v1/device-groups/:id', (c) => updateGroup(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateGroupBody, detail: { summary: 'Rename, move, re-parent a group or change its rule', tags } })
    .delete('/api/v1/device-groups/:id', async (c) => {
      await deleteGroup(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete a group (its devices stay; subgroups move up)', tags } })
    .get('/api/v1/device-groups/:id/members', async (c) => {
      const actor = userOf(c.actor)
      await getGroup(ctx, actor, c.params.id)
      const page = await listDevices(ctx, actor, { ...c.query, groupId: c.params.id })
      return { data: page.rows, pagination: { page: page.page, perPage: page.perPage, total: page.total, nextCursor: page.nextCursor } }
    }, { params: idParams, query: deviceListQuery, detail: { summary: 'The devices in a group (and its subgroups)', tags } })
    .post('/api/v1/device-groups/:id/members', (c) => addGroupMembers(ctx, userOf(c.actor), c.params.id, c.body.deviceIds), { params: idParams, body: membersBody, detail: { summary: 'Add devices to a static group', tags } })
    .delete('/api/v1/device-groups/:id/members', (c) => removeGroupMembers(ctx, userOf(c.actor), c.params.id, c.body.deviceIds), { params: idParams, body: membersBody, detail: { summary: 'Remove devices from a static group', tags } })
}
