// The device rule language of dynamic groups and fleet queries: a small, typed filter over
// device facts, e.g.
//   os = windows AND ram_gb > 8 AND (tag = servers OR software contains "Chrome")
//   software.name = "openssl" AND software.version < "3.0.13"
// Conditions on software.* joined by AND describe one package (its name, version, publisher,
// source); versions compare by their packaging scheme's order (src/devices/versions.ts).
// parsed here into a tree (pure code, no database) and compiled to SQL by rules-repo.ts.
// Errors name the 1-based character position so the editor can point at it.
// docs/device-groups.md documents the language for users; keep the two in step.

export type FieldType = 'string' | 'number' | 'enum' | 'boolean' | 'set' | 'version' | 'package'
export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'startswith' | 'endswith' | 'in'
export type Value = string | number | boolean

export type FieldDef = {
  type: FieldType
  description: string
  /** Allowed values of an enum field. */
  values?: readonly string[]
  /** Changes with every heartbeat (status, current load…): re-evaluated on heartbeats too. */
  volatile?: boolean
  /** Operators beyond the type's defaults are refused (sets of tags allow only =, != and in). */
  operators?: readonly Operator[]
}

const stringOps: Operator[] = ['=', '!=', 'contains', 'startswith', 'endswith', 'in']
const numberOps: Operator[] = ['=', '!=', '>', '>=', '<', '<=', 'in']
const defaultOps: Record<FieldType, Operator[]> = { string: stringOps, set: stringOps, number: numberOps, enum: ['=', '!=', 'in'], boolean: ['=', '!='], version: ['=', '!=', '>', '>=', '<', '<=', 'in'], package: stringOps }

/** Every field a rule may test. The SQL for each is in rules-repo.ts. */
export const ruleFields = {
  os: { type: 'enum', values: ['windows', 'macos', 'linux'], description: 'Operating system family' },
  os_version: { type: 'string', description: 'OS name and version, e.g. "Windows 11 Pro 23H2", "Ubuntu 24.04 LTS"' },
  os_build: { type: 'string', description: 'OS build or kernel version' },
  arch: { type: 'string', description: 'CPU architecture (x64, arm64)' },
  hostname: { type: 'string', description: 'Hostname reported by the agent' },
  name: { type: 'string', description: 'Display name, or the hostname when none is set' },
  site: { type: 'string', description: 'Name of the device\'s site' },
  status: { type: 'enum', values: ['online', 'offline', 'maintenance', 'decommissioned'], volatile: true, description: 'Connection status' },
  tag: { type: 'set', operators: ['=', '!=', 'in'], description: 'A tag of the device (tag = servers: has the tag; tag != servers: does not)' },
  software: { type: 'set', description: 'Name of any installed software' },
  publisher: { type: 'set', description: 'Publisher of any installed software' },
  ip: { type: 'set', description: 'Any IP address of the device\'s network interfaces' },
  ram_gb: { type: 'number', description: 'Installed memory in GB (rounded)' },
  cpu_cores: { type: 'number', description: 'Physical CPU cores' },
  disk_gb: { type: 'number', description: 'Total disk capacity in GB' },
  cpu_model: { type: 'string', description: 'CPU model' },
  manufacturer: { type: 'string', description: 'Hardware manufacturer' },
  model: { type: 'string', description: 'Hardware model' },
  serial: { type: 'string', description: 'Serial number' },
  agent_version: { type: 'string', description: 'Version of the Breeze agent' },
  cpu_percent: { type: 'number', volatile: true, description: 'Current CPU use, percent' },
  ram_percent: { type: 'number', volatile: true, description: 'Current memory use, percent' },
  disk_percent: { type: 'number', volatile: true, description: 'Fullest volume, percent used' },
  last_user: { type: 'string', volatile: true, description: 'Last logged-in user' },
  pending_reboot: { type: 'boolean', volatile: true, description: 'A reboot is pending (true/false)' },
  'software.name': { type: 'package', description: 'Name of an installed package; with other software.* conditions joined by AND, the same package' },
  'software.version': { type: 'version', description: 'Version of that package, ordered as its packaging scheme orders them (dpkg, rpm, Windows, semver): software.version < "3.0.13"' },
  'software.publisher': { type: 'package', description: 'Publisher of that package' },
  'software.source': { type: 'package', description: 'Where the agent found that package: dpkg, rpm, registry, snap, flatpak, app…' },
  custom: { type: 'string', description: 'A custom field, named after the dot: custom.warranty = expired (automations set custom fields)' },
} as const satisfies Record<string, FieldDef>

