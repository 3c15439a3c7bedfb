// The `script.run` command type: how an execution travels to its device and back. The queued
// payload keeps secret parameter values sealed; they are opened only in `prepare`, right
// before the command is signed and sent, so the database never holds them in clear. The
// agent acknowledges (running), streams output (stored by ./output), and reports the end.
import { cancelCommand, registerCommandType, type CommandOutcome, type CommandRow, type QueueCommandInput } from '../agents/commands'
import { parseCustomMetrics } from '../alerts/custom-metrics'
import type { AppContext, TxHook } from '../context'
import { afterCommit } from '../db/tx'
import type { ScriptRunPayload, ScriptRunResult } from '../protocol/scripts'
import { executionOutputBytes, findExecution, finishExecution, finishedStatuses, listHalfEnded, startExecution, type Batch, type Execution, type ExecutionStatus } from './execution-repo'
import { appendOutput, finishOutput, notifyStatus, outputLimits, outputSummary, type OutputLimits } from './output'
import type { ParameterValue } from './parameters'
import type { Script } from './repo'

/** What is stored in agent_commands.payload: the signed payload with secrets still sealed, and the server's own inline limit. */
type StoredPayload = ScriptRunPayload & { secretNames: string[]; inlineBytes: number }

const sourceType = 'script_execution'
/** Time the agent gets beyond the script's own timeout to report (slow start, slow network). */
const graceMs = 60_000

/** What an execution runs: a library script's body, or a one-off command's line. */
export type RunBody = Pick<Script, 'language' | 'content' | 'parameters' | 'timeoutSeconds' | 'runAs'>

/** scriptCommand is the queue entry that carries one execution to its device. */
export function scriptCommand(script: RunBody, batch: Batch, execution: Pick<Execution, 'id' | 'deviceId' | 'commandId'>, limits: OutputLimits): QueueCommandInput {
  const payload: StoredPayload = {
    executionId: execution.id, language: script.language, content: script.content,
    parameters: batch.parameters as Record<string, ParameterValue>,
    secretNames: script.parameters.filter((p) => p.type === 'secret').map((p) => p.name),
    timeoutSeconds: script.timeoutSeconds, runAs: script.runAs, maxOutputBytes: limits.maxBytes, inlineBytes: limits.inlineBytes,
  }
  return {
    id: execution.commandId ?? undefined, deviceId: execution.deviceId, type: 'script.run', payload, expiresAt: batch.expiresAt,
    timeoutMs: script.timeoutSeconds * 1000 + graceMs, sourceType, sourceId: execution.id, createdBy: batch.triggeredBy ?? undefined,
  }
}

/** cancelScriptCommand cancels the execution's command; its execution ends in the same transaction (and `inTx` runs there). */
export async function cancelScriptCommand(ctx: AppContext, commandId: string, inTx?: TxHook): Promise<CommandRow> {
  return cancelCommand(ctx, commandId, inTx)
}

export function announce(ctx: AppContext, execution: Pick<Execution, 'id' | 'batchId' | 'orgId'>, status: ExecutionStatus) {
  ctx.live.publish({ orgId: execution.orgId, perm: 'scripts:read' }, 'execution', { id: execution.id, batchId: execution.batchId, status })
}

/** The execution status a finished command means. */
function executionStatus(outcome: CommandOutcome): ExecutionStatus {
  return outcome.status === 'expired' ? 'skipped' : outcome.status
}

registerCommandType('script.run', {
  prepare(ctx, command) {
    const { secretNames, inlineBytes: _serverOnly, ...payload } = command.payload as StoredPayload
    const parameters = Object.fromEntries(Object.entries(payload.parameters).map(([k, v]) => [k, secretNames.includes(k) ? ctx.secrets.open(String(v)) : v]))
    return { ...payload, parameters }
  },

  async onStart(ctx, command) {
    const execution = await executionOf(ctx, command)
    if (!execution) return
    if (await startExecution(ctx.db, execution.id, { startedAt: command.startedAt ?? ctx.clock.now(), commandId: command.id })) {
      afterCommit(ctx.db, () => {
        notifyStatus(execution.id, 'running')
        announce(ctx, execution, 'running')
      })
    }
  },

  async onOutput(ctx, command, chunk) {
    if (command.sourceType === sourceType && command.sourceId) await appendOutput(ctx, command.sourceId, chunk, limitsOf(command))
  },

  async beforeResult(ctx, command, outcome) {
    // The output's files are settled before the transaction (no I/O inside it); not again for an ended execution.
    const execution = await executionOf(ctx, command)
    if (!execution || finishedStatuses.includes(execution.status)) return
    await finishOutput(ctx, execution.id, (outcome.result as Partial<ScriptRunResult> | null)?.outputBytes ?? null, limitsOf(command))
  },

  async onResult(ctx, command, outcome) {
    const execution = await executionOf(ctx, command)
    if (!execution || finishedStatuses.includes(execution.status)) return
    const result = (outcome.result ?? {}) as Partial<ScriptRunResult>
    const output = outputSummary(execution.id, await executionOutputBytes(ctx.db, execution.id), result.outputBytes ?? null, limitsOf(command))
    const status = executionStatus(outcome)
    const now = command.completedAt ?? ctx.clock.now()
    const error = status === 'skipped' ? 'the device did not come online before the run expired' : outcome.error
    const ended = await finishExecution(ctx.db, execution.id, {
      status, exitCode: result.exitCode ?? null, errorMessage: error ?? null, completedAt: now,
      // note: the agent measured the run itself; its duration beats the gap between our timestamps.
      startedAt: result.durationMs !== undefined ? now - result.durationMs : execution.startedAt ?? command.startedAt,
      outputBytes: output.outputBytes, truncated: output.truncated || !!result.truncated, outputBlobKey: output.blobKey,
    })
    if (!ended) return
    // `BREEZE_METRIC name=value` lines are custom metrics the device reports through its scripts (alert rules watch them).
    // note: durable (src/events.ts): automations and policies hear of it even if the process dies right after the commit.
    // A one-off command (no script) is a technician at the keyboard: no automation, policy or custom metric follows it.
    if (execution.scriptId) ctx.events.emit('script.completed', { executionId: execution.id, batchId: execution.batchId, scriptId: execution.scriptId, deviceId: execution.deviceId, orgId: execution.orgId, status, exitCode: result.exitCode ?? null, customMetrics: parseCustomMetrics(execution.stdout) })
    afterCommit(ctx.db, () => announce(ctx, execution, status))
  },

  unfinished: (ctx) => listHalfEnded(ctx.db),
})

function limitsOf(command: CommandRow): OutputLimits {
  const p = command.payload as Partial<StoredPayload>
  return { inlineBytes: p.inlineBytes ?? outputLimits.inlineBytes, maxBytes: p.maxOutputBytes ?? outputLimits.maxBytes }
}

async function executionOf(ctx: AppContext, command: CommandRow): Promise<Execution | undefined> {
  return command.sourceType === sourceType && command.sourceId ? findExecution(ctx.db, command.sourceId) : undefined
}
