// The relay of one live session, in the memory of the server process that runs it: the
// agent's socket, the viewers' sockets, the recent terminal output (replayed to a viewer who
// joins), the recording, and the counters. Frames from viewers are checked and stamped with
// the viewer's number before they reach the agent; view-only viewers reach the agent only
// through the data channel, where the agent enforces their role. What the agent sends goes
// to viewers on the relay path (a viewer on WebRTC gets it directly).
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { AppContext } from '../context'
import {
  activityFrameTypes, agentServerFrame, binaryKind, decodeBinary, remoteLimits, stampViewer, viewerFrame, viewerServerFrame,
  type RtcSignal, type ServerRelayFrame, type ServerViewerFrame, type ViewerServerFrame,
} from '../protocol/remote'
import type { Credential } from '../auth/credentials'
import type { Recorder } from './recording'
import type { TicketRole } from './tickets'

/** The part of a Bun ServerWebSocket the relay uses. */
export type RawSocket = { send(data: string | Uint8Array): number; close(code?: number, reason?: string): void; getBufferedAmount(): number }

/** credential: how the viewer signed in, checked again whenever access changes (./sessions.ts recheckRemoteAccess). */
export type ViewerConn = { viewer: number; userId: string; name: string; role: TicketRole; credential: Credential; path: 'relay' | 'webrtc'; raw: RawSocket; cutOff?: boolean }

/** opener: how the technician who started it signed in; the session ends when that no longer reaches the device. */
export type RelaySession = { id: string; orgId: string; siteId: string; deviceId: string; userId: string; type: 'terminal' | 'files' | 'desktop'; opener: Credential }

/** What the relay asks of the session service (database, signaling, ending). */
export type RelayHooks = {
  /** The agent's relay socket closed while the session was live (after a `bye` when the agent ended it). */
  agentLost(bye: { reason: string; exitCode: number | null } | null): void
  /** A viewer's WebRTC signal for the agent (false when the agent is not connected). */
  signal(viewer: ViewerConn, signal: RtcSignal): boolean
  /** The controller changed path (relay ↔ webrtc). */
  transportChanged(path: 'relay' | 'webrtc'): void
  /** The agent reported a file transfer's progress or end. */
  transfer(frame: Record<string, unknown>): void
  /** No viewer has been attached for a while. */
  abandoned(): void
  /** Agent announced its shell (terminal ready). */
  ready(frame: { shell?: string | null; cols?: number; rows?: number }): void
}

const viewerCheckers = new Map(viewerFrame.anyOf.map((s) => [s.properties.t.const as string, TypeCompiler.Compile(s)]))
const serverCheckers = new Map(viewerServerFrame.anyOf.map((s) => [s.properties.t.const as string, TypeCompiler.Compile(s)]))
const agentCheckers = new Map(agentServerFrame.anyOf.map((s) => [s.properties.t.const as string, TypeCompiler.Compile(s)]))

/** Frames a view-only viewer may still send the agent over the relay. */
const viewOnlyAllowed = new Set(['ping'])
/**
 * Each socket's byte budget: a viewer this far behind on its socket is cut off (it reconnects
 * and is replayed the screen), and so is a viewer whose frames pile up on an agent that does
 * not read them. Twice the file transfer window, so a flow-controlled transfer never trips it.
 */
export const slowViewerBytes = 2 * remoteLimits.transferWindow
const abandonAfterMs = 60_000

export class SessionRelay {
  readonly viewers = new Map<number, ViewerConn>()
  agent: RawSocket | null = null
  agentEverConnected = false
  private bye: { reason: string; exitCode: number | null } | null = null
  bytesIn = 0
  bytesOut = 0
  lastActivity: number
  readonly createdAt: number
  recorder: Recorder | null = null
  private nextViewer = 1
  /** The agent's `ready` (kept current with resizes), for viewers who attach later. */
  private ready: Record<string, unknown> | null = null
  private replay: Uint8Array[] = []
  private replayBytes = 0
  private abandonTimer: Timer | null = null
  private closed = false

  constructor(private ctx: Pick<AppContext, 'clock' | 'log'>, readonly session: RelaySession, readonly idleMs: number, private hooks: RelayHooks) {
    this.lastActivity = ctx.clock.now()
    this.createdAt = this.lastActivity
    this.armAbandon()
  }

  get isClosed() { return this.closed }

  // ---- agent side ----

  /** attachAgent takes the agent's socket; false when one is already attached. */
  attachAgent(raw: RawSocket): boolean {
    if (this.closed || this.agent) return false
    this.agent = raw
    this.agentEverConnected = true
    this.sendAgent({ t: 'viewers', list: this.viewerList() })
    return true
  }

  detachAgent(raw: RawSocket) {
    if (this.agent !== raw) return
    this.agent = null
    if (!this.closed) this.hooks.agentLost(this.bye)
  }

