// One viewer's direct WebRTC connection (werift, pure TypeScript). The browser offers and
// opens a reliable, ordered data channel; the agent answers. Signaling travels the live
// channel through the server. Frames on the channel are the same as on the relay; binary
// frames above ~60 KiB go in fragments (browsers cap a data channel message near 256 KiB).
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { fragments, Joiner, remoteLimits, type AgentFrame, type IceServer, type RtcSignal } from '../../../src/protocol/remote'
import { log } from '../log'
import type { ViewerRef } from './types'

export type PeerEvents = {
  signal(signal: RtcSignal): void
  text(frame: Record<string, unknown>, from: ViewerRef): void
  binary(frame: Uint8Array, from: ViewerRef): void
  closed(): void
}

export class ViewerPeer {
  private pc: RTCPeerConnection
  private dc: RTCDataChannel | null = null
  private joiner = new Joiner()
  private closed = false
  private answered = false
  private early: RtcSignal[] = []
  readonly ref: ViewerRef

  constructor(readonly viewer: number, readonly viewOnly: boolean, iceServers: IceServer[], private events: PeerEvents) {
    this.pc = new RTCPeerConnection({ iceServers: iceServers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })) })
    this.pc.onIceCandidate.subscribe((c) => {
      if (!c?.candidate) return
      const signal: RtcSignal = { kind: 'candidate', candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }
      // note: candidates gathered while the answer is made wait for it (a browser cannot add them before).
      if (this.answered) this.events.signal(signal)
      else this.early.push(signal)
    })
    this.pc.connectionStateChange.subscribe((state) => { if (state === 'failed' || state === 'closed') this.close() })
    this.pc.onDataChannel.subscribe((dc) => this.adopt(dc))
    this.ref = {
      viewer, viewOnly, path: 'webrtc',
      send: (frame: AgentFrame) => this.sendText(frame),
      sendBinary: (frame: Uint8Array) => this.sendBinary(frame),
      buffered: () => this.dc?.bufferedAmount ?? 0,
    }
  }

  get open(): boolean { return !this.closed && this.dc?.readyState === 'open' }

  /** signal applies what the browser sent: its offer (answered) or an ICE candidate. */
  async signal(s: RtcSignal) {
    try {
      switch (s.kind) {
        case 'offer': {
          await this.pc.setRemoteDescription({ type: 'offer', sdp: s.sdp })
          const answer = await this.pc.createAnswer()
          await this.pc.setLocalDescription(answer)
          this.events.signal({ kind: 'answer', sdp: this.pc.localDescription?.sdp ?? answer.sdp })
          this.answered = true
          for (const c of this.early.splice(0)) this.events.signal(c)
          return
        }
        case 'candidate':
          if (s.candidate) await this.pc.addIceCandidate({ candidate: s.candidate, sdpMid: s.sdpMid ?? undefined, sdpMLineIndex: s.sdpMLineIndex ?? undefined })
          return
        case 'close':
          return this.close()
        case 'answer':
          return
      }
    } catch (err) {
      log.warn('webrtc signaling failed', { viewer: this.viewer, err })
      this.events.signal({ kind: 'close', message: `the agent could not set up WebRTC: ${(err as Error).message}` })
      this.close()
    }
  }

  private adopt(dc: RTCDataChannel) {
    this.dc = dc
    dc.bufferedAmountLowThreshold = 1024 * 1024
    dc.onMessage.subscribe((data) => {
      if (typeof data === 'string') {
        if (data.length > remoteLimits.textFrame) return log.warn('oversized data channel frame dropped', { viewer: this.viewer })
        let frame: unknown
        try { frame = JSON.parse(data) } catch { return log.warn('malformed data channel frame dropped', { viewer: this.viewer }) }
        if (frame && typeof frame === 'object' && !Array.isArray(frame)) this.events.text(frame as Record<string, unknown>, this.ref)
        return
      }
      const whole = this.joiner.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (whole) this.events.binary(whole, this.ref)
    })
    dc.stateChanged.subscribe((state) => { if (state === 'closed') this.close() })
  }

  private sendText(frame: AgentFrame) {
    if (this.open) this.dc!.send(JSON.stringify(frame))
  }

  private sendBinary(frame: Uint8Array) {
    if (!this.open) return
    for (const piece of fragments(frame)) this.dc!.send(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))
  }

  /** drained resolves when the channel's queue is below its low-water mark. */
  drained(): Promise<void> {
    if (!this.dc || this.dc.bufferedAmount <= this.dc.bufferedAmountLowThreshold) return Promise.resolve()
    return new Promise((resolve) => {
      const sub = this.dc!.bufferedAmountLow.subscribe(() => { sub.unSubscribe(); resolve() })
    })
  }

  close() {
    if (this.closed) return
    this.closed = true
    try { this.dc?.close() } catch {}
    void this.pc.close().catch(() => {})
    this.events.closed()
  }
}
