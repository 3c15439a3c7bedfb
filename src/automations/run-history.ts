// Runs as people see them: start one by hand (or a test run on one device), read a run with its
// step log, list an automation's runs, cancel. Runs are visible where the caller holds
// automations:read in the run's org (a partner-wide automation's runs, org by org).
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { getDevice } from '../devices/service'
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { can, orgIdsWith } from '../tenancy/scope'
import { getAutomation } from './automations'
import { startQueued } from './engine'
import { listCustomFields } from '../devices/custom-fields-repo'
import { findRun, listRuns, listSteps, releaseSlot, updateRunRow, type AutomationRun, type RunStep } from './repo'
import { startRun } from './runs'
import { finishedRunStatuses } from './types'

type Ctx = AppContext

export async function getRun(ctx: Ctx, actor: UserActor, id: string): Promise<{ run: AutomationRun; steps: RunStep[] }> {
  const run = await findRun(ctx.db, id)
  if (!run || !can(actor.scope, 'automations:read', run.orgId)) throw new NotFoundError('automation run')
  return { run, steps: await listSteps(ctx.db, id) }
}

export async function listRunsOf(ctx: Ctx, actor: UserActor, automationId: string, q: { status?: string; before?: string; limit?: number } = {}) {
  const a = await getAutomation(ctx, actor, automationId)
  const limit = q.limit ?? 50
  const orgIds = a.orgId ? [a.orgId] : orgIdsWith(actor.scope, 'automations:read')
  const rows = await listRuns(ctx.db, { automationId: a.id, orgIds, status: q.status, before: q.before }, limit + 1)
  const more = rows.length > limit
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { runs: page, nextBefore: more && last ? `${last.createdAt}.${last.id}` : null }
}

/** recentRuns: the latest runs across the caller's orgs (the list page's last-run column). */
export async function recentRuns(ctx: Ctx, actor: UserActor, limit = 500): Promise<AutomationRun[]> {
  return listRuns(ctx.db, { orgIds: orgIdsWith(actor.scope, 'automations:read') }, limit)
}

/** runNow starts an automation by hand (any trigger type), optionally about one device; `test` runs only on that device. */
export async function runNow(ctx: Ctx, actor: UserActor, id: string, input: { deviceId?: string; test?: boolean; orgId?: string }): Promise<AutomationRun[]> {
  const a = await getAutomation(ctx, actor, id)
  let orgId = a.orgId ?? input.orgId
  if (input.deviceId) {
    const device = await getDevice(ctx, actor, input.deviceId)
    if (a.orgId && device.orgId !== a.orgId) throw new ValidationError('deviceId', 'the device is not in this automation\'s organization')
    if (!a.orgId && input.orgId && device.orgId !== input.orgId) throw new ValidationError('deviceId', 'the device is not in that organization')
    orgId = device.orgId
  }
  if (input.test && !input.deviceId) throw new ValidationError('deviceId', 'a test run needs one device (deviceId)')
  if (!orgId) throw new ValidationError('orgId', 'this automation is partner-wide: say which organization to run it in (orgId) or give a device')
  if (!actor.scope.orgs.has(orgId)) throw new NotFoundError('organization')
  if (!can(actor.scope, 'automations:execute', orgId)) throw new ForbiddenError('you need the automations:execute permission to run automations here', 'automations:execute')
  return withTx(ctx.db, async (tx) => {
    const inTx = withDb(ctx, tx)
    const runs = await startRun(inTx, a, {
      type: 'manual', key: `manual:${newId()}`, by: `manual:${actor.user.email}`, userId: actor.user.id, orgId, deviceId: input.deviceId ?? null, test: !!input.test, manual: true,
      data: { event: input.test ? 'test' : 'manual', user: actor.user.email },
    })
    await recordAudit(inTx, actor.audit, { action: input.test ? 'automation.test_run' : 'automation.run', partnerId: a.partnerId, orgId, resourceType: 'automation', resourceId: a.id, resourceName: a.name, details: { runIds: runs.map((r) => r.id), deviceId: input.deviceId ?? null } })
    return runs
  })
}

export async function cancelRun(ctx: Ctx, actor: UserActor, id: string): Promise<AutomationRun> {
  const { run } = await getRun(ctx, actor, id)
  if (!can(actor.scope, 'automations:execute', run.orgId)) throw new ForbiddenError('you need the automations:execute permission to cancel runs here', 'automations:execute')
  if (finishedRunStatuses.includes(run.status)) throw new UnprocessableError(`the run has already ended (${run.status})`)
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateRunRow(tx, id, { status: 'cancelled', completedAt: now, resumeAt: null, error: `cancelled by ${actor.user.name || actor.user.email}` })
    await releaseSlot(tx, id)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'automation.cancel_run', orgId: run.orgId, resourceType: 'automation_run', resourceId: id, resourceName: run.definition.name })
  })
  await startQueued(ctx, run.orgId)
  ctx.live.publish({ orgId: run.orgId, perm: 'automations:read' }, 'automation.run', { id, automationId: run.automationId, status: 'cancelled' })
  return { ...run, status: 'cancelled', completedAt: now }
}

/** deviceCustomFields: the custom fields automations set on a device the caller can see. */
export async function deviceCustomFields(ctx: Ctx, actor: UserActor, deviceId: string) {
  const device = await getDevice(ctx, actor, deviceId)
  return { deviceId: device.id, fields: (await listCustomFields(ctx.db, device.id)).map((f) => ({ name: f.name, value: f.value, updatedAt: f.updatedAt, updatedByRun: f.updatedByRun })) }
}

/** The API form of a run (the engine's internal position left out). */
export function publicRun(r: AutomationRun) {
  const { state, leaseUntil: _l, definition, ...rest } = r
  return { ...rest, automationName: definition.name, lastStep: state.last }
}

export function publicStep(s: RunStep) {
  return s
}
