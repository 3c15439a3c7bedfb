// One remote session on the agent, from a verified `remote.open` command until it ends:
// the relay socket to the server, a WebRTC peer per viewer that asks for one, and the
// handler doing the work (terminal, files or desktop). It ends when the server says so
// (closed, idle, killed…), when the command is cancelled, when the relay is lost, or when
// the work ends by itself (the shell exits).
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { activityFrameTypes, decodeBinary, viewerFrame, type AgentFrame, type RemoteOpenPayload, type RtcSignal, type ViewerFrame } from '../../../src/protocol/remote'
import { log } from '../log'
import { remoteBridge } from './bridge'
import { ViewerPeer } from './peer'
import { RelayLink } from './relay'
import { DesktopHandler } from './desktop'
import { FilesHandler } from './files'
import { TerminalHandler } from './terminal'
import type { SessionEnd, SessionHandler, SessionIo, ViewerRef } from './types'

const checkers = new Map(viewerFrame.anyOf.map((schema) => [schema.properties.t.const as string, TypeCompiler.Compile(schema)]))

type RelayViewer = { viewer: number; role: 'control' | 'view'; path: 'relay' | 'webrtc' }

/** handlerFor builds the work for a session kind (files and desktop live in their own files). */
export type HandlerFactory = (io: SessionIo) => SessionHandler
const factories: Record<string, HandlerFactory> = {
  terminal: (io) => new TerminalHandler(io),
  files: (io) => new FilesHandler(io),
  desktop: (io) => new DesktopHandler(io),
}

/** registerRemoteKind adds a session kind's handler (files, desktop). */
export function registerRemoteKind(kind: string, factory: HandlerFactory) {
  factories[kind] = factory
}

export class RemoteSession {
  private relay!: RelayLink
  private peers = new Map<number, ViewerPeer>()
  private attached = new Set<number>()
  private relayViewers: RelayViewer[] = []
  private handler!: SessionHandler
  private lastActivity = 0
  private requestStop!: (reason: string) => void
  private stopRequested = new Promise<string>((resolve) => { this.requestStop = resolve })

  constructor(readonly payload: RemoteOpenPayload) {}

  get id() { return this.payload.sessionId }

  /** run connects, starts the work and resolves with how the session ended. */
  async run(abort: AbortSignal): Promise<SessionEnd> {
    const factory = factories[this.payload.kind]
    if (!factory) throw new Error(`this agent cannot open ${this.payload.kind} sessions`)
    const link = remoteBridge.live
    const url = `${link.serverBase.replace(/^http/, 'ws')}/ws/remote/${encodeURIComponent(this.id)}/agent`
    this.relay = new RelayLink(url, link.authorization(), {
      text: (frame) => this.relayText(frame),
      binary: (bytes) => this.viewerBinary(bytes, null),
      closed: (code, reason) => { log.warn('relay lost', { sessionId: this.id, code, reason }); this.requestStop('relay_lost') },
    })
    // note: signaling is listened for before the relay opens (the server tells browsers the agent
    // is here as soon as it opens) and held until the work has started, so an early offer is not lost.
    let early: Parameters<RemoteSession['onSignal']>[] | null = []
    const unlisten = remoteBridge.listen(this.id, (...signal) => { if (early) early.push(signal); else this.onSignal(...signal) })
    const onAbort = () => this.requestStop('cancelled')
    abort.addEventListener('abort', onAbort)
    try {
      await this.relay.open()
      this.handler = factory(this.io())
      await this.handler.start()
      for (const signal of early.splice(0)) this.onSignal(...signal)
      early = null
      const end = await Promise.race([this.handler.ended, this.stopRequested.then(async (reason) => { await this.handler.stop(reason); return this.handler.ended })])
      log.info('remote session ended', { sessionId: this.id, reason: end.reason })
      this.relay.sendText({ t: 'bye', reason: end.reason, exitCode: end.exitCode ?? null } satisfies AgentFrame)
      return end
    } catch (err) {
      this.relay.sendText({ t: 'error', message: (err as Error).message } satisfies AgentFrame)
      throw err
    } finally {
      abort.removeEventListener('abort', onAbort)
      unlisten()
      for (const peer of this.peers.values()) peer.close()
      this.relay.close()
    }
  }

