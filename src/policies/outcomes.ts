// What follows from a device's rule results for one policy: its compliance status, a history
// entry when the status changes, the non-compliance alert (warn: at once; enforce: when
// remediation cannot or could not fix it), and in enforce mode the remediation scripts, within
// the policy's attempt limit. Used by full evaluations and by single results (an agent check,
// a check script) alike.
import { fireAlert, notifyPlan, resolveAlert } from '../alerts/lifecycle'
import type { AppContext } from '../context'
import { newId } from '../lib/ids'
import { executeScriptForOrg } from '../scripts/execute'
import type { Compliance, ComplianceHistory } from './compliance-repo'
import type { PolicyDevice } from './facts-repo'
import type { Policy } from './repo'
import { statusOf } from './rules'
import type { ComplianceStatus, PolicyRule, RuleResult } from './types'

export type Settled = { row: Compliance; history: ComplianceHistory[]; remediate: boolean; alert: 'fire' | 'resolve' | null }

const deviceName = (d: Pick<PolicyDevice, 'displayName' | 'hostname'>) => d.displayName || d.hostname

/** remediationScripts: the scripts that would fix the failing rules (a rule's own, else the policy's), with parameters. */
export function remediationScripts(policy: Policy, failing: PolicyRule[]): { scriptId: string; parameters: Record<string, string | number | boolean> }[] {
  const out = new Map<string, { scriptId: string; parameters: Record<string, string | number | boolean> }>()
  for (const r of failing) {
    const scriptId = r.remediationScriptId ?? policy.remediationScriptId
    if (!scriptId) continue
    const parameters = r.remediationScriptId ? r.remediationParameters ?? {} : {}
    out.set(`${scriptId}:${JSON.stringify(parameters)}`, { scriptId, parameters })
  }
  return [...out.values()]
}

/**
 * settle computes the next compliance row from fresh rule results (pure apart from ids): the
 * status, history on change, and whether to remediate or raise/resolve the alert.
 */
export function settle(policy: Policy, device: PolicyDevice, prev: Compliance | undefined, details: RuleResult[], now: number): Settled {
  const counted = details.filter((d) => d.status !== 'overridden' && d.status !== 'not_applicable')
  const status: ComplianceStatus = statusOf(counted)
  const changed = !prev || prev.status !== status
  const failing = counted.filter((d) => d.status === 'fail')
  const attempts = status === 'compliant' ? 0 : prev?.remediationAttempts ?? 0
  const row: Compliance = {
    id: prev?.id ?? newId(), policyId: policy.id, deviceId: device.id, orgId: policy.orgId, status, details, checkedAt: now, changedAt: changed ? now : prev!.changedAt,
    remediationAttempts: attempts, lastRemediationAt: prev?.lastRemediationAt ?? null, remediationBatchId: prev?.remediationBatchId ?? null,
    checkCommandId: prev?.checkCommandId ?? null, checkBatchId: prev?.checkBatchId ?? null, alertId: prev?.alertId ?? null, updatedAt: now,
  }
  const history: ComplianceHistory[] = changed
    ? [{
      id: newId(), policyId: policy.id, deviceId: device.id, orgId: policy.orgId, at: now, kind: 'status', status, previousStatus: prev?.status ?? null,
      summary: status === 'non_compliant' ? `Not compliant: ${failing.map((f) => `${f.label} (${f.actual ?? 'failed'})`).join('; ').slice(0, 900)}`
        : status === 'compliant' ? 'Compliant' : status === 'pending' ? 'Waiting for checks' : `Check error: ${counted.filter((d) => d.status === 'error').map((d) => `${d.label}: ${d.actual}`).join('; ').slice(0, 900)}`,
      details: { failing: failing.map((f) => f.ruleId) },
    }]
    : []
  const rules = new Map((policy.settings.rules ?? []).map((r) => [r.id, r]))
  const fixable = remediationScripts(policy, failing.map((f) => rules.get(f.ruleId)).filter((r): r is PolicyRule => !!r)).length > 0
  // note: a failure shown from the last check while a new check is on its way (awaiting) may
  // already be fixed; enforcement waits for the fresh answer before remediating or alerting.
  const settled = !failing.some((f) => f.awaiting)
  const remediate = policy.enforcement === 'enforce' && status === 'non_compliant' && settled && fixable && !row.remediationBatchId && attempts < policy.maxRemediationAttempts
  const wantsAlert = status === 'non_compliant' && (policy.enforcement === 'warn' || (policy.enforcement === 'enforce' && settled && !remediate && !row.remediationBatchId))
  const alert = wantsAlert && !row.alertId ? 'fire' : status === 'compliant' && row.alertId ? 'resolve' : null
  return { row, history, remediate, alert }
}

