// Messages on the live channel (`/ws/agents/:agentId`). Each is a JSON object with a dotted
// `type`. Agent messages can also be posted in batches to `POST /api/v1/agents/:agentId/messages`
// when the socket is down, so results of commands delivered by a heartbeat still arrive.
import { t } from './schema'
import { caps } from './limits'
import { commandOutcomes, refusalReasons, signedCommand } from './commands'
import { processGlob, upgradeInstruction } from './heartbeat'
import { remoteSignalUp, rtcSignal, type RemoteSignalDown } from './remote'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))
const commandId = t.String({ minLength: 1, maxLength: 64 })

// ---- agent → server ----

export const agentHello = t.Object({
  type: t.Literal('agent.hello'),
  protocolVersion: t.Integer({ minimum: 1 }),
  agentVersion: t.String({ maxLength: 64 }),
  hardwareId: t.String({ minLength: 8, maxLength: 128 }),
  /** Commands this agent process is running right now; a command the server thinks is running but is not listed was lost (the agent restarted). */
  running: t.Optional(t.Array(commandId, { maxItems: 1000 })),
})
export const commandAck = t.Object({ type: t.Literal('command.ack'), id: commandId })
export const commandRefused = t.Object({
  type: t.Literal('command.refused'),
  id: commandId,
  reason: lit(refusalReasons),
  message: t.String({ maxLength: caps.long }),
})
export const commandOutput = t.Object({
  type: t.Literal('command.output'),
  id: commandId,
  /** 0, 1, 2… per command, so a receiver can order chunks and spot gaps. */
  seq: t.Integer({ minimum: 0 }),
  stream: t.Union([t.Literal('stdout'), t.Literal('stderr')]),
  data: t.String({ maxLength: caps.outputChunk }),
})
export const commandResult = t.Object({
  type: t.Literal('command.result'),
  id: commandId,
  status: lit(commandOutcomes),
  /** The command type's result; its shape is checked by the server against that type's schema (src/protocol/results.ts). */
  result: t.Optional(t.Nullable(t.Record(t.Key(128), t.Unknown({ checkedBy: 'the result schema of the command type (commandResultSchemas), by the server' }), { maxProperties: 256 }))),
  error: t.Optional(t.Nullable(t.String({ maxLength: caps.long * 4 }))),
})
export const agentPing = t.Object({ type: t.Literal('ping') })

export const agentMessage = t.Union([agentHello, commandAck, commandRefused, commandOutput, commandResult, agentPing, remoteSignalUp])
export type AgentMessage = typeof agentMessage.static

/** Agent messages posted over HTTP (a batch, in order). */
export const agentMessageBatch = t.Object({ messages: t.Array(t.Union([commandAck, commandRefused, commandOutput, commandResult]), { minItems: 1, maxItems: 500 }) })
export type AgentMessageBatch = typeof agentMessageBatch.static

// ---- server → agent ----

/**
 * Output flow control: a server that names an `outputWindow` in its hello acknowledges every
 * `command.output` it has handled (`command.output.ack`, with the chunk's command and seq),
 * and the agent keeps at most that many bytes of output unacknowledged on the socket, sending
 * them again after a reconnect (the server stores each (command, seq) once). A server that
 * names none sends no acknowledgements.
 */
export const outputWindowBytes = 1 << 20

/**
 * Result acknowledgements: a server whose hello says `resultAcks` answers every
 * `command.result` and `command.refused` it has stored (or found already stored) on the socket
 * with `command.result.ack`. One it could not store (a full disk) is not acknowledged: the
 * agent sends it again after `resultResendSeconds`, and over HTTP when the socket drops.
 */
export const resultResendSeconds = 60

export type ServerMessage =
  | { type: 'server.hello'; protocolVersion: number; serverTime: number; heartbeatSeconds: number; reconnectWindow?: number; outputWindow?: number; resultAcks?: boolean }
  | { type: 'command'; command: typeof signedCommand.static }
  | { type: 'command.cancel'; id: string }
  | { type: 'command.output.ack'; id: string; seq: number }
  | { type: 'command.result.ack'; id: string }
  | { type: 'config'; heartbeatSeconds: number; watchProcesses?: string[] }
  | { type: 'upgrade'; upgrade: typeof upgradeInstruction.static }
  | { type: 'pong'; serverTime: number }
  | { type: 'error'; message: string }
  | RemoteSignalDown

export const serverMessage = t.Union([
  t.Object({
    type: t.Literal('server.hello'), protocolVersion: t.Integer(), serverTime: t.Number(), heartbeatSeconds: t.Integer(), outputWindow: t.Optional(t.Integer({ minimum: 1 })),
    /** Seconds over which to spread a reconnect after losing this server (reconnectWindowSeconds). */
    reconnectWindow: t.Optional(t.Integer({ minimum: 1 })),
    /** The server acknowledges results and refusals (command.result.ack). */
    resultAcks: t.Optional(t.Boolean()),
  }),
  t.Object({ type: t.Literal('command'), command: signedCommand }),
  t.Object({ type: t.Literal('command.cancel'), id: commandId }),
  t.Object({ type: t.Literal('command.output.ack'), id: commandId, seq: t.Integer({ minimum: 0 }) }),
  t.Object({ type: t.Literal('command.result.ack'), id: commandId }),
  /** watchProcesses: the process globs to count from now on (an alert rule changed). */
  t.Object({ type: t.Literal('config'), heartbeatSeconds: t.Integer(), watchProcesses: t.Optional(t.Array(processGlob, { maxItems: 50 })) }),
  t.Object({ type: t.Literal('upgrade'), upgrade: upgradeInstruction }),
  t.Object({ type: t.Literal('pong'), serverTime: t.Number() }),
  t.Object({ type: t.Literal('error'), message: t.String({ maxLength: caps.long }) }),
  t.Object({ type: t.Literal('remote.signal'), sessionId: t.String({ maxLength: 64 }), viewer: t.Integer(), viewOnly: t.Boolean(), signal: rtcSignal }),
])
