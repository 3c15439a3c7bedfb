// The built-in report sections and the registry later domains add theirs to.
import type { AppContext } from '../context'
import * as q from './data-repo'
import type { BarChart, Cell, ReportSection, ReportTarget, SectionResult } from './types'

type Ctx = Pick<AppContext, 'db' | 'clock'>

const registry = new Map<string, ReportSection>()

/** registerReportSection adds a section type (patching, backup, security… register theirs at start). */
export function registerReportSection(section: ReportSection) {
  registry.set(section.type, section)
}

export function reportSection(type: string): ReportSection | undefined {
  return registry.get(type)
}

export function reportSections(): ReportSection[] {
  return [...registry.values()]
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0)
const minutes = (ms: number) => Math.round(ms / 60_000)
const topBars = (title: string, items: { label: string; value: number }[], n = 10, unit?: string): BarChart | null =>
  items.length ? { title, unit, bars: [...items].sort((a, b) => b.value - a.value).slice(0, n) } : null
const rowCap = 100_000

function finish(rows: Record<string, Cell>[], limit: number, extra: Omit<SectionResult, 'rows' | 'truncated'>): SectionResult {
  return { rows: rows.slice(0, limit), truncated: rows.length > limit, ...extra }
}

registerReportSection({
  type: 'inventory',
  label: 'Hardware inventory',
  description: 'Every device with its operating system, make, model, serial number, CPU, memory and disk.',
  permission: 'devices:read',
  usesPeriod: false,
  columns: [
    { key: 'device', label: 'Device', width: 1.4 }, { key: 'org', label: 'Organization' }, { key: 'site', label: 'Site' }, { key: 'status', label: 'Status', width: 0.7 },
    { key: 'os', label: 'OS', width: 0.7 }, { key: 'osVersion', label: 'OS version', width: 1.2 }, { key: 'architecture', label: 'Arch', width: 0.5 },
    { key: 'manufacturer', label: 'Manufacturer' }, { key: 'model', label: 'Model' }, { key: 'serial', label: 'Serial number' }, { key: 'cpu', label: 'CPU', width: 1.6 },
    { key: 'cores', label: 'Cores', kind: 'number', width: 0.5 }, { key: 'ramGb', label: 'RAM (GB)', kind: 'number', width: 0.6 }, { key: 'diskGb', label: 'Disk (GB)', kind: 'number', width: 0.6 },
    { key: 'lastUser', label: 'Last user' }, { key: 'agentVersion', label: 'Agent', width: 0.6 }, { key: 'publicIp', label: 'Public IP' },
    { key: 'lastSeen', label: 'Last seen', kind: 'date' }, { key: 'enrolled', label: 'Enrolled', kind: 'date' },
  ],
  defaultColumns: ['device', 'org', 'site', 'os', 'osVersion', 'manufacturer', 'model', 'serial', 'cpu', 'ramGb', 'diskGb', 'lastSeen'],
  async build(ctx, target, { limit }) {
    const rows = await q.hardwareRows(ctx.db, target, Math.min(limit, rowCap) + 1)
    const counts = await q.deviceCounts(ctx.db, target)
    const total = counts.reduce((s, c) => s + c.n, 0)
    const byStatus = (s: string) => counts.filter((c) => c.status === s).reduce((n, c) => n + c.n, 0)
    const osNames: Record<string, string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' }
    const byOs = Object.entries(osNames).map(([k, label]) => ({ label, value: counts.filter((c) => c.os === k).reduce((n, c) => n + c.n, 0) })).filter((b) => b.value > 0)
    return finish(rows.map(({ ramMb, ...r }) => ({ ...r, ramGb: ramMb === null ? null : Math.round(ramMb / 1024) })), limit, {
      figures: [{ label: 'Devices', value: String(total) }, { label: 'Online', value: String(byStatus('online')) }, { label: 'Offline', value: String(byStatus('offline')) }, ...byOs.map((b) => ({ label: b.label, value: String(b.value) }))],
      chart: topBars('Devices by operating system', byOs),
    })
  },
})