/** raiseOrResolve opens or closes the device's non-compliance alert. */
export async function raiseOrResolve(ctx: AppContext, policy: Policy, device: PolicyDevice, s: Settled): Promise<void> {
  if (s.alert === 'resolve' && s.row.alertId) {
    await resolveAlert(ctx, s.row.alertId, { actor: null, note: `Compliant with "${policy.name}" again` })
    s.row.alertId = null
  } else if (s.alert === 'fire') {
    const failing = s.row.details.filter((d) => d.status === 'fail')
    const exhausted = policy.enforcement === 'enforce' && s.row.remediationAttempts >= policy.maxRemediationAttempts
    const alert = await fireAlert(ctx, {
      partnerId: policy.partnerId, orgId: policy.orgId, siteId: device.siteId, deviceId: device.id, ruleId: null, kind: 'device', subject: `policy:${policy.id}:${device.id}`,
      severity: policy.alertSeverity, title: `${deviceName(device)} is not compliant with "${policy.name}"`,
      message: `${failing.map((f) => `${f.label}: ${f.actual ?? 'failed'}`).join('\n')}${exhausted ? `\nRemediation gave up after ${s.row.remediationAttempts} attempt(s).` : ''}`,
      context: { policy: policy.name, failingRules: failing.length, enforcement: policy.enforcement }, triggeredAt: ctx.clock.now(), parentAlertId: null, muted: false,
    }, { maintenance: null, plan: await notifyPlan(ctx, policy.alertChannelIds, null) })
    if (alert) s.row.alertId = alert.id
  }
}

/** startRemediation runs the fixing scripts on the devices that need them, one batch per script. */
export async function startRemediation(ctx: AppContext, policy: Policy, items: { device: PolicyDevice; s: Settled }[]): Promise<ComplianceHistory[]> {
  const history: ComplianceHistory[] = []
  const rules = new Map((policy.settings.rules ?? []).map((r) => [r.id, r]))
  const groups = new Map<string, { scriptId: string; parameters: Record<string, string | number | boolean>; items: { device: PolicyDevice; s: Settled }[] }>()
  for (const item of items) {
    const failing = item.s.row.details.filter((d) => d.status === 'fail').map((d) => rules.get(d.ruleId)).filter((r): r is PolicyRule => !!r)
    for (const fix of remediationScripts(policy, failing)) {
      const key = `${fix.scriptId}:${JSON.stringify(fix.parameters)}`
      const g = groups.get(key) ?? { ...fix, items: [] }
      g.items.push(item)
      groups.set(key, g)
    }
  }
  const now = ctx.clock.now()
  for (const g of groups.values()) {
    try {
      const { batch, executions } = await executeScriptForOrg(ctx, policy.orgId, g.scriptId, {
        targets: { deviceIds: g.items.map((i) => i.device.id) }, parameters: g.parameters, offline: 'queue', expiresInMinutes: Math.max(15, policy.checkIntervalMinutes),
      }, { type: 'policy', userId: null })
      for (const item of g.items) {
        const e = executions.find((x) => x.deviceId === item.device.id)
        if (!e || e.status === 'skipped') {
          history.push(entry(policy, item.device, now, 'skipped', `Remediation "${batch.scriptName}" skipped: ${e?.errorMessage ?? 'not run'}`, { batchId: batch.id }))
          continue
        }
        item.s.row.remediationBatchId = batch.id
        item.s.row.remediationAttempts++
        item.s.row.lastRemediationAt = now
        history.push(entry(policy, item.device, now, 'started', `Remediation "${batch.scriptName}" started (attempt ${item.s.row.remediationAttempts} of ${policy.maxRemediationAttempts})`, { batchId: batch.id, executionId: e.id }))
      }
    } catch (err) {
      for (const item of g.items) history.push(entry(policy, item.device, now, 'error', `Remediation could not start: ${(err as Error).message}`, { scriptId: g.scriptId }))
    }
  }
  return history
}

export function entry(policy: Policy, device: { id: string }, at: number, status: string, summary: string, details: Record<string, unknown>): ComplianceHistory {
  return { id: newId(), policyId: policy.id, deviceId: device.id, orgId: policy.orgId, at, kind: 'remediation', status, previousStatus: null, summary: summary.slice(0, 1000), details }
}
