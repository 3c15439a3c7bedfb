// Policy use cases: list, read, create (also from a template), edit with versions, roll back,
// activate/deactivate/archive, delete, and assignments. Everything goes through the caller's
// scope: policies:read to see, policies:write to change; scripts a policy runs must be usable in
// its org and runnable by the person saving it.
import type { UserActor } from '../auth/actor'
import { resolveAlert } from '../alerts/lifecycle'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { getGroup } from '../devices/groups'
import { getDevice } from '../devices/service'
import { resolveTargetDevices } from '../devices/targets'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { checkChannelIds } from '../notifications/owners'
import { getScript, listScripts, scriptUsableIn } from '../scripts/library'
import { findLiveOrg } from '../tenancy/repo'
import { can, narrowScope, orgIdsWith, requireOrg } from '../tenancy/scope'
import { deleteComplianceOfPolicy, listComplianceOfPolicy } from './compliance-repo'
import { siteNames } from './facts-repo'
import { checkSettings, type AssignmentInput, type CreatePolicyInput, type UpdatePolicyInput } from './model'
import {
  deleteAssignment, findAssignment, findPolicy, findPolicyVersion, insertPolicy, insertPolicyVersion, listAssignments, listPolicies, listPolicyVersions, updatePolicyRow, upsertAssignment,
  type Assignment, type Policy, type PolicyFilter, type PolicyVersion,
} from './repo'
import { findTemplate } from './templates'
import type { PolicyRule, PolicySettings } from './types'

type Ctx = AppContext

export async function listPoliciesFor(ctx: Ctx, actor: UserActor, f: PolicyFilter = {}): Promise<Policy[]> {
  return listPolicies(ctx.db, orgIdsWith(actor.scope, 'policies:read'), { ...f, search: f.search?.trim() || undefined })
}

export async function getPolicy(ctx: Ctx, actor: UserActor, id: string, perm: 'policies:read' | 'policies:write' = 'policies:read'): Promise<Policy> {
  const p = await findPolicy(ctx.db, id)
  if (!p || !can(actor.scope, 'policies:read', p.orgId)) throw new NotFoundError('policy')
  if (!can(actor.scope, perm, p.orgId)) throw new ForbiddenError(`you need the ${perm} permission in this organization`, perm)
  return p
}

/** checkScripts: every script a policy runs is usable in its org, and the saver may run scripts there. */
async function checkScripts(ctx: Ctx, actor: UserActor, orgId: string, partnerId: string, settings: PolicySettings, remediationScriptId: string | null) {
  const refs: { path: string; id: string }[] = []
  if (remediationScriptId) refs.push({ path: 'remediationScriptId', id: remediationScriptId })
  settings.rules.forEach((r, i) => {
    if (r.scriptId) refs.push({ path: `settings/rules/${i}/scriptId`, id: r.scriptId })
    if (r.remediationScriptId) refs.push({ path: `settings/rules/${i}/remediationScriptId`, id: r.remediationScriptId })
  })
  if (refs.length && !can(actor.scope, 'scripts:execute', orgId)) throw new ValidationError(refs[0].path, 'you need the scripts:execute permission to make a policy run scripts here')
  for (const ref of refs) {
    const script = await getScript(ctx, actor, ref.id).catch(() => null)
    if (!script || !scriptUsableIn(script, orgId, partnerId)) throw new ValidationError(ref.path, `script ${ref.id} does not exist or is not available to this organization`)
  }
}

function versionRow(p: Policy, changelog: string, by: string | null, now: number): PolicyVersion {
  return {
    id: newId(), policyId: p.id, version: p.version, name: p.name, description: p.description, priority: p.priority, enforcement: p.enforcement, settings: p.settings,
    checkIntervalMinutes: p.checkIntervalMinutes, remediationScriptId: p.remediationScriptId, maxRemediationAttempts: p.maxRemediationAttempts, alertSeverity: p.alertSeverity,
    alertChannelIds: p.alertChannelIds, changelog, createdBy: by, createdAt: now,
  }
}

