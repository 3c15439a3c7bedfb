// Checking a policy across its devices. Server rules (software, services, agent settings) are
// answered at once from the inventory, in bulk; endpoint rules go to each device as one
// `policy.check` command; check scripts run as one batch per script. Those answers arrive
// later (agent-checks.ts, script-checks.ts) and update the same rows; until then a rule keeps
// its last known result, or is pending if it has none. A dry run computes the same without
// writing anything, asking connected agents live.
import { commandRows, insertCommands, requestFromAgent, sendCommands } from '../agents/commands'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { executeScriptForOrg } from '../scripts/execute'
import type { PolicyCheckResult, PolicyCheckRule } from '../protocol/policy-check'
import { complianceCounts, deleteComplianceExcept, insertHistory, listComplianceOfPolicy, upsertCompliance, upsertDaily, type Compliance } from './compliance-repo'
import { applicablePolicies, groupsWithAncestors, rulesToCheck, type OrgPolicies } from './effective'
import { findOrgDevices, listOrgDevices, orgGroupMembership, servicesNamed, softwareNamed, type PolicyDevice } from './facts-repo'
import { withPolicyLock } from './lock'
import { raiseOrResolve, remediationScripts, settle, startRemediation } from './outcomes'
import { listActivePolicies, listOrgAssignments, updatePolicyRow, type Policy } from './repo'
import { appliesTo, checkOnServer, ruleKey, ruleLabel, type DeviceInventory } from './rules'
import { ruleWhere, type PolicyRule, type RuleResult } from './types'

export const policyCheckType = 'policy.check'
const dayMs = 24 * 3600_000

/** loadOrgPolicies gathers what inheritance needs for one org; `extra` adds a policy that is not active (dry runs). */
export async function loadOrgPolicies(ctx: Pick<AppContext, 'db'>, orgId: string, extra?: Policy, deviceIds?: string[]): Promise<OrgPolicies> {
  const active = await listActivePolicies(ctx.db, orgId)
  const policies = new Map(active.map((p) => [p.id, p]))
  if (extra) policies.set(extra.id, extra)
  const assignments = (await listOrgAssignments(ctx.db, orgId)).filter((a) => policies.has(a.policyId))
  const { groups, members } = await orgGroupMembership(ctx.db, orgId, deviceIds)
  return { policies, assignments, groupsOf: groupsWithAncestors(groups, members) }
}

/** Per device: the policy's rules to check, each marked with the policy that overrides it (if any). */
export function plan(policy: Policy, devices: PolicyDevice[], org: OrgPolicies) {
  const out: { device: PolicyDevice; checks: { rule: PolicyRule; overriddenBy: string | null }[] }[] = []
  for (const device of devices) {
    const applicable = applicablePolicies(device, org)
    if (!applicable.some((a) => a.policy.id === policy.id)) continue
    const winners = new Map<string, string>()
    for (const a of applicable) for (const r of a.policy.settings.rules ?? []) if (appliesTo(r, device.osType)) winners.set(ruleKey(r), a.policy.id)
    out.push({ device, checks: rulesToCheck(policy, device.osType, winners) })
  }
  return out
}

/** inventories loads the software and services the server rules ask about, for every device at once. */
export async function inventories(ctx: Pick<AppContext, 'db' | 'clock'>, devices: PolicyDevice[], rules: PolicyRule[]): Promise<Map<string, DeviceInventory>> {
  const softwareNames = [...new Set(rules.filter((r) => r.kind === 'software_installed' || r.kind === 'software_absent').map((r) => (r.name ?? '').trim()))].filter(Boolean)
  const serviceNames = [...new Set(rules.filter((r) => r.kind === 'service_running').map((r) => (r.name ?? '').trim()))].filter(Boolean)
  const ids = devices.map((d) => d.id)
  const [software, services] = await Promise.all([softwareNamed(ctx.db, ids, softwareNames), servicesNamed(ctx.db, ids, serviceNames)])
  const now = ctx.clock.now()
  const out = new Map<string, DeviceInventory>()
  for (const d of devices) {
    out.set(d.id, {
      osType: d.osType, software: new Map(), services: new Map(), heartbeatSeconds: d.heartbeatSeconds, inventoried: d.lastInventoryAt !== null,
      metricsFlowing: d.cpuPercent !== null && d.lastHeartbeatAt !== null && now - d.lastHeartbeatAt <= 3 * d.heartbeatSeconds * 1000,
    })
  }
  for (const s of software) {
    const inv = out.get(s.deviceId)!
    const key = s.name.toLowerCase()
    inv.software.set(key, [...(inv.software.get(key) ?? []), s.version])
  }
  for (const s of services) out.get(s.deviceId)!.services.set(s.name.toLowerCase(), s.state)
  return out
}

