// The live channel to the server: one WebSocket, reconnected with exponential backoff and
// full jitter (cap 60 s), or after the delay the server asks for when it is busy. Messages
// for the server go down the socket when it is open; otherwise they wait in an outbox that
// is posted over HTTP, so command results still arrive while the socket is down.
//
// Command output is flow-controlled when the server names an output window in its hello: at
// most that many bytes go unacknowledged on the socket (a script producing more waits, its
// pipe full), and what was not acknowledged when the socket dropped goes to the front of the
// outbox (the server keeps each chunk once), so a command's output always reaches the server
// before its result, over HTTP or after the reconnect. The outbox is bounded in bytes and
// posted in batches the server's body limit accepts.
//
// Results and refusals sent on the socket to a server that acknowledges them (resultAcks in
// its hello) are kept until it does: one it could not store (a full disk) goes again after
// resultResendSeconds, and to the outbox when the socket drops.
import { closeCodes, livenessBoundMs, livenessProbeMs, resultResendSeconds, type AgentMessage, type AgentMessageBatch, type ServerMessage } from '../../src/protocol'
import type { ApiClient } from './api'
import { ApiError } from './api'
import { defaultReconnectWindowMs, fullJitter, reconnectDelay } from './backoff'
import { log } from './log'
import { remoteBridge } from './remote/bridge'

type Queued = AgentMessageBatch['messages'][number]
type OutputMessage = Extract<Queued, { type: 'command.output' }>
type ResultMessage = Extract<Queued, { type: 'command.result' | 'command.refused' }>

/** The outbox keeps at most this much output (older output is dropped first)… */
const outboxOutputBytes = 16 * 1024 * 1024
/** …and posts at most this much per request (well under the server's body limit). */
const postBatchBytes = 4 * 1024 * 1024
const sizeOf = (m: Queued) => (m.type === 'command.output' ? m.data.length : 0)

export type ChannelEvents = {
  onMessage(msg: ServerMessage): void
  /** The server will not take this agent back (revoked or cloned identity). */
  onFatal(reason: string): void
  onConnected?(): void
  /** Another connection replaced this one (4002): maybe this agent's credential was replaced too. */
  onReplaced?(): void
}

export class LiveChannel {
  private ws: WebSocket | null = null
  private ready = false
  private attempt = 0
  private stopped = false
  private timer: Timer | null = null
  private pingTimer: Timer | null = null
  /** When anything last arrived from the server (Date.now()); silence beyond the liveness bound means a dead connection. */
  private lastHeard = 0
  /** The reconnect window the server advised (server.hello). */
  private reconnectWindowMs = defaultReconnectWindowMs
  private outbox: Queued[] = []
  private outboxBytes = 0
  private flushing = false
  private flushTimer: Timer | null = null
  /** The server's output window (0: it does not acknowledge output). */
  private window = 0
  private unacked: OutputMessage[] = []
  private unackedBytes = 0
  private windowWaiters: (() => void)[] = []
  /** Whether the server acknowledges results (server.hello resultAcks). */
  private resultAcks = false
  /** Results and refusals sent on the socket and not yet acknowledged, by command id, with when they were last sent. */
  private unconfirmed = new Map<string, { msg: ResultMessage; sentAt: number }>()

  constructor(private url: string, private api: ApiClient, private hello: () => Promise<Extract<AgentMessage, { type: 'agent.hello' }>>, private events: ChannelEvents) {
    remoteBridge.attach(url, () => api.authorization, (m) => this.sendLive(m))
  }

  get connected() { return this.ready }

  start() {
    this.stopped = false
    this.attempt = 0
    this.connect()
  }

  stop() {
    this.stopped = true
    this.ready = false
    for (const t of [this.timer, this.pingTimer, this.flushTimer]) if (t) clearTimeout(t)
    this.flushTimer = null
    const ws = this.ws
    this.ws = null
    ws?.close(1000, 'agent stopping')
    this.wakeOutput()
  }

  /** sendLive sends only while the socket is open (remote signaling is worthless later). */
  sendLive(msg: AgentMessage): boolean {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(JSON.stringify(msg))
    return true
  }