function ownerOrg(actor: UserActor, orgId: string | undefined): string {
  if (orgId) { requireOrg(actor.scope, orgId, 'policies:write'); return orgId }
  const orgs = orgIdsWith(actor.scope, 'policies:write')
  if (orgs.length === 1) return orgs[0]
  throw new ValidationError('orgId', 'say which organization (orgId) the policy belongs to')
}

export async function createPolicy(ctx: Ctx, actor: UserActor, input: CreatePolicyInput, templateKey: string | null = null): Promise<Policy> {
  const orgId = ownerOrg(actor, input.orgId)
  const partnerId = actor.scope.orgs.get(orgId)!.partnerId
  const settings = checkSettings(input.settings)
  await checkScripts(ctx, actor, orgId, partnerId, settings, input.remediationScriptId ?? null)
  const alertChannelIds = await checkChannelIds(ctx, { orgId, partnerId }, input.alertChannelIds ?? [], 'alertChannelIds')
  const now = ctx.clock.now()
  const status = input.status ?? 'draft'
  const p: Policy = {
    id: newId(), partnerId, orgId, name: input.name.trim(), description: input.description ?? '', type: input.type, status, priority: input.priority ?? 50,
    enforcement: input.enforcement ?? 'monitor', settings, checkIntervalMinutes: input.checkIntervalMinutes ?? 60, remediationScriptId: input.remediationScriptId ?? null,
    maxRemediationAttempts: input.maxRemediationAttempts ?? 3, alertSeverity: input.alertSeverity ?? 'medium', alertChannelIds, templateKey, version: 1,
    nextCheckAt: status === 'active' ? now : null, lastEvaluatedAt: null, createdBy: actor.user.id, updatedBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await withTx(ctx.db, async (tx) => {
    await insertPolicy(tx, p)
    await insertPolicyVersion(tx, versionRow(p, templateKey ? `Created from the template "${templateKey}"` : 'Created', actor.user.id, now))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'policy.create', partnerId, orgId, resourceType: 'policy', resourceId: p.id, resourceName: p.name, details: { type: p.type, rules: settings.rules.length, templateKey } })
  })
  return p
}

/** updatePolicy saves a new version (and checks an active policy again soon). */
export async function updatePolicy(ctx: Ctx, actor: UserActor, id: string, patch: UpdatePolicyInput): Promise<Policy> {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  if (p.status === 'archived') throw new ValidationError('status', 'this policy is archived; restore it (deactivate) before changing it')
  const settings = patch.settings ? checkSettings(patch.settings) : p.settings
  const remediationScriptId = patch.remediationScriptId === undefined ? p.remediationScriptId : patch.remediationScriptId
  await checkScripts(ctx, actor, p.orgId, p.partnerId, settings, remediationScriptId)
  const alertChannelIds = patch.alertChannelIds ? await checkChannelIds(ctx, { orgId: p.orgId, partnerId: p.partnerId }, patch.alertChannelIds, 'alertChannelIds') : p.alertChannelIds
  const now = ctx.clock.now()
  const { changelog, ...fields } = patch
  const next: Policy = {
    ...p, ...fields, name: fields.name?.trim() ?? p.name, settings, remediationScriptId, alertChannelIds, version: p.version + 1, updatedBy: actor.user.id, updatedAt: now,
    nextCheckAt: p.status === 'active' ? now : p.nextCheckAt,
  }
  await withTx(ctx.db, async (tx) => {
    await updatePolicyRow(tx, id, next)
    await insertPolicyVersion(tx, versionRow(next, changelog || 'Updated', actor.user.id, now))
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'policy.update', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'policy', resourceId: id, resourceName: next.name, details: { version: next.version, changelog: changelog ?? null } })
  })
  return next
}

