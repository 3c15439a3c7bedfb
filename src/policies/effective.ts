// Inheritance: which active policies apply to a device and what its merged (effective) policy
// is. A policy reaches a device through its most specific assignment (org → site → group →
// device; a group includes its subgroups' members). Where policies disagree — the same setting,
// or rules with the same key (ruleKey) — the one with the higher priority wins (the
// assignment's priority if it sets one, else the policy's); at equal priority the more
// specific assignment wins, then the newer policy. Every merged value keeps its source.
import type { Assignment, Policy } from './repo'
import { appliesTo, ruleKey } from './rules'
import type { AssignmentLevel, PolicyRule, SettingValue } from './types'

export const levelRank: Record<AssignmentLevel, number> = { org: 0, site: 1, group: 2, device: 3 }

export type OrgPolicies = {
  policies: Map<string, Policy>
  assignments: Assignment[]
  /** device id → groups it belongs to, with every ancestor group. */
  groupsOf: Map<string, Set<string>>
}

/** groupsWithAncestors maps each device to its groups and their ancestors. */
export function groupsWithAncestors(groups: { id: string; parentId: string | null }[], members: { groupId: string; deviceId: string }[]): Map<string, Set<string>> {
  const parent = new Map(groups.map((g) => [g.id, g.parentId]))
  const up = (id: string) => {
    const out: string[] = []
    for (let g: string | null | undefined = id; g && !out.includes(g); g = parent.get(g)) out.push(g)
    return out
  }
  const out = new Map<string, Set<string>>()
  for (const m of members) {
    const set = out.get(m.deviceId) ?? new Set<string>()
    for (const g of up(m.groupId)) set.add(g)
    out.set(m.deviceId, set)
  }
  return out
}

export type Applicable = { policy: Policy; assignment: Assignment; level: AssignmentLevel; priority: number }

type DeviceRef = { id: string; orgId: string; siteId: string }

/** applicablePolicies: each active policy reaching the device, through its most specific assignment, in merge order (winner last). */
export function applicablePolicies(device: DeviceRef, org: OrgPolicies): Applicable[] {
  const groups = org.groupsOf.get(device.id)
  const best = new Map<string, Applicable>()
  for (const a of org.assignments) {
    const policy = org.policies.get(a.policyId)
    if (!policy) continue
    const covers = a.targetType === 'org' ? a.targetId === device.orgId
      : a.targetType === 'site' ? a.targetId === device.siteId
        : a.targetType === 'group' ? !!groups?.has(a.targetId)
          : a.targetId === device.id
    if (!covers) continue
    const current = best.get(policy.id)
    if (!current || levelRank[a.targetType] > levelRank[current.level]) best.set(policy.id, { policy, assignment: a, level: a.targetType, priority: a.priority ?? policy.priority })
  }
  return [...best.values()].sort((x, y) => x.priority - y.priority || levelRank[x.level] - levelRank[y.level] || x.policy.createdAt - y.policy.createdAt || x.policy.id.localeCompare(y.policy.id))
}

export type Source = { policyId: string; policyName: string; level: AssignmentLevel; targetId: string; priority: number }
const sourceOf = (a: Applicable): Source => ({ policyId: a.policy.id, policyName: a.policy.name, level: a.level, targetId: a.assignment.targetId, priority: a.priority })

export type EffectiveValue = { key: string; value: SettingValue; source: Source; overridden: (Source & { value: SettingValue })[] }
export type EffectiveRule = { key: string; rule: PolicyRule; source: Source & { enforcement: Policy['enforcement'] }; overridden: (Source & { rule: PolicyRule })[] }

/** mergeEffective: the device's settings and rules after inheritance, each with where it came from and what it overrode. */
export function mergeEffective(applicable: Applicable[], osType: string): { values: EffectiveValue[]; rules: EffectiveRule[] } {
  const values = new Map<string, EffectiveValue>()
  const rules = new Map<string, EffectiveRule>()
  for (const a of applicable) {
    const src = sourceOf(a)
    for (const [key, value] of Object.entries(a.policy.settings.values ?? {})) {
      const prev = values.get(key)
      values.set(key, { key, value, source: src, overridden: prev ? [{ ...prev.source, value: prev.value }, ...prev.overridden] : [] })
    }
    for (const rule of a.policy.settings.rules ?? []) {
      if (!appliesTo(rule, osType)) continue
      const key = ruleKey(rule)
      const prev = rules.get(key)
      rules.set(key, { key, rule, source: { ...src, enforcement: a.policy.enforcement }, overridden: prev ? [{ ...prev.source, rule: prev.rule }, ...prev.overridden] : [] })
    }
  }
  const byKey = <T extends { key: string }>(m: Map<string, T>) => [...m.values()].sort((x, y) => x.key.localeCompare(y.key))
  return { values: byKey(values), rules: byKey(rules) }
}

/**
 * rulesToCheck: the rules of `policy` that decide its compliance on this device — those that
 * apply to its OS and are not overridden by a higher-priority policy (`winners` from mergeEffective).
 */
export function rulesToCheck(policy: Policy, osType: string, winners: Map<string, string>): { rule: PolicyRule; overriddenBy: string | null }[] {
  return (policy.settings.rules ?? []).filter((r) => appliesTo(r, osType)).map((rule) => {
    const winner = winners.get(ruleKey(rule))
    return { rule, overriddenBy: winner && winner !== policy.id ? winner : null }
  })
}
