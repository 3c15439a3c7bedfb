// What conditions test and message templates show: the last step's result, the triggering
// device, and the trigger's data. Pure functions over a Facts object the engine builds.
import type { DeviceFacts } from './facts-repo'
import type { ConditionClause, StepResult } from './types'

export type Facts = {
  automation: { id: string; name: string }
  run: { id: string; url: string; test: boolean }
  org: { id: string; name: string } | null
  device: (DeviceFacts & { custom: Record<string, string> }) | null
  trigger: Record<string, unknown>
  last: StepResult | null
}

/** The fields offered in the editor (device.custom.<name> and trigger.<key> are open-ended). */
export const conditionFields = [
  { field: 'last_step.status', label: 'Last step: status (succeeded, failed, skipped)' },
  { field: 'last_step.exit_code', label: 'Last step: exit code (one device)' },
  { field: 'last_step.output', label: 'Last step: script output' },
  { field: 'last_step.failed', label: 'Last step: devices failed' },
  { field: 'last_step.succeeded', label: 'Last step: devices succeeded' },
  { field: 'device.os', label: 'Device: OS (windows, macos, linux)' },
  { field: 'device.status', label: 'Device: status (online, offline…)' },
  { field: 'device.name', label: 'Device: name' },
  { field: 'device.hostname', label: 'Device: hostname' },
  { field: 'device.site', label: 'Device: site name' },
  { field: 'device.tags', label: 'Device: tags' },
  { field: 'device.custom.', label: 'Device: custom field (device.custom.NAME)' },
  { field: 'trigger.', label: 'Trigger data (trigger.KEY, e.g. trigger.severity)' },
]

/** valueOf reads one dotted field; undefined when it does not apply (no device, no last step). */
export function valueOf(field: string, f: Facts): unknown {
  const [root, ...rest] = field.split('.')
  const key = rest.join('.')
  if (root === 'last_step') {
    if (!f.last) return undefined
    return ({ status: f.last.status, exit_code: f.last.exitCode, output: f.last.output, failed: f.last.failed, succeeded: f.last.succeeded, type: f.last.type } as Record<string, unknown>)[key]
  }
  if (root === 'device') {
    const d = f.device
    if (!d) return undefined
    if (key.startsWith('custom.')) return d.custom[key.slice(7)]
    return ({
      id: d.id, name: d.displayName || d.hostname, hostname: d.hostname, os: d.osType, os_version: d.osVersion, status: d.status, site: d.siteName,
      tags: d.tags, last_user: d.lastUser, agent_version: d.agentVersion,
    } as Record<string, unknown>)[key]
  }
  if (root === 'trigger') {
    let node: unknown = f.trigger
    for (const part of rest) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined
    return node
  }
  if (root === 'automation') return ({ id: f.automation.id, name: f.automation.name } as Record<string, unknown>)[key]
  if (root === 'run') return ({ id: f.run.id, url: f.run.url } as Record<string, unknown>)[key]
  if (root === 'org') return f.org ? ({ id: f.org.id, name: f.org.name } as Record<string, unknown>)[key] : undefined
  return undefined
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return null
}

/** evaluateClause: lists (tags) match when any member does; numbers compare as numbers; text case-insensitively. */
export function evaluateClause(c: ConditionClause, f: Facts): boolean {
  const actual = valueOf(c.field, f)
  if (Array.isArray(actual)) {
    const positive = c.op === '!=' ? '=' : c.op === 'not_contains' ? 'contains' : c.op
    const hit = actual.some((x) => compare(x, positive, c.value))
    return positive === c.op ? hit : !hit
  }
  return compare(actual, c.op, c.value)
}

function compare(actual: unknown, op: ConditionClause['op'], expected: ConditionClause['value']): boolean {
  if (actual === undefined || actual === null) return op === '!=' || op === 'not_contains'
  const a = asNumber(actual)
  const e = asNumber(expected)
  const text = String(actual).toLowerCase()
  const want = String(expected).toLowerCase()
  switch (op) {
    case '=': return a !== null && e !== null ? a === e : text === want
    case '!=': return a !== null && e !== null ? a !== e : text !== want
    case '>': return a !== null && e !== null && a > e
    case '>=': return a !== null && e !== null && a >= e
    case '<': return a !== null && e !== null && a < e
    case '<=': return a !== null && e !== null && a <= e
    case 'contains': return text.includes(want)
    case 'not_contains': return !text.includes(want)
  }
}

export function evaluateClauses(match: 'all' | 'any', clauses: ConditionClause[], f: Facts): boolean {
  return match === 'any' ? clauses.some((c) => evaluateClause(c, f)) : clauses.every((c) => evaluateClause(c, f))
}

/** render fills {{ field }} placeholders (same fields as conditions, plus automation.name, run.url, org.name). */
export function render(template: string, f: Facts): string {
  return template.replace(/\{\{\s*([a-z_]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g, (_, field: string) => {
    const v = valueOf(field, f)
    if (v === undefined || v === null) return ''
    return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)
  })
}