/** closeCompliance drops a policy's current compliance rows and resolves their open alerts (deactivated, archived, deleted). */
async function closeCompliance(ctx: Ctx, p: Policy, why: string) {
  for (const row of await listComplianceOfPolicy(ctx.db, p.id)) if (row.alertId) await resolveAlert(ctx, row.alertId, { actor: null, note: why })
  await deleteComplianceOfPolicy(ctx.db, p.id)
}

export async function setPolicyStatus(ctx: Ctx, actor: UserActor, id: string, status: 'active' | 'inactive' | 'archived'): Promise<Policy> {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  if (p.status === status) return p
  const now = ctx.clock.now()
  const next = { ...p, status, nextCheckAt: status === 'active' ? now : null, updatedBy: actor.user.id, updatedAt: now }
  await withTx(ctx.db, async (tx) => {
    await updatePolicyRow(tx, id, { status, nextCheckAt: next.nextCheckAt, updatedBy: actor.user.id, updatedAt: now })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: `policy.${status === 'active' ? 'activate' : status === 'inactive' ? 'deactivate' : 'archive'}`, partnerId: p.partnerId, orgId: p.orgId, resourceType: 'policy', resourceId: id, resourceName: p.name })
  })
  if (status !== 'active') await closeCompliance(ctx, p, `The policy "${p.name}" was ${status === 'inactive' ? 'deactivated' : 'archived'}`)
  return next
}

export async function deletePolicy(ctx: Ctx, actor: UserActor, id: string) {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updatePolicyRow(tx, id, { deletedAt: now, status: 'archived', nextCheckAt: null, updatedBy: actor.user.id, updatedAt: now })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'policy.delete', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'policy', resourceId: id, resourceName: p.name })
  })
  await closeCompliance(ctx, p, `The policy "${p.name}" was deleted`)
}

export async function policyVersions(ctx: Ctx, actor: UserActor, id: string): Promise<PolicyVersion[]> {
  await getPolicy(ctx, actor, id)
  return listPolicyVersions(ctx.db, id)
}

/** rollbackPolicy saves an earlier version's content as a new version. */
export async function rollbackPolicy(ctx: Ctx, actor: UserActor, id: string, versionId: string): Promise<Policy> {
  await getPolicy(ctx, actor, id, 'policies:write')
  const v = await findPolicyVersion(ctx.db, id, versionId)
  if (!v) throw new NotFoundError('policy version')
  return updatePolicy(ctx, actor, id, {
    name: v.name, description: v.description, priority: v.priority, enforcement: v.enforcement, settings: v.settings, checkIntervalMinutes: v.checkIntervalMinutes,
    remediationScriptId: v.remediationScriptId, maxRemediationAttempts: v.maxRemediationAttempts, alertSeverity: v.alertSeverity, alertChannelIds: v.alertChannelIds,
    changelog: `Rolled back to version ${v.version}`,
  })
}

/** createFromTemplate makes a draft policy from a built-in template (remediation scripts resolved to the built-in ones). */
export async function createFromTemplate(ctx: Ctx, actor: UserActor, key: string, input: { orgId?: string; name?: string }): Promise<Policy> {
  const tpl = findTemplate(key)
  if (!tpl) throw new NotFoundError('policy template')
  const scripts = await listScripts(ctx, actor)
  const byTemplate = new Map(scripts.filter((s) => s.isSystem && s.templateKey).map((s) => [s.templateKey!, s.id]))
  const rules: PolicyRule[] = tpl.rules.map(({ remediationScript, ...r }) => {
    const scriptId = remediationScript ? byTemplate.get(remediationScript) : undefined
    return scriptId ? { ...r, remediationScriptId: scriptId } : (({ remediationParameters: _p, ...rest }) => rest)(r)
  })
  const orgId = ownerOrg(actor, input.orgId)
  // Remediation scripts need scripts:execute; without it the template's checks are still useful.
  const canRun = can(actor.scope, 'scripts:execute', orgId)
  return createPolicy(ctx, actor, {
    orgId, name: input.name ?? tpl.name, description: tpl.description, type: tpl.type, enforcement: canRun ? tpl.enforcement : tpl.enforcement === 'enforce' ? 'warn' : tpl.enforcement,
    checkIntervalMinutes: tpl.checkIntervalMinutes, settings: { values: tpl.values, rules: canRun ? rules : rules.map(({ remediationScriptId: _s, remediationParameters: _p, ...r }) => r) },
  }, tpl.key)
}

