// Automation use cases: list, read, create, edit, enable/disable, delete, the webhook secret,
// and the editor's live check. Every function takes the actor and goes through its scope.
import type { UserActor } from '../auth/actor'
import { resolveOwner } from '../alerts/rules'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken } from '../lib/crypto'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { findScript } from '../scripts/repo'
import { publicLink } from '../settings/public-url'
import type { Permission } from '../tenancy/permissions'
import { can, canInPartner, orgIdsWith, partnerIdsWith, type Scope } from '../tenancy/scope'
import { allSteps, checkDefinition, type CreateAutomationInput, type Definition, type Problem, type UpdateAutomationInput } from './model'
import { checkReferences, deletedScriptReason, type Owner } from './references'
import { findAutomation, insertAutomation, listVisibleAutomations, updateAutomationRow, type Automation, type AutomationVisibility } from './repo'
import { cronPreview } from './schedule'
import { scheduleNext } from './schedules'

type Ctx = AppContext

/** automationVisibility: orgs where the scope holds `perm`, and partners whose partner-wide automations it sees. */
export function automationVisibility(scope: Scope, perm: Permission = 'automations:read'): AutomationVisibility {
  const orgIds = orgIdsWith(scope, perm)
  const partnerIds = new Set(partnerIdsWith(scope, perm))
  // Org members see the partner-wide automations that run in their org (read only).
  if (perm.endsWith(':read')) for (const id of orgIds) partnerIds.add(scope.orgs.get(id)!.partnerId)
  return { orgIds, partnerIds: [...partnerIds] }
}

export function canEditAutomation(scope: Scope, a: Pick<Automation, 'orgId' | 'partnerId'>, perm: Permission = 'automations:write'): boolean {
  return a.orgId ? can(scope, perm, a.orgId) : canInPartner(scope, perm, a.partnerId)
}

function visibleTo(scope: Scope, a: Automation): boolean {
  const v = automationVisibility(scope)
  return a.orgId ? v.orgIds.includes(a.orgId) : v.partnerIds.includes(a.partnerId)
}

export async function listAutomations(ctx: Ctx, actor: UserActor, f: { orgId?: string; search?: string; trigger?: string } = {}): Promise<Automation[]> {
  const rows = await listVisibleAutomations(ctx.db, automationVisibility(actor.scope), { orgId: f.orgId, search: f.search?.trim() || undefined })
  return f.trigger ? rows.filter((a) => a.trigger.type === f.trigger) : rows
}

export async function getAutomation(ctx: Ctx, actor: UserActor, id: string): Promise<Automation> {
  const a = await findAutomation(ctx.db, id)
  if (!a || !visibleTo(actor.scope, a)) throw new NotFoundError('automation')
  return a
}

async function getEditable(ctx: Ctx, actor: UserActor, id: string): Promise<Automation> {
  const a = await getAutomation(ctx, actor, id)
  if (!canEditAutomation(actor.scope, a)) throw new ForbiddenError('you need the automations:write permission for this automation', 'automations:write')
  return a
}

/** webhookUrlOf is the URL an outside system calls to trigger a webhook automation (on the public URL). */
export async function webhookUrlOf(ctx: Pick<AppContext, 'db' | 'config'>, a: Automation): Promise<string | null> {
  return a.webhookToken ? publicLink(ctx, `/api/v1/automations/webhooks/${a.webhookToken}`, a.partnerId) : null
}

/** The API form of an automation: never the sealed webhook secret. */
export async function publicAutomation(ctx: Pick<AppContext, 'db' | 'config'>, a: Automation) {
  const { webhookSecretSealed: _, webhookToken: _t, ...rest } = a
  return { ...rest, webhookUrl: await webhookUrlOf(ctx, a) }
}

/** firstProblem turns the first problem into the 400 (details list them all). */
function rejectIf(problems: Problem[]) {
  if (problems.length === 0) return
  const err = new ValidationError(problems[0].path, `${problems[0].path}: ${problems[0].message}`)
  Object.assign(err, { details: { field: problems[0].path, problems } })
  throw err
}

