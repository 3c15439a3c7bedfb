// Compiling a parsed group rule (rules.ts) into a WHERE over `devices`, and running it.
// Every comparison yields true or false, never NULL: device columns are tested with
// `col IS NOT NULL AND …` and related rows with EXISTS, so NOT and != behave as people expect
// (a device with no serial number is "serial != X").
import { and, asc, eq, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds, jsonArrayHas } from '../db/sql'
import { t } from '../db/tables'
import type { Comparison, FieldName, RuleNode, Value } from './rules'

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

/** One positive test (the operator without negation) of `field` against one value. */
function positive(field: FieldName, op: Comparison['op'], value: Value): SQL {
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
  }
}

/** compileRule turns a rule tree into a WHERE over `devices`. */
export function compileRule(node: RuleNode): SQL {
  switch (node.kind) {
    case 'and': return sql`(${compileRule(node.left)} AND ${compileRule(node.right)})`
    case 'or': return sql`(${compileRule(node.left)} OR ${compileRule(node.right)})`
    case 'not': return not(compileRule(node.operand))
    case 'cmp': {
      if (node.op === 'in') return or(...node.values.map((v) => positive(node.field, '=', v)))!
      if (node.op === '!=') return not(positive(node.field, '=', node.values[0]))
      return positive(node.field, node.op, node.values[0])
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