export type FieldName = keyof typeof ruleFields

/** Other spellings of fields (hardware.*, os.*), rewritten to the canonical name when parsed. */
export const fieldAliases: Record<string, FieldName> = {
  'os.family': 'os', 'os.version': 'os_version', 'os.build': 'os_build', 'os.arch': 'arch',
  'hardware.ram_gb': 'ram_gb', 'hardware.cpu_cores': 'cpu_cores', 'hardware.disk_gb': 'disk_gb', 'hardware.cpu_model': 'cpu_model',
  'hardware.manufacturer': 'manufacturer', 'hardware.model': 'model', 'hardware.serial': 'serial',
  'device.name': 'name', 'device.hostname': 'hostname', 'device.status': 'status', 'device.tag': 'tag', 'device.site': 'site',
}

/** isSoftwareField: a software.* field (conditions on one package). */
export function isSoftwareField(field: FieldName): boolean {
  return field.startsWith('software.')
}

export type Comparison = { kind: 'cmp'; field: FieldName; op: Operator; values: Value[]; position: number; /** custom.<name> */ name?: string }
export type RuleNode =
  | Comparison
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode }
  | { kind: 'not'; operand: RuleNode }

/** RuleError says what is wrong and where (1-based character position in the rule text). */
export class RuleError extends Error {
  constructor(readonly position: number, readonly reason: string) {
    super(`at position ${position}: ${reason}`)
  }
}

export const ruleLimits = { maxLength: 4000, maxComparisons: 100, maxDepth: 20 }

type Token =
  | { type: 'word'; text: string; pos: number }
  | { type: 'string'; text: string; pos: number }
  | { type: 'op'; text: '=' | '!=' | '>' | '>=' | '<' | '<='; pos: number }
  | { type: '(' | ')' | ','; pos: number }
  | { type: 'end'; pos: number }

const wordChar = /[A-Za-z0-9_.\-:/+@*]/

/** tokenize splits rule text into words, quoted strings, operators and punctuation. */
function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    const pos = i + 1
    if (/\s/.test(c)) { i++; continue }
    if (c === '(' || c === ')' || c === ',') { out.push({ type: c, pos }); i++; continue }
    if (c === '"' || c === "'") {
      let text = ''
      i++
      for (;;) {
        if (i >= src.length) throw new RuleError(pos, `the text starting here has no closing ${c}`)
        const ch = src[i]
        if (ch === '\\' && i + 1 < src.length) { text += src[i + 1]; i += 2; continue }
        if (ch === c) { i++; break }
        text += ch
        i++
      }
      out.push({ type: 'string', text, pos })
      continue
    }
    const two = src.slice(i, i + 2)
    if (two === '!=' || two === '<>' || two === '>=' || two === '<=' || two === '==') {
      out.push({ type: 'op', text: two === '<>' ? '!=' : two === '==' ? '=' : two, pos })
      i += 2
      continue
    }
    if (c === '=' || c === '>' || c === '<') { out.push({ type: 'op', text: c, pos }); i++; continue }
    if (wordChar.test(c)) {
      let j = i
      while (j < src.length && wordChar.test(src[j])) j++
      out.push({ type: 'word', text: src.slice(i, j), pos })
      i = j
      continue
    }
    throw new RuleError(pos, `unexpected character "${c}"`)
  }
  out.push({ type: 'end', pos: src.length + 1 })
  return out
}

const wordOps: Record<string, Operator> = { contains: 'contains', startswith: 'startswith', endswith: 'endswith', in: 'in' }

