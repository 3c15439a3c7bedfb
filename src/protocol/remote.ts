// Remote access (terminal, files, desktop) on the wire. Three parts:
//
// 1. The signed commands `remote.open` (run one session until it ends) and
//    `remote.capabilities` (what the endpoint offers: shells, desktop, file roots).
// 2. WebRTC signaling on the live channel: `remote.signal` both ways, one per browser peer.
// 3. Session frames, the same on every path (the server relay WebSocket or a WebRTC data
//    channel): JSON text frames with a `t` discriminant, and binary frames whose first byte
//    says what they carry (terminal output, file chunks, desktop frames).
//
// A browser ("viewer") talks to the agent; the server relays and stamps `from` (the
// viewer's number) on what viewers send and routes `to` on what the agent answers.
// Described in docs/remote-access.md.
import { t } from './schema'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))

export const remoteLimits = {
  /** Largest text frame either side accepts (bytes); bigger ones are dropped and logged. */
  textFrame: 64 * 1024,
  /** Largest binary frame: a file chunk or a desktop frame plus its header. */
  binaryFrame: 4 * 1024 * 1024 + 64,
  /** One file chunk's payload (a chunk frame then fits one data channel message unfragmented). */
  fileChunk: 60 * 1024 - 64,
  /** Bytes a sender may have in flight before the receiver acknowledges them. */
  transferWindow: 8 * 1024 * 1024,
  /** Terminal output kept for replay to a viewer who joins or switches path (bytes). */
  replayBytes: 256 * 1024,
  /** One keystroke batch / paste. */
  input: 32 * 1024,
} as const

export const remoteKinds = ['terminal', 'files', 'desktop'] as const
export type RemoteKind = (typeof remoteKinds)[number]

// ---- commands ----

export const iceServer = t.Object({
  urls: t.Array(t.String({ maxLength: 512 }), { minItems: 1, maxItems: 8 }),
  username: t.Optional(t.String({ maxLength: 512 })),
  credential: t.Optional(t.String({ maxLength: 512 })),
})
export type IceServer = typeof iceServer.static

export const remoteOpenPayload = t.Object({
  sessionId: t.String({ minLength: 1, maxLength: 64 }),
  kind: lit(remoteKinds),
  /** Terminal: the shell to run (a path or name from remote.capabilities); null = the default. */
  shell: t.Optional(t.Nullable(t.String({ maxLength: 512 }))),
  cols: t.Optional(t.Integer({ minimum: 2, maximum: 1000 })),
  rows: t.Optional(t.Integer({ minimum: 2, maximum: 500 })),
  iceServers: t.Array(iceServer, { maxItems: 8 }),
  /** Files: folders the session may reach (resolved on the agent); empty = whole filesystem. */
  fileRoots: t.Array(t.String({ maxLength: 1024 }), { maxItems: 32 }),
  /** Desktop: which X display / monitor, frames per second and JPEG quality to start with. */
  desktop: t.Optional(t.Object({
    monitor: t.Optional(t.Integer({ minimum: 0, maximum: 16 })),
    fps: t.Optional(t.Integer({ minimum: 1, maximum: 30 })),
    quality: t.Optional(t.Integer({ minimum: 1, maximum: 31 })),
    viewOnly: t.Optional(t.Boolean()),
    notifyUser: t.Optional(t.Boolean()),
  })),
})
export type RemoteOpenPayload = typeof remoteOpenPayload.static

export const remoteOpenResult = t.Object({
  /** Why it ended on the agent: closed, killed, exited, relay_lost, failed. */
  reason: t.String({ maxLength: 64 }),
  exitCode: t.Optional(t.Nullable(t.Integer())),
  shell: t.Optional(t.Nullable(t.String({ maxLength: 512 }))),
})

