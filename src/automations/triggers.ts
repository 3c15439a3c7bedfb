// Event triggers: the product's events (src/events.ts) start the automations that listen for
// them, each keyed by the event's identity so one event starts one run. device.offline waits
// its N minutes on the job queue and checks the device is still in the same offline episode.
// A script that an automation run started carries that run's chain along, so an automation
// that would start itself again through script.completed is stopped by the loop guard.
import { createHash } from 'node:crypto'
import type { AppContext } from '../context'
import { wakeWaitingOn } from './engine'
import { deviceEnrolledAt, deviceLiveness, findOrgFacts } from './facts-repo'
import { findAutomation, findRun, findStepByRef, listEventAutomations, type Automation } from './repo'
import { startRun } from './runs'
import type { TriggerEvent } from './types'

export const offlineCheckJob = 'automations.offline-check'

type OfflineCheck = { automationId: string; deviceId: string; orgId: string; lastSeenAt: number | null }

async function listening(ctx: AppContext, event: TriggerEvent, orgId: string): Promise<Automation[]> {
  const org = await findOrgFacts(ctx.db, orgId)
  return org ? listEventAutomations(ctx.db, event, orgId, org.partnerId) : []
}

export function listenForTriggers(ctx: AppContext) {
  ctx.events.on('device.enrolled', async (e) => {
    const autos = await listening(ctx, 'device.enrolled', e.orgId)
    if (autos.length === 0) return
    const at = await deviceEnrolledAt(ctx.db, e.deviceId)
    for (const a of autos) {
      await startRun(ctx, a, { type: 'event', key: `device.enrolled:${e.deviceId}:${at}`, by: 'event:device.enrolled', deviceId: e.deviceId, orgId: e.orgId, data: { event: 'device.enrolled', deviceId: e.deviceId, reattached: e.reattached } })
    }
  })

  ctx.events.on('device.offline', async (e) => {
    for (const a of await listening(ctx, 'device.offline', e.orgId)) {
      const minutes = a.trigger.durationMinutes ?? 5
      const payload: OfflineCheck = { automationId: a.id, deviceId: e.deviceId, orgId: e.orgId, lastSeenAt: e.lastSeenAt }
      await ctx.jobs.enqueue(offlineCheckJob, payload, { runAt: ctx.clock.now() + minutes * 60_000, uniqueKey: `${offlineCheckJob}:${a.id}:${e.deviceId}:${e.lastSeenAt}` })
    }
  })

  ctx.events.on('alert.triggered', async (e) => {
    if (!e.orgId) return
    for (const a of await listening(ctx, 'alert.triggered', e.orgId)) {
      if (a.trigger.alertRuleId && a.trigger.alertRuleId !== e.ruleId) continue
      if (a.trigger.severities?.length && !a.trigger.severities.includes(e.severity)) continue
      await startRun(ctx, a, { type: 'event', key: `alert:${e.alertId}`, by: `alert:${e.alertId}`, deviceId: e.deviceId, orgId: e.orgId, data: { event: 'alert.triggered', alertId: e.alertId, ruleId: e.ruleId, severity: e.severity, kind: e.kind } })
    }
  })

  ctx.events.on('script.completed', async (e) => {
    // First, runs waiting for this batch; then automations started by scripts finishing.
    await wakeWaitingOn(ctx, e.batchId)
    const autos = await listening(ctx, 'script.completed', e.orgId)
    if (autos.length === 0) return
    const cause = await findStepByRef(ctx.db, e.batchId)
    const parent = cause ? await findRun(ctx.db, cause.runId) : undefined
    const chain = parent ? [...parent.chain, parent.automationId] : []
    for (const a of autos) {
      if (a.trigger.scriptId && a.trigger.scriptId !== e.scriptId) continue
      const outcome = a.trigger.outcome ?? 'any'
      if (outcome === 'succeeded' && e.status !== 'completed') continue
      if (outcome === 'failed' && e.status === 'completed') continue
      if (e.status === 'skipped') continue
      await startRun(ctx, a, {
        type: 'event', key: `script:${e.executionId}`, by: `script:${e.executionId}`, deviceId: e.deviceId, orgId: e.orgId, chain,
        data: { event: 'script.completed', executionId: e.executionId, batchId: e.batchId, scriptId: e.scriptId, status: e.status, exitCode: e.exitCode },
      })
    }
  })

  // Patch management (issue 12): one run per update, device and job.
  for (const name of ['patch.installed', 'patch.failed'] as const) {
    ctx.events.on(name, async (e) => {
      for (const a of await listening(ctx, name, e.orgId)) {
        await startRun(ctx, a, {
          type: 'event', key: `${name}:${e.jobId}:${e.deviceId}:${e.patchId}`, by: `event:${name}`, deviceId: e.deviceId, orgId: e.orgId,
          data: { event: name, jobId: e.jobId, patchId: e.patchId, source: e.source, name: e.externalId, version: e.version, severity: e.severity, ...('error' in e ? { error: e.error } : { rebootRequired: e.rebootRequired }) },
        })
      }
    })
  }

  ctx.events.on('software.changed', async (e) => {
    const autos = await listening(ctx, 'software.changed', e.orgId)
    if (autos.length === 0) return
    const digest = createHash('sha256').update(JSON.stringify([e.installed, e.removed, e.updated])).digest('hex').slice(0, 16)
    for (const a of autos) {
      const change = a.trigger.change ?? 'any'
      const needle = a.trigger.softwareName?.toLowerCase() ?? ''
      const pick = (list: { name: string }[]) => list.filter((s) => !needle || s.name.toLowerCase().includes(needle))
      const installed = change === 'any' || change === 'installed' ? pick(e.installed) : []
      const removed = change === 'any' || change === 'removed' ? pick(e.removed) : []
      const updated = change === 'any' || change === 'updated' ? pick(e.updated) : []
      if (installed.length + removed.length + updated.length === 0) continue
      await startRun(ctx, a, {
        type: 'event', key: `software:${e.deviceId}:${ctx.clock.now()}:${digest}`, by: 'event:software.changed', deviceId: e.deviceId, orgId: e.orgId,
        data: { event: 'software.changed', installed: installed.slice(0, 50), removed: removed.slice(0, 50), updated: updated.slice(0, 50), names: [...installed, ...removed, ...updated].map((s) => s.name).slice(0, 50).join(', ') },
      })
    }
  })
}

/** runOfflineCheck is the job N minutes after a device went offline: still offline, same episode → run. */
export async function runOfflineCheck(ctx: AppContext, p: OfflineCheck) {
  const a = await findAutomation(ctx.db, p.automationId)
  if (!a || !a.enabled || a.trigger.event !== 'device.offline') return
  const live = await deviceLiveness(ctx.db, p.deviceId)
  if (!live || live.status !== 'offline' || live.lastSeenAt !== p.lastSeenAt) return
  await startRun(ctx, a, {
    type: 'event', key: `device.offline:${p.deviceId}:${p.lastSeenAt}`, by: 'event:device.offline', deviceId: p.deviceId, orgId: p.orgId,
    data: { event: 'device.offline', deviceId: p.deviceId, lastSeenAt: p.lastSeenAt ? new Date(p.lastSeenAt).toISOString() : null, minutes: a.trigger.durationMinutes ?? null },
  })
}

export function registerTriggerJobs(ctx: AppContext) {
  ctx.jobs.register(offlineCheckJob, (payload) => runOfflineCheck(ctx, payload as OfflineCheck), { maxAttempts: 5, leaseMs: 60_000 })
}