registerReportSection({
  type: 'software',
  label: 'Software inventory',
  description: 'Installed software across the devices: how many devices have each title, and in how many versions.',
  permission: 'devices:read',
  usesPeriod: false,
  columns: [{ key: 'name', label: 'Software', width: 2 }, { key: 'publisher', label: 'Publisher', width: 1.4 }, { key: 'devices', label: 'Devices', kind: 'number', width: 0.6 }, { key: 'versions', label: 'Versions', kind: 'number', width: 0.6 }],
  defaultColumns: ['name', 'publisher', 'devices', 'versions'],
  async build(ctx, target, { limit }) {
    const rows = await q.softwareTitles(ctx.db, target, Math.min(limit, rowCap) + 1)
    const installs = rows.reduce((s, r) => s + r.devices, 0)
    return finish(rows, limit, {
      figures: [{ label: 'Titles', value: String(Math.min(rows.length, limit)) + (rows.length > limit ? '+' : '') }, { label: 'Installations', value: String(installs) }],
      chart: topBars('Most installed software (devices)', rows.map((r) => ({ label: r.name, value: r.devices }))),
    })
  },
})

registerReportSection({
  type: 'software_versions',
  label: 'Software versions and drift',
  description: 'For each title, its newest version seen in the fleet and how many devices run an older one.',
  permission: 'devices:read',
  usesPeriod: false,
  columns: [
    { key: 'name', label: 'Software', width: 2 }, { key: 'publisher', label: 'Publisher', width: 1.2 }, { key: 'devices', label: 'Devices', kind: 'number', width: 0.6 },
    { key: 'versions', label: 'Versions', kind: 'number', width: 0.6 }, { key: 'newest', label: 'Newest version', width: 1 }, { key: 'onNewest', label: 'On newest', kind: 'number', width: 0.6 },
    { key: 'behind', label: 'Behind', kind: 'number', width: 0.6 }, { key: 'drift', label: 'Drift %', kind: 'percent', width: 0.6 }, { key: 'allVersions', label: 'All versions (devices)', width: 2 },
  ],
  defaultColumns: ['name', 'devices', 'versions', 'newest', 'onNewest', 'behind', 'drift'],
  async build(ctx, target, { limit }) {
    const byName = new Map<string, { publisher: string | null; versions: { version: string | null; key: string | null; devices: number }[] }>()
    for (const r of await q.softwareVersionRows(ctx.db, target)) {
      const e = byName.get(r.name) ?? { publisher: r.publisher, versions: [] }
      e.versions.push({ version: r.version, key: r.versionKey, devices: r.devices })
      byName.set(r.name, e)
    }
    const rows = [...byName].map(([name, e]) => {
      // note: versions compare by their stored sort key (dpkg/rpm/semver ordering, src/devices/versions.ts); a title without keys has no "newest".
      const sorted = [...e.versions].sort((a, b) => (a.key ?? '') < (b.key ?? '') ? 1 : (a.key ?? '') > (b.key ?? '') ? -1 : b.devices - a.devices)
      const newest = sorted[0]?.key ? sorted[0] : null
      const devices = e.versions.reduce((s, v) => s + v.devices, 0)
      const onNewest = newest ? newest.devices : devices
      return {
        name, publisher: e.publisher, devices, versions: e.versions.length, newest: newest?.version ?? null, onNewest, behind: devices - onNewest, drift: pct(devices - onNewest, devices),
        allVersions: sorted.map((v) => `${v.version ?? '(none)'} (${v.devices})`).join(', '),
      }
    }).sort((a, b) => b.behind - a.behind || b.versions - a.versions || a.name.localeCompare(b.name))
    const drifting = rows.filter((r) => r.versions > 1)
    return finish(rows, limit, {
      figures: [{ label: 'Titles', value: String(rows.length) }, { label: 'Titles in several versions', value: String(drifting.length) }, { label: 'Installations behind the newest', value: String(rows.reduce((s, r) => s + r.behind, 0)) }],
      chart: topBars('Devices behind the newest version', drifting.filter((r) => r.behind > 0).map((r) => ({ label: r.name, value: r.behind }))),
    })
  },
})

const severities = ['critical', 'high', 'medium', 'low', 'info'] as const