function describe(tok: Token): string {
  if (tok.type === 'end') return 'the end of the rule'
  if (tok.type === 'word') return `"${tok.text}"`
  if (tok.type === 'string') return `the text "${tok.text}"`
  if (tok.type === 'op') return `"${tok.text}"`
  return `"${tok.type}"`
}

/** parseRule turns rule text into a checked tree, or throws a RuleError naming the position. */
export function parseRule(src: string): RuleNode {
  if (src.length > ruleLimits.maxLength) throw new RuleError(ruleLimits.maxLength, `a rule may be at most ${ruleLimits.maxLength} characters`)
  const tokens = tokenize(src)
  if (tokens[0].type === 'end') throw new RuleError(1, 'the rule is empty; write a condition such as os = windows')
  let at = 0
  let comparisons = 0
  const peek = () => tokens[at]
  const next = () => tokens[at++]
  const isKeyword = (tok: Token, word: string) => tok.type === 'word' && tok.text.toLowerCase() === word

  function orExpr(depth: number): RuleNode {
    let left = andExpr(depth)
    while (isKeyword(peek(), 'or')) { next(); left = { kind: 'or', left, right: andExpr(depth) } }
    return left
  }
  function andExpr(depth: number): RuleNode {
    let left = notExpr(depth)
    while (isKeyword(peek(), 'and')) { next(); left = { kind: 'and', left, right: notExpr(depth) } }
    return left
  }
  function notExpr(depth: number): RuleNode {
    if (isKeyword(peek(), 'not')) { next(); return { kind: 'not', operand: notExpr(depth + 1) } }
    return primary(depth)
  }
  function primary(depth: number): RuleNode {
    if (depth > ruleLimits.maxDepth) throw new RuleError(peek().pos, `conditions are nested too deeply (at most ${ruleLimits.maxDepth} levels)`)
    const tok = peek()
    if (tok.type === '(') {
      next()
      const inner = orExpr(depth + 1)
      const close = next()
      if (close.type !== ')') throw new RuleError(close.pos, `expected ")" to close the "(" at position ${tok.pos}, found ${describe(close)}`)
      return inner
    }
    return comparison()
  }
  function comparison(): Comparison {
    const fieldTok = next()
    if (fieldTok.type !== 'word') throw new RuleError(fieldTok.pos, `expected a field name such as os, tag or ram_gb, found ${describe(fieldTok)}`)
    let key = fieldTok.text.toLowerCase()
    let customName: string | undefined
    if (key.startsWith('custom.')) {
      customName = fieldTok.text.slice('custom.'.length)
      if (!customName) throw new RuleError(fieldTok.pos, 'name the custom field after the dot: custom.warranty')
      key = 'custom'
    }
    key = fieldAliases[key] ?? key
    if (!(key in ruleFields) || (key === 'custom' && customName === undefined)) throw new RuleError(fieldTok.pos, `unknown field "${fieldTok.text}"; known fields: ${Object.keys(ruleFields).filter((f) => f !== 'custom').join(', ')}, custom.<name>`)
    const field = key as FieldName
    const def: FieldDef = ruleFields[field]
    const opTok = next()
    let op: Operator
    if (opTok.type === 'op') op = opTok.text
    else if (opTok.type === 'word' && opTok.text.toLowerCase() in wordOps) op = wordOps[opTok.text.toLowerCase()]
    else throw new RuleError(opTok.pos, `expected an operator after ${field} (=, !=, >, <, contains, startswith, endswith, in), found ${describe(opTok)}`)
    const allowed = def.operators ?? defaultOps[def.type]
    if (!allowed.includes(op)) throw new RuleError(opTok.pos, `${field} cannot be compared with "${op}"; use ${allowed.join(', ')}`)
    const values: Value[] = []
    if (op === 'in') {
      const open = next()
      if (open.type !== '(') throw new RuleError(open.pos, `expected "(" and a list of values after in, found ${describe(open)}`)
      for (;;) {
        values.push(value(field, def, op))
        const sep = next()
        if (sep.type === ')') break
        if (sep.type !== ',') throw new RuleError(sep.pos, `expected "," or ")" in the list of values, found ${describe(sep)}`)
      }
    } else {
      values.push(value(field, def, op))
    }
    if (++comparisons > ruleLimits.maxComparisons) throw new RuleError(fieldTok.pos, `a rule may have at most ${ruleLimits.maxComparisons} conditions`)
    return customName === undefined ? { kind: 'cmp', field, op, values, position: fieldTok.pos } : { kind: 'cmp', field, op, values, position: fieldTok.pos, name: customName }
  }
  function value(field: FieldName, def: FieldDef, op: Operator): Value {
    const tok = next()
    if (tok.type !== 'word' && tok.type !== 'string') throw new RuleError(tok.pos, `expected a value after ${field} ${op}, found ${describe(tok)}`)
    const text = tok.text
    switch (def.type) {
      case 'number': {
        const n = Number(text)
        if (text.trim() === '' || !Number.isFinite(n)) throw new RuleError(tok.pos, `${field} is a number; "${text}" is not one`)
        return n
      }
      case 'boolean': {
        const v = text.toLowerCase()
        if (v !== 'true' && v !== 'false') throw new RuleError(tok.pos, `${field} is true or false, not "${text}"`)
        return v === 'true'
      }
      case 'enum': {
        const v = text.toLowerCase()
        if (!def.values!.includes(v)) throw new RuleError(tok.pos, `${field} is one of ${def.values!.join(', ')}; "${text}" is not`)
        return v
      }
      default:
        if (text.length === 0 && op !== '=' && op !== '!=') throw new RuleError(tok.pos, `${field} ${op} needs a non-empty value`)
        if (text.length > 200) throw new RuleError(tok.pos, 'values may be at most 200 characters')
        return text
    }
  }

  const tree = orExpr(0)
  const rest = peek()
  if (rest.type !== 'end') {
    const hint = rest.type === ')' ? 'there is a ")" without a matching "("' : rest.type === 'word' ? 'join conditions with AND or OR' : 'remove it or join conditions with AND or OR'
    throw new RuleError(rest.pos, `unexpected ${describe(rest)}: ${hint}`)
  }
  return tree
}

