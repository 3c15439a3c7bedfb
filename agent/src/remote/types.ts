// What a remote session's handler (terminal, files, desktop) works with: viewers it can
// answer, and a way to reach every viewer at once.
import type { AgentFrame, DecodedBinary, RemoteOpenPayload, ViewerFrame } from '../../../src/protocol/remote'

/** One viewer as reached on one path (a viewer on WebRTC also stays reachable through the relay). */
export type ViewerRef = {
  viewer: number
  viewOnly: boolean
  path: 'relay' | 'webrtc'
  send(frame: AgentFrame): void
  sendBinary(frame: Uint8Array): void
  /** Bytes queued on this path and not yet sent (flow control). */
  buffered(): number
}

export type SessionIo = {
  sessionId: string
  payload: RemoteOpenPayload
  /** A text frame to every viewer: over the relay (the server records and fans out) and every attached data channel. */
  broadcast(frame: AgentFrame): void
  /**
   * A binary frame to every viewer. `relay: 'always'` also when no viewer uses the relay (the
   * server records terminal output); 'viewers' only when some viewer is on the relay path.
   */
  broadcastBinary(frame: Uint8Array, relay: 'always' | 'viewers'): void
  /** A frame for the server only (activity, transfer records). */
  toServer(frame: AgentFrame): void
  /** Viewers on data channels that asked for the stream. */
  attached(): ViewerRef[]
  /** Bytes queued on the relay socket (frames are skipped when a path backs up). */
  relayBuffered(): number
}

export type SessionEnd = { reason: string; exitCode?: number | null; shell?: string | null }

export interface SessionHandler {
  /** start begins the work (a PTY, a capture…) and says `ready`; throws when it cannot. */
  start(): Promise<void>
  text(frame: ViewerFrame, from: ViewerRef): void
  binary(frame: DecodedBinary, from: ViewerRef): void
  /** A data channel viewer asked for the stream (terminal output from `fromSeq`). */
  attach?(from: ViewerRef, fromSeq: number, inputSeq?: number): void
  /** A viewer left the session (its transfers stop; uploads keep their part file to resume). */
  viewerGone?(viewer: number): void
  /** stop ends the work and resolves when it is gone. */
  stop(reason: string): Promise<void>
  /** Resolves when the work ends on its own (the shell exits). */
  readonly ended: Promise<SessionEnd>
}
