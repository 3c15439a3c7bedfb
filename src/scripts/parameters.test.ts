import { describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { ValidationError } from '../lib/errors'
import { SecretBox } from '../lib/secret-box'
import { maskedParameters, resolveParameters, sealedParameters, unsealedParameters } from './parameters'
import type { ScriptParameter } from './types'

const declared: ScriptParameter[] = [
  { name: 'HOST', type: 'string', required: true },
  { name: 'PORT', type: 'number', required: false, default: 443 },
  { name: 'DRY_RUN', type: 'boolean', required: false, default: false },
  { name: 'MODE', type: 'select', required: false, options: ['fast', 'full'] },
  { name: 'TOKEN', type: 'secret', required: false },
]

const fieldOf = (fn: () => unknown) => { try { fn() } catch (e) { return (e as ValidationError).field } return null }

describe('script parameters', () => {
  test('defaults apply and types convert', () => {
    expect(resolveParameters(declared, { HOST: 'example.com', DRY_RUN: 'true' })).toEqual({ HOST: 'example.com', PORT: 443, DRY_RUN: true })
    expect(resolveParameters(declared, { HOST: 'x', PORT: '8443', MODE: 'full' })).toEqual({ HOST: 'x', PORT: 8443, DRY_RUN: false, MODE: 'full' })
  })

  test('unknown, missing and mistyped parameters name the parameter', () => {
    expect(fieldOf(() => resolveParameters(declared, { HOST: 'x', PROT: 1 }))).toBe('parameters/PROT')
    expect(fieldOf(() => resolveParameters(declared, {}))).toBe('parameters/HOST')
    expect(fieldOf(() => resolveParameters(declared, { HOST: 'x', PORT: 'eighty' }))).toBe('parameters/PORT')
    expect(fieldOf(() => resolveParameters(declared, { HOST: 'x', DRY_RUN: 'maybe' }))).toBe('parameters/DRY_RUN')
    expect(fieldOf(() => resolveParameters(declared, { HOST: 'x', MODE: 'other' }))).toBe('parameters/MODE')
    expect(fieldOf(() => resolveParameters(declared, { HOST: 42 }))).toBe('parameters/HOST')
  })

  test('shell metacharacters are kept as plain values (they are never spliced into the script)', () => {
    expect(resolveParameters(declared, { HOST: '"; rm -rf / #' }).HOST).toBe('"; rm -rf / #')
  })

  test('secrets are masked for display and sealed for storage', () => {
    const box = new SecretBox(randomBytes(32))
    const values = resolveParameters(declared, { HOST: 'h', TOKEN: 's3cret' })
    expect(maskedParameters(declared, values).TOKEN).toBe('••••••')
    const sealed = sealedParameters(declared, values, box)
    expect(JSON.stringify(sealed)).not.toContain('s3cret')
    expect(unsealedParameters(declared, sealed, box).TOKEN).toBe('s3cret')
  })
})
