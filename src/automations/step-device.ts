// update_device: tags, static group membership, site and custom fields, through the devices
// domain's own use cases with an actor that stands for the automation inside its org (so the
// device history and audit log say which automation changed what).
import type { UserActor } from '../auth/actor'
import { addGroupMembers, removeGroupMembers } from '../devices/groups'
import { getDevice, normalizeTags, updateDevice } from '../devices/service'
import { AppError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { Scope } from '../tenancy/scope'
import { deleteCustomField, upsertCustomField } from '../devices/custom-fields-repo'
import { stepDevices } from './step-targets'
import type { Executor, RunCtx } from './step-types'
import { render } from './values'

/** automationActor acts for an automation run with device rights in the run's org only. */
export function automationActor(rc: RunCtx): UserActor {
  const now = rc.ctx.clock.now()
  const label = `automation: ${rc.facts.automation.name}`
  const scope: Scope = { userId: `automation:${rc.facts.automation.id}`, platformAdmin: false, partners: new Map(), orgs: new Map([[rc.run.orgId, { partnerId: rc.owner.partnerId, permissions: new Set(['devices:read', 'devices:write']), siteIds: null }]]) }
  return {
    kind: 'user', scope, session: null, apiKey: null,
    user: {
      id: scope.userId, email: label, name: label, passwordHash: null, status: 'active', isPlatformAdmin: false, mfaSecret: null, mfaEnabled: false, mfaLastStep: null,
      failedLoginCount: 0, lockedUntil: null, lastLoginAt: null, passwordChangedAt: null, createdAt: now, updatedAt: now,
    },
    audit: { type: 'system', id: rc.run.id, email: label, ip: null, userAgent: null },
  }
}

export const updateDeviceStep: Executor = {
  async start(rc, step) {
    const targets = await stepDevices(rc, step)
    if ('error' in targets) return { status: 'failed', summary: targets.error, error: targets.error }
    if (targets.ids.length === 0) return { status: 'skipped', summary: 'no device matched the step\'s targets' }
    const actor = automationActor(rc)
    const failed: { deviceId: string; error: string }[] = []
    const changes: string[] = []
    for (const id of targets.ids) {
      try {
        const device = await getDevice(rc.ctx, actor, id, 'devices:write')
        const patch: { tags?: string[]; siteId?: string } = {}
        if (step.addTags?.length || step.removeTags?.length) {
          const remove = new Set(normalizeTags(step.removeTags ?? []))
          patch.tags = normalizeTags([...device.tags, ...(step.addTags ?? [])]).filter((t) => !remove.has(t))
        }
        if (step.siteId) patch.siteId = step.siteId
        if (Object.keys(patch).length) await updateDevice(rc.ctx, actor, id, patch)
        if (step.addToGroupId) await addGroupMembers(rc.ctx, actor, step.addToGroupId, [id])
        if (step.removeFromGroupId) await removeGroupMembers(rc.ctx, actor, step.removeFromGroupId, [id])
        for (const [name, raw] of Object.entries(step.customFields ?? {})) {
          if (raw === null) await deleteCustomField(rc.ctx.db, id, name)
          else await upsertCustomField(rc.ctx.db, { id: newId(), deviceId: id, orgId: rc.run.orgId, name, value: render(raw, rc.facts).slice(0, 1000), updatedAt: rc.ctx.clock.now(), updatedByRun: rc.run.id })
        }
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err
        failed.push({ deviceId: id, error: err.message })
      }
    }
    if (step.addTags?.length) changes.push(`tagged ${normalizeTags(step.addTags).join(', ')}`)
    if (step.removeTags?.length) changes.push(`untagged ${normalizeTags(step.removeTags).join(', ')}`)
    if (step.addToGroupId) changes.push('added to a group')
    if (step.removeFromGroupId) changes.push('removed from a group')
    if (step.siteId) changes.push('moved to another site')
    if (Object.keys(step.customFields ?? {}).length) changes.push(`set ${Object.keys(step.customFields!).join(', ')}`)
    const n = targets.ids.length - failed.length
    const summary = `${changes.join('; ')} on ${n} device${n === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed: ${failed[0].error}` : ''}`
    return {
      status: failed.length ? 'failed' : 'succeeded', summary, details: { deviceIds: targets.ids.slice(0, 200), failed }, error: failed.length ? summary : null,
      result: { succeeded: n, failed: failed.length }, devices: { targeted: targets.ids, failed: failed.map((f) => f.deviceId) },
    }
  },
}