registerReportSection({
  type: 'alerts',
  label: 'Alerts',
  description: 'Alerts raised in the period: counts by severity, mean time to acknowledge (MTTA) and to resolve (MTTR), and each alert.',
  permission: 'alerts:read',
  usesPeriod: true,
  columns: [
    { key: 'triggeredAt', label: 'Triggered', kind: 'date', width: 1.2 }, { key: 'severity', label: 'Severity', width: 0.7 }, { key: 'title', label: 'Alert', width: 2 }, { key: 'device', label: 'Device', width: 1.2 },
    { key: 'org', label: 'Organization' }, { key: 'status', label: 'Status', width: 0.8 }, { key: 'ttaMinutes', label: 'Time to acknowledge (min)', kind: 'number', width: 0.8 },
    { key: 'ttrMinutes', label: 'Time to resolve (min)', kind: 'number', width: 0.8 },
  ],
  defaultColumns: ['triggeredAt', 'severity', 'title', 'device', 'status', 'ttaMinutes', 'ttrMinutes'],
  async build(ctx, target, { limit }) {
    const stats = await q.alertStats(ctx.db, target)
    const rows = await q.alertRows(ctx.db, target, Math.min(limit, rowCap) + 1)
    const total = stats.reduce((s, r) => s + r.n, 0)
    const sum = (k: 'ackSum' | 'ackN' | 'resSum' | 'resN') => stats.reduce((s, r) => s + r[k], 0)
    const mean = (s: number, n: number) => (n > 0 ? `${minutes(s / n)} min` : '—')
    const bySeverity = severities.map((s) => ({ label: s, value: stats.find((r) => r.severity === s)?.n ?? 0 }))
    return finish(rows.map((r) => ({
      triggeredAt: r.triggeredAt, severity: r.severity, title: r.title, device: r.device, org: r.org, status: r.status,
      ttaMinutes: r.acknowledgedAt ? minutes(r.acknowledgedAt - r.triggeredAt) : null, ttrMinutes: r.resolvedAt ? minutes(r.resolvedAt - r.triggeredAt) : null,
    })), limit, {
      figures: [{ label: 'Alerts', value: String(total) }, ...bySeverity.map((b) => ({ label: b.label[0].toUpperCase() + b.label.slice(1), value: String(b.value) })),
        { label: 'MTTA', value: mean(sum('ackSum'), sum('ackN')) }, { label: 'MTTR', value: mean(sum('resSum'), sum('resN')) }],
      chart: total ? { title: 'Alerts by severity', bars: bySeverity } : null,
    })
  },
})

/** onlineShare: online time / monitored time of one device over [from, to) from its status history (maintenance and decommissioned time are not monitored). */
export function onlineShare(changes: { at: number; action: string; details: Record<string, unknown> | null }[], from: number, to: number, enrolledAt: number) {
  const stateOf = (c: { action: string; details: Record<string, unknown> | null }): 'up' | 'down' | 'off' => {
    if (c.action === 'online') return 'up'
    if (c.action === 'offline') return 'down'
    if (c.action === 'maintenance_ended') return c.details?.status === 'offline' ? 'down' : 'up'
    return 'off'
  }
  const start = Math.max(from, enrolledAt)
  if (start >= to) return { online: null as number | null, downMs: 0, outages: 0 }
  // note: a device enrolls while talking to the server, so before any recorded change it was online.
  let state: 'up' | 'down' | 'off' = 'up'
  let at = start
  let up = 0
  let down = 0
  let outages = 0
  for (const c of changes) {
    if (c.at <= start) { state = stateOf(c); continue }
    if (c.at >= to) break
    if (state === 'up') up += c.at - at
    else if (state === 'down') down += c.at - at
    const next = stateOf(c)
    if (next === 'down' && state !== 'down') outages++
    state = next
    at = c.at
  }
  if (state === 'up') up += to - at
  else if (state === 'down') down += to - at
  return { online: up + down > 0 ? pct(up, up + down) : null, downMs: down, outages }
}

