// Pure condition logic: what each condition kind needs, whether it holds for a device's facts,
// and the values it reports. No database, no clock: the engine passes everything in.
import type { SoftwareRef } from '../events'
import { globMatcher } from '../lib/glob'
import { builtinMetrics, type AlertValues, type Condition, type MetricCondition, type Operator, type RuleConditions } from './types'

/** What a device looks like at evaluation time; null = not known on this path. */
export type DeviceFacts = {
  now: number
  metrics: {
    cpuPercent: number | null
    ramPercent: number | null
    diskPercent: number | null
    processCount: number | null
    netInBytes: number | null
    netOutBytes: number | null
    /** mount → percent used */
    volumes: Record<string, number>
    custom: Record<string, number>
    /** Watched process globs the agent reported with this heartbeat (absent: not reported). */
    processes?: Record<string, { count: number; cpuPercent: number }>
  } | null
  lastSeenAt: number | null
  lastHeartbeatAt: number | null
  /**
   * Whether the device shows offline (its status). An offline condition holds only then, so an
   * offline alert never fires while the device still shows online (its socket open, or within
   * the grace after the socket closed); null when unknown.
   */
  offline: boolean | null
  pendingReboot: boolean | null
  agentVersion: string | null
  services: { name: string; displayName: string | null; state: string }[] | null
  software: { name: string }[] | null
  /**
   * The device's updates that are not done (available, approved, installing, failed; not
   * declined by its org), loaded only for patch rules; null: not loaded on this path.
   */
  patches?: { severity: string; classification: string; state: string; firstSeenAt: number }[] | null
  /** Only on the software.changed path. */
  change: { installed: SoftwareRef[]; removed: SoftwareRef[] } | null
}

/** Why an evaluation runs; each condition kind is re-checked only on the triggers that can change it. */
export type Trigger = 'heartbeat' | 'inventory' | 'software' | 'services' | 'patches' | 'tick'

const triggersOf: Record<Condition['type'], Trigger[]> = {
  metric: ['heartbeat'],
  // offline/stale become true with time (tick) and clear when the agent is heard from again.
  offline: ['tick', 'heartbeat', 'inventory'],
  stale: ['tick', 'heartbeat'],
  software: ['software', 'inventory'],
  // services: the agent's service watch (within a minute of a change) and service actions.
  service: ['inventory', 'services'],
  // processes: counted by the agent for the globs process rules name, every heartbeat.
  process_not_running: ['heartbeat'],
  process_cpu: ['heartbeat'],
  // patches: a scan or install ended (patches.changed); missing updates also come of age with time (tick).
  patch_missing: ['patches', 'tick'],
  patch_failed: ['patches'],
  pending_reboot: ['heartbeat'],
  // note: an agent reports its version with every heartbeat, but it only changes when the
  // agent restarts (after an update), and a restarted agent sends its inventory: checking
  // there spares every heartbeat a device-row read.
  agent_outdated: ['inventory'],
}

export function conditionTriggers(c: Condition): Trigger[] {
  if (c.type === 'software' && (c.event === 'installed' || c.event === 'removed')) return ['software']
  return triggersOf[c.type]
}

/** isEventCondition: fires on a change rather than describing a state (never auto-resolves). */
export function isEventCondition(c: Condition): boolean {
  return c.type === 'software' && (c.event === 'installed' || c.event === 'removed')
}

export { globMatcher }

export function isKnownMetric(name: string): boolean {
  return (builtinMetrics as readonly string[]).includes(name) || /^custom\.[A-Za-z0-9_.-]{1,64}$/.test(name)
}

const matchers = new Map<string, (text: string) => boolean>()
function matches(pattern: string, text: string): boolean {
  let m = matchers.get(pattern)
  if (!m) {
    if (matchers.size > 5000) matchers.clear()
    m = globMatcher(pattern)
    matchers.set(pattern, m)
  }
  return m(text)
}

export function compare(op: Operator, a: number, b: number): boolean {
  switch (op) {
    case 'gt': return a > b
    case 'gte': return a >= b
    case 'lt': return a < b
    case 'lte': return a <= b
    case 'eq': return a === b
    case 'neq': return a !== b
  }
}

export const operatorSymbols: Record<Operator, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=', neq: '≠' }