// ---- assignments ----

export type AssignmentView = Assignment & { targetName: string }

async function targetName(ctx: Ctx, actor: UserActor, a: Pick<Assignment, 'targetType' | 'targetId' | 'orgId'>): Promise<string> {
  if (a.targetType === 'org') return (await findLiveOrg(ctx.db, a.targetId))?.name ?? a.targetId
  if (a.targetType === 'group') return (await getGroup(ctx, actor, a.targetId).catch(() => null))?.name ?? a.targetId
  if (a.targetType === 'device') { const d = await getDevice(ctx, actor, a.targetId).catch(() => null); return d ? d.displayName || d.hostname : a.targetId }
  return (await siteNames(ctx.db, a.orgId)).get(a.targetId) ?? a.targetId
}

export async function listPolicyAssignments(ctx: Ctx, actor: UserActor, id: string): Promise<AssignmentView[]> {
  await getPolicy(ctx, actor, id)
  const rows = await listAssignments(ctx.db, id)
  return Promise.all(rows.map(async (a) => ({ ...a, targetName: await targetName(ctx, actor, a) })))
}

/** assignPolicy adds a target (an org, site, group or device of the policy's org). */
export async function assignPolicy(ctx: Ctx, actor: UserActor, id: string, input: AssignmentInput): Promise<AssignmentView> {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  // The target must be in the policy's org and visible to the caller there.
  const inOrg = { ...actor, scope: narrowScope(actor.scope, ['devices:read'], [p.orgId]) }
  const ok = input.targetType === 'org' ? input.targetId === p.orgId
    : input.targetType === 'site' ? await resolveTargetDevices(ctx, inOrg, { siteIds: [input.targetId] }, { permission: 'devices:read' }).then(() => true, () => false)
      : input.targetType === 'group' ? await getGroup(ctx, inOrg, input.targetId).then(() => true, () => false)
        : await getDevice(ctx, inOrg, input.targetId).then(() => true, () => false)
  if (!ok) throw new ValidationError('targetId', `no such ${input.targetType === 'org' ? 'organization (a policy is assigned within its own organization)' : input.targetType} in this policy's organization`)
  const now = ctx.clock.now()
  const row: Assignment = { id: newId(), policyId: id, orgId: p.orgId, targetType: input.targetType, targetId: input.targetId, priority: input.priority ?? null, createdBy: actor.user.id, createdAt: now }
  await withTx(ctx.db, async (tx) => {
    await upsertAssignment(tx, row)
    if (p.status === 'active') await updatePolicyRow(tx, id, { nextCheckAt: now })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'policy.assign', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'policy', resourceId: id, resourceName: p.name, details: { targetType: row.targetType, targetId: row.targetId, priority: row.priority } })
  })
  const saved = (await listAssignments(ctx.db, id)).find((a) => a.targetType === row.targetType && a.targetId === row.targetId)!
  return { ...saved, targetName: await targetName(ctx, actor, saved) }
}

export async function unassignPolicy(ctx: Ctx, actor: UserActor, id: string, assignmentId: string) {
  const p = await getPolicy(ctx, actor, id, 'policies:write')
  const a = await findAssignment(ctx.db, id, assignmentId)
  if (!a) throw new NotFoundError('assignment')
  await withTx(ctx.db, async (tx) => {
    await deleteAssignment(tx, assignmentId)
    if (p.status === 'active') await updatePolicyRow(tx, id, { nextCheckAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'policy.unassign', partnerId: p.partnerId, orgId: p.orgId, resourceType: 'policy', resourceId: id, resourceName: p.name, details: { targetType: a.targetType, targetId: a.targetId } })
  })
}
