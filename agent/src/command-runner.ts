// Receiving commands: verify, acknowledge, run the type's handler with an output stream and an
// abort signal, report the result. A command the agent has already acknowledged in this run
// (delivery is at-least-once) gets its acknowledgement or result again instead of a second run.
import { Value } from '@sinclair/typebox/value'
import type { KeyObject } from 'node:crypto'
import { caps, commandOutcomes, type AgentMessage, type CommandOutcome, type SignedCommand } from '../../src/protocol'
import { loadCommand } from './commands'
import type { AgentServices } from './commands/types'
import { log } from './log'
import type { StateStore } from './state'
import { checkCommand } from './verify'

type Outgoing = Extract<AgentMessage, { type: 'command.ack' | 'command.refused' | 'command.output' | 'command.result' }>

export class CommandRunner {
  private running = new Map<string, AbortController>()
  /** Commands of this run: their final report once done (for re-deliveries). */
  private recent = new Map<string, Outgoing | null>()

  constructor(
    private opts: {
      key: KeyObject; deviceId: string; agentId: string; state: StateStore; serverNow(): number; send(msg: Outgoing): void
      /** Sends an output chunk; settles when the server's output window has room for more. */
      sendOutput(msg: Extract<Outgoing, { type: 'command.output' }>): Promise<void>
      services: AgentServices
    },
  ) {}

  async receive(c: SignedCommand) {
    if (this.recent.has(c.id)) {
      const final = this.recent.get(c.id)
      return this.opts.send(final ?? { type: 'command.ack', id: c.id })
    }
    const refusal = checkCommand(c, { ...this.opts, serverNow: this.opts.serverNow(), remember: (id, exp) => this.opts.state.rememberCommand(id, exp, this.opts.serverNow()) })
    if (refusal) {
      log.warn('refused a command', { id: c.id, type: c.type, reason: refusal.reason })
      return this.opts.send({ type: 'command.refused', id: c.id, ...refusal })
    }
    const entry = await loadCommand(c.type)
    if (!entry) return this.opts.send({ type: 'command.refused', id: c.id, reason: 'unknown_type', message: `this agent does not know command type "${c.type}"` })
    let payload: unknown
    try { payload = JSON.parse(c.payload) } catch { payload = undefined }
    if (payload === undefined || (entry.payload && !Value.Check(entry.payload, payload))) {
      return this.opts.send({ type: 'command.refused', id: c.id, reason: 'invalid_payload', message: 'the payload does not match the command type' })
    }
    this.remember(c.id, null)
    this.opts.send({ type: 'command.ack', id: c.id })
    const controller = new AbortController()
    this.running.set(c.id, controller)
    let seq = 0
    const after: (() => Promise<void> | void)[] = []
    const io = {
      signal: controller.signal,
      afterReport: (fn: () => Promise<void> | void) => void after.push(fn),
      output: async (stream: 'stdout' | 'stderr', data: string) => {
        for (let i = 0; i < data.length; i += caps.outputChunk) await this.opts.sendOutput({ type: 'command.output', id: c.id, seq: seq++, stream, data: data.slice(i, i + caps.outputChunk) })
      },
    }
    let report: Outgoing
    try {
      // `status` and `error` say how it ended; they are not part of the type's result (the protocol is closed).
      const { status: ended, error, ...result } = await entry.handler({ id: c.id, type: c.type, payload }, io, this.opts.services)
      const status = (commandOutcomes as readonly string[]).includes(ended as string) ? (ended as CommandOutcome) : 'completed'
      const nothing = status !== 'completed' && Object.keys(result).length === 0
      report = { type: 'command.result', id: c.id, status, result: nothing ? null : result, error: typeof error === 'string' ? error.slice(0, caps.long * 4) : null }
    } catch (err) {
      const status: CommandOutcome = controller.signal.aborted ? 'cancelled' : 'failed'
      report = { type: 'command.result', id: c.id, status, result: null, error: ((err as Error)?.message ?? String(err)).slice(0, caps.long * 4) }
    } finally {
      this.running.delete(c.id)
    }
    this.remember(c.id, report)
    this.opts.send(report)
    // note: a moment for the report to leave the socket before, say, the machine reboots.
    if (after.length) setTimeout(() => { for (const fn of after) void Promise.resolve().then(fn).catch((err) => log.error('after a command', { id: c.id, err })) }, 1_000)
  }

  cancel(id: string) {
    this.running.get(id)?.abort()
  }

  /** The commands running in this process (told to the server on every connect). */
  runningIds(): string[] {
    return [...this.running.keys()]
  }

  stopAll() {
    for (const c of this.running.values()) c.abort()
  }

  private remember(id: string, final: Outgoing | null) {
    this.recent.set(id, final)
    if (this.recent.size > 500) this.recent.delete(this.recent.keys().next().value!)
  }
}
