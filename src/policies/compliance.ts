// Reading compliance: a device's effective policy (where each value came from), compliance per
// policy and per device with history, the dashboard (percentages and daily trend), CSV export,
// and the dry run. Site-limited members see the devices of their sites only.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { getDevice } from '../devices/service'
import { canSeeDevice, deviceVisibility } from '../devices/visibility'
import { ForbiddenError, UnprocessableError } from '../lib/errors'
import { listScripts } from '../scripts/library'
import { can, orgIdsWith } from '../tenancy/scope'
import { listComplianceOfOrgs, listDaily, listHistory, type Compliance, type ComplianceHistory } from './compliance-repo'
import { applicablePolicies, mergeEffective } from './effective'
import { dryRun, evaluatePolicy, loadOrgPolicies } from './evaluate'
import { listOrgDevices, orgGroupMembership, siteNames, type PolicyDevice } from './facts-repo'
import { getPolicy } from './policies'
import { listPolicies, type Policy } from './repo'

type Ctx = AppContext
const dayMs = 24 * 3600_000

/** effectivePolicy: the merged settings and rules of a device, each with its source and what it overrode. */
export async function effectivePolicy(ctx: Ctx, actor: UserActor, deviceId: string) {
  const device = await getDevice(ctx, actor, deviceId)
  if (!can(actor.scope, 'policies:read', device.orgId)) throw new ForbiddenError('you need the policies:read permission in this organization', 'policies:read')
  const org = await loadOrgPolicies(ctx, device.orgId, undefined, [device.id])
  const applicable = applicablePolicies(device, org)
  const merged = mergeEffective(applicable, device.osType)
  const sites = await siteNames(ctx.db, device.orgId)
  const groups = new Map((await orgGroupMembership(ctx.db, device.orgId, [device.id])).groups.map((g) => [g.id, g.name]))
  const targetName = (level: string, id: string) => level === 'org' ? 'the organization' : level === 'site' ? `site ${sites.get(id) ?? id}` : level === 'group' ? `group ${groups.get(id) ?? id}` : 'this device'
  return {
    device: { id: device.id, name: device.displayName || device.hostname, osType: device.osType, orgId: device.orgId, siteId: device.siteId },
    policies: applicable.map((a) => ({ id: a.policy.id, name: a.policy.name, type: a.policy.type, enforcement: a.policy.enforcement, level: a.level, target: targetName(a.level, a.assignment.targetId), priority: a.priority })).reverse(),
    values: merged.values.map((v) => ({ ...v, source: { ...v.source, target: targetName(v.source.level, v.source.targetId) }, overridden: v.overridden.map((o) => ({ ...o, target: targetName(o.level, o.targetId) })) })),
    rules: merged.rules.map((r) => ({ ...r, source: { ...r.source, target: targetName(r.source.level, r.source.targetId) }, overridden: r.overridden.map((o) => ({ ...o, target: targetName(o.level, o.targetId) })) })),
  }
}

export type ComplianceRow = Compliance & { deviceName: string; siteId: string; osType: string; policyName: string }

/** complianceRows: current compliance in the caller's orgs (optionally one org, policy, device or status), with names. */
export async function complianceRows(ctx: Ctx, actor: UserActor, f: { orgId?: string; policyId?: string; deviceId?: string; status?: string } = {}): Promise<ComplianceRow[]> {
  let orgIds = orgIdsWith(actor.scope, 'policies:read')
  if (f.orgId) orgIds = orgIds.filter((o) => o === f.orgId)
  if (f.policyId) orgIds = [(await getPolicy(ctx, actor, f.policyId)).orgId]
  const rows = await listComplianceOfOrgs(ctx.db, orgIds, f)
  const v = deviceVisibility(actor.scope, 'policies:read')
  const devices = new Map<string, PolicyDevice>()
  const policies = new Map<string, Policy>()
  for (const orgId of new Set(rows.map((r) => r.orgId))) {
    for (const d of await listOrgDevices(ctx.db, orgId)) devices.set(d.id, d)
    for (const p of await listPolicies(ctx.db, [orgId])) policies.set(p.id, p)
  }
  return rows.flatMap((r) => {
    const d = devices.get(r.deviceId)
    const p = policies.get(r.policyId)
    if (!d || !p || !canSeeDevice(v, d)) return []
    return [{ ...r, deviceName: d.displayName || d.hostname, siteId: d.siteId, osType: d.osType, policyName: p.name }]
  })
}

export type Dashboard = {
  overall: { total: number; compliant: number; nonCompliant: number; pending: number; error: number; percent: number | null }
  policies: { id: string; name: string; type: string; enforcement: string; status: string; total: number; compliant: number; nonCompliant: number; pending: number; error: number; percent: number | null }[]
  trend: { day: number; percent: number | null; total: number }[]
  worst: { deviceId: string; deviceName: string; failing: number }[]
}

const pct = (ok: number, total: number) => (total ? Math.round((ok / total) * 1000) / 10 : null)

