// The remote desktop on Linux/X11: ffmpeg grabs the chosen monitor (x11grab) and encodes
// JPEG frames; xdotool moves the mouse and types. Frames go to every viewer; when a path
// backs up, frames are skipped (the rate adapts to the link) and, if that lasts, the JPEG
// quality steps down until the link keeps up again. Tools and packages: ./display.ts.
import type { Subprocess } from 'bun'
import { encodeDesktopFrame, type DecodedBinary, type ViewerFrame } from '../../../src/protocol/remote'
import { inheritedEnvironment } from '../../config'
import { log } from '../log'
import { probeDisplay, type Display, type Monitor } from './display'
import type { SessionEnd, SessionHandler, SessionIo, ViewerRef } from './types'

/** A path with more than this queued skips frames. */
const backlogLimit = 2 * 1024 * 1024
/** DOM `key` values → X keysym names (single characters are typed as text). */
const keysyms: Record<string, string> = {
  Enter: 'Return', Backspace: 'BackSpace', Tab: 'Tab', Escape: 'Escape', Delete: 'Delete', Insert: 'Insert', Home: 'Home', End: 'End',
  PageUp: 'Prior', PageDown: 'Next', ArrowLeft: 'Left', ArrowRight: 'Right', ArrowUp: 'Up', ArrowDown: 'Down', ' ': 'space',
  Shift: 'Shift_L', Control: 'Control_L', Alt: 'Alt_L', AltGraph: 'ISO_Level3_Shift', Meta: 'Super_L', CapsLock: 'Caps_Lock',
  ContextMenu: 'Menu', PrintScreen: 'Print', Pause: 'Pause', ScrollLock: 'Scroll_Lock', NumLock: 'Num_Lock',
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, `F${i + 1}`])),
}
const buttons = [1, 2, 3, 8, 9] // DOM button 0..4 → X buttons (left, middle, right, back, forward)

/** JpegSplitter cuts ffmpeg's MJPEG stream into whole JPEG images (SOI … EOI). */
class JpegSplitter {
  private buf = new Uint8Array(0)
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buf.length + chunk.length)
    joined.set(this.buf)
    joined.set(chunk, this.buf.length)
    const frames: Uint8Array[] = []
    let start = -1
    let i = 0
    for (; i < joined.length - 1; i++) {
      if (joined[i] !== 0xff) continue
      if (joined[i + 1] === 0xd8 && start < 0) start = i
      else if (joined[i + 1] === 0xd9 && start >= 0) { frames.push(joined.slice(start, i + 2)); start = -1; i++ }
    }
    this.buf = start >= 0 ? joined.slice(start) : joined.slice(Math.max(0, joined.length - 1))
    if (this.buf.length > 32 * 1024 * 1024) this.buf = new Uint8Array(0)
    return frames
  }
}

export class DesktopHandler implements SessionHandler {
  private display!: Display
  private monitor!: Monitor
  private ffmpeg: Subprocess<'ignore', 'pipe', 'pipe'> | null = null
  private fps: number
  private quality: number
  /** The quality asked for; `quality` drifts above it (worse) while the link is congested. */
  private wantedQuality: number
  private seq = 0
  private skipped = 0
  private sent = 0
  private adaptTimer: Timer | null = null
  private input: Promise<void> = Promise.resolve()
  private pendingMove: { x: number; y: number } | null = null
  private stopping = false
  private finish!: (end: SessionEnd) => void
  readonly ended = new Promise<SessionEnd>((resolve) => { this.finish = resolve })

  constructor(private io: SessionIo) {
    const d = io.payload.desktop ?? {}
    this.fps = d.fps ?? 10
    this.quality = this.wantedQuality = d.quality ?? 6
  }

  private get viewOnly() { return this.io.payload.desktop?.viewOnly === true }

  async start() {
    const probe = await probeDisplay()
    if (!probe.ok) throw new Error(`remote desktop not available: ${probe.reason}`)
    this.display = probe.display
    this.monitor = this.display.monitors.find((m) => m.index === (this.io.payload.desktop?.monitor ?? 0)) ?? this.display.monitors[0]
    this.capture()
    this.adaptTimer = setInterval(() => this.adapt(), 2_000)
    if (this.io.payload.desktop?.notifyUser !== false && Bun.which('notify-send')) {
      // Best effort: a desktop without a notification service simply shows nothing.
      Bun.spawn(['notify-send', '-u', 'normal', 'Breeze remote support', 'A technician is connected to this screen.'], { env: this.env(), stdout: 'ignore', stderr: 'ignore' })
    }
    this.announce()
  }

  private env(): Record<string, string> {
    return { ...(inheritedEnvironment() as Record<string, string>), ...this.display.env }
  }

  private announce() {
    const m = this.monitor
    this.io.broadcast({
      t: 'ready', kind: 'desktop', os: process.platform, monitors: this.display.monitors,
      desktop: { width: m.width, height: m.height, fps: this.fps, quality: this.quality, monitor: m.index, viewOnly: this.viewOnly },
    })
  }

