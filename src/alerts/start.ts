// Wiring the alert engine into a running server: event listeners for data as it arrives, and
// one recurring job for what only the clock changes (offline and stale devices, escalation
// steps, the end of suppressions and maintenance windows).
import type { AppContext } from '../context'
import { registerDeliveryJob } from '../notifications/dispatch'
import { dueUnsuppress } from './alerts-repo'
import { evaluateDevice, pruneYoungStates, type EvaluationInput } from './engine'
import { EvaluationQueue } from './queue'
import { runDueEscalations } from './escalation'
import { devicesMissingPatchesSince, devicesSilentSince, findAlertDevice } from './facts-repo'
import { notifyPlan, releaseAlert } from './lifecycle'
import { activeMaintenance } from './maintenance'
import { deviceGroupIds } from './facts-repo'
import { updateAlertRow } from './alerts-repo'
import { recordCustomMetrics } from './custom-metrics'
import { compileRule } from './rule-cache'
import { processGlobs } from './conditions'
import { devicesOfOrgs } from './facts-repo'
import { processWatchFor } from './process-watch'
import { targetsMatch } from './targets'
import { findRuleAnyState, listEnabledRules, orgIdsOfPartners } from './rules-repo'

export const alertTickJob = 'alerts.tick'
export const alertTickMs = 30_000

/** startAlerting subscribes the engine to device events and registers its jobs. */
export async function startAlerting(ctx: AppContext) {
  const queue = new EvaluationQueue(ctx)
  const evaluate = (input: EvaluationInput) => queue.push(input)
  ctx.events.on('heartbeat.received', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'heartbeat', metrics: p.metrics }))
  ctx.events.on('inventory.received', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'inventory' }))
  ctx.events.on('services.changed', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'services' }))
  ctx.events.on('software.changed', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'software', change: { installed: p.installed, removed: p.removed } }))
  ctx.events.on('device.online', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'tick' }))
  ctx.events.on('device.offline', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'tick' }))
  // A patch scan or install ended: patch conditions of that device are checked again.
  ctx.events.on('patches.changed', (p) => evaluate({ deviceId: p.deviceId, orgId: p.orgId, trigger: 'patches' }))
  ctx.events.on('script.completed', (p) => recordCustomMetrics(ctx, { id: p.deviceId, orgId: p.orgId }, p.customMetrics))
  // A saved rule is evaluated against its devices' current state at once (a job: it survives a restart).
  ctx.jobs.register(ruleSavedJob, (p: { ruleId: string }) => evaluateSavedRule(ctx, p.ruleId, evaluate), { maxAttempts: 3, leaseMs: 5 * 60_000 })
  ctx.events.on('alert_rule.saved', async (p) => { await ctx.jobs.enqueue(ruleSavedJob, { ruleId: p.ruleId }) })
  registerDeliveryJob(ctx)
  await ctx.jobs.every(alertTickJob, alertTickMs, () => alertTick(ctx, evaluate))
  await ctx.jobs.every(patchAgeJob, patchAgeMs, () => evaluatePatchAges(ctx, evaluate))
}

export const patchAgeJob = 'alerts.patch-age'
export const patchAgeMs = 15 * 60_000

/**
 * evaluatePatchAges is the periodic pass of patch_missing rules: a missing update comes of age
 * with time alone, so the devices missing one older than the shortest rule's days are checked
 * (every 15 minutes: the windows are days long). Updates done or declined resolve on the next
 * scan or install of the device (patches.changed).
 */
export async function evaluatePatchAges(ctx: AppContext, evaluate: (input: EvaluationInput) => Promise<void> = (input) => evaluateDevice(ctx, input)) {
  const rules = (await listEnabledRules(ctx.db)).map(compileRule).filter((r) => r.conditions.items.some((c) => c.type === 'patch_missing'))
  if (rules.length === 0) return
  const days = Math.min(...rules.flatMap((r) => r.conditions.items.flatMap((c) => (c.type === 'patch_missing' ? [c.days] : []))))
  const orgIds = new Set(rules.flatMap((r) => (r.orgId ? [r.orgId] : [])))
  for (const id of await orgIdsOfPartners(ctx.db, [...new Set(rules.filter((r) => !r.orgId).map((r) => r.partnerId))])) orgIds.add(id)
  const devices = await devicesMissingPatchesSince(ctx.db, [...orgIds], ctx.clock.now() - days * 24 * 3_600_000)
  await Promise.all(devices.map((device) => evaluate({ deviceId: device.id, orgId: device.orgId, trigger: 'tick', device })))
}