function ownerOf(a: Pick<Automation, 'orgId' | 'partnerId'>): Owner {
  return { orgId: a.orgId, partnerId: a.partnerId }
}

/** validateDraft is the editor's live check: every problem, references included, and the schedule preview. */
export async function validateDraft(ctx: Ctx, actor: UserActor, input: { orgId?: string; partnerId?: string; automationId?: string; definition: unknown }) {
  let owner: Owner
  if (input.automationId) owner = ownerOf(await getEditable(ctx, actor, input.automationId))
  else owner = resolveOwner(actor, { orgId: input.orgId, partnerId: input.partnerId }, 'automations:write')
  const { problems, definition } = checkDefinition(input.definition)
  problems.push(...await checkReferences(ctx, actor, owner, definition, input.automationId))
  const tr = (input.definition as { trigger?: { type?: string; cron?: string; timezone?: string } } | null)?.trigger
  const preview = tr?.type === 'schedule' && tr.cron ? cronPreview(tr.cron, tr.timezone || 'UTC', ctx.clock.now()) : null
  return { ok: problems.length === 0, problems, schedule: preview }
}

function triggerColumns(def: Definition) {
  return { triggerEvent: def.trigger.type === 'event' ? def.trigger.event ?? null : null }
}

export async function createAutomation(ctx: Ctx, actor: UserActor, input: CreateAutomationInput): Promise<{ automation: Automation; webhookSecret: string | null }> {
  const owner = resolveOwner(actor, input, 'automations:write')
  const { problems, definition } = checkDefinition(input)
  rejectIf(problems)
  rejectIf(await checkReferences(ctx, actor, owner, definition))
  const def = definition
  const now = ctx.clock.now()
  const webhookSecret = def.trigger.type === 'webhook' ? randomToken(32) : null
  const a: Automation = {
    id: newId(), partnerId: owner.partnerId, orgId: owner.orgId, name: def.name, description: def.description, enabled: def.enabled,
    trigger: def.trigger, ...triggerColumns(def), conditions: def.conditions, actions: def.actions, onFailure: def.onFailure, notifyChannelIds: def.notifyChannelIds,
    webhookToken: webhookSecret ? randomToken(24) : null, webhookSecretSealed: webhookSecret ? ctx.secrets.seal(webhookSecret) : null,
    version: 1, lastRunAt: null, runCount: 0, createdBy: actor.user.id, updatedBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await withTx(ctx.db, async (tx) => {
    await insertAutomation(tx, a)
    await scheduleNext({ ...ctx, db: tx }, a, now)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'automation.create', partnerId: a.partnerId, orgId: a.orgId, resourceType: 'automation', resourceId: a.id, resourceName: a.name, details: { trigger: a.trigger, steps: allSteps(a.actions).length } })
  })
  return { automation: a, webhookSecret }
}