  /** capture (re)starts ffmpeg with the current monitor, rate and quality. */
  private capture() {
    this.ffmpeg?.kill('SIGKILL')
    const m = this.monitor
    const args = [
      'ffmpeg', '-nostdin', '-loglevel', 'error', '-f', 'x11grab', '-draw_mouse', '1', '-framerate', String(this.fps),
      '-video_size', `${m.width}x${m.height}`, '-i', `${this.display.display}+${m.x},${m.y}`,
      '-f', 'image2pipe', '-vcodec', 'mjpeg', '-q:v', String(this.quality), '-',
    ]
    const proc = Bun.spawn(args, { env: this.env(), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
    this.ffmpeg = proc
    const splitter = new JpegSplitter()
    void (async () => {
      const reader = proc.stdout.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        for (const jpeg of splitter.push(value)) this.frame(jpeg)
      }
    })()
    void proc.exited.then(async (code) => {
      if (this.ffmpeg !== proc || this.stopping) return
      const err = (await new Response(proc.stderr).text()).trim().slice(0, 500)
      log.warn('screen capture stopped', { code, err })
      this.io.broadcast({ t: 'desktop.error', message: `the screen capture stopped: ${err || `exit code ${code}`}` })
      this.finish({ reason: 'failed' })
    })
  }

  private frame(jpeg: Uint8Array) {
    const backlog = Math.max(this.io.relayBuffered(), ...this.io.attached().map((v) => v.buffered()))
    if (backlog > backlogLimit) { this.skipped++; return }
    this.sent++
    this.io.broadcastBinary(encodeDesktopFrame(this.seq, this.monitor.width, this.monitor.height, jpeg), 'viewers')
    this.seq = (this.seq + 1) >>> 0
  }

  /** adapt lowers the JPEG quality while frames are being skipped and raises it back when the link keeps up. */
  private adapt() {
    const total = this.sent + this.skipped
    const skippedShare = total ? this.skipped / total : 0
    this.sent = this.skipped = 0
    if (skippedShare > 0.3 && this.quality < 24) { this.quality = Math.min(24, this.quality + 4); this.capture(); this.announce() }
    else if (skippedShare === 0 && total > 0 && this.quality > this.wantedQuality) { this.quality = Math.max(this.wantedQuality, this.quality - 2); this.capture(); this.announce() }
  }

  text(frame: ViewerFrame, from: ViewerRef) {
    switch (frame.t) {
      case 'pointer':
        if (from.viewOnly || this.viewOnly) return
        return this.pointer(frame)
      case 'key':
        if (from.viewOnly || this.viewOnly) return
        return this.key(frame)
      case 'desktop.config': {
        if (from.viewOnly) return
        if (frame.fps) this.fps = frame.fps
        if (frame.quality) this.quality = this.wantedQuality = frame.quality
        if (frame.monitor !== undefined) this.monitor = this.display.monitors.find((m) => m.index === frame.monitor) ?? this.monitor
        this.capture()
        return this.announce()
      }
      case 'ping': return from.send({ t: 'pong', at: frame.at })
      default: return from.send({ t: 'error', message: `the desktop does not take "${frame.t}"` })
    }
  }

  binary(_frame: DecodedBinary, from: ViewerRef) {
    from.send({ t: 'error', message: 'the desktop takes no binary frames' })
  }

  attach(from: ViewerRef) {
    from.send({ t: 'ready', kind: 'desktop', os: process.platform, monitors: this.display.monitors, desktop: { width: this.monitor.width, height: this.monitor.height, fps: this.fps, quality: this.quality, monitor: this.monitor.index, viewOnly: this.viewOnly } })
  }

  private pointer(p: Extract<ViewerFrame, { t: 'pointer' }>) {
    const x = Math.round(this.monitor.x + p.x * (this.monitor.width - 1))
    const y = Math.round(this.monitor.y + p.y * (this.monitor.height - 1))
    if (p.action === 'move') {
      // Moves are coalesced: only the latest position waiting to be sent matters.
      const first = this.pendingMove === null
      this.pendingMove = { x, y }
      if (first) this.xdotool(() => { const m = this.pendingMove!; this.pendingMove = null; return ['mousemove', String(m.x), String(m.y)] })
      return
    }
    const button = buttons[p.button ?? 0] ?? 1
    if (p.action === 'down') this.xdotool(() => ['mousemove', String(x), String(y), 'mousedown', String(button)])
    else if (p.action === 'up') this.xdotool(() => ['mousemove', String(x), String(y), 'mouseup', String(button)])
    else if (p.action === 'wheel') {
      const clicks = Math.min(10, Math.max(1, Math.round(Math.abs(p.dy ?? 1))))
      this.xdotool(() => ['mousemove', String(x), String(y), 'click', '--repeat', String(clicks), (p.dy ?? 1) < 0 ? '4' : '5'])
    }
  }

  private key(k: Extract<ViewerFrame, { t: 'key' }>) {
    const sym = keysyms[k.key]
    if (!sym && k.key.length === 1) {
      // A printable character: typed as text, so any layout gives the right character.
      if (k.action !== 'up') this.xdotool(() => ['type', '--delay', '0', '--', k.text ?? k.key])
      return
    }
    if (!sym) return
    const verb = k.action === 'down' ? 'keydown' : k.action === 'up' ? 'keyup' : 'key'
    this.xdotool(() => [verb, sym])
  }

  /** xdotool runs input commands one after another, in the order they came. */
  private xdotool(args: () => string[]) {
    this.input = this.input.then(async () => {
      try {
        const p = Bun.spawn(['xdotool', ...args()], { env: this.env(), stdout: 'ignore', stderr: 'ignore' })
        await p.exited
      } catch (err) {
        log.warn('xdotool failed', { err })
      }
    })
  }

  async stop(reason: string) {
    this.stopping = true
    if (this.adaptTimer) clearInterval(this.adaptTimer)
    this.ffmpeg?.kill('SIGKILL')
    await this.input
    this.finish({ reason })
  }
}