/** metricValue reads a metric from the facts (subject = volume for per-volume disk rules). */
export function metricValue(facts: DeviceFacts, c: MetricCondition, subject: string): number | null {
  const m = facts.metrics
  if (!m) return null
  switch (c.metric) {
    case 'cpu_percent': return m.cpuPercent
    case 'ram_percent': return m.ramPercent
    case 'disk_percent': return m.diskPercent
    case 'process_count': return m.processCount
    case 'net_in_bytes': return m.netInBytes
    case 'net_out_bytes': return m.netOutBytes
    case 'disk_volume_percent':
      if (!subject || (c.volume && !matches(c.volume, subject))) return null
      return m.volumes[subject] ?? null
    default:
      return c.metric.startsWith('custom.') ? m.custom[c.metric.slice(7)] ?? null : null
  }
}

/** The outcome of one condition for one device (and subject); known=false: no data, so no change. */
export type ItemResult = { holds: boolean; known: boolean; values: AlertValues }

/** evaluateItem: does condition `c` hold for these facts? Unknown facts never hold (and change nothing). */
export function evaluateItem(c: Condition, facts: DeviceFacts, subject: string, serverVersion: string): ItemResult {
  switch (c.type) {
    case 'metric': {
      const v = metricValue(facts, c, subject)
      const values: AlertValues = { metric: c.metric, value: v, threshold: c.value, operator: operatorSymbols[c.operator] }
      if (c.metric === 'disk_volume_percent') values.volume = subject
      return { holds: v !== null && compare(c.operator, v, c.value), known: v !== null, values }
    }
    case 'offline': case 'stale': {
      const at = c.type === 'offline' ? facts.lastSeenAt : facts.lastHeartbeatAt
      const minutesAgo = at === null ? null : Math.floor((facts.now - at) / 60_000)
      const shown = c.type === 'stale' || facts.offline === true
      const known = at !== null && (c.type === 'stale' || facts.offline !== null)
      return { holds: known && shown && facts.now - at! >= c.minutes * 60_000, known, values: { minutes: c.minutes, lastSeenMinutesAgo: minutesAgo } }
    }
    case 'software': {
      if (c.event === 'installed' || c.event === 'removed') {
        const list = facts.change?.[c.event] ?? []
        const hit = list.find((s) => matches(c.pattern, s.name))
        return { holds: !!hit, known: facts.change !== null, values: { software: hit?.name ?? null, version: hit?.version ?? null, event: c.event } }
      }
      if (!facts.software) return { holds: false, known: false, values: {} }
      const hit = facts.software.find((s) => matches(c.pattern, s.name))
      return { holds: c.event === 'present' ? !!hit : !hit, known: true, values: { software: hit?.name ?? c.pattern, event: c.event } }
    }
    case 'service': {
      const svc = facts.services?.find((s) => matches(c.name, s.name) || (s.displayName !== null && matches(c.name, s.displayName)))
      const running = svc ? /^(running|active|started)$/i.test(svc.state) : true
      return { holds: !!svc && !running, known: facts.services !== null, values: { service: svc?.displayName ?? svc?.name ?? c.name, state: svc?.state ?? null } }
    }
    case 'process_not_running': case 'process_cpu': {
      const p = facts.metrics?.processes?.[c.name]
      if (!p) return { holds: false, known: false, values: { process: c.name } }
      if (c.type === 'process_not_running') return { holds: p.count === 0, known: true, values: { process: c.name, count: p.count } }
      return { holds: p.count > 0 && p.cpuPercent > c.percent, known: true, values: { process: c.name, count: p.count, value: p.cpuPercent, threshold: c.percent, minutes: c.minutes } }
    }
    case 'patch_missing': case 'patch_failed': {
      if (!facts.patches) return { holds: false, known: false, values: {} }
      if (c.type === 'patch_failed') {
        const failed = facts.patches.filter((x) => x.state === 'failed').length
        return { holds: failed > 0, known: true, values: { failed } }
      }
      const cutoff = facts.now - c.days * 24 * 3_600_000
      const n = facts.patches.filter((x) => x.state !== 'failed' && patchSeverityMatches(c.severity, x) && x.firstSeenAt < cutoff).length
      return { holds: n > 0, known: true, values: { missing: n, severity: c.severity, days: c.days } }
    }
    case 'pending_reboot':
      return { holds: facts.pendingReboot === true, known: facts.pendingReboot !== null, values: { days: c.days, pendingReboot: facts.pendingReboot } }
    case 'agent_outdated': {
      const min = c.minVersion || serverVersion
      const v = facts.agentVersion
      return { holds: v !== null && versionOrder(v, min) < 0, known: v !== null, values: { agentVersion: v, minVersion: min } }
    }
  }
}

/**
 * itemHolds: the fast form of evaluateItem for the hot path, without building values: true,
 * false, or null when the facts are unknown. Only kinds a heartbeat carries are fast; the
 * others answer through evaluateItem.
 */
