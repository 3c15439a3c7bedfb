// The policy editor's form post, shaped into the JSON API's input (so the same schema and
// service check both): settings rows, rule rows with their per-kind fields, name=value lines.
import type { FormValues } from '../web/forms'
import type { PolicyRule } from './types'

type Raw = Record<string, unknown>

const str = (v: unknown): string | undefined => {
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined
}
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string' && x !== '')
const int = (v: unknown): number | undefined => {
  const s = str(v)
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : s === undefined ? undefined : Number.NaN
}

/** scalar reads a setting value as typed: true/false, a number, or text. */
export function scalar(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}

/** pairs reads `name=value` lines (parameters of a script). */
export function pairs(text: string | undefined): Record<string, string | number | boolean> | undefined {
  if (!text) return undefined
  const out: Record<string, string | number | boolean> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line)
    if (m) out[m[1]] = scalar(m[2].trim())
  }
  return Object.keys(out).length ? out : undefined
}

export const pairsText = (p: Record<string, unknown> | undefined) => Object.entries(p ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')

/** Indexed rows of `prefix.N.field` fields, in index order. */
function rows(body: Raw, prefix: string): Raw[] {
  const by = new Map<number, Raw>()
  for (const [key, value] of Object.entries(body)) {
    const m = new RegExp(`^${prefix}\\.(\\d+)\\.(\\w+)$`).exec(key)
    if (!m) continue
    const row = by.get(Number(m[1])) ?? {}
    row[m[2]] = value
    by.set(Number(m[1]), row)
  }
  return [...by.entries()].sort(([a], [b]) => a - b).map(([, r]) => r)
}

/** policyFromForm builds the create/update input from the editor's fields. */
export function policyFromForm(body: Raw): FormValues {
  const values: Record<string, string | number | boolean> = {}
  for (const r of rows(body, 'values')) {
    const key = str(r.key)
    if (key) values[key] = scalar(str(r.value) ?? '')
  }
  const used = new Set<string>()
  const rules = rows(body, 'rules').filter((r) => str(r.kind)).map((r, i) => {
    let id = str(r.id) ?? `${str(r.kind)!.replace(/_/g, '-')}-${i + 1}`
    while (used.has(id)) id = `${id}-${i + 1}`
    used.add(id)
    const rule: Record<string, unknown> = { id, kind: str(r.kind) }
    for (const f of ['label', 'name', 'versionOp', 'version', 'path', 'valueName', 'expected', 'setting', 'op', 'scriptId', 'remediationScriptId'] as const) {
      const v = str(r[f])
      if (v !== undefined) rule[f] = v
    }
    const os = list(r.os)
    if (os.length) rule.os = os
    const params = pairs(str(r.parameters))
    if (params && rule.kind === 'script') rule.parameters = params
    const fix = pairs(str(r.remediationParameters))
    if (fix && rule.remediationScriptId) rule.remediationParameters = fix
    return rule as unknown as PolicyRule
  })
  const out: FormValues = {
    name: str(body.name), description: str(body.description) ?? '', type: str(body.type), priority: int(body.priority), enforcement: str(body.enforcement),
    checkIntervalMinutes: int(body.checkIntervalMinutes), maxRemediationAttempts: int(body.maxRemediationAttempts), alertSeverity: str(body.alertSeverity),
    remediationScriptId: str(body.remediationScriptId) ?? null, alertChannelIds: list(body.alertChannelIds), settings: { values, rules },
  }
  if (str(body.orgId)) out.orgId = str(body.orgId)
  if (str(body.changelog)) out.changelog = str(body.changelog)
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined))
}
