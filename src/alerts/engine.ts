// The evaluation engine: given a device and what just happened (heartbeat, inventory, software
// change, or the clock), decide for each applicable rule whether an alert fires, stays, or
// resolves. A healthy device costs the in-memory rule check plus one indexed lookup of its
// watch rows; writes happen only when something changes.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import type { HeartbeatMetrics, SoftwareRef } from '../events'
import { deleteWatch, lastResolvedAt, listWatchesForDevice, listWatchesForDevices, saveWatch, type AlertWatch } from './alerts-repo'
import { describeConditions, durationMs, evaluateItem, itemHolds, volumeSubjects, type DeviceFacts, type Trigger } from './conditions'
import { afterOfflineFired, parentAtFire } from './correlation'
import { deviceGroupIds, deviceOpenPatches, deviceServices, deviceSoftwareNames, deviceVolumes, findAlertDevice, siteName, type AlertDevice } from './facts-repo'
import { fireAlert, notifyPlan, recordEvent, resolveAlert } from './lifecycle'
import { activeMaintenance } from './maintenance'
import { ruleCacheOf, type CompiledRule } from './rule-cache'
import { targetsMatch } from './targets'
import { renderTemplate, templateVars } from './templates'
import type { AlertValues } from './types'

type Ctx = AppContext

export type EvaluationInput = {
  deviceId: string
  orgId: string
  trigger: Trigger
  metrics?: HeartbeatMetrics
  /** Only some metrics were reported (custom metrics from a script): pending reboot counts as unknown. */
  partial?: boolean
  change?: { installed: SoftwareRef[]; removed: SoftwareRef[] }
  /**
   * Evaluate only this rule, against the device's stored state (a rule just saved). Such an
   * evaluation only adds (starts a pending state, fires): the stored state may be older than
   * the last heartbeat, so it never clears a pending state or resolves an alert.
   */
  ruleId?: string
  /** The device row, when the caller already has it (the time-based job). */
  device?: AlertDevice
}

/** Loads device facts once and only when some rule needs them. */
class FactLoader {
  private deviceP: Promise<AlertDevice | undefined> | null = null
  private groupsP: Promise<string[]> | null = null

  constructor(private ctx: Ctx, private input: EvaluationInput) {
    if (input.device) this.deviceP = Promise.resolve(input.device)
  }

  device() { return (this.deviceP ??= findAlertDevice(this.ctx.db, this.input.deviceId)) }
  groups = () => (this.groupsP ??= deviceGroupIds(this.ctx.db, this.input.deviceId))

  async targeted(rule: CompiledRule): Promise<boolean> {
    if (rule.targets.kind === 'all') return true
    if (rule.targets.kind === 'devices') return rule.targets.ids.includes(this.input.deviceId)
    const device = await this.device()
    return !!device && targetsMatch(rule.targets, device, this.groups)
  }

  /** heartbeatFacts: a heartbeat that needs nothing from the database (the common case), without an await. */
  heartbeatFacts(rules: CompiledRule[], now: number): DeviceFacts | null {
    const hb = this.input.metrics
    if (!hb || rules.some((r) => r.needs.device || r.needs.services || r.needs.software || r.needs.patches)) return null
    return {
      now, lastSeenAt: now, lastHeartbeatAt: now, offline: false, pendingReboot: this.input.partial ? null : hb.pendingReboot, agentVersion: null, services: null, software: null, change: this.input.change ?? null,
      metrics: { cpuPercent: hb.cpuPercent, ramPercent: hb.ramPercent, diskPercent: hb.diskPercent, processCount: hb.processCount, netInBytes: hb.netInBytes, netOutBytes: hb.netOutBytes, volumes: hb.volumes, custom: hb.custom, processes: hb.processes },
    }
  }

