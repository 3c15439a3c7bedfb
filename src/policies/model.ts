// Input shapes of the policy domain (JSON API and forms), and the checks a schema cannot say:
// what each rule kind needs, unique rule ids, setting names.
import { t } from 'elysia'
import { severities } from '../alerts/types'
import { ValidationError } from '../lib/errors'
import { agentSettings, assignmentLevels, compareOps, enforcementModes, policyStatuses, policyTypes, ruleKinds, type PolicyRule, type PolicySettings } from './types'
import { anyNumber, int } from '../web/model-types'

const lit = <T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })
const scalar = t.Union([t.String({ maxLength: 2000 }), anyNumber(), t.Boolean()])

export const ruleBody = t.Object({
  id: t.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', error: 'a rule id is 1–40 letters, digits, - or _' }),
  kind: lit(ruleKinds, `kind must be one of ${ruleKinds.join(', ')}`),
  label: t.Optional(t.String({ maxLength: 200 })),
  os: t.Optional(t.Array(lit(['windows', 'macos', 'linux'] as const), { maxItems: 3 })),
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  versionOp: t.Optional(lit(compareOps)),
  version: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  path: t.Optional(t.String({ minLength: 1, maxLength: 1000 })),
  valueName: t.Optional(t.String({ maxLength: 300 })),
  expected: t.Optional(t.String({ maxLength: 1000 })),
  setting: t.Optional(lit(agentSettings)),
  op: t.Optional(lit(compareOps)),
  scriptId: t.Optional(id),
  parameters: t.Optional(t.Record(t.String({ maxLength: 64 }), scalar)),
  remediationScriptId: t.Optional(id),
  remediationParameters: t.Optional(t.Record(t.String({ maxLength: 64 }), scalar)),
}, { additionalProperties: false })

const settingName = t.String({ pattern: '^[a-z][A-Za-z0-9_.]{0,79}$', error: 'setting names are letters, digits, _ and . (starting with a lower-case letter)' })

export const settingsBody = t.Object({
  values: t.Optional(t.Record(settingName, scalar)),
  rules: t.Optional(t.Array(ruleBody, { maxItems: 100 })),
}, { additionalProperties: false })

const policyFields = {
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the policy a name' }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  type: lit(policyTypes, `type must be one of ${policyTypes.join(', ')}`),
  priority: t.Optional(int({ minimum: 1, maximum: 100, error: 'priority is 1–100 (higher wins)' })),
  enforcement: t.Optional(lit(enforcementModes, 'enforcement must be monitor, warn or enforce')),
  settings: t.Optional(settingsBody),
  checkIntervalMinutes: t.Optional(int({ minimum: 5, maximum: 7 * 24 * 60, error: 'check every 5 minutes to 7 days' })),
  remediationScriptId: t.Optional(t.Union([id, t.Null()])),
  maxRemediationAttempts: t.Optional(int({ minimum: 0, maximum: 20 })),
  alertSeverity: t.Optional(lit(severities)),
  alertChannelIds: t.Optional(t.Array(id, { maxItems: 20 })),
}

export const createPolicyBody = t.Object({ ...policyFields, orgId: t.Optional(id), status: t.Optional(lit(['draft', 'active'] as const)) })
export type CreatePolicyInput = typeof createPolicyBody.static

export const updatePolicyBody = t.Composite([t.Partial(t.Object(policyFields)), t.Object({ changelog: t.Optional(t.String({ maxLength: 500 })) })])
export type UpdatePolicyInput = typeof updatePolicyBody.static

export const assignmentBody = t.Object({
  targetType: lit(assignmentLevels, 'targetType must be org, site, group or device'),
  targetId: id,
  priority: t.Optional(t.Union([int({ minimum: 1, maximum: 100 }), t.Null()])),
})
export type AssignmentInput = typeof assignmentBody.static

export const fromTemplateBody = t.Object({ orgId: t.Optional(id), name: t.Optional(t.String({ minLength: 1, maxLength: 200 })) })

export const policyListQuery = t.Object({
  orgId: t.Optional(id),
  type: t.Optional(lit(policyTypes)),
  status: t.Optional(lit(policyStatuses)),
  search: t.Optional(t.String({ maxLength: 200 })),
})

export const complianceQuery = t.Object({
  orgId: t.Optional(id),
  policyId: t.Optional(id),
  status: t.Optional(lit(['compliant', 'non_compliant', 'pending', 'error'] as const)),
  deviceId: t.Optional(id),
})

/**
 * checkSettings keeps what each rule kind uses, requires what it needs (400 naming the field),
 * and refuses duplicate rule ids.
 */
export function checkSettings(input: { values?: Record<string, string | number | boolean>; rules?: PolicyRule[] } | undefined): PolicySettings {
  const rules = input?.rules ?? []
  const seen = new Set<string>()
  const out = rules.map((r, i) => {
    const path = `settings/rules/${i}`
    if (seen.has(r.id)) throw new ValidationError(`${path}/id`, `rule id "${r.id}" is used twice`)
    seen.add(r.id)
    const need = <K extends keyof PolicyRule>(k: K, what: string): NonNullable<PolicyRule[K]> => {
      const v = r[k]
      if (v === undefined || v === null || v === '') throw new ValidationError(`${path}/${k}`, `a ${r.kind.replace('_', ' ')} rule needs ${what}`)
      return v as NonNullable<PolicyRule[K]>
    }
    const base: PolicyRule = { id: r.id, kind: r.kind, ...(r.label ? { label: r.label } : {}), ...(r.os?.length ? { os: [...new Set(r.os)] } : {}) }
    const remediation = { ...(r.remediationScriptId ? { remediationScriptId: r.remediationScriptId } : {}), ...(r.remediationParameters && Object.keys(r.remediationParameters).length ? { remediationParameters: r.remediationParameters } : {}) }
    switch (r.kind) {
      case 'service_running': return { ...base, name: need('name', 'a service name'), ...remediation }
      case 'software_installed': {
        if (r.version && !r.versionOp) r.versionOp = '>='
        return { ...base, name: need('name', 'a software name'), ...(r.version ? { version: r.version, versionOp: r.versionOp } : {}), ...remediation }
      }
      case 'software_absent': return { ...base, name: need('name', 'a software name'), ...remediation }
      case 'file_present': return { ...base, path: need('path', 'a file path'), ...remediation }
      case 'registry_value': return { ...base, os: ['windows' as const], path: need('path', 'a registry key (HKLM\\…)'), valueName: need('valueName', 'a value name'), ...(r.expected !== undefined ? { expected: r.expected } : {}), ...remediation }
      case 'disk_encryption': case 'firewall': return { ...base, ...remediation }
      case 'script': return { ...base, scriptId: need('scriptId', 'a check script'), ...(r.parameters ? { parameters: r.parameters } : {}), ...remediation }
      case 'agent_config': {
        const setting = need('setting', 'a setting (heartbeatSeconds or metricsCollection)')
        const expected = need('expected', 'an expected value')
        if (setting === 'heartbeatSeconds' && !/^\d+$/.test(expected)) throw new ValidationError(`${path}/expected`, 'the heartbeat interval is a number of seconds')
        if (setting === 'metricsCollection' && expected !== 'true' && expected !== 'false') throw new ValidationError(`${path}/expected`, 'metrics collection is true or false')
        return { ...base, setting, op: r.op ?? '=', expected, ...remediation }
      }
    }
  })
  return { values: { ...(input?.values ?? {}) }, rules: out }
}
