// Desired-state rules, pure: the key two rules conflict on, what a rule is called, version
// comparison, and the checks the server makes from the inventory it already has (software,
// services, agent settings). Agent checks are in agent/src/commands/policy.check.ts; script
// checks run through the scripts domain.
import type { CompareOp, PolicyOs, PolicyRule, RuleResult, RuleStatus } from './types'

/** ruleKey: rules with the same key conflict across policies (the higher priority wins on a device). */
export function ruleKey(r: PolicyRule): string {
  const n = (s: string | undefined) => (s ?? '').trim().toLowerCase()
  switch (r.kind) {
    case 'service_running': return `service:${n(r.name)}`
    case 'software_installed': case 'software_absent': return `software:${n(r.name)}`
    case 'file_present': return `file:${(r.path ?? '').trim()}`
    case 'registry_value': return `registry:${n(r.path)}\\${n(r.valueName)}`
    case 'disk_encryption': return 'disk_encryption'
    case 'firewall': return 'firewall'
    case 'script': return `script:${r.scriptId}`
    case 'agent_config': return `agent:${r.setting}`
  }
}

/** ruleLabel: the rule in a few words, for tables and alerts. */
export function ruleLabel(r: PolicyRule): string {
  if (r.label) return r.label
  switch (r.kind) {
    case 'service_running': return `Service "${r.name}" running`
    case 'software_installed': return `"${r.name}" installed${r.version ? ` (${r.versionOp ?? '>='} ${r.version})` : ''}`
    case 'software_absent': return `"${r.name}" not installed`
    case 'file_present': return `File ${r.path} present`
    case 'registry_value': return `Registry ${r.path}\\${r.valueName}${r.expected !== undefined ? ` = ${r.expected}` : ' present'}`
    case 'disk_encryption': return 'Disk encryption on'
    case 'firewall': return 'Firewall on'
    case 'script': return 'Check script exits 0'
    case 'agent_config': return `Agent ${r.setting === 'heartbeatSeconds' ? 'heartbeat interval' : 'metrics collection'} ${r.op ?? '='} ${r.expected}`
  }
}

export function appliesTo(r: PolicyRule, os: string): boolean {
  return !r.os?.length || r.os.includes(os as PolicyOs)
}

/** compareVersions: -1, 0 or 1, comparing dotted numeric parts (1.10 > 1.9), then text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+_ ~:]/)
  const pb = b.split(/[.\-+_ ~:]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0'
    const y = pb[i] ?? '0'
    const nx = /^\d+$/.test(x) ? Number(x) : NaN
    const ny = /^\d+$/.test(y) ? Number(y) : NaN
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) { if (nx !== ny) return nx < ny ? -1 : 1; continue }
    const c = x.localeCompare(y)
    if (c !== 0) return c < 0 ? -1 : 1
  }
  return 0
}

export function compare(actual: number | string, op: CompareOp, expected: number | string): boolean {
  const c = typeof actual === 'number' && typeof expected === 'number' ? Math.sign(actual - expected) : compareVersions(String(actual), String(expected))
  switch (op) {
    case '=': return c === 0
    case '!=': return c !== 0
    case '>': return c > 0
    case '>=': return c >= 0
    case '<': return c < 0
    case '<=': return c <= 0
  }
}

/** What the server knows about a device for server-side rules. */
export type DeviceInventory = {
  osType: string
  /** Lower-cased software names → versions found. */
  software: Map<string, (string | null)[]>
  /** Lower-cased service names → state. */
  services: Map<string, string>
  heartbeatSeconds: number
  /** Metrics arrived recently (a heartbeat with CPU figures within three intervals). */
  metricsFlowing: boolean
  /** The agent has reported software/services at least once. */
  inventoried: boolean
}

/** findSoftware: the versions of software named exactly `name`, else of names that start with it and a separator ("openssh-server" for "openssh"). */
export function findSoftware(inv: DeviceInventory, name: string): (string | null)[] | null {
  const want = name.trim().toLowerCase()
  const exact = inv.software.get(want)
  if (exact) return exact
  const found: (string | null)[] = []
  for (const [n, versions] of inv.software) if (n.startsWith(`${want} `) || n.startsWith(`${want}-`) || n.startsWith(`${want}:`)) found.push(...versions)
  return found.length ? found : null
}

type Verdict = { status: RuleStatus; actual: string | null }

/** checkOnServer evaluates a server-side rule; null for rules checked elsewhere. */
export function checkOnServer(r: PolicyRule, inv: DeviceInventory): Verdict | null {
  switch (r.kind) {
    case 'software_installed': {
      if (!inv.inventoried) return { status: 'pending', actual: 'no inventory yet' }
      const versions = findSoftware(inv, r.name ?? '')
      if (!versions) return { status: 'fail', actual: 'not installed' }
      if (!r.version) return { status: 'pass', actual: versions.filter(Boolean).join(', ') || 'installed' }
      const ok = versions.some((v) => v !== null && compare(v, r.versionOp ?? '>=', r.version!))
      return { status: ok ? 'pass' : 'fail', actual: `version ${versions.filter(Boolean).join(', ') || 'unknown'}` }
    }
    case 'software_absent': {
      if (!inv.inventoried) return { status: 'pending', actual: 'no inventory yet' }
      const versions = findSoftware(inv, r.name ?? '')
      return versions ? { status: 'fail', actual: `installed${versions[0] ? ` (${versions.filter(Boolean).join(', ')})` : ''}` } : { status: 'pass', actual: 'not installed' }
    }
    case 'service_running': {
      if (!inv.inventoried) return { status: 'pending', actual: 'no inventory yet' }
      const state = inv.services.get((r.name ?? '').trim().toLowerCase()) ?? inv.services.get(`${(r.name ?? '').trim().toLowerCase()}.service`)
      if (state === undefined) return { status: 'fail', actual: 'no such service' }
      return { status: state === 'running' ? 'pass' : 'fail', actual: state }
    }
    case 'agent_config': {
      if (r.setting === 'heartbeatSeconds') {
        const expected = Number(r.expected)
        return { status: compare(inv.heartbeatSeconds, r.op ?? '=', expected) ? 'pass' : 'fail', actual: `${inv.heartbeatSeconds} s` }
      }
      const want = String(r.expected ?? 'true') !== 'false'
      return { status: inv.metricsFlowing === want ? 'pass' : 'fail', actual: inv.metricsFlowing ? 'metrics arriving' : 'no recent metrics' }
    }
    default: return null
  }
}

/** statusOf: the device's compliance with a policy from its rule results. */
export function statusOf(results: Pick<RuleResult, 'status'>[]): 'compliant' | 'non_compliant' | 'pending' | 'error' {
  if (results.some((r) => r.status === 'fail')) return 'non_compliant'
  if (results.some((r) => r.status === 'error')) return 'error'
  if (results.some((r) => r.status === 'pending')) return 'pending'
  return 'compliant'
}