export const remoteCapabilitiesResult = t.Object({
  os: t.String({ maxLength: 32 }),
  shells: t.Array(t.Object({ name: t.String({ maxLength: 64 }), path: t.String({ maxLength: 512 }) }), { maxItems: 16 }),
  defaultShell: t.Nullable(t.String({ maxLength: 512 })),
  /** Whether a PTY can be opened here (false on Windows without node-pty). */
  terminal: t.Object({ available: t.Boolean(), reason: t.Nullable(t.String({ maxLength: 1024 })) }),
  desktop: t.Object({
    available: t.Boolean(),
    /** Why not, in words an admin can act on (which package to install, no display…). */
    reason: t.Nullable(t.String({ maxLength: 1024 })),
    display: t.Nullable(t.String({ maxLength: 64 })),
    monitors: t.Array(t.Object({ index: t.Integer(), name: t.String({ maxLength: 64 }), width: t.Integer(), height: t.Integer(), x: t.Integer(), y: t.Integer() }), { maxItems: 16 }),
    tools: t.Array(t.String({ maxLength: 64 }), { maxItems: 16 }),
  }),
  home: t.Nullable(t.String({ maxLength: 1024 })),
})
export type RemoteCapabilities = typeof remoteCapabilitiesResult.static

// ---- signaling on the live channel ----

export const rtcSignal = t.Union([
  t.Object({ kind: t.Literal('offer'), sdp: t.String({ maxLength: 32 * 1024 }) }),
  t.Object({ kind: t.Literal('answer'), sdp: t.String({ maxLength: 32 * 1024 }) }),
  t.Object({
    kind: t.Literal('candidate'),
    candidate: t.String({ maxLength: 1024 }),
    sdpMid: t.Optional(t.Nullable(t.String({ maxLength: 64 }))),
    sdpMLineIndex: t.Optional(t.Nullable(t.Integer({ minimum: 0, maximum: 64 }))),
  }),
  /** The peer is gone (browser closed it, or the agent could not make one). */
  t.Object({ kind: t.Literal('close'), message: t.Optional(t.String({ maxLength: 1024 })) }),
])
export type RtcSignal = typeof rtcSignal.static

/** Agent → server: an answer or candidate for one viewer's peer. */
export const remoteSignalUp = t.Object({
  type: t.Literal('remote.signal'),
  sessionId: t.String({ minLength: 1, maxLength: 64 }),
  viewer: t.Integer({ minimum: 1 }),
  signal: rtcSignal,
})

/** Server → agent: a viewer's offer or candidate (viewOnly says whether its input counts). */
export type RemoteSignalDown = { type: 'remote.signal'; sessionId: string; viewer: number; viewOnly: boolean; signal: RtcSignal }

// ---- session frames (relay and data channel) ----

const seq = t.Integer({ minimum: 0 })
const handle = t.Integer({ minimum: 1, maximum: 0xffffffff })
const path = t.String({ minLength: 1, maxLength: 4096 })
const requestId = t.Integer({ minimum: 0 })
const offset = t.Number({ minimum: 0 })
/** The viewer a frame came from: stamped by the relay (a viewer's own value is overwritten). */
const from = t.Optional(t.Integer({ minimum: 1 }))

export const fsOps = ['roots', 'list', 'stat', 'mkdir', 'rename', 'delete'] as const

/** Viewer frames that mean someone is working in the session (they reset its idle timeout). */
export const activityFrameTypes: ReadonlySet<string> = new Set(['input', 'resize', 'fs', 'up.begin', 'up.end', 'down.begin', 'down.ack', 'pointer', 'key', 'desktop.config'])

