// Which devices a run_script or update_device step acts on: the triggering device and/or named
// devices, groups, sites or the whole org, narrowed by the automation's device filter. A test
// run acts on its one device only.
import { parseRule } from '../devices/rules'
import { matchingDeviceIds } from '../devices/rules-repo'
import { resolveTargetDevicesForOrg } from '../devices/targets'
import type { RunCtx } from './step-types'
import type { AutomationStep } from './types'

export async function stepDevices(rc: RunCtx, step: AutomationStep): Promise<{ ids: string[] } | { error: string }> {
  const { run, ctx } = rc
  if (run.test) return run.deviceId ? { ids: [run.deviceId] } : { error: 'a test run needs a device to act on' }
  const tg = step.target ?? { triggerDevice: true }
  const named = !!(tg.deviceIds?.length || tg.groupIds?.length || tg.siteIds?.length || tg.wholeOrg)
  if (tg.triggerDevice && !run.deviceId && !named) return { error: 'this run has no triggering device (start it with a device, or make the step target devices, groups or sites)' }
  let ids: string[] = []
  if (named) {
    const devices = await resolveTargetDevicesForOrg(ctx, run.orgId, { deviceIds: tg.deviceIds, groupIds: tg.groupIds, siteIds: tg.siteIds, wholeOrg: !!tg.wholeOrg })
    ids = devices.map((d) => d.id)
    const filter = run.definition.deviceFilter?.trim()
    if (filter && ids.length) ids = await matchingDeviceIds(ctx.db, parseRule(filter), { orgId: run.orgId, amongIds: ids })
  }
  if (tg.triggerDevice && run.deviceId && !ids.includes(run.deviceId)) ids.unshift(run.deviceId)
  return { ids }
}