  agentText(frame: unknown, size: number) {
    if (!frame || typeof frame !== 'object' || Array.isArray(frame) || size > remoteLimits.textFrame) return this.ctx.log.warn('malformed frame from an agent dropped', { sessionId: this.session.id, size })
    const f = frame as Record<string, unknown>
    this.bytesOut += size
    const check = typeof f.t === 'string' ? agentCheckers.get(f.t) : undefined
    if (check && !check.Check(f)) return this.ctx.log.warn('invalid frame from an agent dropped', { sessionId: this.session.id, t: String(f.t) })
    switch (f.t) {
      case 'activity': this.lastActivity = this.ctx.clock.now(); return
      case 'bye': this.bye = { reason: String(f.reason), exitCode: typeof f.exitCode === 'number' ? f.exitCode : null }; return
      case 'transfer': return this.hooks.transfer(f)
      case 'ready':
        this.ready = f
        this.hooks.ready(f as { shell?: string | null; cols?: number; rows?: number })
        break
      case 'resized':
        this.recorder?.resize(f.cols as number, f.rows as number)
        if (this.ready) this.ready = { ...this.ready, cols: f.cols, rows: f.rows }
        break
    }
    const text = JSON.stringify(f)
    const to = (frame as { to?: unknown }).to
    if (typeof to === 'number') {
      const v = this.viewers.get(to)
      if (v) this.sendViewer(v, text)
      return
    }
    for (const v of this.viewers.values()) if (v.path === 'relay') this.sendViewer(v, text)
  }

  agentBinary(bytes: Uint8Array) {
    const frame = decodeBinary(bytes)
    if (!frame) return this.ctx.log.warn('malformed binary frame from an agent dropped', { sessionId: this.session.id, bytes: bytes.length })
    this.bytesOut += bytes.length
    switch (frame.kind) {
      case binaryKind.output:
        this.remember(bytes)
        this.recorder?.output(frame.data)
        for (const v of this.viewers.values()) if (v.path === 'relay') this.sendViewer(v, bytes)
        return
      case binaryKind.download: {
        const v = this.viewers.get(frame.viewer)
        if (v) this.sendViewer(v, bytes)
        return
      }
      case binaryKind.desktop:
        for (const v of this.viewers.values()) if (v.path === 'relay') this.sendViewer(v, bytes)
        return
      default:
        this.ctx.log.warn('binary frame of an unexpected kind from an agent dropped', { sessionId: this.session.id, kind: frame.kind })
    }
  }

  private remember(frame: Uint8Array) {
    this.replay.push(frame)
    this.replayBytes += frame.length
    while (this.replayBytes > remoteLimits.replayBytes && this.replay.length > 1) this.replayBytes -= this.replay.shift()!.length
  }

  private sendAgent(frame: ServerRelayFrame | Record<string, unknown>) {
    this.agent?.send(JSON.stringify(frame))
  }

  // ---- viewer side ----

  /** attachViewer registers a browser socket and greets it with the recent screen. */
  attachViewer(raw: RawSocket, who: { userId: string; name: string; role: TicketRole; credential: Credential }, hello: Omit<Extract<ServerViewerFrame, { t: 'hello' }>, 't' | 'viewer' | 'role'>): ViewerConn | null {
    if (this.closed) return null
    const v: ViewerConn = { viewer: this.nextViewer++, userId: who.userId, name: who.name, role: who.role, credential: who.credential, path: 'relay', raw }
    this.viewers.set(v.viewer, v)
    if (this.abandonTimer) { clearTimeout(this.abandonTimer); this.abandonTimer = null }
    this.sendViewer(v, JSON.stringify({ t: 'hello', viewer: v.viewer, role: v.role, ...hello } satisfies ServerViewerFrame))
    if (this.ready) this.sendViewer(v, JSON.stringify(this.ready))
    for (const frame of this.replay) this.sendViewer(v, frame)
    this.viewersChanged()
    return v
  }

  detachViewer(v: ViewerConn) {
    if (this.viewers.get(v.viewer) !== v) return
    this.viewers.delete(v.viewer)
    this.viewersChanged()
    if (this.viewers.size === 0) this.armAbandon()
  }

  private armAbandon() {
    if (this.abandonTimer || this.closed) return
    this.abandonTimer = setTimeout(() => { this.abandonTimer = null; if (this.viewers.size === 0 && !this.closed) this.hooks.abandoned() }, abandonAfterMs)
  }

  viewerText(v: ViewerConn, frame: unknown, size: number) {
    if (size > remoteLimits.textFrame || !frame || typeof frame !== 'object' || Array.isArray(frame)) return this.drop(v, 'oversized or malformed frame')
    const f = frame as Record<string, unknown>
    const t = typeof f.t === 'string' ? f.t : ''
    const forServer = serverCheckers.get(t)
    if (forServer) {
      if (!forServer.Check(f)) return this.drop(v, `invalid "${t}" frame`)
      return this.serverFrame(v, f as ViewerServerFrame)
    }
    const check = viewerCheckers.get(t)
    if (!check || !check.Check(f)) return this.drop(v, `invalid "${t.slice(0, 32)}" frame`)
    if (v.role === 'view' && !viewOnlyAllowed.has(t)) return
    if ((this.agent?.getBufferedAmount() ?? 0) > slowViewerBytes) return this.cutOff(v, 'sending too fast: reconnect to continue')
    if (activityFrameTypes.has(t)) this.lastActivity = this.ctx.clock.now()
    this.bytesIn += size
    this.sendAgent({ ...f, from: v.viewer })
  }