/** initialResults: server rules answered now; agent and script rules keep their last known result while a new check runs. */
function initialResults(checks: { rule: PolicyRule; overriddenBy: string | null }[], inv: DeviceInventory, prev: Compliance | undefined, policyNames: Map<string, string>, now: number): RuleResult[] {
  return checks.map(({ rule, overriddenBy }) => {
    const base = { ruleId: rule.id, key: ruleKey(rule), kind: rule.kind, label: ruleLabel(rule) }
    if (overriddenBy) return { ...base, status: 'overridden', actual: null, checkedAt: null, overriddenBy: policyNames.get(overriddenBy) ?? overriddenBy }
    const verdict = checkOnServer(rule, inv)
    if (verdict) return { ...base, ...verdict, checkedAt: now }
    const last = prev?.details.find((d) => d.ruleId === rule.id && d.status !== 'overridden')
    return last ? { ...base, status: last.status, actual: last.actual, checkedAt: last.checkedAt, ...(last.ref ? { ref: last.ref } : {}), ...(last.awaiting ? { awaiting: true } : {}) } : { ...base, status: 'pending', actual: ruleWhere[rule.kind] === 'agent' ? 'waiting for the agent' : 'waiting for the check script', checkedAt: null }
  })
}

function agentPayload(rule: PolicyRule): PolicyCheckRule {
  return { id: rule.id, kind: rule.kind as PolicyCheckRule['kind'], ...(rule.path ? { path: rule.path } : {}), ...(rule.valueName ? { valueName: rule.valueName } : {}), ...(rule.expected !== undefined ? { expected: rule.expected } : {}) }
}

export type EvaluationSummary = { devices: number; compliant: number; nonCompliant: number; pending: number; error: number; agentChecks: number; scriptBatches: number; remediations: number }

/**
 * evaluatePolicy checks a policy on every device it reaches (or only `deviceIds`) and records
 * the results, history, alerts and remediation. A full run also drops rows of devices the
 * policy no longer reaches and schedules the next check. `serverOnly` re-checks the server
 * rules alone (fresh inventory), keeping the endpoint and script results as they are.
 */
export async function evaluatePolicy(ctx: AppContext, policy: Policy, opts: { deviceIds?: string[]; serverOnly?: boolean } = {}): Promise<EvaluationSummary> {
  return withPolicyLock(policy.id, () => evaluateLocked(ctx, policy, opts))
}

