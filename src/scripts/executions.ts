// Reading, cancelling and re-running script runs, within the caller's scope.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { withDb, type AppContext, type TxHook } from '../context'
import { withTx } from '../db/tx'
import { canSeeDevice, deviceVisibility } from '../devices/visibility'
import { NotFoundError, UnprocessableError } from '../lib/errors'
import { can } from '../tenancy/scope'
import { cancelScriptCommand } from './dispatch'
import { rerunCommand } from './commands'
import { executeScript } from './execute'
import { batchCounts, finishedStatuses, findBatch, findExecutionRow, finishExecution, listExecutions, updateExecution, type Batch, type ExecutionFilter, type ExecutionRow } from './execution-repo'
import { maskedParameters, unsealedParameters, type ParameterValue } from './parameters'
import { findScript } from './repo'

type Ctx = AppContext

export async function searchExecutions(ctx: Ctx, actor: UserActor, filter: ExecutionFilter, limit = 50): Promise<{ rows: ExecutionRow[]; nextBefore: string | null }> {
  const rows = await listExecutions(ctx.db, deviceVisibility(actor.scope, 'scripts:read'), filter, limit + 1)
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const last = page[page.length - 1]
  return { rows: page, nextBefore: more ? `${last.createdAt}.${last.id}` : null }
}

/** getExecution: an execution on a device the caller can see with scripts:read (else 404). */
export async function getExecution(ctx: Ctx, actor: UserActor, id: string): Promise<ExecutionRow> {
  const row = await findExecutionRow(ctx.db, id)
  const visible = row && canSeeDevice(deviceVisibility(actor.scope, 'scripts:read'), { orgId: row.orgId, siteId: row.siteId ?? '' })
  if (!row || !visible) throw new NotFoundError('execution')
  return row
}

/** The parameters of a run as anyone may see them: secrets masked. */
export async function displayedParameters(ctx: Ctx, batch: Batch): Promise<Record<string, ParameterValue>> {
  const script = batch.scriptId ? await findScript(ctx.db, batch.scriptId) : undefined
  return maskedParameters(script?.parameters ?? [], batch.parameters as Record<string, ParameterValue>)
}

export async function getBatch(ctx: Ctx, actor: UserActor, id: string) {
  const batch = await findBatch(ctx.db, id)
  if (!batch) throw new NotFoundError('script run')
  const { rows } = await searchExecutions(ctx, actor, { batchId: id }, 10_000)
  if (rows.length === 0) throw new NotFoundError('script run')
  return { batch, executions: rows, counts: await batchCounts(ctx.db, id), parameters: await displayedParameters(ctx, batch) }
}

/** canCancel: scripts:execute for a script's execution, devices:command for a one-off command's (on its device). */
export function canCancel(actor: UserActor, execution: ExecutionRow): boolean {
  return execution.scriptId ? can(actor.scope, 'scripts:execute', execution.orgId) : canSeeDevice(deviceVisibility(actor.scope, 'devices:command'), { orgId: execution.orgId, siteId: execution.siteId ?? '' })
}

/** cancelExecution stops a queued or running execution; the agent kills the process tree. */
export async function cancelExecution(ctx: Ctx, actor: UserActor, id: string): Promise<ExecutionRow> {
  const execution = await getExecution(ctx, actor, id)
  if (!canCancel(actor, execution)) throw new NotFoundError('execution')
  if (finishedStatuses.includes(execution.status)) throw new UnprocessableError(`the execution has already ended (${execution.status})`)
  const now = ctx.clock.now()
  const errorMessage = `cancelled by ${actor.user.name || actor.user.email}`
  // The command's end, the execution's and the audit row commit together.
  const cancelled: TxHook = async (tx) => {
    await updateExecution(tx.db, id, { errorMessage })
    await recordAudit(tx, actor.audit, { action: execution.scriptId ? 'script.cancel' : 'device.command_cancel', resourceType: 'script_execution', resourceId: id, resourceName: execution.scriptName, orgId: execution.orgId, details: { deviceId: execution.deviceId } })
  }
  if (execution.commandId) {
    const command = await cancelScriptCommand(ctx, execution.commandId, cancelled)
    if (command.status !== 'cancelled') throw new UnprocessableError(`the execution has already ended (${command.status})`)
  } else {
    await withTx(ctx.db, async (tx) => {
      if (!(await finishExecution(tx, id, { status: 'cancelled', completedAt: now, errorMessage }))) throw new UnprocessableError('the execution has already ended')
      await cancelled(withDb(ctx, tx))
    })
  }
  ctx.live.publish({ orgId: execution.orgId, perm: 'scripts:read' }, 'execution', { id, batchId: execution.batchId, status: 'cancelled' })
  return { ...execution, status: 'cancelled', completedAt: now, errorMessage }
}

/** rerunBatch runs the same script version's current script again on the same targets with the same parameters. */
export async function rerunBatch(ctx: Ctx, actor: UserActor, batchId: string, confirmCount?: number) {
  const { batch } = await getBatch(ctx, actor, batchId)
  if (batch.command) return rerunCommand(ctx, actor, { ...batch, command: batch.command }, confirmCount)
  const script = batch.scriptId ? await findScript(ctx.db, batch.scriptId) : undefined
  if (!script) throw new NotFoundError('script')
  // Secret values are stored sealed; they are opened here only to be sealed again for the new batch.
  const parameters = unsealedParameters(script.parameters, batch.parameters, ctx.secrets)
  const known = new Set(script.parameters.map((p) => p.name))
  const kept = Object.fromEntries(Object.entries(parameters).filter(([k]) => known.has(k)))
  return executeScript(ctx, actor, script.id, {
    targets: batch.targets as Parameters<typeof executeScript>[3]['targets'],
    parameters: kept, offline: batch.offline, expiresInMinutes: Math.max(1, Math.round((batch.expiresAt - batch.createdAt) / 60_000)), confirmCount,
  }, { type: 'manual', rerunOf: batch.id })
}