  /** send delivers a message now (socket) or soon (HTTP outbox). */
  send(msg: Queued) {
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg))
      if (this.resultAcks && (msg.type === 'command.result' || msg.type === 'command.refused')) this.unconfirmed.set(msg.id, { msg, sentAt: Date.now() })
      return
    }
    // Keep the outbox bounded (in messages and in output bytes): output is dropped first,
    // results and refusals are kept.
    while (this.outbox.length >= 5_000 || (msg.type === 'command.output' && this.outboxBytes + sizeOf(msg) > outboxOutputBytes && this.outboxBytes > 0)) {
      const i = this.outbox.findIndex((m) => m.type === 'command.output')
      const [dropped] = this.outbox.splice(i >= 0 ? i : 0, 1)
      this.outboxBytes -= sizeOf(dropped)
    }
    this.outbox.push(msg)
    this.outboxBytes += sizeOf(msg)
    this.scheduleFlush(250)
  }

  /**
   * sendOutput sends a command's output chunk; while the server's output window is full it
   * waits for acknowledgements first (the caller stops reading the script's output meanwhile).
   * With the socket down the chunk goes to the outbox without waiting.
   */
  async sendOutput(msg: OutputMessage): Promise<void> {
    const size = sizeOf(msg)
    while (this.window > 0 && this.live && this.unackedBytes > 0 && this.unackedBytes + size > this.window) {
      await new Promise<void>((resolve) => this.windowWaiters.push(resolve))
    }
    if (this.window > 0 && this.live) {
      this.unacked.push(msg)
      this.unackedBytes += size
    }
    this.send(msg)
  }

  private get live() { return this.ready && this.ws?.readyState === WebSocket.OPEN }

  /** acknowledged drops the chunks of command `id` up to `seq` from the window. */
  private acknowledged(id: string, seq: number) {
    this.unacked = this.unacked.filter((m) => {
      if (m.id !== id || m.seq > seq) return true
      this.unackedBytes -= sizeOf(m)
      return false
    })
    this.wakeOutput()
  }

  private wakeOutput() {
    for (const wake of this.windowWaiters.splice(0)) wake()
  }

  private scheduleFlush(ms: number) {
    if (this.flushTimer || this.stopped) return
    this.flushTimer = setTimeout(() => { this.flushTimer = null; void this.flush() }, ms)
  }

  private async flush(attempt = 1) {
    if (this.flushing || this.outbox.length === 0) return
    this.flushing = true
    let bytes = 0
    let count = 0
    while (count < Math.min(500, this.outbox.length) && (count === 0 || bytes + sizeOf(this.outbox[count]) <= postBatchBytes)) bytes += sizeOf(this.outbox[count++])
    const batch = this.outbox.slice(0, count)
    try {
      await this.api.messages({ messages: batch })
      this.forget(batch)
      attempt = 0
    } catch (err) {
      log.warn('could not post messages', { err })
      if (err instanceof ApiError && err.fatal) this.events.onFatal(err.message)
      // A batch the server refuses as invalid never becomes valid: drop it instead of retrying it forever.
      if (err instanceof ApiError && err.status === 400) {
        log.error('the server refused reports as invalid; they are dropped', { err, count: batch.length })
        this.forget(batch)
      }
    } finally {
      this.flushing = false
    }
    if (this.outbox.length > 0) this.scheduleFlush(attempt === 0 ? 0 : fullJitter(attempt, 1_000))
  }

  /** forget drops a posted batch from the outbox (a reconnect may have sent and emptied it meanwhile). */
  private forget(batch: Queued[]) {
    const posted = new Set(batch)
    this.outbox = this.outbox.filter((m) => {
      if (!posted.has(m)) return true
      this.outboxBytes -= sizeOf(m)
      return false
    })
  }

  private connect() {
    if (this.stopped) return
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url, { headers: { authorization: this.api.authorization } } as unknown as string[])
    } catch (err) {
      log.warn('socket failed to start', { err })
      return this.retry()
    }
    this.ws = ws
    ws.onopen = async () => {
      ws.send(JSON.stringify(await this.hello()))
    }
    ws.onmessage = (ev) => {
      let msg: ServerMessage
      try { msg = JSON.parse(String(ev.data)) } catch { return }
      this.lastHeard = Date.now()
      if (msg.type === 'server.hello') {
        this.ready = true
        this.attempt = 0
        if (msg.reconnectWindow) this.reconnectWindowMs = msg.reconnectWindow * 1000
        this.window = msg.outputWindow ?? 0
        this.resultAcks = msg.resultAcks === true
        this.startPings(msg.heartbeatSeconds)
        log.info('connected to the server', { url: this.url })
        this.events.onConnected?.()
        // Anything queued meanwhile (first the output the last connection did not see acknowledged), in order.
        const queued = this.outbox.splice(0)
        this.outboxBytes = 0
        for (const m of queued) this.send(m)
        this.wakeOutput()
      }
      if (msg.type === 'command.output.ack') return this.acknowledged(msg.id, msg.seq)
      if (msg.type === 'command.result.ack') return void this.unconfirmed.delete(msg.id)
      if (msg.type === 'remote.signal') return remoteBridge.receive(msg)
      this.events.onMessage(msg)
    }
    ws.onerror = () => {}
    ws.onclose = (ev) => {
      // A socket closed by stop() (or replaced since) is no longer ours to reconnect.
      if (this.ws !== ws) return
      this.connectionLost()
      if (this.pingTimer) clearInterval(this.pingTimer)
      if (this.stopped) return
      if (ev.code === closeCodes.revoked) return this.events.onFatal('the server revoked this device (decommissioned); re-enroll to manage it again')
      if (ev.code === closeCodes.cloneSuspected) return this.events.onFatal('another machine uses this agent identity; re-enroll this machine')
      // The server is restarting: come back after it had a moment, spread over the window so a fleet does not return in lockstep.
      if (ev.code === closeCodes.serviceRestart) return this.retry(2_000 + reconnectDelay(1, this.reconnectWindowMs))
      if (ev.code === closeCodes.replaced) this.events.onReplaced?.()
      if (ev.code === closeCodes.busy) {
        const seconds = Number(/retry-after=(\d+)/.exec(ev.reason)?.[1] ?? 10)
        return this.retry(seconds * 1000 + Math.floor(Math.random() * 1000))
      }
      this.retry()
    }
  }

  private retry(delayMs?: number) {
    if (this.stopped) return
    this.attempt++
    const delay = delayMs ?? reconnectDelay(this.attempt, this.reconnectWindowMs)
    log.debug('reconnecting', { inMs: delay, attempt: this.attempt })
    this.timer = setTimeout(() => this.connect(), delay)
  }

  /**
   * An application ping every probe interval (derived from the heartbeat interval, like the
   * server's probes); nothing from the server for longer than the liveness bound means the
   * connection is dead (half-open): drop it and reconnect.
   */
  private startPings(heartbeatSeconds: number) {
    if (this.pingTimer) clearInterval(this.pingTimer)
    const probeMs = livenessProbeMs(heartbeatSeconds)
    const boundMs = livenessBoundMs(heartbeatSeconds)
    this.pingTimer = setInterval(() => {
      const ws = this.ws
      if (!ws || ws.readyState !== WebSocket.OPEN) return
      if (Date.now() - this.lastHeard > boundMs) return this.dropDead(ws)
      ws.send(JSON.stringify({ type: 'ping' }))
      this.resendUnconfirmed()
    }, probeMs)
  }

  /** dropDead abandons a connection the server stopped answering on (a closing handshake would wait for it) and reconnects. */
  private dropDead(ws: WebSocket) {
    log.warn('the server stopped answering on the live channel; reconnecting', { silentMs: Date.now() - this.lastHeard })
    this.connectionLost()
    if (this.pingTimer) clearInterval(this.pingTimer)
    try { (ws as WebSocket & { terminate?(): void }).terminate?.() ?? ws.close() } catch {}
    this.retry()
  }

  /**
   * connectionLost: output the server did not acknowledge goes to the front of the outbox,
   * ahead of what follows it (later output, the command's result), so the result can never
   * overtake its output; output waiting for room goes to the outbox too (woken).
   */
  private connectionLost() {
    this.ws = null
    this.ready = false
    // note: results the server did not acknowledge follow the output (theirs comes first).
    const results = [...this.unconfirmed.values()].map((e) => e.msg)
    this.unconfirmed.clear()
    if (this.unacked.length > 0 || results.length > 0) {
      this.outbox.unshift(...this.unacked, ...results)
      this.outboxBytes += this.unackedBytes
      this.unacked = []
      this.unackedBytes = 0
      this.scheduleFlush(250)
    }
    this.wakeOutput()
  }

  /** The commands whose result is still waiting here to be delivered (a reconnect tells the server they are not lost). */
  undeliveredResults(): string[] {
    return [...this.outbox.flatMap((m) => (m.type === 'command.result' ? [m.id] : [])), ...[...this.unconfirmed.values()].flatMap((e) => (e.msg.type === 'command.result' ? [e.msg.id] : []))]
  }

  /** resendUnconfirmed sends again the results the server has not acknowledged for resultResendSeconds (it could not store them). */
  resendUnconfirmed(now = Date.now()) {
    const ws = this.ws
    if (!this.live || !ws) return
    for (const [id, e] of this.unconfirmed) {
      if (now - e.sentAt < resultResendSeconds * 1000) continue
      log.debug('sending a result again: the server has not acknowledged it', { commandId: id })
      ws.send(JSON.stringify(e.msg))
      e.sentAt = now
    }
  }
}

