// Checking the values given for a run against the script's declared parameters. Values are
// only ever passed to the script as environment variables (PowerShell: named parameters),
// never spliced into its text, so any value is inert.
import { ValidationError } from '../lib/errors'
import type { SecretBox } from '../lib/secret-box'
import type { ScriptParameter } from './types'

export type ParameterValue = string | number | boolean

/** resolveParameters applies defaults and checks types; a problem is a 400 naming `parameters/<name>`. */
export function resolveParameters(declared: ScriptParameter[], given: Record<string, unknown> = {}): Record<string, ParameterValue> {
  const byName = new Map(declared.map((p) => [p.name, p]))
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) throw new ValidationError(`parameters/${name}`, `unknown parameter "${name}"${declared.length ? ` (this script takes ${declared.map((p) => p.name).join(', ')})` : ' (this script takes none)'}`)
  }
  const out: Record<string, ParameterValue> = {}
  for (const p of declared) {
    const field = `parameters/${p.name}`
    let v = given[p.name]
    if (v === undefined || v === null || v === '') v = p.default ?? undefined
    if (v === undefined || v === null || v === '') {
      if (p.required) throw new ValidationError(field, `parameter "${p.name}" is required`)
      continue
    }
    switch (p.type) {
      case 'number': {
        const n = typeof v === 'number' ? v : Number(String(v).trim())
        if (!Number.isFinite(n) || (typeof v === 'string' && String(v).trim() === '')) throw new ValidationError(field, `parameter "${p.name}" must be a number`)
        out[p.name] = n
        break
      }
      case 'boolean': {
        if (v === true || v === 'true') out[p.name] = true
        else if (v === false || v === 'false') out[p.name] = false
        else throw new ValidationError(field, `parameter "${p.name}" must be true or false`)
        break
      }
      case 'select': {
        if (!p.options?.includes(String(v))) throw new ValidationError(field, `parameter "${p.name}" must be one of ${p.options?.join(', ')}`)
        out[p.name] = String(v)
        break
      }
      case 'string':
      case 'secret':
        if (typeof v !== 'string') throw new ValidationError(field, `parameter "${p.name}" must be text`)
        if (v.includes('\0')) throw new ValidationError(field, `parameter "${p.name}" must not contain NUL characters`)
        out[p.name] = v
        break
    }
  }
  return out
}

/** The values as shown in history and logs: secrets replaced by a mask. */
export function maskedParameters(declared: ScriptParameter[], values: Record<string, ParameterValue>): Record<string, ParameterValue> {
  const secret = new Set(declared.filter((p) => p.type === 'secret').map((p) => p.name))
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret.has(k) ? '••••••' : v]))
}

/** The values as stored with a batch: secrets sealed, so a re-run can reuse them without showing them. */
export function sealedParameters(declared: ScriptParameter[], values: Record<string, ParameterValue>, box: SecretBox): Record<string, ParameterValue> {
  const secret = new Set(declared.filter((p) => p.type === 'secret').map((p) => p.name))
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret.has(k) ? box.seal(String(v)) : v]))
}

export function unsealedParameters(declared: ScriptParameter[], stored: Record<string, unknown>, box: SecretBox): Record<string, ParameterValue> {
  const secret = new Set(declared.filter((p) => p.type === 'secret').map((p) => p.name))
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, secret.has(k) ? box.open(String(v)) : (v as ParameterValue)]))
}
