// A remote-session viewer for tests and benchmarks, speaking the same protocol as the browser
// (static/js/remote.js): the relay WebSocket with a session ticket, and optionally a direct
// WebRTC data channel made with werift (standing in for the browser's RTCPeerConnection).
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { guardUdpSockets } from '../../agent/src/remote/udp-guard'
import {
  binaryKind, decodeBinary, encodeChunk, fragments, Joiner, remoteLimits,
  type AgentFrame, type DecodedBinary, type ServerViewerFrame, type ViewerFrame,
} from '../protocol/remote'
import type { TestClient } from './client'

// The test process runs werift too: a viewer that went away must not end the test run.
guardUdpSockets()

type Received = (AgentFrame | ServerViewerFrame) & Record<string, unknown>
/** How a transfer went: the agent's last frame about it, or `interrupted` when the test cut the link. */
export type TransferOutcome = Record<string, unknown> & { t: string }

export class RemoteViewer {
  readonly frames: Received[] = []
  readonly binaries: DecodedBinary[] = []
  hello: Extract<ServerViewerFrame, { t: 'hello' }> | null = null
  path: 'relay' | 'webrtc' = 'relay'
  closed: { code: number; reason: string } | null = null
  private text = ''
  private decoder = new TextDecoder()
  private nextSeq = -1
  private held = new Map<number, Uint8Array>()
  private inputSeq = 0
  private pc: RTCPeerConnection | null = null
  private dc: RTCDataChannel | null = null
  private joiner = new Joiner()
  /** Signals are applied one after another (an answer before the candidates that follow it). */
  private signals: Promise<void> = Promise.resolve()
  private answered = false
  private early: Extract<ServerViewerFrame, { t: 'signal' }>['signal'][] = []
  private waiters = new Set<() => void>()
  /** Download chunks by handle (tests look at what arrived). */
  readonly onBinary = new Set<(frame: DecodedBinary) => void>()

  private constructor(readonly ws: WebSocket) {}

