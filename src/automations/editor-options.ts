// What the automation editor offers for one owner: scripts (with their parameters), channels,
// other automations, alert rules, groups, sites, devices (test runs), time zones and fields.
// Everything comes through the caller's scope and is limited to what the owner may use.
import type { UserActor } from '../auth/actor'
import { resolveOwner } from '../alerts/rules'
import { listRules } from '../alerts/rules'
import type { AppContext } from '../context'
import { groupOptions } from '../devices/groups'
import { listDevices } from '../devices/service'
import { listChannels } from '../notifications/channels'
import { usableBy } from '../notifications/owners'
import { listScripts, scriptUsableIn } from '../scripts/library'
import { severities } from '../alerts/types'
import { listSites } from '../tenancy/repo'
import { listAutomations } from './automations'
import { conditionOps, onFailureModes, stepTypes, triggerEvents } from './types'
import { conditionFields } from './values'

export async function editorOptions(ctx: AppContext, actor: UserActor, input: { orgId?: string; partnerId?: string; automationId?: string }) {
  const owner = resolveOwner(actor, input, 'automations:read')
  const scripts = (await listScripts(ctx, actor))
    .filter((s) => owner.orgId ? scriptUsableIn(s, owner.orgId, owner.partnerId) : s.isSystem || (s.orgId === null && s.partnerId === owner.partnerId))
    .map((s) => ({ id: s.id, name: s.name, category: s.category, osTypes: s.osTypes, parameters: s.parameters.map((p) => ({ name: p.name, type: p.type, required: p.required, label: p.label ?? null, options: p.options ?? null })) }))
  const channels = (await listChannels(ctx, actor)).filter((c) => c.enabled && usableBy(owner, c)).map((c) => ({ id: c.id, name: c.name, type: c.type }))
  const automations = (await listAutomations(ctx, actor))
    .filter((a) => a.id !== input.automationId && a.partnerId === owner.partnerId && (a.orgId === null || a.orgId === owner.orgId))
    .map((a) => ({ id: a.id, name: a.name }))
  const alertRules = (await listRules(ctx, actor)).filter((r) => usableBy(owner, r)).map((r) => ({ id: r.id, name: r.name }))
  const orgId = owner.orgId
  const groups = orgId ? (await groupOptions(ctx, actor, orgId)).map((g) => ({ id: g.id, name: g.name, type: g.type })) : []
  const sites = orgId ? (await listSites(ctx.db, [orgId])).map(({ site }) => ({ id: site.id, name: site.name })) : []
  const devices = (await listDevices(ctx, actor, { orgId: orgId ?? undefined, perPage: 500, sort: 'name' })).rows
    .filter((d) => !orgId || d.orgId === orgId).map((d) => ({ id: d.id, name: d.displayName || d.hostname, os: d.osType, status: d.status, orgName: d.orgName }))
  return {
    owner, scripts, channels, automations, alertRules, groups, sites, devices,
    timezones: ['UTC', ...Intl.supportedValuesOf('timeZone')],
    events: triggerEvents, stepTypes, conditionOps, conditionFields, onFailureModes, severities,
  }
}