/** What a viewer sends the agent. The relay stamps `from`; on a data channel it is implicit. */
export const viewerFrame = t.Union([
  t.Object({ t: t.Literal('input'), from, seq, data: t.String({ maxLength: remoteLimits.input }) }),
  t.Object({ t: t.Literal('resize'), from, cols: t.Integer({ minimum: 2, maximum: 1000 }), rows: t.Integer({ minimum: 2, maximum: 500 }) }),
  /** Data channel: send me terminal output from this sequence number on. */
  t.Object({ t: t.Literal('attach'), from, fromSeq: seq, inputSeq: t.Optional(seq) }),
  t.Object({ t: t.Literal('ping'), from, at: t.Number() }),
  t.Object({ t: t.Literal('fs'), from, id: requestId, op: lit(fsOps), path: t.Optional(path), to: t.Optional(path), recursive: t.Optional(t.Boolean()) }),
  t.Object({ t: t.Literal('up.begin'), from, id: requestId, handle, path, size: offset, overwrite: t.Optional(t.Boolean()), transferId: t.Optional(t.String({ maxLength: 64 })) }),
  t.Object({ t: t.Literal('up.end'), from, handle, sha256: t.String({ pattern: '^[0-9a-f]{64}$' }) }),
  t.Object({ t: t.Literal('up.cancel'), from, handle }),
  t.Object({ t: t.Literal('down.begin'), from, id: requestId, handle, path, offset: t.Optional(offset), transferId: t.Optional(t.String({ maxLength: 64 })) }),
  t.Object({ t: t.Literal('down.ack'), from, handle, offset }),
  t.Object({ t: t.Literal('down.cancel'), from, handle }),
  t.Object({
    t: t.Literal('pointer'), from, action: lit(['move', 'down', 'up', 'wheel'] as const),
    x: t.Number({ minimum: 0, maximum: 1 }), y: t.Number({ minimum: 0, maximum: 1 }),
    button: t.Optional(t.Integer({ minimum: 0, maximum: 4 })), dy: t.Optional(t.Number({ minimum: -100, maximum: 100 })),
  }),
  /** A key by its DOM `key` value (the agent maps it to the OS's key names). */
  t.Object({ t: t.Literal('key'), from, action: lit(['down', 'up', 'press'] as const), key: t.String({ minLength: 1, maxLength: 32 }), text: t.Optional(t.String({ maxLength: 1024 })) }),
  t.Object({ t: t.Literal('desktop.config'), from, fps: t.Optional(t.Integer({ minimum: 1, maximum: 30 })), quality: t.Optional(t.Integer({ minimum: 1, maximum: 31 })), monitor: t.Optional(t.Integer({ minimum: 0, maximum: 16 })) }),
])
export type ViewerFrame = typeof viewerFrame.static & { from?: number }

/** Viewer → server only (relay): WebRTC signaling and which path this viewer now uses. */
export const viewerServerFrame = t.Union([
  t.Object({ t: t.Literal('signal'), signal: rtcSignal }),
  t.Object({ t: t.Literal('path'), path: lit(['relay', 'webrtc'] as const) }),
  t.Object({ t: t.Literal('hb') }),
])
export type ViewerServerFrame = typeof viewerServerFrame.static

export type FsEntry = { name: string; type: 'file' | 'dir' | 'link' | 'other'; size: number; mtime: number; mode: string; target?: string | null }

/** What the agent sends viewers (and, over the relay, the server: `to` names one viewer). */
export type AgentFrame = { to?: number } & (
  | { t: 'ready'; kind: RemoteKind; shell?: string | null; cols?: number; rows?: number; seq?: number; os: string; home?: string | null; monitors?: RemoteCapabilities['desktop']['monitors']; desktop?: { width: number; height: number; fps: number; quality: number; monitor: number; viewOnly: boolean } }
  | { t: 'resized'; cols: number; rows: number }
  /** Data channel: the agent now sends this viewer everything here (replayed output first). */
  | { t: 'attached'; seq: number }
  | { t: 'exit'; code: number | null }
  | { t: 'pong'; at: number }
  | { t: 'reply'; id: number; ok: true; result: unknown }
  | { t: 'reply'; id: number; ok: false; error: string }
  | { t: 'up.ready'; handle: number; offset: number; path: string }
  | { t: 'up.ack'; handle: number; offset: number }
  | { t: 'up.done'; handle: number; sha256: string; path: string; size: number }
  | { t: 'up.error'; handle: number; error: string }
  | { t: 'down.info'; handle: number; size: number; path: string; offset: number }
  | { t: 'down.end'; handle: number; sha256: string; size: number }
  | { t: 'down.error'; handle: number; error: string }
  | { t: 'error'; message: string }
  | { t: 'desktop.error'; message: string }
  // to the server only
  | { t: 'activity' }
  /** The agent's last word on the relay: why the session ended there. */
  | { t: 'bye'; reason: string; exitCode?: number | null }
  | { t: 'transfer'; transferId: string; direction: 'upload' | 'download'; path: string; size: number | null; transferred: number; status: 'transferring' | 'completed' | 'failed' | 'cancelled'; sha256?: string | null; error?: string | null; via: 'relay' | 'webrtc' }
)

