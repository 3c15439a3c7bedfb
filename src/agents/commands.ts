// The signed command queue: how the server asks an agent to do something.
//
//   queueCommand(ctx, { deviceId, type, payload, expiresAt?, timeoutMs?, sourceType?, sourceId?, createdBy? })
//   commandRows + insertCommands (in the caller's transaction) + sendCommands   the same, in bulk
//   cancelCommand(ctx, id)
//   requestFromAgent(ctx, deviceId, type, payload, timeoutMs)   on-demand request/response
//   registerCommandType(type, { prepare?, onStart?, onOutput?, onResult? })
//
// A command is a row in agent_commands: pending → sent → running → completed | failed |
// timeout | cancelled (or expired when never delivered). It is signed at dispatch with the
// server's Ed25519 key over id, device, agent, type, payload and expiry, and goes down the
// agent's socket at once, or rides the next heartbeat answer when the socket is down.
// Delivery is at-least-once (an unacknowledged command is sent again on reconnect); the
// agent refuses ids it has already seen. Callers check permissions and audit; this module
// only moves commands.
//
// A command's end and its consequences commit together: the transition (compare-and-set), the
// type's onResult (the script execution, the remote session, the policy result) and the
// caller's audit row run in one transaction. A result for a command that has ended already
// (the agent sent it again) applies the stored outcome once more, so what an older version
// left half-applied is repaired; repairHalfApplied does the same at start.
import { sign } from 'node:crypto'
import { auditEvent, recordAudit, type AuditActor, type AuditEntry } from '../audit/service'
import { withDb, type AppContext, type TxContext, type TxHook } from '../context'
import { afterCommit, withTx } from '../db/tx'
import { AppError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { builtinCommandTypes, commandSigningText, type AgentMessage, type SignedCommand } from '../protocol'
import type { AgentIdentity } from './auth'
import { findCommand, insertCommands, listDeliverable, listOverdue, listRunning, listUndelivered, transition, type CommandRow } from './command-repo'
import { findCredentialByDeviceId } from './device-repo'

type Ctx = AppContext

export type { CommandRow }
export type OutputChunk = { seq: number; stream: 'stdout' | 'stderr'; data: string }
export type CommandOutcome = { status: 'completed' | 'failed' | 'cancelled' | 'timeout' | 'expired'; result: Record<string, unknown> | null; error: string | null }

/** What a feature plugs in for its command types. Every hook is optional. */
export type CommandTypeHandler = {
  /** prepare returns the payload to sign and send, at dispatch time (e.g. unseal secret parameters). The stored payload is never changed. */
  prepare?(ctx: AppContext, command: CommandRow): Promise<Record<string, unknown>> | Record<string, unknown>
  /** onStart runs in the transaction that marks the command running (database work only; afterCommit for notifications). */
  onStart?(ctx: TxContext, command: CommandRow): Promise<void> | void
  /**
   * onOutput receives streamed output; `seq` counts 0, 1, 2… per command. It is called in
   * order, but the queue does not wait for the promise it returns (the type keeps its own
   * order, and its beforeResult waits for what is still being stored); the promise says when the
   * chunk is stored, which is when the agent may send more.
   */
  onOutput?(ctx: AppContext, command: CommandRow, chunk: OutputChunk): Promise<void> | void
  /** beforeResult does the I/O a result needs before its transaction (files, blobs). It may run again for the same command: idempotent. */
  beforeResult?(ctx: AppContext, command: CommandRow, outcome: CommandOutcome): Promise<void>
  /**
   * onResult applies how the command ended (completed, failed, refused, timeout, cancelled,
   * expired) to the feature's rows, in the transaction that ends the command: database work
   * only, afterCommit for notifications. NB: it runs again when a result comes for a command
   * that has ended already (with the stored outcome), and at start for ended commands whose
   * feature rows are unfinished: it must change only what is still unfinished.
   */
  onResult?(ctx: TxContext, command: CommandRow, outcome: CommandOutcome): Promise<void> | void
  /** unfinished lists ended commands of this type whose feature rows say otherwise (half-applied by an older version), for the startup repair. */
  unfinished?(ctx: AppContext): Promise<CommandRow[]>
}

// note: command types are static program structure (like routes): features register theirs at
// import time, and the handlers receive the context of the server that runs the command.
const commandTypes = new Map<string, CommandTypeHandler>(Object.keys(builtinCommandTypes).map((type) => [type, {}]))

/** registerCommandType declares a command type and its server-side hooks. */
export function registerCommandType(type: string, handler: CommandTypeHandler) {
  commandTypes.set(type, handler)
}

export type QueueCommandInput = {
  deviceId: string
  type: string
  payload: Record<string, unknown>
  /** Not delivered after this instant (default: in 1 hour). */
  expiresAt?: number
  /** Once sent, how long the agent has to report a result (default: 1 hour). */
  timeoutMs?: number
  sourceType?: string
  sourceId?: string
  createdBy?: string
  /** Set by callers that must know the id before the command can complete (requestFromAgent). */
  id?: string
}

export class DeviceNotConnectedError extends AppError {
  constructor() { super(409, 'device_not_connected', 'the device is not connected right now; try again when it is online') }
}

/** queueCommand stores a command and sends it at once when the device's socket is open here. */
export async function queueCommand(ctx: Ctx, input: QueueCommandInput): Promise<CommandRow> {
  const device = await findCredentialByDeviceId(ctx.db, input.deviceId)
  if (!device || device.status === 'decommissioned') throw new NotFoundError('device')
  const [row] = commandRows(ctx, [input])
  await insertCommands(ctx.db, [row])
  await sendCommands(ctx, [row])
  return (await findCommand(ctx.db, row.id))!
}

/**
 * commandRows validates and builds queue rows without storing them, for callers that store
 * many at once inside their own transaction (a script run on thousands of devices) with
 * insertCommands, then call sendCommands after the commit. Such callers have already checked
 * that the devices exist and are not decommissioned.
 */
export function commandRows(ctx: Pick<Ctx, 'clock'>, inputs: QueueCommandInput[]): CommandRow[] {
  const now = ctx.clock.now()
  return inputs.map((input) => {
    if (!commandTypes.has(input.type)) throw new ValidationError('type', `unknown command type "${input.type}"`)
    const row: CommandRow = {
      id: input.id ?? newId(), deviceId: input.deviceId, type: input.type, payload: input.payload, status: 'pending', sourceType: input.sourceType ?? null,
      sourceId: input.sourceId ?? null, createdBy: input.createdBy ?? null, createdAt: now, expiresAt: input.expiresAt ?? now + 3600_000, sentAt: null,
      startedAt: null, completedAt: null, timeoutMs: input.timeoutMs ?? 3600_000, result: null, error: null,
    }
    if (row.expiresAt <= now) throw new ValidationError('expiresAt', 'the command would expire before it is sent')
    return row
  })
}

export { insertCommands }

/** sendCommands signs and sends stored commands whose device has its socket open here (the rest wait for it). */
export async function sendCommands(ctx: Ctx, rows: CommandRow[]) {
  for (const row of rows) {
    const socket = ctx.agents.get(row.deviceId)
    if (!socket) continue
    const device = await findCredentialByDeviceId(ctx.db, row.deviceId)
    if (!device || device.status === 'decommissioned') continue
    for (const signed of await dispatch(ctx, [row], device)) socket.send({ type: 'command', command: signed })
  }
}

export async function getCommand(ctx: Pick<Ctx, 'db'>, id: string): Promise<CommandRow | undefined> {
  return findCommand(ctx.db, id)
}

/** cancelCommand ends a command that has not finished (with `inTx` in the same transaction); a running one is told to stop. */
export async function cancelCommand(ctx: Ctx, id: string, inTx?: TxHook): Promise<CommandRow> {
  const row = await findCommand(ctx.db, id)
  if (!row) throw new NotFoundError('command')
  const cancelled = await endCommand(ctx, row, ['pending', 'sent', 'running'], { status: 'cancelled', result: null, error: 'cancelled' }, inTx)
  if (!cancelled) return (await findCommand(ctx.db, id)) ?? row
  if (row.status !== 'pending') ctx.agents.send(row.deviceId, { type: 'command.cancel', id })
  return cancelled
}

/**
 * requestFromAgent runs a command on a connected device and returns its result (processes
 * list, live data). Throws DeviceNotConnectedError, or a 504 when no answer comes in time.
 */
export async function requestFromAgent<T = Record<string, unknown>>(ctx: Ctx, deviceId: string, type: string, payload: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
  if (!ctx.agents.isConnected(deviceId)) throw new DeviceNotConnectedError()
  const id = newId()
  const outcome = new Promise<CommandOutcome>((resolve) => ctx.agents.waiters.set(id, { resolve: (o) => resolve(o as CommandOutcome) }))
  const timer = setTimeout(async () => {
    const row = await findCommand(ctx.db, id).catch(() => undefined)
    if (row) await endCommand(ctx, row, ['pending', 'sent', 'running'], { status: 'timeout', result: null, error: 'no answer from the agent in time' }).catch(() => undefined)
  }, timeoutMs)
  try {
    await queueCommand(ctx, { id, deviceId, type, payload, expiresAt: ctx.clock.now() + timeoutMs, timeoutMs })
    const o = await outcome
    if (o.status === 'completed') return (o.result ?? {}) as T
    if (o.status === 'timeout') throw new AppError(504, 'agent_timeout', `the agent did not answer within ${Math.round(timeoutMs / 1000)} s`)
    throw new AppError(502, 'agent_command_failed', `the agent could not do it: ${o.error ?? o.status}`)
  } finally {
    clearTimeout(timer)
    ctx.agents.waiters.delete(id)
  }
}

/**
 * awaitCommand resolves with a command's outcome when it ends, or null after `timeoutMs` (the
 * command itself goes on). Call it before the command is sent, so a quick answer is not missed.
 * note: waiters live in this process; an agent connected to another node answers there.
 */
export function awaitCommand(ctx: Pick<Ctx, 'agents'>, id: string, timeoutMs: number): Promise<CommandOutcome | null> {
  return new Promise((resolve) => {
    const waiter = { resolve: (o: unknown) => { clearTimeout(timer); ctx.agents.waiters.delete(id); resolve(o as CommandOutcome) } }
    const timer = setTimeout(() => { if (ctx.agents.waiters.get(id) === waiter) ctx.agents.waiters.delete(id); resolve(null) }, timeoutMs)
    ctx.agents.waiters.set(id, waiter)
  })
}

/** dispatch signs commands for a device and marks them sent. */
async function dispatch(ctx: Ctx, rows: CommandRow[], device: { id: string; agentId: string; orgId: string }): Promise<SignedCommand[]> {
  const out: SignedCommand[] = []
  for (const row of rows) {
    let payload: Record<string, unknown>
    try {
      const prepare = commandTypes.get(row.type)?.prepare
      payload = prepare ? await prepare(ctx, row) : row.payload
    } catch (err) {
      await endCommand(ctx, row, ['pending', 'sent'], { status: 'failed', result: null, error: `could not prepare the command: ${(err as Error).message}` })
      continue
    }
    const now = ctx.clock.now()
    const unsigned = { id: row.id, deviceId: device.id, agentId: device.agentId, type: row.type, payload: JSON.stringify(payload), issuedAt: now, expiresAt: row.expiresAt }
    const signature = sign(null, Buffer.from(commandSigningText(unsigned)), ctx.keys.signingKey).toString('base64')
    if (await transition(ctx.db, row.id, ['pending', 'sent'], { status: 'sent', sentAt: now })) out.push({ ...unsigned, signature })
  }
  return out
}

/** signedCommandsFor dispatches everything waiting for an agent (socket connect, heartbeat answer). */
export async function signedCommandsFor(ctx: Ctx, agent: Pick<AgentIdentity, 'id' | 'agentId' | 'orgId'>): Promise<SignedCommand[]> {
  const rows = await listDeliverable(ctx.db, agent.id, ctx.clock.now())
  return rows.length === 0 ? [] : dispatch(ctx, rows, agent)
}

type CommandMessage = Extract<AgentMessage, { type: 'command.ack' | 'command.refused' | 'command.output' | 'command.result' }>

const commandQueues = new Map<string, Promise<void>>()

/**
 * Output bytes a device may have waiting here (received, not yet stored). An agent that
 * honours the output window (server.hello's outputWindow) never has more than that window in
 * flight; output beyond this from any other is dropped, so an agent cannot make the server
 * buffer without bound.
 */
export const deviceOutputBudget = 8 << 20
const outputInFlight = new Map<string, number>()

/**
 * handleCommandMessage applies an agent's report about one of its own commands. Reports of
 * one command are applied in arrival order (all output before its result) even when the
 * database answers out of order, as a PostgreSQL pool may. Output is handed to its command
 * type in that order and stored by it, which may take longer than the queue waits; the
 * returned promise settles once it is stored, when the agent is told so
 * (`command.output.ack`, its output window moves on).
 */
export function handleCommandMessage(ctx: Ctx, agent: Pick<AgentIdentity, 'id' | 'agentId' | 'orgId'>, msg: CommandMessage): Promise<void> {
  let stored: Promise<unknown> = Promise.resolve()
  if (msg.type === 'command.output') {
    const size = msg.data.length
    const inFlight = outputInFlight.get(agent.id) ?? 0
    if (inFlight + size > deviceOutputBudget) {
      ctx.log.warn('agent output dropped: more in flight than the budget allows', { deviceId: agent.id, commandId: msg.id, seq: msg.seq, inFlight })
      return Promise.resolve()
    }
    outputInFlight.set(agent.id, inFlight + size)
  }
  const next = (commandQueues.get(msg.id) ?? Promise.resolve()).then(() => applyCommandMessage(ctx, agent, msg, (p) => { stored = p }))
  const tail = next.catch(() => {})
  commandQueues.set(msg.id, tail)
  void tail.then(() => { if (commandQueues.get(msg.id) === tail) commandQueues.delete(msg.id) })
  if (msg.type !== 'command.output') return next
  const done = next.then(() => stored)
  const settle = (ok: boolean) => () => {
    const left = (outputInFlight.get(agent.id) ?? 0) - msg.data.length
    if (left > 0) outputInFlight.set(agent.id, left)
    else outputInFlight.delete(agent.id)
    // Handled (stored, a duplicate, refused): the agent need not send it again. A chunk that
    // could not be stored is not acknowledged; the agent sends it again after a reconnect.
    if (ok) ctx.agents.send(agent.id, { type: 'command.output.ack', id: msg.id, seq: msg.seq })
  }
  void done.then(settle(true), settle(false))
  return done.then(() => {})
}

/**
 * Rows of commands whose output is flowing, so a chunk does not cost a read: kept for a few
 * seconds. A status changed meanwhile (a cancel) is caught where the output is stored (an
 * ended script execution takes no more).
 */
const outputRows = new Map<string, { row: CommandRow; at: number }>()
const outputRowMs = 5_000

function rememberOutputRow(row: CommandRow) {
  const at = performance.now()
  if (outputRows.size >= 256) for (const [id, e] of outputRows) if (at - e.at > outputRowMs) outputRows.delete(id)
  outputRows.set(row.id, { row, at })
}

async function applyCommandMessage(ctx: Ctx, agent: Pick<AgentIdentity, 'id' | 'agentId' | 'orgId'>, msg: CommandMessage, storing: (p: Promise<unknown>) => void): Promise<void> {
  const now = ctx.clock.now()
  const cached = outputRows.get(msg.id)
  if (cached && (msg.type !== 'command.output' || performance.now() - cached.at > outputRowMs)) outputRows.delete(msg.id)
  const row = msg.type === 'command.output' && outputRows.has(msg.id) ? cached!.row : await findCommand(ctx.db, msg.id)
  // note: an agent can only speak about its own commands; anything else is ignored like an unknown id.
  if (!row || row.deviceId !== agent.id) return
  switch (msg.type) {
    case 'command.ack':
      await start(ctx, row, now)
      return
    case 'command.output': {
      // note: output after the end (a late resend) is refused; output before the ack (the ack
      // lost or behind it) means the command runs.
      if (!unfinished.includes(row.status)) return
      const handler = commandTypes.get(row.type)?.onOutput
      const current = (await start(ctx, row, now)) ?? row
      if (!outputRows.has(row.id)) rememberOutputRow(current)
      if (handler) storing(Promise.resolve(handler(ctx, current, { seq: msg.seq, stream: msg.stream, data: msg.data })))
      return
    }
    case 'command.result':
      await endCommand(ctx, row, ['pending', 'sent', 'running'], { status: msg.status, result: msg.result ?? null, error: msg.error ?? null })
      return
    case 'command.refused': {
      const error = `refused by the agent (${msg.reason}): ${msg.message}`
      ctx.log.warn('agent refused a command', { deviceId: agent.id, commandId: row.id, reason: msg.reason })
      const forged = msg.reason === 'bad_signature' || msg.reason === 'wrong_device'
      const actor: AuditActor = { type: 'agent', id: agent.agentId, email: null, ip: null, userAgent: null }
      const entry: AuditEntry = { action: 'agent.command_refused', result: 'denied', orgId: agent.orgId, resourceType: 'device', resourceId: agent.id, details: { commandId: row.id, type: row.type, reason: msg.reason } }
      const ended = await endCommand(ctx, row, ['pending', 'sent', 'running'], { status: 'failed', result: null, error }, forged ? (tx) => recordAudit(tx, actor, entry) : undefined)
      // A refusal of a command that had ended already changes nothing but is still a security event.
      if (forged && !ended) await auditEvent(ctx, actor, entry)
      return
    }
  }
}

const unfinished: CommandRow['status'][] = ['pending', 'sent', 'running']
const endedStatuses: CommandRow['status'][] = ['completed', 'failed', 'timeout', 'cancelled', 'expired']

/**
 * start moves a delivered command to running (compare-and-set) and runs the type's onStart in
 * the same transaction; undefined when it was running already or has ended.
 */
async function start(ctx: Ctx, row: CommandRow, now: number): Promise<CommandRow | undefined> {
  if (row.status !== 'pending' && row.status !== 'sent') return undefined
  const onStart = commandTypes.get(row.type)?.onStart
  return withTx(ctx.db, async (tx) => {
    const started = await transition(tx, row.id, ['pending', 'sent'], { status: 'running', startedAt: now })
    if (started) await onStart?.(withDb(ctx, tx), started)
    return started
  })
}

/** The outcome a command that has ended stands for (what a repair applies again). */
function storedOutcome(row: CommandRow): CommandOutcome {
  return { status: row.status as CommandOutcome['status'], result: row.result ?? null, error: row.error ?? null }
}

/**
 * endCommand ends a command that is in one of `from` with `outcome`, and in the same
 * transaction applies it through the type's onResult and runs `inTx` (the caller's audit row;
 * only when this call ended it).
 * A command that had ended already gets its stored outcome applied again (idempotent: it
 * repairs rows an older version left unfinished) and null is returned. Afterwards
 * command.completed is announced and a caller waiting for the answer is woken.
 */
async function endCommand(ctx: Ctx, row: CommandRow, from: CommandRow['status'][], outcome: CommandOutcome, inTx?: TxHook): Promise<CommandRow | null> {
  const handler = commandTypes.get(row.type)
  await handler?.beforeResult?.(ctx, row, outcome)
  const now = ctx.clock.now()
  return withTx(ctx.db, async (tx) => {
    const txc = withDb(ctx, tx)
    const ended = await transition(tx, row.id, from, { status: outcome.status, completedAt: now, result: outcome.result, error: outcome.error })
    const current = ended ?? (await findCommand(tx, row.id))
    if (!current || !endedStatuses.includes(current.status)) return null
    await handler?.onResult?.(txc, current, ended ? outcome : storedOutcome(current))
    if (!ended) return null
    await inTx?.(txc)
    const device = await findCredentialByDeviceId(tx, ended.deviceId)
    txc.events.emit('command.completed', { commandId: ended.id, deviceId: ended.deviceId, orgId: device?.orgId ?? '', type: ended.type, status: ended.status, sourceType: ended.sourceType, sourceId: ended.sourceId })
    afterCommit(tx, () => ctx.agents.waiters.get(ended.id)?.resolve(outcome))
    return ended
  })
}

/**
 * failLostCommands ends commands the server believes are running on a device that, on
 * connecting, says it is not running them: the agent restarted (crash, reboot, upgrade)
 * and their processes are gone. An agent that does not report (older version) is trusted.
 */
export async function failLostCommands(ctx: Ctx, deviceId: string, running: string[] | undefined) {
  if (!running) return
  const alive = new Set(running)
  for (const row of await listRunning(ctx.db, deviceId)) {
    if (alive.has(row.id)) continue
    await endCommand(ctx, row, ['running'], { status: 'failed', result: null, error: 'the agent restarted while running it' })
  }
}

/** sweepCommands (a job) expires undelivered commands and times out silent ones, each in its own transaction with its consequences. */
export async function sweepCommands(ctx: Ctx) {
  const now = ctx.clock.now()
  const end = async (rows: CommandRow[], from: CommandRow['status'][], outcome: CommandOutcome) => {
    for (const [i, row] of rows.entries()) {
      if (i % 50 === 49) await new Promise<void>((resolve) => setImmediate(resolve)) // let requests in between
      try {
        await endCommand(ctx, row, from, outcome)
      } catch (err) {
        ctx.log.error('could not end an overdue command; the next sweep tries again', { commandId: row.id, type: row.type, err })
      }
    }
  }
  await end(await listUndelivered(ctx.db, now), ['pending'], { status: 'expired', result: null, error: 'not delivered before it expired (device offline)' })
  await end(await listOverdue(ctx.db, now), ['sent', 'running'], { status: 'timeout', result: null, error: 'no result from the agent before the timeout' })
}

/**
 * repairHalfApplied (at start) applies the stored outcome of ended commands whose feature rows
 * are still unfinished: before commands ended in one transaction with their consequences, a
 * crash between the two commits left e.g. a completed command with its script execution
 * running forever. Returns how many were repaired.
 */
export async function repairHalfApplied(ctx: Ctx): Promise<number> {
  let repaired = 0
  for (const [type, handler] of commandTypes) {
    if (!handler.unfinished) continue
    for (const row of await handler.unfinished(ctx)) {
      try {
        await endCommand(ctx, row, [], storedOutcome(row))
        repaired++
      } catch (err) {
        ctx.log.error('could not repair the consequences of an ended command', { commandId: row.id, type, err })
      }
    }
  }
  if (repaired > 0) ctx.log.warn('repaired commands whose consequences a crash had left unapplied', { count: repaired })
  return repaired
}
