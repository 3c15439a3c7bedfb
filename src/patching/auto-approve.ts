// Automatic approval from the effective `patching` policy settings of each device (issue 12):
//   patching.autoApproveCritical   approve updates of critical severity
//   patching.autoApproveSecurity   approve security updates
//   patching.deferDays             only once an update is this many days old (released, or first seen)
// Run after each scan (a job the scan's transaction enqueues) and every hour (updates that come
// of age). An org's explicit decision (approved or declined) is never overridden. Each automatic
// approval is audited as the system, naming the policy that decided it.
import { recordAudit, systemActor } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { newId } from '../lib/ids'
import { applicablePolicies, mergeEffective } from '../policies/effective'
import { loadOrgPolicies } from '../policies/evaluate'
import { findOrgPartner, findPatchDevice, listApprovals, listDevicePatchView, listDevicesWithOpenPatches, listOrgsWithPatchingPolicies, setDeviceStates, upsertApprovals } from './repo'

export const autoApproveJob = 'patching.auto-approve'
const dayMs = 24 * 3600_000

/** autoApproveDevice approves what the device's effective patching settings allow, for its org; returns the patch ids approved. */
export async function autoApproveDevice(ctx: AppContext, deviceId: string): Promise<string[]> {
  const device = await findPatchDevice(ctx.db, deviceId)
  if (!device) return []
  const org = await loadOrgPolicies(ctx, device.orgId, undefined, [device.id])
  const merged = mergeEffective(applicablePolicies(device, org), device.osType)
  const value = (key: string) => merged.values.find((v) => v.key === key)
  const critical = value('patching.autoApproveCritical')
  const security = value('patching.autoApproveSecurity')
  if (critical?.value !== true && security?.value !== true) return []
  const defer = Number(value('patching.deferDays')?.value ?? 0)
  const now = ctx.clock.now()
  const decided = new Set((await listApprovals(ctx.db, device.orgId)).map((a) => a.patchId))
  const picked: { patchId: string; why: string }[] = []
  for (const row of await listDevicePatchView(ctx.db, deviceId, { state: 'available' })) {
    if (decided.has(row.patchId)) continue
    const age = now - (row.patch.releasedAt ?? row.firstSeenAt)
    if (Number.isFinite(defer) && defer > 0 && age < defer * dayMs) continue
    const by = critical?.value === true && row.patch.severity === 'critical' ? critical : security?.value === true && row.patch.classification === 'security' ? security : null
    if (by) picked.push({ patchId: row.patchId, why: `automatic: policy "${by.source.policyName}" (${by.key}${defer > 0 ? `, after ${defer} days` : ''})` })
  }
  if (picked.length === 0) return []
  const partnerId = await findOrgPartner(ctx.db, device.orgId)
  await withTx(ctx.db, async (tx) => {
    await upsertApprovals(tx, picked.map((p) => ({ id: newId(), orgId: device.orgId, patchId: p.patchId, status: 'approved' as const, reason: p.why, decidedBy: null, decidedAt: now })))
    await setDeviceStates(tx, device.orgId, picked.map((p) => p.patchId), ['available'], 'approved', now)
    await recordAudit(withDb(ctx, tx), systemActor, {
      action: 'patch.approved', partnerId: partnerId ?? undefined, orgId: device.orgId, resourceType: 'device', resourceId: device.id, resourceName: `${picked.length} updates`,
      details: { patchIds: picked.map((p) => p.patchId), reason: picked[0].why, automatic: true },
    })
  })
  ctx.live.publish({ orgId: device.orgId, perm: 'patches:read' }, 'patches.changed', { deviceId })
  return picked.map((p) => p.patchId)
}

/** autoApproveSweep runs the rules for every device with open updates in orgs that have an active patching policy. */
export async function autoApproveSweep(ctx: AppContext) {
  for (const orgId of await listOrgsWithPatchingPolicies(ctx.db)) {
    for (const deviceId of await listDevicesWithOpenPatches(ctx.db, orgId)) await autoApproveDevice(ctx, deviceId)
  }
}

export async function registerAutoApprove(ctx: AppContext) {
  ctx.jobs.register(autoApproveJob, (p: { deviceId: string }) => autoApproveDevice(ctx, p.deviceId).then(() => {}), { maxAttempts: 3, leaseMs: 5 * 60_000 })
  await ctx.jobs.every('patching.auto-approve-sweep', 3600_000, () => autoApproveSweep(ctx))
}