async function evaluateLocked(ctx: AppContext, policy: Policy, opts: { deviceIds?: string[]; serverOnly?: boolean }): Promise<EvaluationSummary> {
  const now = ctx.clock.now()
  // note: a re-check of a few devices (fresh inventory, a finished remediation) reads only those.
  const org = await loadOrgPolicies(ctx, policy.orgId, undefined, opts.deviceIds)
  const devices = opts.deviceIds ? await findOrgDevices(ctx.db, policy.orgId, opts.deviceIds) : await listOrgDevices(ctx.db, policy.orgId)
  const planned = policy.status === 'active' ? plan(policy, devices, org) : []
  const names = new Map([...org.policies.values()].map((p) => [p.id, p.name]))
  const inv = await inventories(ctx, planned.map((p) => p.device), policy.settings.rules ?? [])
  const previous = new Map((await listComplianceOfPolicy(ctx.db, policy.id)).map((r) => [r.deviceId, r]))

  // Endpoint checks: one command per device with the policy's agent rules it must answer.
  const agentWork = opts.serverOnly ? [] : planned.map((p) => ({ p, rules: p.checks.filter((c) => !c.overriddenBy && ruleWhere[c.rule.kind] === 'agent').map((c) => agentPayload(c.rule)) })).filter((w) => w.rules.length)
  const expiresAt = now + Math.max(10, policy.checkIntervalMinutes) * 60_000
  const commands = commandRows(ctx, agentWork.map((w) => ({ deviceId: w.p.device.id, type: policyCheckType, payload: { rules: w.rules }, expiresAt, timeoutMs: 120_000, sourceType: 'policy', sourceId: policy.id })))
  const commandOf = new Map(commands.map((c) => [c.deviceId, c.id]))

  // Check scripts: one batch per (script, parameters), on the devices that have that rule.
  const scriptWork = new Map<string, { rule: PolicyRule; deviceIds: string[] }>()
  for (const p of opts.serverOnly ? [] : planned) for (const c of p.checks) {
    if (c.overriddenBy || c.rule.kind !== 'script') continue
    const key = `${c.rule.scriptId}:${JSON.stringify(c.rule.parameters ?? {})}`
    const w = scriptWork.get(key) ?? { rule: c.rule, deviceIds: [] }
    w.deviceIds.push(p.device.id)
    scriptWork.set(key, w)
  }
  const batchOf = new Map<string, string>() // `${ruleId}:${deviceId}` → batch id
  const scriptErrors = new Map<string, string>()
  for (const w of scriptWork.values()) {
    try {
      const { batch, executions } = await executeScriptForOrg(ctx, policy.orgId, w.rule.scriptId!, { targets: { deviceIds: w.deviceIds }, parameters: w.rule.parameters, offline: 'queue', expiresInMinutes: Math.max(10, policy.checkIntervalMinutes) }, { type: 'policy', userId: null })
      for (const e of executions) {
        if (e.status === 'skipped') scriptErrors.set(`${w.rule.id}:${e.deviceId}`, e.errorMessage ?? 'skipped')
        else batchOf.set(`${w.rule.id}:${e.deviceId}`, batch.id)
      }
    } catch (err) {
      for (const id of w.deviceIds) scriptErrors.set(`${w.rule.id}:${id}`, (err as Error).message)
    }
  }

  const settled = planned.map(({ device, checks }) => {
    const prev = previous.get(device.id)
    const details = initialResults(checks, inv.get(device.id)!, prev, names, now).map((d) => {
      const err = scriptErrors.get(`${d.ruleId}:${device.id}`)
      if (err) return { ...d, status: 'error' as const, actual: err.slice(0, 300), checkedAt: now }
      const ref = d.kind === 'script' ? batchOf.get(`${d.ruleId}:${device.id}`) : ruleWhere[d.kind] === 'agent' && d.status !== 'overridden' ? commandOf.get(device.id) : undefined
      return ref ? { ...d, ref, ...(d.checkedAt !== null ? { awaiting: true } : {}) } : d
    })
    const s = settle(policy, device, prev, details, now)
    if (commandOf.has(device.id)) s.row.checkCommandId = commandOf.get(device.id)!
    return { device, s }
  })

  const history = settled.flatMap((x) => x.s.history)
  history.push(...await startRemediation(ctx, policy, settled.filter((x) => x.s.remediate)))
  for (const x of settled) if (x.s.alert) await raiseOrResolve(ctx, policy, x.device, x.s)

  const covered = new Set(planned.map((p) => p.device.id))
  const dropped = opts.deviceIds ? [] : [...previous.values()].filter((r) => !covered.has(r.deviceId))
  for (const r of dropped) if (r.alertId) await raiseOrResolve(ctx, policy, { id: r.deviceId } as PolicyDevice, { row: r, history: [], remediate: false, alert: 'resolve' })
  await withTx(ctx.db, async (tx) => {
    await upsertCompliance(tx, settled.map((x) => x.s.row))
    await insertHistory(tx, history)
    await insertCommands(tx, commands)
    if (!opts.deviceIds) {
      await deleteComplianceExcept(tx, policy.id, covered)
      await updatePolicyRow(tx, policy.id, { lastEvaluatedAt: now, nextCheckAt: now + policy.checkIntervalMinutes * 60_000 })
    }
  })
  await sendCommands(ctx, commands)
  await recordDaily(ctx, policy)
  const count = (st: string) => settled.filter((x) => x.s.row.status === st).length
  return {
    devices: settled.length, compliant: count('compliant'), nonCompliant: count('non_compliant'), pending: count('pending'), error: count('error'),
    agentChecks: commands.length, scriptBatches: scriptWork.size, remediations: settled.filter((x) => x.s.remediate).length,
  }
}

