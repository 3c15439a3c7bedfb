// `policy.check`: desired-state checks that only the endpoint can answer (a file, a registry
// value, disk encryption, the firewall). The server sends the rules of one policy that need the
// agent; the agent answers each rule with pass / fail / error / not_applicable and what it saw.
// Imported by the server (src/policies) and the agent (agent/src/commands/policy.check.ts).
import { t } from './schema'

export const agentRuleKinds = ['file_present', 'registry_value', 'disk_encryption', 'firewall'] as const

export const policyCheckRule = t.Object({
  id: t.String({ maxLength: 40 }),
  kind: t.Union(agentRuleKinds.map((k) => t.Literal(k))),
  path: t.Optional(t.String({ maxLength: 1000 })),
  valueName: t.Optional(t.String({ maxLength: 300 })),
  expected: t.Optional(t.String({ maxLength: 1000 })),
})
export type PolicyCheckRule = typeof policyCheckRule.static

export const policyCheckPayload = t.Object({ rules: t.Array(policyCheckRule, { maxItems: 100 }) })

export const policyCheckOutcome = t.Object({
  id: t.String({ maxLength: 40 }),
  status: t.Union([t.Literal('pass'), t.Literal('fail'), t.Literal('error'), t.Literal('not_applicable')]),
  actual: t.String({ maxLength: 500 }),
})
export type PolicyCheckOutcome = typeof policyCheckOutcome.static

export const policyCheckResult = t.Object({ results: t.Array(policyCheckOutcome, { maxItems: 100 }) })
export type PolicyCheckResult = typeof policyCheckResult.static
