import { describe, expect, test } from 'bun:test'
import { formatRule, isVolatile, parseRule, RuleError, type RuleNode } from './rules'

const errorOf = (src: string) => {
  try { parseRule(src) } catch (err) { if (err instanceof RuleError) return { position: err.position, message: err.message }; throw err }
  throw new Error(`expected ${src} to fail`)
}

describe('rule parser', () => {
  test('the example from the issue', () => {
    const tree = parseRule('os = windows AND ram_gb > 8 AND tag = servers AND software contains "Chrome"')
    expect(formatRule(tree)).toBe('os = windows AND ram_gb > 8 AND tag = servers AND software CONTAINS Chrome')
    const cmp = (n: RuleNode): string[] => n.kind === 'cmp' ? [`${n.field} ${n.op} ${JSON.stringify(n.values)}`] : n.kind === 'not' ? cmp(n.operand) : [...cmp(n.left), ...cmp(n.right)]
    expect(cmp(tree)).toEqual(['os = ["windows"]', 'ram_gb > [8]', 'tag = ["servers"]', 'software contains ["Chrome"]'])
  })

  test('AND binds tighter than OR; NOT and parentheses; keywords in any case', () => {
    expect(formatRule(parseRule('os = linux or os = macos and tag = lab'))).toBe('os = linux OR os = macos AND tag = lab')
    const tree = parseRule('os = linux or os = macos and tag = lab')
    expect(tree.kind).toBe('or')
    expect(formatRule(parseRule('(os = linux OR os = macos) AND NOT tag = lab'))).toBe('(os = linux OR os = macos) AND NOT tag = lab')
    expect(formatRule(parseRule('not (cpu_percent >= 90 or ram_percent>=90)'))).toBe('NOT (cpu_percent >= 90 OR ram_percent >= 90)')
    expect(formatRule(parseRule("hostname startswith 'web-' and site in (\"HQ\", Branch)"))).toBe('hostname STARTSWITH web- AND site IN (HQ, Branch)')
  })

  test('values are typed: numbers, booleans, enum members (case-insensitive), quoted text with escapes', () => {
    const t = parseRule('pending_reboot = TRUE AND os = Windows AND ram_gb >= 15.5 AND software = "Say \\"hi\\""') as RuleNode
    expect(formatRule(t)).toBe('pending_reboot = true AND os = windows AND ram_gb >= 15.5 AND software = "Say \\"hi\\""')
    expect(formatRule(parseRule('tag = "and"'))).toBe('tag = "and"')
    expect(formatRule(parseRule('os <> linux AND cpu_cores == 4'))).toBe('os != linux AND cpu_cores = 4')
  })

  test('errors name the position and say what was expected', () => {
    expect(errorOf('')).toEqual({ position: 1, message: 'at position 1: the rule is empty; write a condition such as os = windows' })
    expect(errorOf('os = windows AND')).toMatchObject({ position: 17, message: expect.stringContaining('expected a field name') })
    expect(errorOf('ram_gb > lots')).toEqual({ position: 10, message: 'at position 10: ram_gb is a number; "lots" is not one' })
    expect(errorOf('os = solaris')).toMatchObject({ position: 6, message: expect.stringContaining('os is one of windows, macos, linux') })
    expect(errorOf('colour = red')).toMatchObject({ position: 1, message: expect.stringContaining('unknown field "colour"') })
    expect(errorOf('ram_gb contains 8')).toMatchObject({ position: 8, message: expect.stringContaining('ram_gb cannot be compared with "contains"') })
    expect(errorOf('tag contains serv')).toMatchObject({ position: 5 })
    expect(errorOf('(os = linux')).toMatchObject({ position: 12, message: expect.stringContaining('expected ")" to close the "(" at position 1') })
    expect(errorOf('os = linux)')).toMatchObject({ position: 11, message: expect.stringContaining('without a matching "("') })
    expect(errorOf('os = linux tag = x')).toMatchObject({ position: 12, message: expect.stringContaining('join conditions with AND or OR') })
    expect(errorOf('software contains "Chrome')).toMatchObject({ position: 19, message: expect.stringContaining('no closing "') })
    expect(errorOf('os = linux & tag = x')).toMatchObject({ position: 12, message: 'at position 12: unexpected character "&"' })
    expect(errorOf('os in (linux, )')).toMatchObject({ position: 15, message: expect.stringContaining('expected a value') })
    expect(errorOf('pending_reboot = yes')).toMatchObject({ position: 18 })
    expect(errorOf('os windows')).toMatchObject({ position: 4, message: expect.stringContaining('expected an operator after os') })
  })

  test('limits: nesting depth and number of conditions', () => {
    expect(errorOf('('.repeat(30) + 'os = linux' + ')'.repeat(30)).message).toContain('nested too deeply')
    expect(errorOf(Array.from({ length: 101 }, () => 'tag = x').join(' OR ')).message).toContain('at most 100 conditions')
  })

  test('volatile rules (re-evaluated on heartbeats) are the ones testing live state', () => {
    expect(isVolatile(parseRule('os = windows AND software contains Chrome'))).toBe(false)
    expect(isVolatile(parseRule('os = windows AND NOT status = online'))).toBe(true)
    expect(isVolatile(parseRule('disk_percent > 90'))).toBe(true)
  })
})