/** The agent's frames the server reads (relay): checked like anything else from an endpoint. */
const monitorInfo = t.Object({ index: t.Integer(), name: t.String({ maxLength: 64 }), width: t.Integer(), height: t.Integer(), x: t.Integer(), y: t.Integer() })
export const agentServerFrame = t.Union([
  t.Object({ t: t.Literal('activity') }),
  t.Object({ t: t.Literal('bye'), reason: t.String({ maxLength: 64 }), exitCode: t.Optional(t.Nullable(t.Integer())) }),
  t.Object({
    t: t.Literal('ready'), to: t.Optional(t.Integer({ minimum: 1 })), kind: lit(remoteKinds), os: t.String({ maxLength: 32 }),
    shell: t.Optional(t.Nullable(t.String({ maxLength: 512 }))), cols: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })), rows: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
    seq: t.Optional(t.Integer({ minimum: 0 })), home: t.Optional(t.Nullable(t.String({ maxLength: 1024 }))),
    monitors: t.Optional(t.Array(monitorInfo, { maxItems: 16 })),
    desktop: t.Optional(t.Object({ width: t.Integer(), height: t.Integer(), fps: t.Integer(), quality: t.Integer(), monitor: t.Integer(), viewOnly: t.Boolean() })),
  }),
  t.Object({ t: t.Literal('resized'), to: t.Optional(t.Integer({ minimum: 1 })), cols: t.Integer({ minimum: 1, maximum: 1000 }), rows: t.Integer({ minimum: 1, maximum: 500 }) }),
  t.Object({
    t: t.Literal('transfer'), transferId: t.String({ minLength: 1, maxLength: 64 }), direction: lit(['upload', 'download'] as const), path: t.String({ maxLength: 4096 }),
    size: t.Nullable(t.Number({ minimum: 0 })), transferred: t.Number({ minimum: 0 }), status: lit(['transferring', 'completed', 'failed', 'cancelled'] as const),
    sha256: t.Optional(t.Nullable(t.String({ maxLength: 64 }))), error: t.Optional(t.Nullable(t.String({ maxLength: 1024 }))), via: lit(['relay', 'webrtc'] as const),
  }),
])

/** Server → agent on the relay socket. */
export type ServerRelayFrame =
  | { t: 'viewers'; list: { viewer: number; role: 'control' | 'view'; path: 'relay' | 'webrtc' }[] }
  | { t: 'end'; reason: string }

/** Server → viewer on the relay socket. */
export type ServerViewerFrame =
  | { t: 'hello'; viewer: number; role: 'control' | 'view'; kind: RemoteKind; status: string; transport: 'auto' | 'relay' | 'webrtc'; iceServers: IceServer[] }
  | { t: 'signal'; signal: RtcSignal }
  | { t: 'viewers'; list: { viewer: number; name: string; role: 'control' | 'view'; path: 'relay' | 'webrtc' }[] }
  | { t: 'status'; status: string }
  | { t: 'ended'; reason: string; message?: string | null }

// ---- binary frames ----

/** The first byte of a binary frame. */
export const binaryKind = {
  /** agent → viewers: [kind][u32 seq][bytes] terminal output. */
  output: 1,
  /** viewer → agent: [kind][u32 viewer][u32 handle][f64 offset][bytes] (the relay stamps viewer). */
  upload: 2,
  /** agent → one viewer: [kind][u32 viewer][u32 handle][f64 offset][bytes]. */
  download: 3,
  /** agent → viewers: [kind][u32 seq][u16 width][u16 height][jpeg]. */
  desktop: 4,
  /**
   * Data channels only: [kind][u8 last][bytes], a piece of a larger binary frame (browsers
   * cap a data channel message near 256 KiB); pieces arrive in order and are joined.
   */
  fragment: 0x7f,
} as const

