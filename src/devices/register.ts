// Wiring the devices domain into a running server: its jobs and its event listeners.
import type { AppContext } from '../context'
import { groupEvaluator } from './group-eval'
import { DeviceLivePublisher } from './live'
import { expireMaintenance } from './maintenance'
import { rollupMetrics } from './metrics'
import { fillVersionKeys } from './rules-repo'
import { packageVersionKey } from './versions'
import { withTx } from '../db/tx'

/** The job that ends maintenance whose time ran out (tests run it after moving the clock). */
export const maintenanceExpiryJob = 'devices.maintenance.expire'

/** registerDeviceWork declares the devices domain's jobs and listens to device events. */
export async function registerDeviceWork(ctx: AppContext) {
  const groups = groupEvaluator(ctx)
  const live = new DeviceLivePublisher(ctx)
  ctx.jobs.register('devices.groups.evaluate', async (payload: { orgId: string }) => { await groups.evaluateOrg(payload.orgId) })
  await ctx.jobs.every('devices.groups.sweep', 15 * 60_000, () => groups.sweep())
  await ctx.jobs.every('devices.metrics.rollup', 5 * 60_000, async () => { await rollupMetrics(ctx) })
  await ctx.jobs.every(maintenanceExpiryJob, 30_000, async () => { await expireMaintenance(ctx) })
  // Packages stored before versions had sort keys get theirs, in batches, once after an upgrade.
  ctx.jobs.register('devices.software.version-keys', async () => {
    while ((await withTx(ctx.db, (tx) => fillVersionKeys(tx, 2000, packageVersionKey))) > 0) await Bun.sleep(0)
  })
  await ctx.jobs.enqueue('devices.software.version-keys', {}, { uniqueKey: 'devices.software.version-keys' })

  // Dynamic groups: live state changes only matter to rules that test it.
  ctx.events.on('heartbeat.received', (e) => groups.changed(e.orgId, e.deviceId, true))
  ctx.events.on('device.online', (e) => groups.changed(e.orgId, e.deviceId, true))
  ctx.events.on('device.offline', (e) => groups.changed(e.orgId, e.deviceId, true))
  for (const name of ['device.enrolled', 'device.updated', 'inventory.received', 'software.changed', 'hardware.changed'] as const) {
    ctx.events.on(name, (e) => groups.changed(e.orgId, e.deviceId, false))
  }

  // Open pages.
  ctx.events.on('device.online', (e) => live.add('status', e.deviceId))
  ctx.events.on('device.offline', (e) => live.add('status', e.deviceId))
  ctx.events.on('device.updated', (e) => live.add('changed', e.deviceId))
  ctx.events.on('device.enrolled', (e) => live.add('enrolled', e.deviceId))
}
