// The live channel to the server: one WebSocket, reconnected with exponential backoff and
// full jitter (cap 60 s), or after the delay the server asks for when it is busy. Messages
// for the server go down the socket when it is open; otherwise they wait in an outbox that
// is posted over HTTP, so command results still arrive while the socket is down.
import { closeCodes, type AgentMessage, type AgentMessageBatch, type ServerMessage } from '../../src/protocol'
import type { ApiClient } from './api'
import { ApiError } from './api'
import { fullJitter } from './backoff'
import { log } from './log'
import { remoteBridge } from './remote/bridge'

type Queued = AgentMessageBatch['messages'][number]

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
  private lastPong = 0
  private outbox: Queued[] = []
  private flushing = false
  private flushTimer: Timer | null = null

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
      return
    }
    // Keep the outbox bounded: output is dropped first, results and refusals are kept.
    if (this.outbox.length >= 5_000) {
      const i = this.outbox.findIndex((m) => m.type === 'command.output')
      if (i >= 0) this.outbox.splice(i, 1)
      else this.outbox.shift()
    }
    this.outbox.push(msg)
    this.scheduleFlush(250)
  }

  private scheduleFlush(ms: number) {
    if (this.flushTimer || this.stopped) return
    this.flushTimer = setTimeout(() => { this.flushTimer = null; void this.flush() }, ms)
  }

  private async flush(attempt = 1) {
    if (this.flushing || this.outbox.length === 0) return
    this.flushing = true
    const batch = this.outbox.slice(0, 500)
    try {
      await this.api.messages({ messages: batch })
      this.outbox.splice(0, batch.length)
      attempt = 0
    } catch (err) {
      log.warn('could not post messages', { err })
      if (err instanceof ApiError && err.fatal) this.events.onFatal(err.message)
    } finally {
      this.flushing = false
    }
    if (this.outbox.length > 0) this.scheduleFlush(attempt === 0 ? 0 : fullJitter(attempt, 1_000))
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
      if (msg.type === 'server.hello') {
        this.ready = true
        this.attempt = 0
        this.lastPong = Date.now()
        this.startPings()
        log.info('connected to the server', { url: this.url })
        this.events.onConnected?.()
        // Anything queued for HTTP goes down the socket now, in order.
        for (const m of this.outbox.splice(0)) ws.send(JSON.stringify(m))
      }
      if (msg.type === 'pong') this.lastPong = Date.now()
      if (msg.type === 'remote.signal') return remoteBridge.receive(msg)
      this.events.onMessage(msg)
    }
    ws.onerror = () => {}
    ws.onclose = (ev) => {
      // A socket closed by stop() (or replaced since) is no longer ours to reconnect.
      if (this.ws !== ws) return
      this.ws = null
      this.ready = false
      if (this.pingTimer) clearInterval(this.pingTimer)
      if (this.stopped) return
      if (ev.code === closeCodes.revoked) return this.events.onFatal('the server revoked this device (decommissioned); re-enroll to manage it again')
      if (ev.code === closeCodes.cloneSuspected) return this.events.onFatal('another machine uses this agent identity; re-enroll this machine')
      // The server is restarting: come back after it had a moment, spread so a fleet does not return in lockstep.
      if (ev.code === closeCodes.serviceRestart) return this.retry(2_000 + Math.floor(Math.random() * 8_000))
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
    const delay = delayMs ?? fullJitter(this.attempt)
    log.debug('reconnecting', { inMs: delay, attempt: this.attempt })
    this.timer = setTimeout(() => this.connect(), delay)
  }

  /** An application ping every 30 s; no pong for 90 s means a dead connection. */
  private startPings() {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = setInterval(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return
      if (Date.now() - this.lastPong > 90_000) return this.ws.close(4000, 'no pong')
      this.ws.send(JSON.stringify({ type: 'ping' }))
    }, 30_000)
  }
}

