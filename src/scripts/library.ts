// The script library: who sees and edits which scripts, saving with versions, rolling back,
// importing and exporting. Built-in scripts (src/scripts/templates) are read-only; a user
// copies one into an org or partner to change it.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { Permission } from '../tenancy/permissions'
import { can, canInPartner, orgIdsWith, partnerIdsWith, requireOrg, requirePartner, type Scope } from '../tenancy/scope'
import type { CreateScriptInput, UpdateScriptInput } from './model'
import {
  findScript, findScriptVersion, insertScript, insertScriptVersion, listCategories, listScriptVersions, listVisibleScripts, updateScriptRow,
  type Script, type ScriptFilter, type ScriptVersion, type ScriptVisibility,
} from './repo'
import type { ScriptParameter } from './types'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** scriptVisibility: the orgs and partners whose scripts the scope may use with `perm`. */
export function scriptVisibility(scope: Scope, perm: Permission = 'scripts:read'): ScriptVisibility {
  const orgIds = orgIdsWith(scope, perm)
  const partnerIds = new Set(partnerIdsWith(scope, perm))
  for (const id of orgIds) partnerIds.add(scope.orgs.get(id)!.partnerId)
  return { orgIds, partnerIds: [...partnerIds] }
}

/** scriptVisibleIn: may a script be run on devices of `orgId` (its own org, its partner's, or built-in)? */
export function scriptUsableIn(script: Script, orgId: string, orgPartnerId: string): boolean {
  return script.isSystem || script.orgId === orgId || (script.orgId === null && script.partnerId === orgPartnerId)
}

function visibleTo(scope: Scope, script: Script): boolean {
  const v = scriptVisibility(scope)
  return script.isSystem || (script.orgId ? v.orgIds.includes(script.orgId) : !!script.partnerId && v.partnerIds.includes(script.partnerId))
}

export function canEditScript(scope: Scope, script: Script, perm: Permission = 'scripts:write'): boolean {
  if (script.isSystem) return false
  return script.orgId ? can(scope, perm, script.orgId) : canInPartner(scope, perm, script.partnerId!)
}

export async function listScripts(ctx: Ctx, actor: UserActor, filter: ScriptFilter = {}) {
  return listVisibleScripts(ctx.db, scriptVisibility(actor.scope), filter)
}

export async function scriptCategories(ctx: Ctx, actor: UserActor) {
  return listCategories(ctx.db, scriptVisibility(actor.scope))
}

export async function getScript(ctx: Ctx, actor: UserActor, id: string): Promise<Script> {
  const script = await findScript(ctx.db, id)
  if (!script || !visibleTo(actor.scope, script)) throw new NotFoundError('script')
  return script
}

/** checkParameters validates parameter declarations: unique names, options for selects, defaults of the right type. */
export function checkParameters(params: ScriptParameter[]) {
  const seen = new Set<string>()
  params.forEach((p, i) => {
    const key = p.name.toUpperCase()
    if (seen.has(key)) throw new ValidationError(`parameters/${i}/name`, `parameter "${p.name}" is declared twice`)
    seen.add(key)
    if (p.type === 'select' && !(p.options?.length)) throw new ValidationError(`parameters/${i}/options`, `select parameter "${p.name}" needs options`)
    if (p.default !== undefined && p.default !== null) {
      const ok = p.type === 'number' ? typeof p.default === 'number' : p.type === 'boolean' ? typeof p.default === 'boolean' : typeof p.default === 'string'
      if (!ok) throw new ValidationError(`parameters/${i}/default`, `the default of "${p.name}" must be a ${p.type === 'select' || p.type === 'secret' ? 'string' : p.type}`)
      if (p.type === 'select' && !p.options!.includes(p.default as string)) throw new ValidationError(`parameters/${i}/default`, `the default of "${p.name}" is not one of its options`)
      if (p.type === 'secret') throw new ValidationError(`parameters/${i}/default`, `secret parameter "${p.name}" cannot have a default`)
    }
  })
}

function versionRow(script: Script, changelog: string, by: string | null, now: number): ScriptVersion {
  return {
    id: newId(), scriptId: script.id, version: script.version, name: script.name, description: script.description, category: script.category,
    language: script.language, osTypes: script.osTypes, content: script.content, parameters: script.parameters, timeoutSeconds: script.timeoutSeconds,
    outputCapMib: script.outputCapMib, runAs: script.runAs, changelog, createdBy: by, createdAt: now,
  }
}

