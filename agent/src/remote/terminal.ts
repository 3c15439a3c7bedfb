// The terminal: a real PTY running the chosen shell (Bun's built-in PTY on Linux and macOS,
// node-pty/ConPTY on Windows when present). Output is numbered and sent to every viewer
// (the relay always, so the server can record and replay it to viewers who join); input is
// accepted only from controlling viewers, in the order each viewer typed it even when a
// viewer switches from the relay to a data channel mid-stream.
import { encodeOutput, remoteLimits, type DecodedBinary, type ViewerFrame } from '../../../src/protocol/remote'
import { inheritedEnvironment } from '../../config'
import { log } from '../log'
import { homeDirectory, resolveShell, shellArgs, type Shell } from './shells'
import type { SessionEnd, SessionHandler, SessionIo, ViewerRef } from './types'

/** A PTY as this file uses it, whichever implementation is underneath. */
type Pty = { write(data: string): void; resize(cols: number, rows: number): void; kill(signal: NodeJS.Signals): void; pid: number; exited: Promise<number | null>; close(): void }

const isWindows = process.platform === 'win32'

function spawnPty(shell: Shell, cols: number, rows: number, onData: (d: Uint8Array) => void): Pty {
  const env = { ...inheritedEnvironment(), TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>
  env.LANG ??= 'C.UTF-8'
  const cwd = homeDirectory() ?? undefined
  if (isWindows) return spawnConPty(shell, cols, rows, env, cwd, onData)
  const proc = Bun.spawn([shell.path, ...shellArgs(shell)], { env, cwd, terminal: { cols, rows, name: 'xterm-256color', data: (_t, d) => onData(d) } })
  const terminal = proc.terminal!
  return {
    pid: proc.pid,
    write: (d) => { if (!terminal.closed) terminal.write(d) },
    resize: (c, r) => { if (!terminal.closed) terminal.resize(c, r) },
    kill: (sig) => {
      // The shell leads its own process group (the PTY made it a session leader): signal the group.
      try { process.kill(-proc.pid, sig) } catch { try { proc.kill(sig) } catch {} }
    },
    exited: proc.exited.then((code) => code),
    close: () => { try { terminal.close() } catch {} },
  }
}

/** ConPTY through node-pty, which must be installed beside the agent on Windows. */
function spawnConPty(shell: Shell, cols: number, rows: number, env: Record<string, string>, cwd: string | undefined, onData: (d: Uint8Array) => void): Pty {
  let nodePty: { spawn(file: string, args: string[], o: object): { pid: number; write(d: string): void; resize(c: number, r: number): void; kill(): void; onData(cb: (d: string) => void): void; onExit(cb: (e: { exitCode: number }) => void): void } }
  try {
    // note: a runtime require, so the Linux/macOS builds carry no native module.
    nodePty = require(['node', 'pty'].join('-'))
  } catch {
    throw new Error('the terminal needs node-pty on Windows (ConPTY): install it next to the agent (npm i node-pty)')
  }
  const pty = nodePty.spawn(shell.path, shellArgs(shell), { name: 'xterm-256color', cols, rows, cwd, env, useConpty: true })
  const encoder = new TextEncoder()
  pty.onData((d) => onData(encoder.encode(d)))
  const exited = new Promise<number | null>((resolve) => pty.onExit((e) => resolve(e.exitCode)))
  return { pid: pty.pid, write: (d) => pty.write(d), resize: (c, r) => pty.resize(c, r), kill: () => pty.kill(), exited, close: () => {} }
}

/** Orders one viewer's input by its sequence numbers (paths may overtake each other at a switch). */
class InputOrder {
  private expected = -1
  private held = new Map<number, string>()
  private gapTimer: Timer | null = null
  constructor(private write: (data: string) => void) {}

  push(seq: number, data: string) {
    if (this.expected < 0) this.expected = seq
    if (seq < this.expected) return
    this.held.set(seq, data)
    this.flush()
    if (this.held.size > 0 && !this.gapTimer) {
      // A missing piece that never comes (its path died) must not block typing for long.
      this.gapTimer = setTimeout(() => { this.gapTimer = null; this.expected = Math.min(...this.held.keys()); this.flush() }, 500)
    }
  }

  /** expect sets where the viewer continues (on attach), without dropping what is held. */
  expect(seq: number) { if (this.expected < 0) this.expected = seq }

  private flush() {
    while (this.held.has(this.expected)) {
      this.write(this.held.get(this.expected)!)
      this.held.delete(this.expected)
      this.expected++
    }
    if (this.held.size === 0 && this.gapTimer) { clearTimeout(this.gapTimer); this.gapTimer = null }
  }
}

export class TerminalHandler implements SessionHandler {
  private pty: Pty | null = null
  private shell: Shell | null = null
  private seq = 0
  /** Recent output frames for viewers who join or switch path. */
  private replay: { seq: number; frame: Uint8Array }[] = []
  private replayBytes = 0
  private inputs = new Map<string, InputOrder>()
  private cols: number
  private rows: number
  private finish!: (end: SessionEnd) => void
  readonly ended = new Promise<SessionEnd>((resolve) => { this.finish = resolve })

  constructor(private io: SessionIo) {
    this.cols = io.payload.cols ?? 80
    this.rows = io.payload.rows ?? 24
  }

  async start() {
    this.shell = resolveShell(this.io.payload.shell)
    this.pty = spawnPty(this.shell, this.cols, this.rows, (d) => this.output(d))
    log.info('terminal started', { sessionId: this.io.sessionId, shell: this.shell.path, pid: this.pty.pid })
    void this.pty.exited.then((code) => {
      this.io.broadcast({ t: 'exit', code })
      this.finish({ reason: 'exited', exitCode: code, shell: this.shell?.path })
    })
    this.io.broadcast({ t: 'ready', kind: 'terminal', shell: this.shell.path, cols: this.cols, rows: this.rows, seq: this.seq, os: process.platform, home: homeDirectory() })
  }

  private output(data: Uint8Array) {
    const frame = encodeOutput(this.seq, data)
    this.replay.push({ seq: this.seq, frame })
    this.replayBytes += frame.length
    while (this.replayBytes > remoteLimits.replayBytes && this.replay.length > 1) this.replayBytes -= this.replay.shift()!.frame.length
    this.seq = (this.seq + 1) >>> 0
    this.io.broadcastBinary(frame, 'always')
  }

  text(frame: ViewerFrame, from: ViewerRef) {
    switch (frame.t) {
      case 'input':
        if (from.viewOnly || !this.pty) return
        this.inputOrder(from).push(frame.seq, frame.data)
        return
      case 'resize':
        if (from.viewOnly || !this.pty) return
        this.cols = frame.cols
        this.rows = frame.rows
        this.pty.resize(frame.cols, frame.rows)
        this.io.broadcast({ t: 'resized', cols: frame.cols, rows: frame.rows })
        return
      case 'ping':
        return from.send({ t: 'pong', at: frame.at })
      default:
        return from.send({ t: 'error', message: `a terminal does not take "${frame.t}"` })
    }
  }

  binary(_frame: DecodedBinary, from: ViewerRef) {
    from.send({ t: 'error', message: 'a terminal takes no binary frames' })
  }

  attach(from: ViewerRef, fromSeq: number, inputSeq?: number) {
    if (inputSeq !== undefined) this.inputOrder(from).expect(inputSeq)
    for (const r of this.replay) if (r.seq >= fromSeq) from.sendBinary(r.frame)
  }

  private inputOrder(from: ViewerRef): InputOrder {
    const key = String(from.viewer)
    let order = this.inputs.get(key)
    if (!order) { order = new InputOrder((d) => this.pty?.write(d)); this.inputs.set(key, order) }
    return order
  }

  async stop(reason: string) {
    const pty = this.pty
    if (!pty) return this.finish({ reason })
    // SIGHUP first (what closing a terminal window does), SIGKILL if anything is left after 2 s.
    pty.kill('SIGHUP')
    const gone = await Promise.race([pty.exited.then(() => true), Bun.sleep(2_000).then(() => false)])
    if (!gone) pty.kill('SIGKILL')
    await Promise.race([pty.exited, Bun.sleep(1_000)])
    pty.close()
    this.finish({ reason, shell: this.shell?.path })
  }
}