/** Binary frames above this size travel a data channel in fragments. */
export const fragmentSize = 60 * 1024

/** fragments splits a binary frame for a data channel (one piece when it is small). */
export function fragments(frame: Uint8Array): Uint8Array[] {
  if (frame.length <= fragmentSize) return [frame]
  const out: Uint8Array[] = []
  for (let i = 0; i < frame.length; i += fragmentSize) {
    const part = frame.subarray(i, i + fragmentSize)
    const piece = new Uint8Array(2 + part.length)
    piece[0] = binaryKind.fragment
    piece[1] = i + fragmentSize >= frame.length ? 1 : 0
    piece.set(part, 2)
    out.push(piece)
  }
  return out
}

/** Joiner reassembles fragmented frames; push returns a whole frame when one is complete. */
export class Joiner {
  private parts: Uint8Array[] = []
  private size = 0
  push(piece: Uint8Array): Uint8Array | null {
    if (piece[0] !== binaryKind.fragment) return piece
    this.parts.push(piece.subarray(2))
    this.size += piece.length - 2
    if (this.size > remoteLimits.binaryFrame) { this.parts = []; this.size = 0; return null }
    if (piece[1] !== 1) return null
    const whole = new Uint8Array(this.size)
    let at = 0
    for (const p of this.parts) { whole.set(p, at); at += p.length }
    this.parts = []
    this.size = 0
    return whole
  }
}

export const outputHeader = 5
export const chunkHeader = 17
export const desktopHeader = 9

export function encodeOutput(seqNo: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(outputHeader + data.length)
  out[0] = binaryKind.output
  new DataView(out.buffer).setUint32(1, seqNo >>> 0)
  out.set(data, outputHeader)
  return out
}

export function encodeChunk(kind: 2 | 3, viewer: number, handleNo: number, at: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(chunkHeader + data.length)
  const view = new DataView(out.buffer)
  out[0] = kind
  view.setUint32(1, viewer >>> 0)
  view.setUint32(5, handleNo >>> 0)
  view.setFloat64(9, at)
  out.set(data, chunkHeader)
  return out
}

export function encodeDesktopFrame(seqNo: number, width: number, height: number, jpeg: Uint8Array): Uint8Array {
  const out = new Uint8Array(desktopHeader + jpeg.length)
  const view = new DataView(out.buffer)
  out[0] = binaryKind.desktop
  view.setUint32(1, seqNo >>> 0)
  view.setUint16(5, width)
  view.setUint16(7, height)
  out.set(jpeg, desktopHeader)
  return out
}

export type DecodedBinary =
  | { kind: 1; seq: number; data: Uint8Array }
  | { kind: 2 | 3; viewer: number; handle: number; offset: number; data: Uint8Array }
  | { kind: 4; seq: number; width: number; height: number; data: Uint8Array }

/** decodeBinary reads a binary frame, or returns null when it is malformed. */
export function decodeBinary(frame: Uint8Array): DecodedBinary | null {
  if (frame.length < 1 || frame.length > remoteLimits.binaryFrame) return null
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  switch (frame[0]) {
    case binaryKind.output:
      return frame.length < outputHeader ? null : { kind: 1, seq: view.getUint32(1), data: frame.subarray(outputHeader) }
    case binaryKind.upload:
    case binaryKind.download: {
      if (frame.length < chunkHeader) return null
      const at = view.getFloat64(9)
      if (!Number.isSafeInteger(at) || at < 0) return null
      return { kind: frame[0] as 2 | 3, viewer: view.getUint32(1), handle: view.getUint32(5), offset: at, data: frame.subarray(chunkHeader) }
    }
    case binaryKind.desktop:
      return frame.length < desktopHeader ? null : { kind: 4, seq: view.getUint32(1), width: view.getUint16(5), height: view.getUint16(7), data: frame.subarray(desktopHeader) }
    default:
      return null
  }
}

/** stampViewer writes the sending viewer's number into an upload chunk (the relay does this). */
export function stampViewer(frame: Uint8Array, viewer: number) {
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(1, viewer >>> 0)
}