export const ruleSavedJob = 'alerts.rule-saved'

/**
 * evaluateSavedRule checks a new or edited rule on every device it targets, against what is
 * stored (metrics on the device row, services, software, status). Agents it watches processes
 * on are told the new globs over their socket and answer with a heartbeat at once, which is
 * evaluated like any other.
 */
export async function evaluateSavedRule(ctx: AppContext, ruleId: string, evaluate: (input: EvaluationInput) => Promise<void> = (input) => evaluateDevice(ctx, input)) {
  const rule = await findRuleAnyState(ctx.db, ruleId)
  if (!rule || !rule.enabled || rule.deletedAt) return
  const orgIds = rule.orgId ? [rule.orgId] : await orgIdsOfPartners(ctx.db, [rule.partnerId])
  const watches = processGlobs(rule.conditions).length > 0
  const devices = await devicesOfOrgs(ctx.db, orgIds, 100_000)
  const work: Promise<void>[] = []
  for (const d of devices) {
    if (!(await targetsMatch(rule.targets, d, () => deviceGroupIds(ctx.db, d.id)))) continue
    work.push(evaluate({ deviceId: d.id, orgId: d.orgId, trigger: 'tick', ruleId }))
    if (watches && ctx.agents.isConnected(d.id)) ctx.agents.send(d.id, { type: 'config', heartbeatSeconds: d.heartbeatSeconds, watchProcesses: await processWatchFor(ctx, d) })
  }
  await Promise.all(work)
}

/** alertTick is the recurring job's body. */
export async function alertTick(ctx: AppContext, evaluate: (input: EvaluationInput) => Promise<void> = (input) => evaluateDevice(ctx, input)) {
  await evaluateSilentDevices(ctx, evaluate)
  await runDueEscalations(ctx)
  await releaseDueSuppressions(ctx)
  pruneYoungStates(ctx, ctx.clock.now())
}

/** evaluateSilentDevices runs the offline/stale rules on devices quiet for at least the shortest window. */
async function evaluateSilentDevices(ctx: AppContext, evaluate: (input: EvaluationInput) => Promise<void>) {
  const rules = (await listEnabledRules(ctx.db)).map(compileRule).filter((r) => r.conditions.items.some((c) => c.type === 'offline' || c.type === 'stale'))
  if (rules.length === 0) return
  const minutes = Math.min(...rules.flatMap((r) => r.conditions.items.flatMap((c) => (c.type === 'offline' || c.type === 'stale' ? [c.minutes] : []))))
  const orgIds = new Set(rules.flatMap((r) => (r.orgId ? [r.orgId] : [])))
  for (const id of await orgIdsOfPartners(ctx.db, [...new Set(rules.filter((r) => !r.orgId).map((r) => r.partnerId))])) orgIds.add(id)
  const devices = await devicesSilentSince(ctx.db, [...orgIds], ctx.clock.now() - minutes * 60_000)
  // Queued together, so they are evaluated in batches.
  await Promise.all(devices.map((device) => evaluate({ deviceId: device.id, orgId: device.orgId, trigger: 'tick', device })))
}

/** releaseDueSuppressions: suppression periods and maintenance windows that ended. */
async function releaseDueSuppressions(ctx: AppContext) {
  const now = ctx.clock.now()
  for (const alert of await dueUnsuppress(ctx.db, now)) {
    try {
      if (alert.suppressReason === 'maintenance' && alert.deviceId) {
        const device = await findAlertDevice(ctx.db, alert.deviceId)
        const window = device ? await activeMaintenance(ctx, device, now, () => deviceGroupIds(ctx.db, device.id)) : null
        if (window) { await updateAlertRow(ctx.db, alert.id, { suppressedUntil: window.until }); continue }
      }
      const rule = alert.ruleId ? await findRuleAnyState(ctx.db, alert.ruleId) : undefined
      const note = alert.suppressReason === 'maintenance' ? 'The maintenance window ended and the alert is still open' : 'The suppression period ended'
      await releaseAlert(ctx, alert, await notifyPlan(ctx, rule?.channelIds ?? [], rule?.escalationPolicyId ?? null), note)
    } catch (err) {
      ctx.log.error('releasing a suppressed alert failed', { alertId: alert.id, err })
    }
  }
}
