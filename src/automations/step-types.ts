// What a step executor is. The engine (engine.ts) calls `start` once when a step begins and,
// for steps that wait (a script's result, a timer, a child run), `resume` each time the run is
// woken until the step reports an outcome.
import type { AppContext } from '../context'
import type { AutomationRun, RunStep } from './repo'
import type { AutomationStep, StepResult, StepStatus } from './types'
import type { Facts } from './values'

export type RunCtx = {
  ctx: AppContext
  run: AutomationRun
  /** Owner of the automation: its org's partner, and the org for org automations (null when partner-wide). */
  owner: { orgId: string | null; partnerId: string }
  facts: Facts
}

export type Finished = {
  status: Exclude<StepStatus, 'running' | 'waiting'>
  summary: string
  details?: Record<string, unknown>
  error?: string | null
  refId?: string | null
  /** What later conditions and templates see as last_step (condition steps leave it alone). */
  result?: Partial<Omit<StepResult, 'status' | 'type'>>
  /** Devices this step acted on, and those where it failed (the run's device counts). */
  devices?: { targeted: string[]; failed: string[] }
  /** condition steps: the branch to run next. */
  branch?: 'then' | 'else'
}

export type Waiting = {
  status: 'waiting'
  summary: string
  details?: Record<string, unknown>
  /** What the step waits on (script batch id, child run id): its completion wakes the run. */
  refId?: string | null
  /** A timer: the run sleeps (its org slot is given back) until then. */
  resumeAt?: number | null
  /** Give the org slot back while waiting (a child run does the work and needs a slot itself). */
  yieldSlot?: boolean
  /** Give up at this time; the engine wakes the run then to let the step time out. */
  deadline?: number | null
}

export type Outcome = Finished | Waiting

export type Executor = {
  start(rc: RunCtx, step: AutomationStep, row: RunStep): Promise<Outcome>
  resume?(rc: RunCtx, step: AutomationStep, row: RunStep): Promise<Outcome>
}