/** dashboard: compliance percentages per policy and overall, the last 30 days' trend, the least compliant devices. */
export async function dashboard(ctx: Ctx, actor: UserActor, orgId?: string): Promise<Dashboard> {
  const rows = await complianceRows(ctx, actor, { orgId })
  const orgIds = orgId ? [orgId].filter((o) => can(actor.scope, 'policies:read', o)) : orgIdsWith(actor.scope, 'policies:read')
  const policies = (await listPolicies(ctx.db, orgIds)).filter((p) => p.status === 'active')
  const count = (list: ComplianceRow[], st: string) => list.filter((r) => r.status === st).length
  const per = policies.map((p) => {
    const mine = rows.filter((r) => r.policyId === p.id)
    return { id: p.id, name: p.name, type: p.type, enforcement: p.enforcement, status: p.status, total: mine.length, compliant: count(mine, 'compliant'), nonCompliant: count(mine, 'non_compliant'), pending: count(mine, 'pending'), error: count(mine, 'error'), percent: pct(count(mine, 'compliant'), mine.length) }
  })
  const since = Math.floor(ctx.clock.now() / dayMs) * dayMs - 29 * dayMs
  const daily = await listDaily(ctx.db, orgIds, since)
  const trend: Dashboard['trend'] = []
  for (let day = since; day <= since + 29 * dayMs; day += dayMs) {
    const today = daily.filter((d) => d.day === day && policies.some((p) => p.id === d.policyId))
    const total = today.reduce((a, d) => a + d.compliant + d.nonCompliant + d.pending + d.error, 0)
    trend.push({ day, total, percent: pct(today.reduce((a, d) => a + d.compliant, 0), total) })
  }
  const failingBy = new Map<string, { deviceId: string; deviceName: string; failing: number }>()
  for (const r of rows) if (r.status === 'non_compliant') {
    const e = failingBy.get(r.deviceId) ?? { deviceId: r.deviceId, deviceName: r.deviceName, failing: 0 }
    e.failing += r.details.filter((d) => d.status === 'fail').length
    failingBy.set(r.deviceId, e)
  }
  return {
    overall: { total: rows.length, compliant: count(rows, 'compliant'), nonCompliant: count(rows, 'non_compliant'), pending: count(rows, 'pending'), error: count(rows, 'error'), percent: pct(count(rows, 'compliant'), rows.length) },
    policies: per, trend, worst: [...failingBy.values()].sort((a, b) => b.failing - a.failing).slice(0, 10),
  }
}

export async function complianceHistory(ctx: Ctx, actor: UserActor, f: { policyId?: string; deviceId?: string }): Promise<ComplianceHistory[]> {
  let orgIds = orgIdsWith(actor.scope, 'policies:read')
  if (f.policyId) orgIds = [(await getPolicy(ctx, actor, f.policyId)).orgId]
  if (f.deviceId) { const d = await getDevice(ctx, actor, f.deviceId); orgIds = orgIds.filter((o) => o === d.orgId) }
  return listHistory(ctx.db, { ...f, orgIds }, 200)
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v)
  // note: a leading = + - @ would be a formula in a spreadsheet; quote it as text.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** complianceCsv: one line per (policy, device) with the failing rules. */
export async function complianceCsv(ctx: Ctx, actor: UserActor, f: { orgId?: string; policyId?: string; status?: string }): Promise<string> {
  const rows = await complianceRows(ctx, actor, f)
  const lines = [['policy', 'device', 'os', 'status', 'failing_rules', 'checked_at', 'changed_at', 'remediation_attempts'].join(',')]
  for (const r of rows) {
    lines.push([r.policyName, r.deviceName, r.osType, r.status, r.details.filter((d) => d.status === 'fail').map((d) => `${d.label} (${d.actual ?? ''})`).join('; '), new Date(r.checkedAt).toISOString(), new Date(r.changedAt).toISOString(), r.remediationAttempts].map(csvCell).join(','))
  }
  return lines.join('\n') + '\n'
}

/** testPolicy: the dry run, with script names for the remediation plan. */
export async function testPolicy(ctx: Ctx, actor: UserActor, id: string) {
  const p = await getPolicy(ctx, actor, id)
  const result = await dryRun(ctx, p)
  const names = new Map((await listScripts(ctx, actor)).map((s) => [s.id, s.name]))
  const v = deviceVisibility(actor.scope, 'policies:read')
  const devices = new Map((await listOrgDevices(ctx.db, p.orgId)).map((d) => [d.id, d]))
  return {
    policy: { id: p.id, name: p.name, status: p.status, enforcement: p.enforcement },
    summary: result.summary,
    devices: result.devices.filter((d) => { const dev = devices.get(d.deviceId); return dev && canSeeDevice(v, dev) })
      .map((d) => ({ ...d, remediation: d.remediation?.replace(/would run ([^(]+)/, (_, ids: string) => `would run ${ids.split(', ').map((x) => names.get(x.trim()) ?? x.trim()).join(', ')} `) ?? null })),
  }
}

/** checkNow evaluates an active policy immediately (the page's "Check now"). */
export async function checkNow(ctx: Ctx, actor: UserActor, id: string) {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  if (p.status !== 'active') throw new UnprocessableError('only an active policy is checked; activate it first (or use the dry run)')
  return evaluatePolicy(ctx, p)
}
