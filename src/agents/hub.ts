// The agents runtime of one server process: the live sockets it holds, the limit on
// concurrent handshakes, the heartbeat batch writer and callers waiting for a command's
// result. Lives on the app context as `ctx.agents`.
import { livenessBoundMs, livenessProbeMs, type ServerMessage } from '../protocol'
import { BatchWriter } from './batch-writer'
import type { Db } from '../db'
import { withTx } from '../db/tx'
import { writeHeartbeats, type HeartbeatWrite } from './device-repo'

/** One open agent socket (a thin wrapper so nothing here depends on Elysia). */
export type AgentSocket = {
  deviceId: string
  agentId: string
  orgId: string
  /** The device's heartbeat interval: how often the socket is probed and how long it may stay silent derive from it. */
  heartbeatSeconds: number
  /** When the agent was last heard on this socket (a message or a pong), performance.now() ms. */
  lastHeardAt: number
  /** When the socket was last probed, performance.now() ms. */
  lastProbeAt: number
  send(message: ServerMessage): boolean
  close(code: number, reason: string): void
  /** probe sends a WebSocket ping; the agent's WebSocket answers it with a pong by itself. */
  probe(): void
  /** terminate drops the connection without a closing handshake (a silent peer would never answer one). */
  terminate(): void
}

/** A device whose socket closed: offline at `dueAt` (clock ms) unless heard from after `closedAt`. */
export type ClosedSocket = { deviceId: string; orgId: string; closedAt: number; dueAt: number }

export type CommandWaiter = { resolve(result: { status: string; result: Record<string, unknown> | null; error: string | null }): void }

export const handshakeLimits = {
  /** Handshakes (upgrade, authentication, hello, pending commands) in progress at once; the rest wait in a queue… */
  concurrent: 64,
  /** …of at most this many; beyond it agents are told to retry after a delay spread over this window. */
  queue: 512,
  retryAfterSeconds: [2, 20] as const,
}

/**
 * HandshakeGate admits a bounded number of agent handshakes at once. Unlike a semaphore
 * around one call, a slot is held from the upgrade until the agent's hello has been handled
 * (or the socket closed), because that whole span is the work a reconnect storm multiplies.
 */
export class HandshakeGate {
  private active = 0
  private waiting: (() => void)[] = []

  constructor(private limit = handshakeLimits.concurrent, private maxQueue = handshakeLimits.queue) {}

  /** enter waits for a slot and returns its release function, or null at once when the queue is full. */
  async enter(): Promise<(() => void) | null> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxQueue) return null
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.active++
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }

  get inProgress() { return this.active }
  get queued() { return this.waiting.length }
}

export class AgentHub {
  private sockets = new Map<string, AgentSocket>()
  readonly handshakes = new HandshakeGate()
  readonly waiters = new Map<string, CommandWaiter>()
  /** Devices whose socket closed here, waiting out the offline grace (src/agents/status.ts). */
  readonly closed = new Map<string, ClosedSocket>()
  private sweepTimers: Timer[] = []

  constructor(readonly heartbeats: BatchWriter<HeartbeatWrite>) {}

  get(deviceId: string): AgentSocket | undefined { return this.sockets.get(deviceId) }
  isConnected(deviceId: string): boolean { return this.sockets.has(deviceId) }
  connectedIds(): string[] { return [...this.sockets.keys()] }
  get size() { return this.sockets.size }

  /** attach registers a socket, returning the one it replaces (same device, older connection). */
  attach(socket: AgentSocket): AgentSocket | undefined {
    const previous = this.sockets.get(socket.deviceId)
    this.sockets.set(socket.deviceId, socket)
    this.closed.delete(socket.deviceId)
    return previous === socket ? undefined : previous
  }

  /** detach forgets a socket if it is still the device's current one. */
  detach(socket: AgentSocket): boolean {
    if (this.sockets.get(socket.deviceId) !== socket) return false
    this.sockets.delete(socket.deviceId)
    return true
  }

  send(deviceId: string, message: ServerMessage): boolean {
    return this.sockets.get(deviceId)?.send(message) ?? false
  }

  disconnect(deviceId: string, code: number, reason: string) {
    const socket = this.sockets.get(deviceId)
    if (!socket) return
    this.sockets.delete(deviceId)
    socket.close(code, reason)
  }

  /**
   * sweepSilent probes the sockets due for a probe and drops those silent beyond their bound
   * (half-open connections: the peer vanished without closing). Returns the dropped sockets
   * and how long each had been silent.
   */
  sweepSilent(now = performance.now()): { socket: AgentSocket; silentMs: number }[] {
    const dropped: { socket: AgentSocket; silentMs: number }[] = []
    for (const s of this.sockets.values()) {
      const silentMs = now - s.lastHeardAt
      if (silentMs > livenessBoundMs(s.heartbeatSeconds)) dropped.push({ socket: s, silentMs })
      else if (now - s.lastProbeAt >= livenessProbeMs(s.heartbeatSeconds)) {
        s.lastProbeAt = now
        s.probe()
      }
    }
    for (const { socket } of dropped) {
      this.sockets.delete(socket.deviceId)
      socket.terminate()
    }
    return dropped
  }

  /** startSweep runs a periodic in-process task (socket sweeps are per process, so not a job). */
  startSweep(ms: number, fn: () => Promise<void>) {
    this.sweepTimers.push(setInterval(() => { fn().catch(() => {}) }, ms))
  }

  /** stop closes every socket (agents reconnect after `code`: 1012 "service restart" at shutdown) and writes what is still batched. */
  async stop(code = 1001, reason = 'server shutting down') {
    for (const timer of this.sweepTimers) clearInterval(timer)
    this.sweepTimers = []
    for (const socket of this.sockets.values()) socket.close(code, reason)
    this.sockets.clear()
    this.closed.clear()
    // Callers waiting for an answer over those sockets get none now: end their requests.
    for (const waiter of this.waiters.values()) waiter.resolve({ status: 'failed', result: null, error: reason })
    this.waiters.clear()
    await this.heartbeats.drain()
  }
}

/** createAgentHub builds the runtime with its heartbeat writer (one transaction per batch). */
export function createAgentHub(db: Db): AgentHub {
  return new AgentHub(new BatchWriter<HeartbeatWrite>((items) => withTx(db, (tx) => writeHeartbeats(tx, items))))
}
