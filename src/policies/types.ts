// Shapes stored in the policy tables' JSON columns (imported by both schema dialects). A
// policy carries settings values (merged across assignments into a device's effective
// policy) and desired-state rules (checked for compliance, remediated in enforce mode).

export const policyTypes = ['monitoring', 'patching', 'security', 'backup', 'maintenance', 'software', 'alert', 'custom'] as const
export type PolicyType = (typeof policyTypes)[number]

export const policyStatuses = ['draft', 'active', 'inactive', 'archived'] as const
export type PolicyStatus = (typeof policyStatuses)[number]

/** monitor: record only; warn: record and raise an alert; enforce: also run the remediation script. */
export const enforcementModes = ['monitor', 'warn', 'enforce'] as const
export type EnforcementMode = (typeof enforcementModes)[number]

export const assignmentLevels = ['org', 'site', 'group', 'device'] as const
export type AssignmentLevel = (typeof assignmentLevels)[number]

export const ruleKinds = [
  'service_running', 'software_installed', 'software_absent', 'file_present', 'registry_value', 'disk_encryption', 'firewall', 'script', 'agent_config',
] as const
export type RuleKind = (typeof ruleKinds)[number]

/** Where each rule kind is checked: from inventory on the server, on the agent, or by running a script. */
export const ruleWhere: Record<RuleKind, 'server' | 'agent' | 'script'> = {
  service_running: 'server', software_installed: 'server', software_absent: 'server', agent_config: 'server',
  file_present: 'agent', registry_value: 'agent', disk_encryption: 'agent', firewall: 'agent', script: 'script',
}

export const compareOps = ['=', '!=', '>', '>=', '<', '<='] as const
export type CompareOp = (typeof compareOps)[number]

export const agentSettings = ['heartbeatSeconds', 'metricsCollection'] as const
export type AgentSetting = (typeof agentSettings)[number]

export type PolicyOs = 'windows' | 'macos' | 'linux'

/** One desired-state rule; fields beyond `kind` depend on it. */
export type PolicyRule = {
  id: string
  kind: RuleKind
  label?: string
  /** Only devices running one of these (else every device). */
  os?: PolicyOs[]
  /** service_running / software_*: the service or software name (case-insensitive; software also matches a prefix like "Google Chrome"). */
  name?: string
  /** software_installed: version constraint, e.g. >= 120.0. */
  versionOp?: CompareOp
  version?: string
  /** file_present: the path; registry_value: the key (HKLM\…). */
  path?: string
  /** registry_value: the value name. */
  valueName?: string
  /** registry_value: expected data; agent_config: expected value. */
  expected?: string
  /** agent_config: the setting and comparison. */
  setting?: AgentSetting
  op?: CompareOp
  /** script: a check script (compliant when it exits 0). */
  scriptId?: string
  parameters?: Record<string, string | number | boolean>
  /** enforce mode: the script that fixes this rule (else the policy's remediation script), and its parameters. */
  remediationScriptId?: string
  remediationParameters?: Record<string, string | number | boolean>
}

export type SettingValue = string | number | boolean
export type PolicySettings = { values: Record<string, SettingValue>; rules: PolicyRule[] }

export const complianceStatuses = ['compliant', 'non_compliant', 'pending', 'error'] as const
export type ComplianceStatus = (typeof complianceStatuses)[number]

export type RuleStatus = 'pass' | 'fail' | 'pending' | 'error' | 'overridden' | 'not_applicable'

/** The outcome of one rule on one device. */
export type RuleResult = {
  ruleId: string
  key: string
  kind: RuleKind
  label: string
  status: RuleStatus
  /** What was found (version, state, exit code…), for people. */
  actual: string | null
  checkedAt: number | null
  /** For overridden rules: the policy whose rule wins on this device. */
  overriddenBy?: string
  /** A pending check's handle: the agent command or the check script's batch. */
  ref?: string
  /** The result shown is the last known one and a new check is on its way (remediation waits for it). */
  awaiting?: boolean
}
