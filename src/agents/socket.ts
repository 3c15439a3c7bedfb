// The live channel: one WebSocket per agent at /ws/agents/:agentId, authenticated by the
// agent credential during the upgrade. Handshakes are limited (ctx.agents.handshakes): when
// thousands of agents reconnect at once the excess gets 429 with a Retry-After spread over a
// window, so the server keeps answering everyone else. The socket counts only after the
// agent's hello proves it is the enrolled machine.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { closeCodes, outputWindowBytes, PROTOCOL_VERSION, reconnectWindowSeconds, type AgentMessage, type ServerMessage } from '../protocol'
import { authenticateAgent, platformOf, type AgentIdentity } from './auth'
import { upgradeFor } from './builds'
import { failLostCommands, handleCommandMessage, signedCommandsFor } from './commands'
import { checkSameMachine, CloneSuspectedError } from './heartbeat'
import { handshakeLimits, type AgentSocket } from './hub'
import { markOnline, socketClosed } from './status'
import { onAgentSignal } from '../remote/signaling'
import { alreadyHandled } from '../web/ws'
import { storageCause } from '../lib/storage'
import { messageProblem, resultsProblem, type AgentMessageRefused } from './validate'


/**
 * refuse answers a message that is not exactly what the protocol allows: an `error` naming the
 * field, then close 4400. Nothing of it was applied.
 */
function refuse(raw: Raw, problem: AgentMessageRefused) {
  raw.send(JSON.stringify({ type: 'error', message: `invalid message: ${problem.message}`.slice(0, 1000) } satisfies ServerMessage))
  // note: a close reason is at most 123 bytes.
  raw.close(closeCodes.protocolError, Buffer.from(`invalid message: ${problem.field}`).subarray(0, 120).toString().replace(/\uFFFD+$/, ''))
}
const helloTimeoutMs = 10_000

type Raw = { send(data: string): number; close(code?: number, reason?: string): void; ping(): void; terminate(): void; data: SocketData }
type SocketData = { agent?: AgentIdentity; retryAfter?: number; release?: () => void; session?: { socket: AgentSocket | null; helloTimer: Timer } }

function retryAfter(): number {
  const [min, max] = handshakeLimits.retryAfterSeconds
  return min + Math.floor(Math.random() * (max - min + 1))
}

/** onHello admits the socket: same machine, attach (closing an older socket), online, pending commands. */
async function onHello(ctx: AppContext, raw: Raw, agent: AgentIdentity, hello: Extract<AgentMessage, { type: 'agent.hello' }>) {
  const session = raw.data.session!
  try {
    await checkSameMachine(ctx, agent, hello.hardwareId)
  } catch (err) {
    if (err instanceof CloneSuspectedError) return raw.close(closeCodes.cloneSuspected, 'another machine uses this agent identity')
    throw err
  }
  clearTimeout(session.helloTimer)
  const now = performance.now()
  const socket: AgentSocket = {
    deviceId: agent.id, agentId: agent.agentId, orgId: agent.orgId, heartbeatSeconds: agent.heartbeatSeconds, lastHeardAt: now, lastProbeAt: now,
    send: (m: ServerMessage) => raw.send(JSON.stringify(m)) > 0,
    close: (code, reason) => raw.close(code, reason),
    probe: () => raw.ping(),
    terminate: () => raw.terminate(),
  }
  session.socket = socket
  ctx.agents.attach(socket)?.close(closeCodes.replaced, 'a newer connection of this agent replaced this one')
  socket.send({ type: 'server.hello', protocolVersion: PROTOCOL_VERSION, serverTime: ctx.clock.now(), heartbeatSeconds: agent.heartbeatSeconds, outputWindow: outputWindowBytes, reconnectWindow: reconnectWindowSeconds(ctx.agents.size), resultAcks: true })
  await markOnline(ctx, agent)
  await failLostCommands(ctx, agent.id, hello.running)
  for (const command of await signedCommandsFor(ctx, agent)) socket.send({ type: 'command', command })
  const upgrade = upgradeFor(ctx, platformOf(agent), hello.agentVersion)
  if (upgrade) socket.send({ type: 'upgrade', upgrade })
}