/** updateAutomation saves a new version; runs already started keep the definition they began with. */
export async function updateAutomation(ctx: Ctx, actor: UserActor, id: string, patch: UpdateAutomationInput): Promise<{ automation: Automation; webhookSecret: string | null }> {
  const a = await getEditable(ctx, actor, id)
  const merged = {
    name: patch.name ?? a.name, description: patch.description ?? a.description, enabled: patch.enabled ?? a.enabled, trigger: patch.trigger ?? a.trigger,
    conditions: patch.conditions ?? a.conditions, actions: patch.actions ?? a.actions, onFailure: patch.onFailure ?? a.onFailure, notifyChannelIds: patch.notifyChannelIds ?? a.notifyChannelIds,
  }
  const { problems, definition } = checkDefinition(merged)
  rejectIf(problems)
  rejectIf(await checkReferences(ctx, actor, ownerOf(a), definition, a.id))
  const def = definition
  const now = ctx.clock.now()
  // A webhook keeps its URL and secret across edits; one is made when the trigger becomes a webhook.
  const needsSecret = def.trigger.type === 'webhook' && !a.webhookToken
  const webhookSecret = needsSecret ? randomToken(32) : null
  const next: Automation = {
    ...a, name: def.name, description: def.description, enabled: def.enabled, trigger: def.trigger, ...triggerColumns(def), conditions: def.conditions,
    actions: def.actions, onFailure: def.onFailure, notifyChannelIds: def.notifyChannelIds, version: a.version + 1, updatedBy: actor.user.id, updatedAt: now,
    ...(def.trigger.type !== 'webhook' ? { webhookToken: null, webhookSecretSealed: null } : {}),
    ...(webhookSecret ? { webhookToken: randomToken(24), webhookSecretSealed: ctx.secrets.seal(webhookSecret) } : {}),
  }
  await withTx(ctx.db, async (tx) => {
    await updateAutomationRow(tx, id, next)
    await scheduleNext({ ...ctx, db: tx }, next, now)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'automation.update', partnerId: a.partnerId, orgId: a.orgId, resourceType: 'automation', resourceId: id, resourceName: next.name, details: { version: next.version, fields: Object.keys(patch) } })
  })
  return { automation: next, webhookSecret }
}

export async function setAutomationEnabled(ctx: Ctx, actor: UserActor, id: string, enabled: boolean): Promise<Automation> {
  const a = await getEditable(ctx, actor, id)
  if (a.enabled === enabled) return a
  const now = ctx.clock.now()
  // note: the version changes too, so a pending schedule job of the old state does nothing.
  const next = { ...a, enabled, version: a.version + 1, updatedBy: actor.user.id, updatedAt: now }
  await withTx(ctx.db, async (tx) => {
    await updateAutomationRow(tx, id, { enabled, version: next.version, updatedBy: actor.user.id, updatedAt: now })
    await scheduleNext({ ...ctx, db: tx }, next, now)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: enabled ? 'automation.enable' : 'automation.disable', partnerId: a.partnerId, orgId: a.orgId, resourceType: 'automation', resourceId: id, resourceName: a.name })
  })
  return next
}

export async function deleteAutomation(ctx: Ctx, actor: UserActor, id: string) {
  const a = await getEditable(ctx, actor, id)
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateAutomationRow(tx, id, { deletedAt: now, enabled: false, webhookToken: null, webhookSecretSealed: null, updatedBy: actor.user.id, updatedAt: now })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'automation.delete', partnerId: a.partnerId, orgId: a.orgId, resourceType: 'automation', resourceId: id, resourceName: a.name })
  })
}

/** rotateWebhookSecret issues a new HMAC secret (shown once); the URL stays. */
export async function rotateWebhookSecret(ctx: Ctx, actor: UserActor, id: string): Promise<string> {
  const a = await getEditable(ctx, actor, id)
  if (a.trigger.type !== 'webhook') throw new ValidationError('trigger', 'this automation is not started by a webhook')
  const secret = randomToken(32)
  await withTx(ctx.db, async (tx) => {
    await updateAutomationRow(tx, id, { webhookSecretSealed: ctx.secrets.seal(secret), updatedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'automation.webhook_secret', partnerId: a.partnerId, orgId: a.orgId, resourceType: 'automation', resourceId: id, resourceName: a.name })
  })
  return secret
}

/**
 * stepWarnings names steps that will not work as saved, by path: today, run_script steps whose
 * script was deleted since (they are skipped at run time with the same reason).
 */
export async function stepWarnings(ctx: Pick<AppContext, 'db'>, a: Pick<Automation, 'actions'>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const { step, path } of allSteps(a.actions)) {
    if (step.type === 'run_script' && step.scriptId && !(await findScript(ctx.db, step.scriptId))) out[path] = deletedScriptReason(step.scriptId)
  }
  return out
}