/** fieldsOf lists the fields a rule tests. */
export function fieldsOf(node: RuleNode, out = new Set<FieldName>()): Set<FieldName> {
  if (node.kind === 'cmp') out.add(node.field)
  else if (node.kind === 'not') fieldsOf(node.operand, out)
  else { fieldsOf(node.left, out); fieldsOf(node.right, out) }
  return out
}

/** isVolatile: does the rule test something that changes with heartbeats? */
export function isVolatile(node: RuleNode): boolean {
  return [...fieldsOf(node)].some((f) => (ruleFields[f] as FieldDef).volatile === true)
}

/** formatRule writes a tree back as canonical text (keywords upper case, strings quoted). */
export function formatRule(node: RuleNode, parent: 'and' | 'or' | 'not' | null = null): string {
  if (node.kind === 'cmp') {
    const v = (x: Value) => typeof x === 'string' ? (/^[A-Za-z0-9_.\-:/+@*]+$/.test(x) && !/^(and|or|not|in)$/i.test(x) ? x : JSON.stringify(x)) : String(x)
    if (node.field === 'custom') {
      const f = `custom.${node.name}`
      return node.op === 'in' ? `${f} IN (${node.values.map(v).join(', ')})` : `${f} ${/^[a-z]/.test(node.op) ? node.op.toUpperCase() : node.op} ${v(node.values[0])}`
    }
    return node.op === 'in' ? `${node.field} IN (${node.values.map(v).join(', ')})` : `${node.field} ${/^[a-z]/.test(node.op) ? node.op.toUpperCase() : node.op} ${v(node.values[0])}`
  }
  if (node.kind === 'not') return `NOT ${formatRule(node.operand, 'not')}`
  const text = `${formatRule(node.left, node.kind)} ${node.kind.toUpperCase()} ${formatRule(node.right, node.kind)}`
  return parent === 'not' || (parent === 'and' && node.kind === 'or') ? `(${text})` : text
}
