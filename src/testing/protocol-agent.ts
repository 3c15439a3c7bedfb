// A small client that speaks the agent protocol itself (enroll, the live socket, HTTP
// messages), for tests that need to send what a real agent would not: a chunk twice, output
// before the acknowledgement, output after the result, or a flood. The real agent is in
// ./agent.ts.
import type { AgentMessage, ServerMessage, SignedCommand } from '../protocol'
import { newId } from '../lib/ids'
import type { TestServer } from './server'

export type ProtocolAgent = {
  deviceId: string
  agentId: string
  auth: string
  hardwareId: string
  /** Everything the server sent on the socket, in order. */
  inbox: ServerMessage[]
  ws: WebSocket | null
  /** connect opens the live socket and says hello. */
  connect(): Promise<void>
  /** send writes one message on the socket. */
  send(message: AgentMessage | Record<string, unknown>): void
  /** post sends messages over HTTP (what the agent does while its socket is down). */
  post(messages: (AgentMessage | Record<string, unknown>)[]): Promise<Response>
  /** command waits for a command of `type` to arrive on the socket. */
  command(type: string, timeoutMs?: number): Promise<SignedCommand>
  close(): void
}

/** enrollProtocolAgent enrolls a new device with `enrollmentKey` and returns a client for it (not yet connected). */
export async function enrollProtocolAgent(s: Pick<TestServer, 'url'>, enrollmentKey: string, opts: { hostname?: string } = {}): Promise<ProtocolAgent> {
  const hardwareId = `hw-${newId()}`
  const res = await fetch(`${s.url}/api/v1/agents/enroll`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentKey, hostname: opts.hostname ?? 'protocol-agent', osType: 'linux', osVersion: '12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: 1, hardwareId }),
  })
  if (!res.ok) throw new Error(`enrollment failed: ${res.status} ${await res.text()}`)
  const j = (await res.json()) as { deviceId: string; agentId: string; agentSecret: string }
  const auth = `BreezeAgent ${j.agentId}.${j.agentSecret}`
  const agent: ProtocolAgent = {
    deviceId: j.deviceId, agentId: j.agentId, auth, hardwareId, inbox: [], ws: null,
    async connect() {
      const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}/ws/agents/${j.agentId}`, { headers: { authorization: auth } } as unknown as string[])
      agent.ws = ws
      ws.onmessage = (m) => agent.inbox.push(JSON.parse(String(m.data)))
      await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error('the agent socket did not open')) })
      ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 1, agentVersion: '0.1.0', hardwareId }))
      await until(() => agent.inbox.some((m) => m.type === 'server.hello'), 10_000, 'server.hello')
    },
    send(message) { agent.ws!.send(JSON.stringify(message)) },
    post(messages) {
      return fetch(`${s.url}/api/v1/agents/${j.agentId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ messages }) })
    },
    async command(type, timeoutMs = 10_000) {
      const m = await until(() => agent.inbox.find((x) => x.type === 'command' && x.command.type === type), timeoutMs, `a ${type} command`)
      return (m as Extract<ServerMessage, { type: 'command' }>).command
    },
    close() { agent.ws?.close() },
  }
  return agent
}

async function until<T>(check: () => T, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(10)
  }
}