/** recordDaily stores today's status counts of a policy (the dashboard's trend). */
export async function recordDaily(ctx: Pick<AppContext, 'db' | 'clock'>, policy: Pick<Policy, 'id' | 'orgId'>) {
  const counts = (await complianceCounts(ctx.db, [policy.orgId])).filter((c) => c.policyId === policy.id)
  const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0
  const day = Math.floor(ctx.clock.now() / dayMs) * dayMs
  await upsertDaily(ctx.db, { id: `${policy.id}:${day}`, policyId: policy.id, orgId: policy.orgId, day, compliant: n('compliant'), nonCompliant: n('non_compliant'), pending: n('pending'), error: n('error') })
}

export type DryRunDevice = { deviceId: string; name: string; status: string; rules: RuleResult[]; remediation: string | null }

/**
 * dryRun: which devices would be non-compliant and what would be remediated, changing nothing.
 * Connected agents answer endpoint rules live; check scripts are not run (their last result is shown).
 */
export async function dryRun(ctx: AppContext, policy: Policy): Promise<{ devices: DryRunDevice[]; summary: Record<string, number> }> {
  const now = ctx.clock.now()
  const org = await loadOrgPolicies(ctx, policy.orgId, policy)
  const planned = plan(policy, await listOrgDevices(ctx.db, policy.orgId), org)
  const names = new Map([...org.policies.values()].map((p) => [p.id, p.name]))
  const inv = await inventories(ctx, planned.map((p) => p.device), policy.settings.rules ?? [])
  const previous = new Map((await listComplianceOfPolicy(ctx.db, policy.id)).map((r) => [r.deviceId, r]))
  const out: DryRunDevice[] = []
  const queue = [...planned]
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const prev = previous.get(p.device.id)
      let details = initialResults(p.checks, inv.get(p.device.id)!, prev, names, now)
      const agentRules = p.checks.filter((c) => !c.overriddenBy && ruleWhere[c.rule.kind] === 'agent').map((c) => agentPayload(c.rule))
      if (agentRules.length) {
        const live = ctx.agents.isConnected(p.device.id)
          ? await requestFromAgent<PolicyCheckResult>(ctx, p.device.id, policyCheckType, { rules: agentRules }, 15_000).catch((err) => ({ error: (err as Error).message }))
          : { error: 'the device is offline' }
        details = details.map((d) => {
          if (ruleWhere[d.kind] !== 'agent' || d.status === 'overridden') return d
          if ('error' in live) return d.checkedAt ? { ...d, actual: `${d.actual} (last known; now: ${live.error})` } : { ...d, status: 'pending', actual: `not checked: ${live.error}` }
          const r = live.results.find((x) => x.id === d.ruleId)
          return r ? { ...d, status: r.status, actual: r.actual, checkedAt: now } : d
        })
      }
      const s = settle(policy, p.device, prev, details, now)
      const rules = new Map((policy.settings.rules ?? []).map((r) => [r.id, r]))
      const fixes = remediationScripts(policy, details.filter((d) => d.status === 'fail').map((d) => rules.get(d.ruleId)!).filter(Boolean))
      const remediation = s.row.status !== 'non_compliant' ? null
        : policy.enforcement !== 'enforce' ? `${policy.enforcement} mode: no remediation`
          : fixes.length === 0 ? 'no remediation script for the failing rules'
            : s.remediate ? `would run ${fixes.map((f) => f.scriptId).join(', ')} (attempt ${(prev?.remediationAttempts ?? 0) + 1} of ${policy.maxRemediationAttempts})`
              : prev?.remediationBatchId ? 'a remediation is already running' : `attempt limit reached (${policy.maxRemediationAttempts})`
      out.push({ deviceId: p.device.id, name: p.device.displayName || p.device.hostname, status: s.row.status, rules: details, remediation })
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  out.sort((a, b) => a.name.localeCompare(b.name))
  const summary: Record<string, number> = { devices: out.length, compliant: 0, non_compliant: 0, pending: 0, error: 0, remediations: 0 }
  for (const d of out) { summary[d.status]++; if (d.remediation?.startsWith('would run')) summary.remediations++ }
  return { devices: out, summary }
}
