// Compiling a parsed group rule (rules.ts) into a WHERE over `devices`, and running it.
// Every comparison yields true or false, never NULL: device columns are tested with
// `col IS NOT NULL AND …` and related rows with EXISTS, so NOT and != behave as people expect
// (a device with no serial number is "serial != X").
import { and, asc, eq, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../db'
import { bytewise, inIds, jsonArrayHas } from '../db/sql'
import { t } from '../db/tables'
import { isSoftwareField, type Comparison, type FieldName, type RuleNode, type Value } from './rules'
import { schemeRange, versionKey, versionSchemes } from './versions'

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c)
}

/** textTest compares lower(expr) with a string value; the same SQL on SQLite and PostgreSQL. */
function textTest(expr: SQLWrapper, op: Comparison['op'], value: string): SQL {
  const v = value.toLowerCase()
  switch (op) {
    case 'contains': return sql`lower(${expr}) LIKE ${`%${escapeLike(v)}%`} ESCAPE '\\'`
    case 'startswith': return sql`lower(${expr}) LIKE ${`${escapeLike(v)}%`} ESCAPE '\\'`
    case 'endswith': return sql`lower(${expr}) LIKE ${`%${escapeLike(v)}`} ESCAPE '\\'`
    default: return sql`lower(${expr}) = ${v}`
  }
}

function numberTest(expr: SQLWrapper, op: Comparison['op'], value: number): SQL {
  const ops: Record<string, string> = { '=': '=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' }
  return sql`${expr} ${sql.raw(ops[op] ?? '=')} ${value}`
}

/** versionTest: the package's version compared under each packaging scheme's order (keys of one scheme only meet keys of the same scheme). */
function versionTest(op: Comparison['op'], value: string): SQL {
  const key = bytewise(t.deviceSoftware.versionKey)
  const ops: Record<string, string> = { '=': '=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' }
  const perScheme = versionSchemes.map((scheme) => {
    const [lo, hi] = schemeRange(scheme)
    return sql`(${key} > ${lo} AND ${key} < ${hi} AND ${key} ${sql.raw(ops[op] ?? '=')} ${versionKey(value, scheme)})`
  })
  return sql`(${t.deviceSoftware.versionKey} IS NOT NULL AND (${sql.join(perScheme, sql` OR `)}))`
}

/** packageTest: one condition on one device_software row. */
function packageTest(c: Comparison): SQL {
  const ds = t.deviceSoftware
  const one = (op: Comparison['op'], value: Value): SQL => {
    switch (c.field) {
      case 'software.version': return versionTest(op, String(value))
      case 'software.publisher': return and(sql`${ds.publisher} IS NOT NULL`, textTest(ds.publisher, op, String(value)))!
      case 'software.source': return and(sql`${ds.source} IS NOT NULL`, textTest(ds.source, op, String(value)))!
      default: return textTest(ds.name, op, String(value))
    }
  }
  if (c.op === 'in') return sql`(${sql.join(c.values.map((v) => one('=', v)), sql` OR `)})`
  if (c.op === '!=') return sql`NOT ${one('=', c.values[0])}`
  return one(c.op, c.values[0])
}

/**
 * softwareMatch: the device has one package meeting every condition. A single `!=` condition
 * alone means "has no such package" (software.name != "TeamViewer"), as for the software field.
 */
function softwareMatch(conds: Comparison[]): SQL {
  if (conds.length === 1 && conds[0].op === '!=') return not(softwareMatch([{ ...conds[0], op: '=' }]))
  const where = sql.join(conds.map(packageTest), sql` AND `)
  return sql`${t.devices.id} IN (SELECT ${t.deviceSoftware.deviceId} FROM ${t.deviceSoftware} WHERE ${where})`
}

/** customTest: a custom field of the device (set by automations) compared as text. */
function customTest(name: string, op: Comparison['op'], value: Value): SQL {
  const cf = t.deviceCustomFields
  return sql`EXISTS (SELECT 1 FROM ${cf} WHERE ${cf.deviceId} = ${t.devices.id} AND ${cf.name} = ${name} AND ${textTest(cf.value, op, String(value))})`
}