  async facts(rules: CompiledRule[], now: number): Promise<DeviceFacts | null> {
    const need = (k: keyof CompiledRule['needs']) => rules.some((r) => r.needs[k])
    const hb = this.input.metrics
    const device = hb && !need('device') ? undefined : await this.device()
    if (!hb && !device) return null
    if (device?.status === 'decommissioned') return null
    const metrics: DeviceFacts['metrics'] = hb
      ? { cpuPercent: hb.cpuPercent, ramPercent: hb.ramPercent, diskPercent: hb.diskPercent, processCount: hb.processCount, netInBytes: hb.netInBytes, netOutBytes: hb.netOutBytes, volumes: hb.volumes, custom: hb.custom, processes: hb.processes }
      : { cpuPercent: device!.cpuPercent, ramPercent: device!.ramPercent, diskPercent: device!.diskPercent, processCount: null, netInBytes: null, netOutBytes: null,
          volumes: rules.some((r) => r.hasVolumes) ? await deviceVolumes(this.ctx.db, this.input.deviceId) : {}, custom: {} }
    return {
      now, metrics,
      // A heartbeat is proof of life: offline/stale conditions are false on that path.
      lastSeenAt: hb ? now : device!.lastSeenAt,
      lastHeartbeatAt: hb ? now : device!.lastHeartbeatAt,
      // In maintenance the status no longer tells connectivity: a device without a socket here
      // counts as offline there, so its offline alert is raised (suppressed) and notifies after.
      offline: hb ? false : device!.status === 'offline' || (device!.status === 'maintenance' && !this.ctx.agents.isConnected(this.input.deviceId)),
      pendingReboot: hb ? (this.input.partial ? null : hb.pendingReboot) : device!.pendingReboot,
      agentVersion: device?.agentVersion ?? null,
      services: need('services') ? await deviceServices(this.ctx.db, this.input.deviceId) : null,
      software: need('software') ? await deviceSoftwareNames(this.ctx.db, this.input.deviceId) : null,
      patches: need('patches') ? await deviceOpenPatches(this.ctx.db, this.input.deviceId) : null,
      change: this.input.change ?? null,
    }
  }
}

function anyItemHolds(rule: CompiledRule, facts: DeviceFacts, subject: string, serverVersion: string): boolean {
  for (const c of rule.conditions.items) if (itemHolds(c, facts, subject, serverVersion)) return true
  return false
}

/** A batch's shared state: watch rows loaded for all its devices, and pending-state writes. */
export type BatchState = { watches: Map<string, AlertWatch[]>; writes: WatchWrite[] }

/** evaluateDevice runs every rule of the device's org that this trigger can change. */
export async function evaluateDevice(ctx: Ctx, input: EvaluationInput, batch?: BatchState): Promise<void> {
  const cache = ruleCacheOf(ctx)
  const entry = cache.peek(input.orgId) ?? (await cache.forOrg(ctx, input.orgId))
  if (!entry) return
  const candidates = input.ruleId ? entry.rules.filter((r) => r.id === input.ruleId) : entry.byTrigger[input.trigger]
  if (candidates.length === 0) return
  const loader = new FactLoader(ctx, input)
  const rules: CompiledRule[] = []
  for (const r of candidates) {
    // note: 'all' and device lists are decided here without an await (most rules, every heartbeat).
    if (r.targets.kind === 'all' || (r.targets.kind === 'devices' ? r.targets.ids.includes(input.deviceId) : await loader.targeted(r))) rules.push(r)
  }
  if (rules.length === 0) return
  const now = ctx.clock.now()
  const facts = loader.heartbeatFacts(rules, now) ?? (await loader.facts(rules, now))
  if (!facts) return
  const rows = batch ? batch.watches.get(input.deviceId) ?? [] : await listWatchesForDevice(ctx.db, input.deviceId)
  // ruleId → subject → watch (nested maps: no key strings built on the hot path)
  const watches = new Map<string, Map<string, AlertWatch>>()
  for (const w of rows) {
    const bySubject = watches.get(w.ruleId)
    if (bySubject) bySubject.set(w.subject, w)
    else watches.set(w.ruleId, new Map([[w.subject, w]]))
  }
  const offlineRuleIds = entry.offlineRuleIds
  const writes: WatchWrite[] = batch?.writes ?? []
  const young = youngStates(ctx).get(input.deviceId)
  const noSubject = ['']
  for (const rule of rules) {
    const ruleWatches = watches.get(rule.id)
    const ruleYoung = young?.get(rule.id)
    let subjects = noSubject
    if (rule.hasVolumes) {
      subjects = volumeSubjects(rule.conditions, facts) ?? []
      for (const extra of [...(ruleWatches?.keys() ?? []), ...(ruleYoung?.keys() ?? [])]) if (!subjects.includes(extra)) subjects.push(extra)
    }
    for (const subject of subjects) {
      const watch = ruleWatches?.get(subject)
      // The common case: nothing holds and nothing is pending: no work, no allocation.
      if (!watch && !ruleYoung?.has(subject) && !anyItemHolds(rule, facts, subject, ctx.version)) continue
      try {
        const action = decide(ctx, { additive: !!input.ruleId, deviceId: input.deviceId, rule, subject, facts, watch, loader, orgId: input.orgId, partnerId: entry.partnerId, orgName: entry.orgName, offlineRuleIds, writes })
        if (action) await action()
      } catch (err) {
        ctx.log.error('alert evaluation failed', { ruleId: rule.id, deviceId: input.deviceId, subject, err })
      }
    }
  }
  if (!batch) await applyWrites(ctx, writes)
}