/** resolveOwner checks the caller may create scripts for the given org or partner. */
function resolveOwner(actor: UserActor, owner: { orgId?: string; partnerId?: string }): { orgId: string | null; partnerId: string } {
  if (owner.orgId) return { orgId: owner.orgId, partnerId: requireOrg(actor.scope, owner.orgId, 'scripts:write').partnerId }
  if (owner.partnerId) { requirePartner(actor.scope, owner.partnerId, 'scripts:write'); return { orgId: null, partnerId: owner.partnerId } }
  const partners = partnerIdsWith(actor.scope, 'scripts:write')
  if (partners.length === 1) return { orgId: null, partnerId: partners[0] }
  const orgs = orgIdsWith(actor.scope, 'scripts:write')
  if (orgs.length === 1 && partners.length === 0) return { orgId: orgs[0], partnerId: actor.scope.orgs.get(orgs[0])!.partnerId }
  throw new ValidationError('orgId', 'say which organization (orgId) or partner (partnerId) the script belongs to')
}

export type NewScript = Omit<CreateScriptInput, 'orgId' | 'partnerId' | 'changelog'>

function scriptRow(input: NewScript, owner: { orgId: string | null; partnerId: string | null }, by: string | null, now: number, extra: Partial<Script> = {}): Script {
  return {
    id: newId(), partnerId: owner.partnerId, orgId: owner.orgId, isSystem: false, templateKey: null, name: input.name.trim(), description: input.description ?? '',
    category: input.category ?? 'General', tags: [...new Set(input.tags ?? [])], osTypes: [...new Set(input.osTypes)], language: input.language, content: input.content,
    parameters: input.parameters ?? [], timeoutSeconds: input.timeoutSeconds ?? 300, outputCapMib: input.outputCapMib ?? null, runAs: input.runAs ?? 'system', version: 1, createdBy: by, updatedBy: by,
    createdAt: now, updatedAt: now, deletedAt: null, ...extra,
  }
}

export async function createScript(ctx: Ctx, actor: UserActor, input: CreateScriptInput): Promise<Script> {
  checkParameters(input.parameters ?? [])
  const owner = resolveOwner(actor, input)
  const now = ctx.clock.now()
  const script = scriptRow(input, owner, actor.user.id, now)
  await withTx(ctx.db, async (tx) => {
    await insertScript(tx, script)
    await insertScriptVersion(tx, versionRow(script, input.changelog || 'Created', actor.user.id, now))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'script.create', partnerId: owner.partnerId, orgId: owner.orgId, resourceType: 'script', resourceId: script.id, resourceName: script.name })
  })
  return script
}

/**
 * updateScript saves a new version; `changelog` says what changed. A save that changes nothing
 * makes no version and returns the script as it was (same version number).
 */
export async function updateScript(ctx: Ctx, actor: UserActor, id: string, patch: UpdateScriptInput): Promise<Script> {
  const script = await getScript(ctx, actor, id)
  if (!canEditScript(actor.scope, script)) throw new ForbiddenError(script.isSystem ? 'built-in scripts are read-only; copy it to change it' : 'you need the scripts:write permission for this script', 'scripts:write')
  if (patch.parameters) checkParameters(patch.parameters)
  const now = ctx.clock.now()
  const { changelog, ...fields } = patch
  const next: Script = {
    ...script, ...fields, name: fields.name?.trim() ?? script.name, tags: fields.tags ? [...new Set(fields.tags)] : script.tags,
    osTypes: fields.osTypes ? [...new Set(fields.osTypes)] : script.osTypes, version: script.version + 1, updatedBy: actor.user.id, updatedAt: now,
  }
  const versioned = ['name', 'description', 'category', 'tags', 'osTypes', 'language', 'content', 'parameters', 'timeoutSeconds', 'outputCapMib', 'runAs'] as const
  if (versioned.every((k) => JSON.stringify(next[k]) === JSON.stringify(script[k]))) return script
  await withTx(ctx.db, async (tx) => {
    await updateScriptRow(tx, id, next)
    await insertScriptVersion(tx, versionRow(next, changelog || 'Updated', actor.user.id, now))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'script.update', partnerId: script.partnerId, orgId: script.orgId, resourceType: 'script', resourceId: id, resourceName: next.name, details: { version: next.version, changelog: changelog ?? null } })
  })
  return next
}