export function agentSocketRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.agents.socket' })
    .ws('/ws/agents/:id', {
      params: t.Object({ id: t.String({ maxLength: 64 }) }),
      async beforeHandle(c) {
        // note: run twice, a second handshake slot was only freed by the backstop 30 s later,
        // which held a reconnect storm of 10,000 agents to ~2 admissions a second.
        if (alreadyHandled(c)) return
        const data = c as unknown as SocketData
        const release = await ctx.agents.handshakes.enter()
        if (!release) return void (data.retryAfter = retryAfter())
        try {
          data.agent = await authenticateAgent(ctx, c.request.headers.get('authorization'), c.params.id)
          data.release = release
          // note: a backstop, should the upgrade fail after this point and no socket ever open.
          setTimeout(release, helloTimeoutMs * 3).unref()
        } catch (err) {
          release()
          throw err
        }
      },
      open(ws) {
        const raw = ws.raw as unknown as Raw
        if (raw.data.retryAfter) return raw.close(closeCodes.busy, `retry-after=${raw.data.retryAfter}`)
        raw.data.session = { socket: null, helloTimer: setTimeout(() => raw.close(closeCodes.protocolError, 'no hello'), helloTimeoutMs) }
      },
      async message(ws, message) {
        const raw = ws.raw as unknown as Raw
        const agent = raw.data.agent
        const session = raw.data.session
        if (!agent || !session) return
        // Anything the agent sends is a sign of life (item 19: a silent socket is dropped).
        if (session.socket) session.socket.lastHeardAt = performance.now()
        const invalid = messageProblem(message)
        if (invalid) return refuse(raw, invalid)
        const msg = message as AgentMessage
        try {
          if (msg.type === 'command.result') {
            const bad = await resultsProblem(ctx.db, agent.id, [msg], () => '')
            if (bad) return refuse(raw, bad)
          }
          switch (msg.type) {
            case 'agent.hello':
              try { return await onHello(ctx, raw, agent, msg) } finally { raw.data.release?.() }
            case 'ping': return void raw.send(JSON.stringify({ type: 'pong', serverTime: ctx.clock.now() } satisfies ServerMessage))
            case 'command.ack':
            case 'command.output':
              if (!session.socket) return raw.close(closeCodes.protocolError, 'hello first')
              return await handleCommandMessage(ctx, agent, msg)
            case 'command.refused':
            case 'command.result':
              if (!session.socket) return raw.close(closeCodes.protocolError, 'hello first')
              await handleCommandMessage(ctx, agent, msg)
              // Stored (or stored before): the agent may forget it. Not reached when storing failed.
              return void raw.send(JSON.stringify({ type: 'command.result.ack', id: msg.id } satisfies ServerMessage))
            case 'remote.signal':
              if (!session.socket) return raw.close(closeCodes.protocolError, 'hello first')
              return await onAgentSignal(ctx, agent, msg)
          }
        } catch (err) {
          // note: a message the storage could not take is not acknowledged (output) and the
          // agent sends it again; the full disk itself is logged once (server.ts watchStorage).
          if (storageCause(err)) ctx.log.debug('agent message not stored: storage failing', { deviceId: agent.id, type: msg.type, cause: storageCause(err)!.code })
          else ctx.log.error('agent message failed', { deviceId: agent.id, type: msg.type, err })
        }
      },
      pong(ws) {
        // note: Elysia hands ping/pong handlers Bun's own socket, not its wrapper.
        const raw = ((ws as unknown as { raw?: Raw }).raw ?? ws) as unknown as Raw
        const socket = raw.data?.session?.socket
        if (socket) socket.lastHeardAt = performance.now()
      },
      close(ws) {
        const raw = ws.raw as unknown as Raw
        raw.data.release?.()
        const session = raw.data.session
        if (!session) return
        clearTimeout(session.helloTimer)
        // The device's own socket closed (not one replaced or dropped here): offline after the grace unless it comes back.
        if (session.socket && ctx.agents.detach(session.socket)) socketClosed(ctx, session.socket)
      },
    })
}