  viewerBinary(v: ViewerConn, bytes: Uint8Array) {
    const frame = bytes.length <= remoteLimits.binaryFrame ? decodeBinary(bytes) : null
    if (!frame || frame.kind !== binaryKind.upload) return this.drop(v, 'unexpected binary frame')
    if (v.role === 'view') return
    // A sender that ignores the flow control would pile its data up here: it is cut off.
    if ((this.agent?.getBufferedAmount() ?? 0) > slowViewerBytes) return this.cutOff(v, 'sending too fast: reconnect to continue')
    stampViewer(bytes, v.viewer)
    this.bytesIn += bytes.length
    this.lastActivity = this.ctx.clock.now()
    this.agent?.send(bytes)
  }

  private serverFrame(v: ViewerConn, f: ViewerServerFrame) {
    switch (f.t) {
      case 'hb': return
      case 'signal':
        if (!this.hooks.signal(v, f.signal)) this.sendViewer(v, JSON.stringify({ t: 'signal', signal: { kind: 'close', message: 'the agent is not connected' } } satisfies ServerViewerFrame))
        return
      case 'path':
        if (v.path === f.path) return
        v.path = f.path
        if (v.role === 'control' && v.userId === this.session.userId) this.hooks.transportChanged(f.path)
        this.viewersChanged()
        return
    }
  }

  /** signalToViewer passes the agent's answer or candidate to one viewer. */
  signalToViewer(viewer: number, signal: RtcSignal) {
    const v = this.viewers.get(viewer)
    if (v) this.sendViewer(v, JSON.stringify({ t: 'signal', signal } satisfies ServerViewerFrame))
  }

  private drop(v: ViewerConn, why: string) {
    this.ctx.log.warn('remote frame dropped', { sessionId: this.session.id, viewer: v.viewer, userId: v.userId, why })
  }

  private sendViewer(v: ViewerConn, data: string | Uint8Array) {
    if (v.cutOff) return
    if (v.raw.getBufferedAmount() > slowViewerBytes) return this.cutOff(v, 'too slow: reconnect to continue')
    v.raw.send(data)
  }

  /** cutOff closes a viewer that cannot keep up (or does not respect flow control); its close handler detaches it. */
  private cutOff(v: ViewerConn, why: string, code = 4008) {
    if (v.cutOff) return
    v.cutOff = true
    this.ctx.log.warn('remote viewer disconnected', { sessionId: this.session.id, viewer: v.viewer, why })
    v.raw.close(code, why)
  }

  /** revokeViewer disconnects a viewer whose access was withdrawn (close 4403): told why, then gone, its direct peer with it. */
  revokeViewer(v: ViewerConn, why: string) {
    if (v.cutOff) return
    try { v.raw.send(JSON.stringify({ t: 'ended', reason: 'revoked', message: why } satisfies ServerViewerFrame)) } catch {}
    this.cutOff(v, why, 4403)
    // note: detached now, not when the socket's close arrives, so the agent drops this viewer's WebRTC peer at once.
    this.detachViewer(v)
  }

  viewerList() {
    return [...this.viewers.values()].map((v) => ({ viewer: v.viewer, role: v.role, path: v.path }))
  }

  private viewersChanged() {
    this.sendAgent({ t: 'viewers', list: this.viewerList() })
    const list = [...this.viewers.values()].map((v) => ({ viewer: v.viewer, name: v.name, role: v.role, path: v.path }))
    const text = JSON.stringify({ t: 'viewers', list } satisfies ServerViewerFrame)
    for (const v of this.viewers.values()) this.sendViewer(v, text)
  }

  /** status tells every viewer the session's state (connecting, active). */
  status(status: string) {
    const text = JSON.stringify({ t: 'status', status } satisfies ServerViewerFrame)
    for (const v of this.viewers.values()) this.sendViewer(v, text)
  }

  /** close ends the relay: viewers are told why, the agent is told to stop, sockets close. */
  close(reason: string, message: string | null) {
    if (this.closed) return
    this.closed = true
    if (this.abandonTimer) clearTimeout(this.abandonTimer)
    const ended = JSON.stringify({ t: 'ended', reason, message } satisfies ServerViewerFrame)
    for (const v of this.viewers.values()) {
      try { v.raw.send(ended); v.raw.close(1000, 'session ended') } catch {}
    }
    this.viewers.clear()
    const agent = this.agent
    if (agent) {
      try { agent.send(JSON.stringify({ t: 'end', reason } satisfies ServerRelayFrame)) } catch {}
      // The agent closes its side once the work stopped; close ours if it does not.
      setTimeout(() => { try { agent.close(1000, 'session ended') } catch {} }, 5_000)
    }
  }
}
