// Queries for the script library and its versions.
import { and, asc, desc, eq, isNull, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds, jsonArrayHas } from '../db/sql'
import { t } from '../db/tables'

export type Script = typeof t.scripts.$inferSelect
export type ScriptVersion = typeof t.scriptVersions.$inferSelect

/** Which scripts a caller may see: its orgs' scripts, its partners' shared ones, and the built-ins. */
export type ScriptVisibility = { orgIds: string[]; partnerIds: string[] }

function visibleWhere(v: ScriptVisibility): SQL | undefined {
  return or(
    eq(t.scripts.isSystem, true),
    inIds(t.scripts.orgId, v.orgIds),
    and(isNull(t.scripts.orgId), inIds(t.scripts.partnerId, v.partnerIds)),
  )
}

export type ScriptFilter = { search?: string; category?: string; os?: string; language?: string; tag?: string; orgId?: string; includeSystem?: boolean }

export async function listVisibleScripts(db: Db, v: ScriptVisibility, f: ScriptFilter): Promise<Script[]> {
  return db.select().from(t.scripts).where(and(
    isNull(t.scripts.deletedAt),
    visibleWhere(v),
    f.includeSystem === false ? eq(t.scripts.isSystem, false) : undefined,
    f.search ? or(iContains(t.scripts.name, f.search), iContains(t.scripts.description, f.search)) : undefined,
    f.category ? or(eq(t.scripts.category, f.category), iContains(t.scripts.category, `${f.category}/`)) : undefined,
    f.os ? jsonArrayHas(t.scripts.osTypes, f.os) : undefined,
    f.language ? eq(t.scripts.language, f.language as Script['language']) : undefined,
    f.tag ? jsonArrayHas(t.scripts.tags, f.tag) : undefined,
    f.orgId ? eq(t.scripts.orgId, f.orgId) : undefined,
  )).orderBy(asc(t.scripts.isSystem), asc(t.scripts.category), asc(t.scripts.name))
}

export async function findScript(db: Db, id: string): Promise<Script | undefined> {
  const [row] = await db.select().from(t.scripts).where(and(eq(t.scripts.id, id), isNull(t.scripts.deletedAt)))
  return row
}

export async function findScriptByTemplateKey(db: Db, key: string): Promise<Script | undefined> {
  const [row] = await db.select().from(t.scripts).where(eq(t.scripts.templateKey, key))
  return row
}

export async function insertScript(db: Db, row: Script) {
  await db.insert(t.scripts).values(row)
}

export async function updateScriptRow(db: Db, id: string, patch: Partial<Script>) {
  await db.update(t.scripts).set(patch).where(eq(t.scripts.id, id))
}

export async function insertScriptVersion(db: Db, row: ScriptVersion) {
  await db.insert(t.scriptVersions).values(row)
}

export async function listScriptVersions(db: Db, scriptId: string): Promise<ScriptVersion[]> {
  return db.select().from(t.scriptVersions).where(eq(t.scriptVersions.scriptId, scriptId)).orderBy(desc(t.scriptVersions.version))
}

export async function findScriptVersion(db: Db, scriptId: string, versionId: string): Promise<ScriptVersion | undefined> {
  const [row] = await db.select().from(t.scriptVersions).where(and(eq(t.scriptVersions.scriptId, scriptId), eq(t.scriptVersions.id, versionId)))
  return row
}

export async function findScriptVersionByNumber(db: Db, scriptId: string, version: number): Promise<ScriptVersion | undefined> {
  const [row] = await db.select().from(t.scriptVersions).where(and(eq(t.scriptVersions.scriptId, scriptId), eq(t.scriptVersions.version, version)))
  return row
}

/** Distinct categories of visible scripts, for the category tree. */
export async function listCategories(db: Db, v: ScriptVisibility): Promise<string[]> {
  const rows = await db.selectDistinct({ category: t.scripts.category }).from(t.scripts).where(and(isNull(t.scripts.deletedAt), visibleWhere(v))).orderBy(asc(t.scripts.category))
  return rows.map((r) => r.category)
}