registerReportSection({
  type: 'availability',
  label: 'Availability',
  description: 'Online time of each device over the period, from its status history (time in maintenance is left out).',
  permission: 'devices:read',
  usesPeriod: true,
  columns: [
    { key: 'device', label: 'Device', width: 1.4 }, { key: 'org', label: 'Organization' }, { key: 'site', label: 'Site' }, { key: 'online', label: 'Online %', kind: 'percent', width: 0.7 },
    { key: 'downtimeHours', label: 'Downtime (h)', kind: 'number', width: 0.7 }, { key: 'outages', label: 'Outages', kind: 'number', width: 0.6 }, { key: 'status', label: 'Status now', width: 0.8 },
  ],
  defaultColumns: ['device', 'org', 'site', 'online', 'downtimeHours', 'outages', 'status'],
  async build(ctx, target, { limit }) {
    const devices = await q.availabilityDevices(ctx.db, target, rowCap)
    const history = new Map<string, { at: number; action: string; details: Record<string, unknown> | null }[]>()
    for (const c of await q.statusChanges(ctx.db, target)) {
      const list = history.get(c.deviceId) ?? []
      list.push(c)
      history.set(c.deviceId, list)
    }
    const to = Math.min(target.to, ctx.clock.now())
    const rows = devices.map((d) => {
      const a = onlineShare(history.get(d.id) ?? [], target.from, to, d.enrolledAt)
      return { device: d.device, org: d.org, site: d.site, online: a.online, downtimeHours: Math.round(a.downMs / 360_000) / 10, outages: a.outages, status: d.status }
    })
    const measured = rows.filter((r) => r.online !== null)
    const avg = measured.length ? Math.round(measured.reduce((s, r) => s + r.online!, 0) / measured.length * 10) / 10 : null
    const buckets = [
      { label: '100%', value: measured.filter((r) => r.online! >= 100).length }, { label: '99–100%', value: measured.filter((r) => r.online! >= 99 && r.online! < 100).length },
      { label: '95–99%', value: measured.filter((r) => r.online! >= 95 && r.online! < 99).length }, { label: 'below 95%', value: measured.filter((r) => r.online! < 95).length },
    ]
    rows.sort((a, b) => (a.online ?? 101) - (b.online ?? 101) || a.device.localeCompare(b.device))
    return finish(rows, limit, {
      figures: [{ label: 'Devices', value: String(rows.length) }, { label: 'Average online', value: avg === null ? '—' : `${avg}%` }, { label: 'Outages', value: String(rows.reduce((s, r) => s + r.outages, 0)) }, { label: 'Below 99%', value: String(measured.filter((r) => r.online! < 99).length) }],
      chart: measured.length ? { title: 'Devices by online share', bars: buckets } : null,
    })
  },
})

registerReportSection({
  type: 'compliance',
  label: 'Policy compliance',
  description: 'The current compliance of every device with each policy assigned to it, and the rules it fails.',
  permission: 'policies:read',
  usesPeriod: false,
  columns: [
    { key: 'policy', label: 'Policy', width: 1.4 }, { key: 'device', label: 'Device', width: 1.2 }, { key: 'org', label: 'Organization' }, { key: 'status', label: 'Status', width: 0.9 },
    { key: 'failing', label: 'Failing rules', width: 2 }, { key: 'checkedAt', label: 'Checked', kind: 'date' }, { key: 'changedAt', label: 'Since', kind: 'date' },
  ],
  defaultColumns: ['policy', 'device', 'status', 'failing', 'checkedAt'],
  async build(ctx, target, { limit }) {
    const counts = await q.complianceCounts(ctx.db, target)
    const rows = await q.complianceRows(ctx.db, target, Math.min(limit, rowCap) + 1)
    const total = counts.reduce((s, c) => s + c.n, 0)
    const of = (s: string) => counts.find((c) => c.status === s)?.n ?? 0
    const bars = [{ label: 'compliant', value: of('compliant') }, { label: 'non-compliant', value: of('non_compliant') }, { label: 'pending', value: of('pending') }, { label: 'error', value: of('error') }]
    return finish(rows.map((r) => ({
      policy: r.policy, device: r.device, org: r.org, status: r.status.replace('_', '-'), checkedAt: r.checkedAt, changedAt: r.changedAt,
      failing: r.details.filter((d) => d.status === 'fail').map((d) => d.label).join('; '),
    })), limit, {
      figures: [{ label: 'Checks', value: String(total) }, { label: 'Compliant', value: `${pct(of('compliant'), total)}%` }, { label: 'Non-compliant', value: String(of('non_compliant')) }, { label: 'Pending or error', value: String(of('pending') + of('error')) }],
      chart: total ? { title: 'Compliance by status', bars } : null,
    })
  },
})

