// The link between the live channel and remote sessions. The channel registers itself here
// when it is built (where the server is, the agent's credential, how to send a message now);
// sessions register to receive the WebRTC signaling meant for them. Signaling is only ever
// accepted for a session this agent opened from a verified, signed `remote.open` command.
import { Value } from '@sinclair/typebox/value'
import { rtcSignal, type RemoteSignalDown, type RtcSignal } from '../../../src/protocol/remote'
import type { AgentMessage } from '../../../src/protocol'
import { log } from '../log'

export type LiveLink = {
  /** http(s) base of the server, e.g. https://rmm.example.com */
  serverBase: string
  authorization(): string
  /** Sends on the live socket if it is open now (signaling is worthless later). */
  sendLive(message: AgentMessage): boolean
}

type SignalListener = (viewer: number, viewOnly: boolean, signal: RtcSignal) => void

class RemoteBridge {
  private link: LiveLink | null = null
  private listeners = new Map<string, SignalListener>()

  /** attach is called by the live channel with its socket URL (…/ws/agents/<id>). */
  attach(liveUrl: string, authorization: () => string, sendLive: (m: AgentMessage) => boolean) {
    const serverBase = liveUrl.replace(/\/ws\/agents\/[^/]+$/, '').replace(/^ws/, 'http')
    this.link = { serverBase, authorization, sendLive }
  }

  get live(): LiveLink {
    if (!this.link) throw new Error('the live channel is not set up')
    return this.link
  }

  listen(sessionId: string, listener: SignalListener): () => void {
    this.listeners.set(sessionId, listener)
    return () => { if (this.listeners.get(sessionId) === listener) this.listeners.delete(sessionId) }
  }

  /** receive handles a `remote.signal` from the server. */
  receive(msg: RemoteSignalDown) {
    const listener = this.listeners.get(msg.sessionId)
    if (!listener) return log.debug('signal for a session not open here', { sessionId: msg.sessionId })
    if (!Number.isInteger(msg.viewer) || msg.viewer < 1 || !Value.Check(rtcSignal, msg.signal)) return log.warn('malformed remote signal dropped', { sessionId: msg.sessionId })
    listener(msg.viewer, msg.viewOnly === true, msg.signal)
  }

  signal(sessionId: string, viewer: number, signal: RtcSignal): boolean {
    return this.link?.sendLive({ type: 'remote.signal', sessionId, viewer, signal }) ?? false
  }
}

export const remoteBridge = new RemoteBridge()