/**
 * evaluateBatch evaluates many devices (each once) with one query for their watch rows and
 * one transaction for their pending-state writes: under a heartbeat flood the database work
 * per heartbeat shrinks to a share of two statements.
 */
export async function evaluateBatch(ctx: Ctx, inputs: EvaluationInput[]): Promise<void> {
  const watches = new Map<string, AlertWatch[]>()
  for (const w of await listWatchesForDevices(ctx.db, inputs.map((i) => i.deviceId))) watches.set(w.deviceId, [...(watches.get(w.deviceId) ?? []), w])
  const batch: BatchState = { watches, writes: [] }
  for (const input of inputs) await evaluateDevice(ctx, input, batch)
  await applyWrites(ctx, batch.writes)
}

async function applyWrites(ctx: Ctx, writes: WatchWrite[]) {
  if (writes.length === 0) return
  await withTx(ctx.db, async (tx) => {
    for (const w of writes) await (w.delete ? deleteWatch(tx, w.row) : saveWatch(tx, w.row))
  })
}

type WatchWrite = { delete: boolean; row: AlertWatch }

type SubjectInput = {
  /** A saved rule's first look (EvaluationInput.ruleId): never clears or resolves. */
  additive: boolean
  deviceId: string; rule: CompiledRule; subject: string; facts: DeviceFacts; watch: AlertWatch | undefined; loader: FactLoader
  orgId: string; partnerId: string; orgName: string; offlineRuleIds: string[]
  /** Plain pending-state writes, applied together at the end of the evaluation. */
  writes: WatchWrite[]
}

/**
 * Young pending states: a condition that started holding less than `persistAfterMs` ago is kept
 * in this process only. Most such states end at the next heartbeat (a CPU spike), so they cost
 * no database write at all; one that lasts is written to its watch row, where every process and
 * a restart see it. note: a restart loses young states, delaying a duration alert by at most
 * persistAfterMs; with several processes each sees the young states of its own heartbeats.
 */
export const persistAfterMs = 60_000
/** deviceId → ruleId → subject → item index → since */
type YoungStates = Map<string, Map<string, Map<string, Record<string, number>>>>
const youngByServer = new WeakMap<object, YoungStates>()
function youngStates(ctx: Pick<AppContext, 'events'>): YoungStates {
  let m = youngByServer.get(ctx.events)
  if (!m) { m = new Map(); youngByServer.set(ctx.events, m) }
  return m
}

function setYoung(ctx: Pick<AppContext, 'events'>, deviceId: string, ruleId: string, subject: string, states: Record<string, number> | null) {
  const all = youngStates(ctx)
  const device = all.get(deviceId)
  const rule = device?.get(ruleId)
  if (states && Object.keys(states).length) {
    if (rule) rule.set(subject, states)
    else if (device) device.set(ruleId, new Map([[subject, states]]))
    else all.set(deviceId, new Map([[ruleId, new Map([[subject, states]])]]))
    return
  }
  if (!rule?.delete(subject)) return
  if (rule.size === 0) device!.delete(ruleId)
  if (device!.size === 0) all.delete(deviceId)
}

/**
 * pruneYoungStates drops young states of devices silent for two days (or of rules that went
 * away). note: a device that reports at all (at most every hour) has them stored long before.
 */
export function pruneYoungStates(ctx: Pick<AppContext, 'events'>, now: number) {
  const all = youngStates(ctx)
  for (const [deviceId, rules] of all) {
    for (const [ruleId, subjects] of rules) {
      for (const [subject, states] of subjects) if (Object.values(states).every((since) => now - since > 2 * 24 * 3_600_000)) subjects.delete(subject)
      if (subjects.size === 0) rules.delete(ruleId)
    }
    if (rules.size === 0) all.delete(deviceId)
  }
}

const samePending = (a: Record<string, number>, b: Record<string, number>) => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k])
}

/**
 * decide works out what a (rule, device, subject) needs, synchronously: most evaluations end
 * here (nothing changed, or a pending-state write queued for the batch). It returns the async
 * action (fire, resolve, note a repeat match) only when an alert changes.
 */