/** One positive test (the operator without negation) of `field` against one value. */
function positive(field: FieldName, op: Comparison['op'], value: Value, name?: string): SQL {
  const d = t.devices
  const col = (c: SQLWrapper) => (typeof value === 'number' ? and(sql`${c} IS NOT NULL`, numberTest(c, op, value))! : and(sql`${c} IS NOT NULL`, textTest(c, op, String(value)))!)
  const hardware = (expr: SQL) => sql`EXISTS (SELECT 1 FROM ${t.deviceHardware} WHERE ${t.deviceHardware.deviceId} = ${d.id} AND ${expr} IS NOT NULL AND ${typeof value === 'number' ? numberTest(expr, op, value) : textTest(expr, op, String(value))})`
  switch (field) {
    case 'os': return eq(d.osType, value as 'windows')
    case 'status': return eq(d.status, value as 'online')
    case 'os_version': return col(d.osVersion)
    case 'os_build': return col(d.osBuild)
    case 'arch': return col(d.architecture)
    case 'hostname': return col(d.hostname)
    case 'name': return textTest(sql`coalesce(${d.displayName}, ${d.hostname})`, op, String(value))
    case 'agent_version': return col(d.agentVersion)
    case 'last_user': return col(d.lastUser)
    case 'cpu_percent': return col(d.cpuPercent)
    case 'ram_percent': return col(d.ramPercent)
    case 'disk_percent': return col(d.diskPercent)
    case 'pending_reboot': return eq(d.pendingReboot, value as boolean)
    case 'tag': return jsonArrayHas(d.tags, String(value))
    case 'site': return sql`EXISTS (SELECT 1 FROM ${t.sites} WHERE ${t.sites.id} = ${d.siteId} AND ${textTest(t.sites.name, op, String(value))})`
    case 'software': return sql`EXISTS (SELECT 1 FROM ${t.deviceSoftware} WHERE ${t.deviceSoftware.deviceId} = ${d.id} AND ${textTest(t.deviceSoftware.name, op, String(value))})`
    case 'publisher': return sql`EXISTS (SELECT 1 FROM ${t.deviceSoftware} WHERE ${t.deviceSoftware.deviceId} = ${d.id} AND ${t.deviceSoftware.publisher} IS NOT NULL AND ${textTest(t.deviceSoftware.publisher, op, String(value))})`
    case 'ip': return sql`EXISTS (SELECT 1 FROM ${t.deviceNetwork} WHERE ${t.deviceNetwork.deviceId} = ${d.id} AND ${t.deviceNetwork.ipAddress} IS NOT NULL AND ${textTest(t.deviceNetwork.ipAddress, op, String(value))})`
    case 'ram_gb': return hardware(sql`round(${t.deviceHardware.ramTotalMb} / 1024.0)`)
    case 'cpu_cores': return hardware(sql`${t.deviceHardware.cpuCores}`)
    case 'disk_gb': return hardware(sql`${t.deviceHardware.diskTotalGb}`)
    case 'cpu_model': return hardware(sql`${t.deviceHardware.cpuModel}`)
    case 'manufacturer': return hardware(sql`${t.deviceHardware.manufacturer}`)
    case 'model': return hardware(sql`${t.deviceHardware.model}`)
    case 'serial': return hardware(sql`${t.deviceHardware.serialNumber}`)
    case 'custom': return customTest(name ?? '', op, value)
    case 'software.name': case 'software.version': case 'software.publisher': case 'software.source':
      return softwareMatch([{ kind: 'cmp', field, op, values: [value], position: 0 }])
  }
}

/** conjuncts flattens a chain of ANDs into its parts. */
function conjuncts(node: RuleNode, out: RuleNode[] = []): RuleNode[] {
  if (node.kind === 'and') { conjuncts(node.left, out); conjuncts(node.right, out) } else out.push(node)
  return out
}

const isPackageCmp = (n: RuleNode): n is Comparison => n.kind === 'cmp' && isSoftwareField(n.field)

/** compileRule turns a rule tree into a WHERE over `devices`. */
export function compileRule(node: RuleNode): SQL {
  switch (node.kind) {
    case 'and': {
      // software.* conditions of one AND chain describe one package.
      const parts = conjuncts(node)
      const packages = parts.filter(isPackageCmp)
      const rest = parts.filter((p) => !isPackageCmp(p)).map(compileRule)
      if (packages.length) rest.push(softwareMatch(packages))
      return sql`(${sql.join(rest, sql` AND `)})`
    }
    case 'or': return sql`(${compileRule(node.left)} OR ${compileRule(node.right)})`
    case 'not': return not(compileRule(node.operand))
    case 'cmp': {
      if (isSoftwareField(node.field)) return softwareMatch([node])
      if (node.op === 'in') return or(...node.values.map((v) => positive(node.field, '=', v, node.name)))!
      if (node.op === '!=') return not(positive(node.field, '=', node.values[0], node.name))
      return positive(node.field, node.op, node.values[0], node.name)
    }
  }
}

/**
 * matchingDeviceIds: the devices of `orgId` (and `siteId`, for site-bound groups) that match
 * the rule, optionally only among `amongIds`. Decommissioned devices never match.
 */
export async function matchingDeviceIds(db: Db, rule: RuleNode, scope: { orgId: string; siteId?: string | null; amongIds?: string[] }): Promise<string[]> {
  const rows = await db.select({ id: t.devices.id }).from(t.devices).where(and(
    eq(t.devices.orgId, scope.orgId),
    scope.siteId ? eq(t.devices.siteId, scope.siteId) : undefined,
    scope.amongIds ? inIds(t.devices.id, scope.amongIds) : undefined,
    sql`${t.devices.status} <> 'decommissioned'`,
    compileRule(rule),
  )).orderBy(asc(t.devices.id))
  return rows.map((r) => r.id)
}

/** packageConditions: the software.* conditions of the rule's top-level AND chain (one package). */
export function packageConditions(rule: RuleNode): Comparison[] {
  const conds = conjuncts(rule).filter(isPackageCmp)
  return conds.length === 1 && conds[0].op === '!=' ? [] : conds
}

/** listMatchingPackages: the packages of these devices that meet the conditions (what a fleet query found). */
export async function listMatchingPackages(db: Db, deviceIds: string[], conds: Comparison[]) {
  if (deviceIds.length === 0 || conds.length === 0) return []
  const ds = t.deviceSoftware
  return db.select({ deviceId: ds.deviceId, name: ds.name, version: ds.version, source: ds.source, publisher: ds.publisher }).from(ds)
    .where(and(inIds(ds.deviceId, deviceIds), sql.join(conds.map(packageTest), sql` AND `)))
    .orderBy(asc(ds.deviceId), asc(ds.name))
}

/** fillVersionKeys gives up to `limit` packages stored before version keys existed their key; returns how many. */
export async function fillVersionKeys(db: Db, limit: number, keyOf: (version: string | null, source: string | null) => string | null): Promise<number> {
  const ds = t.deviceSoftware
  const rows = await db.select({ id: ds.id, version: ds.version, source: ds.source }).from(ds)
    .where(and(sql`${ds.versionKey} IS NULL`, sql`${ds.version} IS NOT NULL`, sql`${ds.version} <> ''`)).limit(limit)
  for (const r of rows) await db.update(ds).set({ versionKey: keyOf(r.version, r.source) }).where(eq(ds.id, r.id))
  return rows.length
}