export function itemHolds(c: Condition, facts: DeviceFacts, subject: string, serverVersion: string): boolean | null {
  if (c.type === 'metric') {
    const v = metricValue(facts, c, subject)
    return v === null ? null : compare(c.operator, v, c.value)
  }
  if (c.type === 'offline' || c.type === 'stale') {
    const at = c.type === 'offline' ? facts.lastSeenAt : facts.lastHeartbeatAt
    if (at === null || (c.type === 'offline' && facts.offline === null)) return null
    return (c.type === 'stale' || facts.offline === true) && facts.now - at >= c.minutes * 60_000
  }
  if (c.type === 'pending_reboot') return facts.pendingReboot
  if (c.type === 'process_not_running' || c.type === 'process_cpu') {
    const p = facts.metrics?.processes?.[c.name]
    return p ? (c.type === 'process_not_running' ? p.count === 0 : p.count > 0 && p.cpuPercent > c.percent) : null
  }
  const r = evaluateItem(c, facts, subject, serverVersion)
  return r.known ? r.holds : null
}

/** durationMs: how long an item must hold before it counts (duration windows, pending reboot days). */
export function durationMs(c: Condition): number {
  if (c.type === 'metric' || c.type === 'service') return (c.durationMinutes ?? 0) * 60_000
  if (c.type === 'pending_reboot') return c.days * 24 * 3_600_000
  // note: a heartbeat below the threshold clears the pending state, so this is "above in every heartbeat for M minutes".
  if (c.type === 'process_cpu') return c.minutes * 60_000
  return 0
}

/** versionOrder compares dotted versions (semver when both parse, else numeric parts). */
export function versionOrder(a: string, b: string): number {
  try {
    const o = Bun.semver.order(a, b)
    if (o !== 0 || a === b) return o
  } catch {}
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

/** patchSeverityMatches: critical = critical; important = critical or important; security = security classification; any = every update. */
export function patchSeverityMatches(severity: 'critical' | 'important' | 'security' | 'any', p: { severity: string; classification: string }): boolean {
  if (severity === 'any') return true
  if (severity === 'security') return p.classification === 'security'
  return p.severity === 'critical' || (severity === 'important' && p.severity === 'important')
}

/** processGlobs: the process globs the rules' conditions watch (what the agent is told to count). */
export function processGlobs(conditions: RuleConditions): string[] {
  return conditions.items.flatMap((c) => (c.type === 'process_not_running' || c.type === 'process_cpu' ? [c.name] : []))
}

/** volumeSubjects: the disk volumes a per-volume rule watches on this device. */
export function volumeSubjects(conditions: RuleConditions, facts: DeviceFacts): string[] | null {
  const out: string[] = []
  let any = false
  for (const c of conditions.items) if (c.type === 'metric' && c.metric === 'disk_volume_percent') any = true
  if (!any) return null
  for (const m in facts.metrics?.volumes ?? {}) {
    for (const c of conditions.items) {
      if (c.type === 'metric' && c.metric === 'disk_volume_percent' && (!c.volume || matches(c.volume, m))) { out.push(m); break }
    }
  }
  return out
}

/** describeCondition renders a condition for people (rule lists, timeline). */
export function describeCondition(c: Condition): string {
  switch (c.type) {
    case 'metric': {
      const base = `${c.metric}${c.metric === 'disk_volume_percent' && c.volume ? ` (${c.volume})` : ''} ${operatorSymbols[c.operator]} ${c.value}`
      return c.durationMinutes ? `${base} for ${c.durationMinutes} min` : base
    }
    case 'offline': return `offline for ${c.minutes} min`
    case 'stale': return `no heartbeat for ${c.minutes} min`
    case 'software': return `software ${c.event} matching "${c.pattern}"`
    case 'service': return `service "${c.name}" stopped${c.durationMinutes ? ` for ${c.durationMinutes} min` : ''}`
    case 'process_not_running': return `process "${c.name}" not running`
    case 'process_cpu': return `process "${c.name}" above ${c.percent}% CPU for ${c.minutes} min`
    case 'patch_missing': return `${c.severity === 'any' ? 'an' : `a ${c.severity}`} update missing for more than ${c.days} day${c.days === 1 ? '' : 's'}`
    case 'patch_failed': return 'an update failed to install'
    case 'pending_reboot': return `reboot pending for ${c.days} day${c.days === 1 ? '' : 's'}`
    case 'agent_outdated': return `agent older than ${c.minVersion || 'the server version'}`
  }
}

export function describeConditions(rc: RuleConditions): string {
  return rc.items.map(describeCondition).join(rc.match === 'all' ? ' AND ' : ' OR ')
}