registerReportSection({
  type: 'script_activity',
  label: 'Script activity',
  description: 'Scripts run on the devices in the period: runs, outcomes and success rate per script.',
  permission: 'scripts:read',
  usesPeriod: true,
  columns: [
    { key: 'script', label: 'Script', width: 2 }, { key: 'runs', label: 'Runs', kind: 'number', width: 0.6 }, { key: 'completed', label: 'Completed', kind: 'number', width: 0.7 },
    { key: 'failed', label: 'Failed', kind: 'number', width: 0.6 }, { key: 'timeout', label: 'Timed out', kind: 'number', width: 0.6 }, { key: 'cancelled', label: 'Cancelled', kind: 'number', width: 0.6 },
    { key: 'success', label: 'Success %', kind: 'percent', width: 0.6 }, { key: 'devices', label: 'Devices', kind: 'number', width: 0.6 }, { key: 'lastRun', label: 'Last run', kind: 'date' },
  ],
  defaultColumns: ['script', 'runs', 'completed', 'failed', 'timeout', 'success', 'devices', 'lastRun'],
  async build(ctx, target, { limit }) {
    const rows = (await q.scriptStats(ctx.db, target, rowCap)).map((r) => ({ ...r, success: pct(r.completed, r.runs) }))
    const runs = rows.reduce((s, r) => s + r.runs, 0)
    const done = rows.reduce((s, r) => s + r.completed, 0)
    return finish(rows, limit, {
      figures: [{ label: 'Runs', value: String(runs) }, { label: 'Scripts', value: String(rows.length) }, { label: 'Succeeded', value: `${pct(done, runs)}%` }, { label: 'Failed or timed out', value: String(rows.reduce((s, r) => s + r.failed + r.timeout, 0)) }],
      chart: topBars('Runs per script', rows.map((r) => ({ label: r.script, value: r.runs }))),
    })
  },
})

registerReportSection({
  type: 'user_activity',
  label: 'User activity (audit)',
  description: 'Who did what in the period, from the audit log: actions, sign-ins and failed or denied attempts per user.',
  permission: 'audit:read',
  usesPeriod: true,
  columns: [
    { key: 'actor', label: 'User', width: 2 }, { key: 'actorType', label: 'Kind', width: 0.6 }, { key: 'actions', label: 'Actions', kind: 'number', width: 0.6 },
    { key: 'logins', label: 'Sign-ins', kind: 'number', width: 0.6 }, { key: 'failures', label: 'Failed or denied', kind: 'number', width: 0.8 }, { key: 'last', label: 'Last activity', kind: 'date', width: 1.2 },
  ],
  defaultColumns: ['actor', 'actorType', 'actions', 'logins', 'failures', 'last'],
  async build(ctx, target, { limit }) {
    const rows = await q.userActivity(ctx.db, target, rowCap)
    return finish(rows, limit, {
      figures: [{ label: 'Users and keys', value: String(rows.length) }, { label: 'Actions', value: String(rows.reduce((s, r) => s + r.actions, 0)) }, { label: 'Sign-ins', value: String(rows.reduce((s, r) => s + r.logins, 0)) }, { label: 'Failed or denied', value: String(rows.reduce((s, r) => s + r.failures, 0)) }],
      chart: topBars('Actions per user', rows.map((r) => ({ label: r.actor, value: r.actions }))),
    })
  },
})

registerReportSection({
  type: 'security_events',
  label: 'Security events (audit)',
  description: 'Sign-ins, security events (refused requests, MFA changes) and every failed or denied action in the period.',
  permission: 'audit:read',
  usesPeriod: true,
  columns: [
    { key: 'at', label: 'When', kind: 'date', width: 1.2 }, { key: 'actor', label: 'User', width: 1.4 }, { key: 'action', label: 'Action', width: 1.2 }, { key: 'result', label: 'Result', width: 0.6 },
    { key: 'ip', label: 'IP address', width: 0.9 }, { key: 'resource', label: 'Resource' }, { key: 'error', label: 'Reason', width: 1.4 },
  ],
  defaultColumns: ['at', 'actor', 'action', 'result', 'ip', 'error'],
  async build(ctx, target, { limit }) {
    const rows = await q.securityEvents(ctx.db, target, Math.min(limit, rowCap) + 1)
    const byAction = new Map<string, number>()
    for (const r of rows) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1)
    return finish(rows, limit, {
      figures: [{ label: 'Events', value: String(Math.min(rows.length, limit)) }, { label: 'Failed sign-ins', value: String(rows.filter((r) => r.action.startsWith('auth.login') && r.result !== 'success').length) },
        { label: 'Denied', value: String(rows.filter((r) => r.result === 'denied').length) }],
      chart: topBars('Events by action', [...byAction].map(([label, value]) => ({ label, value }))),
    })
  },
})

export type { ReportTarget }