function decide(ctx: Ctx, s: SubjectInput): (() => Promise<unknown>) | null {
  const { rule, subject, facts, watch } = s
  const items = rule.conditions.items
  const holds: boolean[] = []
  for (const c of items) {
    const h = itemHolds(c, facts, subject, ctx.version)
    // No data for some condition: change nothing (a missing metric is not a recovery).
    if (h === null) return null
    holds.push(h)
  }
  if (s.additive && !holds.some(Boolean)) return null
  const now = facts.now
  const young = youngStates(ctx).get(s.deviceId)?.get(rule.id)?.get(subject)
  const stored = watch?.pending ?? {}
  // Stored states are the older ones; a young state never overrides them.
  const pending: Record<string, number> = young ? { ...young, ...stored } : { ...stored }
  let satisfiedCount = 0
  let anyHolds = false
  for (let i = 0; i < items.length; i++) {
    if (!holds[i]) { if (!s.additive) delete pending[i]; continue }
    anyHolds = true
    if (!(i in pending)) pending[i] = now
    if (now - pending[i] >= durationMs(items[i])) satisfiedCount++
  }
  const fires = rule.conditions.match === 'all' ? satisfiedCount === items.length : satisfiedCount > 0
  // Values (for titles, timeline, notifications) are built only when something happens.
  const valuesNow = (): AlertValues => {
    const results = items.map((c) => evaluateItem(c, facts, subject, ctx.version))
    return Object.assign({}, ...results.filter((r) => r.holds).reverse().map((r) => r.values), anyHolds ? {} : Object.assign({}, ...results.map((r) => r.values).reverse()))
  }
  const key = { ruleId: rule.id, deviceId: s.deviceId, subject }
  const openAlertId = watch?.alertId ?? null

  // Split the states: stored ones and ones old enough go to the database, the rest stay here.
  const persist: Record<string, number> = {}
  const keep: Record<string, number> = {}
  let persistCount = 0
  let keepCount = 0
  for (const i in pending) {
    if (i in stored || now - pending[i] >= persistAfterMs) { persist[i] = pending[i]; persistCount++ } else { keep[i] = pending[i]; keepCount++ }
  }
  if (young || keepCount) setYoung(ctx, s.deviceId, rule.id, subject, fires && !openAlertId ? null : keep)

  if (fires && !openAlertId) return () => fire(ctx, s, pending, valuesNow())
  if (fires && openAlertId && rule.isEvent) return () => recordEvent(ctx, ctx.db, openAlertId, 'matched', { values: valuesNow(), note: 'The condition matched again' })
  if (!fires && openAlertId && rule.autoResolve && !rule.isEvent && !s.additive) {
    return async () => {
      await resolveAlert(ctx, openAlertId, { actor: null, values: valuesNow() })
      if (persistCount) await saveWatch(ctx.db, { ...key, orgId: s.orgId, pending: persist, alertId: null, updatedAt: now })
      else await deleteWatch(ctx.db, key)
    }
  }
  if (!openAlertId && persistCount === 0) {
    if (watch) s.writes.push({ delete: true, row: watch })
    return null
  }
  if (!watch || !samePending(persist, stored)) s.writes.push({ delete: false, row: { ...key, orgId: s.orgId, pending: persist, alertId: openAlertId, updatedAt: now } })
  return null
}

async function fire(ctx: Ctx, s: SubjectInput, pending: Record<string, number>, values: AlertValues) {
  const { rule, subject } = s
  const device = await s.loader.device()
  if (!device) return
  const now = s.facts.now
  const key = { ruleId: rule.id, deviceId: device.id, subject, orgId: s.orgId, pending }
  if (rule.cooldownMinutes > 0) {
    const last = await lastResolvedAt(ctx.db, rule.id, device.id, subject)
    if (last !== null && now - last < rule.cooldownMinutes * 60_000) {
      // Cooling down: remember the condition holds; it fires on a later evaluation if it still does.
      await saveWatch(ctx.db, { ...key, alertId: null, updatedAt: now })
      return
    }
  }
  const window = await activeMaintenance(ctx, device, now, s.loader.groups)
  const parent = await parentAtFire(ctx, rule, device.id, device.siteId, s.offlineRuleIds)
  const vars = templateVars({
    deviceName: device.displayName, hostname: device.hostname, os: device.osType, orgName: s.orgName, siteName: await siteName(ctx.db, device.siteId),
    ruleName: rule.name, severity: rule.severity, condition: describeConditions(rule.conditions),
  }, values)
  const alert = await fireAlert(ctx, {
    partnerId: s.partnerId, orgId: s.orgId, siteId: device.siteId, deviceId: device.id, ruleId: rule.id, kind: 'device', subject, severity: rule.severity,
    title: renderTemplate(rule.titleTemplate, vars).slice(0, 300) || rule.name, message: renderTemplate(rule.messageTemplate, vars).slice(0, 4000),
    context: values, triggeredAt: now, parentAlertId: parent?.id ?? null, muted: !!parent,
  }, {
    maintenance: window, plan: await notifyPlan(ctx, rule.channelIds, rule.escalationPolicyId), watch: key,
    note: parent ? `Grouped under "${parent.title}"` : undefined,
  })
  if (alert && rule.isOffline) await afterOfflineFired(ctx, alert, rule)
}
