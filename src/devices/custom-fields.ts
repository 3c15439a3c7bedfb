// Device custom fields: free name → text pairs people and automations keep on a device (asset
// tag, warranty end, owner…). Read with devices:read, changed with devices:write.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { deleteCustomField, listCustomFields, upsertCustomField, type CustomField } from './custom-fields-repo'
import { maxCustomFields, type CustomFieldsPatch } from './model'
import { insertDeviceChanges } from './repo'
import { deviceName, getDevice } from './service'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** The API form of a custom field: updatedByRun is the automation run that set it last (null: a person). */
export type CustomFieldView = Pick<CustomField, 'name' | 'value' | 'updatedAt' | 'updatedByRun'>

const view = (f: CustomField): CustomFieldView => ({ name: f.name, value: f.value, updatedAt: f.updatedAt, updatedByRun: f.updatedByRun })

/** getCustomFields lists a visible device's custom fields by name. */
export async function getCustomFields(ctx: Ctx, actor: UserActor, id: string): Promise<CustomFieldView[]> {
  const device = await getDevice(ctx, actor, id)
  return (await listCustomFields(ctx.db, device.id)).map(view)
}

/**
 * updateCustomFields sets (string) or removes (null) the named fields and leaves the others;
 * only real changes are written, recorded in the device's history and audited.
 */
export async function updateCustomFields(ctx: Ctx, actor: UserActor, id: string, patch: CustomFieldsPatch): Promise<CustomFieldView[]> {
  const device = await getDevice(ctx, actor, id, 'devices:write')
  if (device.status === 'decommissioned') throw new ValidationError('status', 'this device is decommissioned; re-enroll it to manage it again')
  const current = new Map((await listCustomFields(ctx.db, id)).map((f) => [f.name, f]))
  const set: Record<string, string> = {}
  const removed: string[] = []
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) { if (current.has(name)) removed.push(name) } else if (current.get(name)?.value !== value) set[name] = value
  }
  const names = Object.keys(set)
  if (names.length === 0 && removed.length === 0) return [...current.values()].map(view)
  const total = new Set([...current.keys(), ...names]).size - removed.length
  if (total > maxCustomFields) throw new ValidationError('fields', `a device has at most ${maxCustomFields} custom fields`)
  const now = ctx.clock.now()
  const summary = [names.length ? `Custom fields set: ${names.join(', ')}` : '', removed.length ? `Custom fields removed: ${removed.join(', ')}` : ''].filter(Boolean).join('; ')
  await withTx(ctx.db, async (tx) => {
    for (const name of names) await upsertCustomField(tx, { id: newId(), deviceId: id, orgId: device.orgId, name, value: set[name], updatedAt: now, updatedByRun: null })
    for (const name of removed) await deleteCustomField(tx, id, name)
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: id, at: now, kind: 'admin', action: 'custom_fields', summary, details: { by: actor.user.email, set, removed } }])
    await recordAudit({ ...ctx, db: tx }, actor.audit, {
      action: 'device.custom_fields.update', partnerId: actor.scope.orgs.get(device.orgId)!.partnerId, orgId: device.orgId, resourceType: 'device', resourceId: id, resourceName: deviceName(device),
      details: { set, removed, previous: Object.fromEntries([...names, ...removed].filter((n) => current.has(n)).map((n) => [n, current.get(n)!.value])) },
    })
  })
  ctx.events.emit('device.updated', { deviceId: id, orgId: device.orgId, fields: ['customFields'] })
  return (await listCustomFields(ctx.db, id)).map(view)
}