  /** connect attaches to a session's relay with a ticket, as `client` (cookies and Origin of a browser). */
  static async connect(client: TestClient, sessionId: string, ticket: string, opts: { origin?: string } = {}): Promise<RemoteViewer> {
    const url = `${client.base.replace(/^http/, 'ws')}/ws/remote/${sessionId}?ticket=${encodeURIComponent(ticket)}`
    const headers: Record<string, string> = { origin: opts.origin ?? client.base, ...client.extraHeaders }
    if (client.cookies.size) headers.cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const ws = new WebSocket(url, { headers } as unknown as string[])
    ws.binaryType = 'arraybuffer'
    const viewer = new RemoteViewer(ws)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error('the relay refused the viewer'))
      ws.onclose = (ev) => reject(new Error(`the relay closed: ${ev.code} ${ev.reason}`))
    })
    ws.onclose = (ev) => { viewer.closed = { code: ev.code, reason: ev.reason }; viewer.wake() }
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') viewer.onText(JSON.parse(ev.data))
      else viewer.onBytes(new Uint8Array(ev.data as ArrayBuffer))
    }
    await viewer.until(() => viewer.hello, 10_000, 'hello')
    return viewer
  }

  private wake() { for (const w of this.waiters) w() }

  private onText(frame: Received) {
    if (frame.t === 'hello') this.hello = frame as Extract<ServerViewerFrame, { t: 'hello' }>
    if (frame.t === 'signal') { const signal = frame.signal as Extract<ServerViewerFrame, { t: 'signal' }>['signal']; this.signals = this.signals.then(() => this.onSignal(signal)) }
    this.frames.push(frame)
    this.wake()
  }

  private onBytes(bytes: Uint8Array) {
    const frame = decodeBinary(bytes)
    if (!frame) return
    if (frame.kind === binaryKind.output) this.output(frame.seq, frame.data)
    else {
      // Desktop frames are kept (the last few) for tests to look at; file chunks only go to their listener.
      if (frame.kind === binaryKind.desktop) { this.binaries.push(frame); if (this.binaries.length > 50) this.binaries.shift() }
      for (const cb of this.onBinary) cb(frame)
    }
    this.wake()
  }

  /** Terminal output in order, each sequence number once, whichever path brought it. */
  private output(seq: number, data: Uint8Array) {
    if (this.nextSeq < 0) this.nextSeq = seq
    if (seq < this.nextSeq) return
    this.held.set(seq, data)
    while (this.held.has(this.nextSeq)) {
      this.text += this.decoder.decode(this.held.get(this.nextSeq)!, { stream: true })
      this.held.delete(this.nextSeq)
      this.nextSeq++
    }
  }

  /** screen is all terminal output so far, as text. */
  get screen(): string { return this.text }
  get expectedSeq(): number { return this.nextSeq }

  /** send a frame to the agent, on the data channel once it is used, else the relay. */
  send(frame: ViewerFrame | Record<string, unknown>) {
    const text = JSON.stringify(frame)
    if (this.path === 'webrtc' && this.dc?.readyState === 'open') this.dc.send(text)
    else this.ws.send(text)
  }

  /** sendServer sends a frame for the server itself (signal, path). */
  sendServer(frame: Record<string, unknown>) { this.ws.send(JSON.stringify(frame)) }

  sendBinary(frame: Uint8Array) {
    if (this.path === 'webrtc' && this.dc?.readyState === 'open') for (const piece of fragments(frame)) this.dc.send(Buffer.from(piece))
    else this.ws.send(frame)
  }

  /** bufferedAmount of the path in use (flow control in transfers). */
  get buffered(): number {
    return this.path === 'webrtc' && this.dc ? this.dc.bufferedAmount : this.ws.bufferedAmount
  }

  type(data: string) { this.send({ t: 'input', seq: this.inputSeq++, data }) }

  uploadChunk(handle: number, offset: number, data: Uint8Array) { this.sendBinary(encodeChunk(binaryKind.upload, 0, handle, offset, data)) }

  /** until resolves when `check` returns something truthy (re-checked on every frame). */
  async until<T>(check: () => T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = check()
      if (value) return value as NonNullable<T>
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen so far: ${JSON.stringify(this.text.slice(-500))}`)
      await new Promise<void>((resolve) => {
        const w = () => { this.waiters.delete(w); resolve() }
        this.waiters.add(w)
        setTimeout(w, 50)
      })
    }
  }

  untilScreen(pattern: RegExp | string, timeoutMs = 10_000) {
    return this.until(() => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text)), timeoutMs, `screen to show ${pattern}`)
  }

  frame<T extends string>(t: T, timeoutMs = 10_000, where: (f: Received) => boolean = () => true): Promise<Received & { t: T }> {
    return this.until(() => this.frames.find((f) => f.t === t && where(f)) as (Received & { t: T }) | undefined, timeoutMs, `a "${t}" frame`)
  }

  // ---- WebRTC (werift in place of the browser) ----

  /** upgrade makes a direct data channel to the agent and moves this viewer's traffic onto it. */
  async upgrade(timeoutMs = 20_000) {
    const pc = new RTCPeerConnection({ iceServers: (this.hello?.iceServers ?? []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })) })
    this.pc = pc
    pc.onIceCandidate.subscribe((c) => { if (c?.candidate) this.sendServer({ t: 'signal', signal: { kind: 'candidate', candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } }) })
    const dc = pc.createDataChannel('breeze', { ordered: true })
    this.dc = dc
    dc.onMessage.subscribe((data) => {
      if (typeof data === 'string') return this.onText(JSON.parse(data))
      const whole = this.joiner.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (whole) this.onBytes(whole)
    })
    const opened = new Promise<void>((resolve) => dc.stateChanged.subscribe((s) => { if (s === 'open') resolve() }))
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    this.sendServer({ t: 'signal', signal: { kind: 'offer', sdp: pc.localDescription!.sdp } })
    await Promise.race([opened, Bun.sleep(timeoutMs).then(() => { throw new Error('the data channel did not open') })])
    dc.send(JSON.stringify({ t: 'attach', fromSeq: Math.max(0, this.nextSeq), inputSeq: this.inputSeq }))
    await this.frame('attached', timeoutMs)
    this.path = 'webrtc'
    this.sendServer({ t: 'path', path: 'webrtc' })
  }

  private async onSignal(signal: Extract<ServerViewerFrame, { t: 'signal' }>['signal']) {
    if (!this.pc) return
    if (signal.kind === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp })
      this.answered = true
      for (const c of this.early.splice(0)) await this.onSignal(c)
    } else if (signal.kind === 'candidate') {
      if (!this.answered) return void this.early.push(signal)
      await this.pc.addIceCandidate({ candidate: signal.candidate, sdpMid: signal.sdpMid ?? undefined, sdpMLineIndex: signal.sdpMLineIndex ?? undefined }).catch(() => {})
    }
  }

  // ---- files (the same requests as the browser's file manager) ----

  private nextId = 1

  /** fs runs one file manager operation and returns its result (throws with the agent's message). */
  async fs(op: string, path?: string, extra: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++
    this.send({ t: 'fs', id, op, ...(path ? { path } : {}), ...extra })
    const reply = await this.frame('reply', 15_000, (f) => f.id === id)
    if (!reply.ok) throw new Error(String(reply.error))
    return reply.result
  }

  /**
   * upload sends a local file (streamed, never whole in memory) with flow control. With
   * `stopAfter` it closes the connection once that many bytes went out (a dropped link).
   */
  async upload(local: string, remote: string, opts: { transferId: string; overwrite?: boolean; sha256?: string; stopAfter?: number }): Promise<{ offset: number; result: TransferOutcome }> {
    const file = Bun.file(local)
    const size = file.size
    const handle = this.nextId++
    this.send({ t: 'up.begin', id: handle, handle, path: remote, size, overwrite: opts.overwrite ?? false, transferId: opts.transferId })
    const ready = await this.until(() => this.frames.find((f) => (f.t === 'up.ready' || f.t === 'up.error') && f.handle === handle), 30_000, 'up.ready')
    if (ready.t === 'up.error') return { offset: 0, result: ready }
    const start = Number(ready.offset)
    let acked = start
    const acks = () => { for (const f of this.frames) if (f.t === 'up.ack' && f.handle === handle && Number(f.offset) > acked) acked = Number(f.offset) }
    let sent = start
    const reader = file.slice(start).stream().getReader()
    let pending = new Uint8Array(0)
    for (;;) {
      const { done, value } = await reader.read()
      if (value) pending = pending.length ? Buffer.concat([pending, value]) : value
      while (pending.length >= remoteLimits.fileChunk || (done && pending.length > 0)) {
        const chunk = pending.subarray(0, remoteLimits.fileChunk)
        pending = pending.subarray(chunk.length)
        await this.until(() => { acks(); return sent - acked < 8 * 1024 * 1024 && this.buffered < 8 * 1024 * 1024 }, 60_000, 'upload window')
        this.uploadChunk(handle, sent, chunk)
        sent += chunk.length
        if (opts.stopAfter !== undefined && sent - start >= opts.stopAfter) {
          reader.cancel()
          await this.close()
          return { offset: sent, result: { t: 'interrupted' } }
        }
      }
      if (done) break
    }
    this.frames.splice(0, this.frames.length, ...this.frames.filter((f) => !(f.t === 'up.ack' && f.handle === handle)))
    this.send({ t: 'up.end', handle, sha256: opts.sha256 ?? await sha256Of(local) })
    const result = await this.until(() => this.frames.find((f) => (f.t === 'up.done' || f.t === 'up.error') && f.handle === handle), 120_000, 'up.done')
    return { offset: start, result }
  }

  /** download writes a remote file to `local` from `offset` (resume), acknowledging as it goes; verifies nothing itself. */
  async download(remote: string, local: string, opts: { transferId: string; offset?: number; stopAfter?: number }): Promise<{ info: TransferOutcome | null; end: TransferOutcome | null }> {
    const handle = this.nextId++
    const out = await (await import('node:fs/promises')).open(local, opts.offset ? 'r+' : 'w')
    let received = opts.offset ?? 0
    let lastAck = received
    let writing = Promise.resolve()
    let stop = false
    const onChunk = (frame: DecodedBinary) => {
      if (frame.kind !== binaryKind.download || frame.handle !== handle || stop) return
      const at = frame.offset
      const data = Buffer.from(frame.data)
      received = at + data.length
      // Acknowledged once written: the sender never gets further ahead than the disk.
      writing = writing.then(async () => {
        await out.write(data, 0, data.length, at)
        if (at + data.length - lastAck >= 1024 * 1024) { lastAck = at + data.length; this.send({ t: 'down.ack', handle, offset: lastAck }) }
      })
      if (opts.stopAfter !== undefined && received - (opts.offset ?? 0) >= opts.stopAfter) { stop = true; void this.close() }
    }
    this.onBinary.add(onChunk)
    try {
      this.send({ t: 'down.begin', id: handle, handle, path: remote, offset: opts.offset ?? 0, transferId: opts.transferId })
      const info = await this.until(() => this.frames.find((f) => (f.t === 'down.info' || f.t === 'down.error') && f.handle === handle), 30_000, 'down.info')
      if (info.t === 'down.error') return { info, end: null }
      const end = await this.until((): TransferOutcome | undefined => (stop ? { t: 'interrupted' } : this.frames.find((f) => (f.t === 'down.end' || f.t === 'down.error') && f.handle === handle)), 300_000, 'down.end')
      await writing
      return { info, end }
    } finally {
      this.onBinary.delete(onChunk)
      await writing
      await out.close()
    }
  }

  async close() {
    try { this.dc?.close() } catch {}
    await this.pc?.close().catch(() => {})
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close()
  }
}

/** sha256Of hashes a file as a stream. */
export async function sha256Of(file: string, length?: number): Promise<string> {
  const hash = createHash('sha256')
  const blob = length === undefined ? Bun.file(file) : Bun.file(file).slice(0, length)
  const reader = blob.stream().getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    hash.update(value)
  }
  return hash.digest('hex')
}

/**
 * quietHome is an empty home directory for a test agent: its shells then start without this
 * machine's own profile (which may run slow tools such as pyenv, and leave their lock files
 * behind when a test kills the shell).
 */
export function quietHome(): Record<string, string> {
  return { HOME: mkdtempSync(path.join(os.tmpdir(), 'breeze-remote-home-')) }
}