export async function deleteScript(ctx: Ctx, actor: UserActor, id: string) {
  const script = await getScript(ctx, actor, id)
  if (!canEditScript(actor.scope, script, 'scripts:delete')) throw new ForbiddenError(script.isSystem ? 'built-in scripts cannot be deleted' : 'you need the scripts:delete permission', 'scripts:delete')
  await withTx(ctx.db, async (tx) => {
    await updateScriptRow(tx, id, { deletedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'script.delete', partnerId: script.partnerId, orgId: script.orgId, resourceType: 'script', resourceId: id, resourceName: script.name })
  })
}

export async function scriptVersions(ctx: Ctx, actor: UserActor, id: string): Promise<ScriptVersion[]> {
  await getScript(ctx, actor, id)
  return listScriptVersions(ctx.db, id)
}

export async function getScriptVersion(ctx: Ctx, actor: UserActor, id: string, versionId: string): Promise<ScriptVersion> {
  await getScript(ctx, actor, id)
  const v = await findScriptVersion(ctx.db, id, versionId)
  if (!v) throw new NotFoundError('script version')
  return v
}

/** rollbackScript saves the content of an earlier version as a new version. */
export async function rollbackScript(ctx: Ctx, actor: UserActor, id: string, versionId: string): Promise<Script> {
  const v = await getScriptVersion(ctx, actor, id, versionId)
  return updateScript(ctx, actor, id, {
    name: v.name, description: v.description, category: v.category, language: v.language, osTypes: v.osTypes, content: v.content,
    parameters: v.parameters, timeoutSeconds: v.timeoutSeconds, outputCapMib: v.outputCapMib, runAs: v.runAs, changelog: `Rolled back to version ${v.version}`,
  })
}

/** copyScript makes an editable copy (of a built-in template or any visible script) for an org or partner. */
export async function copyScript(ctx: Ctx, actor: UserActor, id: string, owner: { orgId?: string; partnerId?: string }, name?: string): Promise<Script> {
  const source = await getScript(ctx, actor, id)
  return createScript(ctx, actor, {
    name: name ?? (source.isSystem ? source.name : `${source.name} (copy)`), description: source.description, category: source.category, tags: source.tags,
    osTypes: source.osTypes, language: source.language, content: source.content, parameters: source.parameters, timeoutSeconds: source.timeoutSeconds,
    outputCapMib: source.outputCapMib, runAs: source.runAs, changelog: `Copied from ${source.isSystem ? 'template' : 'script'} "${source.name}"`, ...owner,
  })
}

/** The portable form of a script (import/export). */
export function exportForm(s: Script) {
  return { name: s.name, description: s.description, category: s.category, tags: s.tags, osTypes: s.osTypes, language: s.language, content: s.content, parameters: s.parameters, timeoutSeconds: s.timeoutSeconds, outputCapMib: s.outputCapMib, runAs: s.runAs }
}

export async function exportScripts(ctx: Ctx, actor: UserActor, ids: string[]) {
  const scripts = await Promise.all(ids.map((id) => getScript(ctx, actor, id)))
  return { format: 'breeze-scripts', version: 1, exportedAt: new Date(ctx.clock.now()).toISOString(), scripts: scripts.map(exportForm) }
}

/** importScripts creates every script of an export in one transaction (all or nothing). */
export async function importScripts(ctx: Ctx, actor: UserActor, owner: { orgId?: string; partnerId?: string }, list: NewScript[]): Promise<Script[]> {
  list.forEach((s, i) => {
    try { checkParameters(s.parameters ?? []) } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(`scripts/${i}/${err.field}`, err.message)
      throw err
    }
  })
  const resolved = resolveOwner(actor, owner)
  const now = ctx.clock.now()
  const rows = list.map((s) => scriptRow(s, resolved, actor.user.id, now))
  await withTx(ctx.db, async (tx) => {
    for (const row of rows) {
      await insertScript(tx, row)
      await insertScriptVersion(tx, versionRow(row, 'Imported', actor.user.id, now))
    }
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'script.import', partnerId: resolved.partnerId, orgId: resolved.orgId, resourceType: 'script', details: { count: rows.length, names: rows.slice(0, 20).map((r) => r.name) } })
  })
  return rows
}