  private io(): SessionIo {
    return {
      sessionId: this.id,
      payload: this.payload,
      broadcast: (frame) => {
        this.relay.sendText(frame)
        for (const v of this.attached) this.peers.get(v)?.ref.send(frame)
      },
      broadcastBinary: (frame, relay) => {
        if (relay === 'always' || this.relayViewers.some((v) => v.path === 'relay')) this.relay.sendBinary(frame)
        for (const v of this.attached) this.peers.get(v)?.ref.sendBinary(frame)
      },
      toServer: (frame) => this.relay.sendText(frame),
      attached: () => [...this.attached].map((v) => this.peers.get(v)?.ref).filter((r): r is ViewerRef => !!r),
      relayBuffered: () => this.relay.buffered(),
    }
  }

  /** A viewer as reached through the relay; its role is what the server last told us. */
  private relayRef(viewer: number): ViewerRef {
    const known = this.relayViewers.find((v) => v.viewer === viewer)
    return {
      viewer, viewOnly: known?.role !== 'control', path: 'relay',
      send: (frame) => this.relay.sendText({ ...frame, to: viewer }),
      sendBinary: (frame) => this.relay.sendBinary(frame),
      buffered: () => this.relay.buffered(),
    }
  }

  private relayText(frame: Record<string, unknown>) {
    if (frame.t === 'viewers' && Array.isArray(frame.list)) {
      const before = this.relayViewers
      this.relayViewers = (frame.list as RelayViewer[]).filter((v) => Number.isInteger(v?.viewer))
      for (const [viewer, peer] of this.peers) if (!this.relayViewers.some((v) => v.viewer === viewer)) peer.close()
      for (const v of before) if (!this.relayViewers.some((x) => x.viewer === v.viewer)) this.handler?.viewerGone?.(v.viewer)
      return
    }
    if (frame.t === 'end') return this.requestStop(typeof frame.reason === 'string' ? frame.reason.slice(0, 64) : 'closed')
    const from = Number(frame.from)
    if (!Number.isInteger(from) || from < 1) return log.warn('relay frame without a viewer dropped', { t: String(frame.t) })
    this.viewerText(frame, this.relayRef(from))
  }

  private viewerText(frame: Record<string, unknown>, from: ViewerRef) {
    const check = typeof frame.t === 'string' ? checkers.get(frame.t) : undefined
    if (!check || !check.Check(frame)) {
      log.warn('invalid remote frame dropped', { sessionId: this.id, t: String(frame.t).slice(0, 32), viewer: from.viewer })
      return from.send({ t: 'error', message: `invalid frame ${JSON.stringify(String(frame.t).slice(0, 32))}` })
    }
    const f = frame as ViewerFrame
    if (activityFrameTypes.has(f.t) && !from.viewOnly) this.noteActivity(from)
    if (f.t === 'attach') {
      if (from.path !== 'webrtc') return
      this.attached.add(from.viewer)
      from.send({ t: 'attached', seq: f.fromSeq })
      return this.handler.attach?.(from, f.fromSeq, f.inputSeq)
    }
    this.handler.text(f, from)
  }

  /** Binary from a viewer: over the relay the server stamped its number; on a data channel it is the peer's. */
  private viewerBinary(bytes: Uint8Array, peer: ViewerRef | null) {
    const frame = decodeBinary(bytes)
    if (!frame) return log.warn('malformed binary frame dropped', { sessionId: this.id, bytes: bytes.length })
    if (frame.kind === 2 && peer) frame.viewer = peer.viewer
    const from = peer ?? (frame.kind === 2 ? this.relayRef(frame.viewer) : null)
    if (!from) return log.warn('binary frame of an unexpected kind dropped', { sessionId: this.id, kind: frame.kind })
    this.noteActivity(from)
    this.handler.binary(frame, from)
  }

  /** What a viewer does on a data channel is invisible to the server: tell it now and then, for its idle timeout. */
  private noteActivity(from: ViewerRef) {
    if (from.path !== 'webrtc') return
    const now = Date.now()
    if (now - this.lastActivity < 20_000) return
    this.lastActivity = now
    this.relay.sendText({ t: 'activity' } satisfies AgentFrame)
  }

  private onSignal(viewer: number, viewOnly: boolean, signal: RtcSignal) {
    if (signal.kind === 'offer') {
      this.peers.get(viewer)?.close()
      const peer = new ViewerPeer(viewer, viewOnly, this.payload.iceServers, {
        signal: (s) => { remoteBridge.signal(this.id, viewer, s) },
        text: (frame, ref) => this.viewerText(frame, ref),
        binary: (bytes, ref) => this.viewerBinary(bytes, ref),
        closed: () => { if (this.peers.get(viewer) === peer) { this.peers.delete(viewer); this.attached.delete(viewer) } },
      })
      this.peers.set(viewer, peer)
    }
    void this.peers.get(viewer)?.signal(signal)
  }
}
