// How an action the caller waited for ended, as the API and the pages report it.
import type { CommandOutcome, CommandRow } from '../agents/commands'
import { AppError } from '../lib/errors'

/** completed: the agent did it (result); pending: sent, no answer within the wait (look again later). */
export type ActionOutcome<R> = { commandId: string; status: 'completed'; result: R } | { commandId: string; status: 'pending'; result: null }

export class ActionFailedError extends AppError {
  constructor(message: string, commandId: string) { super(422, 'action_failed', message, { commandId }) }
}

/** actionOutcome turns a waited-for command into the answer, throwing ActionFailedError (422) with the agent's reason when it failed. */
export function actionOutcome<R>(sent: { command: CommandRow; outcome: CommandOutcome | null }): ActionOutcome<R> {
  const { command, outcome } = sent
  if (!outcome) return { commandId: command.id, status: 'pending', result: null }
  if (outcome.status === 'completed') return { commandId: command.id, status: 'completed', result: (outcome.result ?? {}) as R }
  const why = outcome.error ?? outcome.status
  throw new ActionFailedError(outcome.status === 'timeout' || outcome.status === 'expired' ? `the agent did not answer: ${why}` : why, command.id)
}
