// Terminal recordings in asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a
// JSON header line, then one `[seconds, "o", text]` line per output chunk and
// `[seconds, "r", "COLSxROWS"]` per resize. Written to a blob as the session runs (appended
// every second), so a crash loses at most a second. Keystrokes are not recorded: what the
// terminal echoes is, passwords typed at a prompt are not.
import type { AppContext } from '../context'
import { newId } from '../lib/ids'
import { insertRecording, updateRecording, type RecordingRow } from './repo'
import { storageCause } from '../lib/storage'

/** Output beyond this per recording is not kept (a marker says so). */
const maxBytes = 200 * 1024 * 1024
const flushEveryMs = 1_000
const flushAtBytes = 64 * 1024

type Ctx = Pick<AppContext, 'db' | 'blobs' | 'clock' | 'log'>

export class Recorder {
  private decoder = new TextDecoder('utf-8', { fatal: false })
  private pending: string[] = []
  private pendingBytes = 0
  private written = 0
  private started = performance.now()
  private timer: Timer | null = null
  private writing: Promise<void> = Promise.resolve()
  private full = false
  private closed = false

  private constructor(private ctx: Ctx, readonly row: RecordingRow) {}

  /** start creates the recording row and writes the asciicast header. */
  static async start(ctx: Ctx, s: { sessionId: string; orgId: string; deviceId: string; userId: string; cols: number; rows: number; shell: string | null; title: string; retentionDays: number }): Promise<Recorder> {
    const now = ctx.clock.now()
    const row: RecordingRow = {
      id: newId(), sessionId: s.sessionId, orgId: s.orgId, deviceId: s.deviceId, userId: s.userId,
      blobKey: `remote/recordings/${new Date(now).toISOString().slice(0, 7)}/${s.sessionId}.cast`,
      bytes: 0, durationMs: 0, cols: s.cols, rows: s.rows, startedAt: now, endedAt: null, expiresAt: now + s.retentionDays * 86_400_000,
    }
    await insertRecording(ctx.db, row)
    const r = new Recorder(ctx, row)
    const header = { version: 2, width: s.cols, height: s.rows, timestamp: Math.floor(now / 1000), title: s.title, env: { TERM: 'xterm-256color', SHELL: s.shell ?? '' } }
    r.push(JSON.stringify(header) + '\n')
    r.timer = setInterval(() => r.flush(), flushEveryMs)
    return r
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.started) * 1000) / 1_000_000
  }

  private push(line: string) {
    if (this.closed) return
    this.pending.push(line)
    this.pendingBytes += line.length
    if (this.pendingBytes >= flushAtBytes) this.flush()
  }

  output(data: Uint8Array) {
    if (this.full) return
    const text = this.decoder.decode(data, { stream: true })
    if (!text) return
    if (this.written + this.pendingBytes + text.length > maxBytes) {
      this.full = true
      this.push(JSON.stringify([this.elapsed(), 'o', '\r\n[recording stopped: size limit reached]\r\n']) + '\n')
      return
    }
    this.push(JSON.stringify([this.elapsed(), 'o', text]) + '\n')
  }

  resize(cols: number, rows: number) {
    this.push(JSON.stringify([this.elapsed(), 'r', `${cols}x${rows}`]) + '\n')
  }

  private flush() {
    if (this.pending.length === 0) return
    const chunk = this.pending.join('')
    this.pending = []
    this.pendingBytes = 0
    const bytes = Buffer.byteLength(chunk)
    this.writing = this.writing.then(async () => {
      try {
        await this.ctx.blobs.append(this.row.blobKey, chunk)
        this.written += bytes
      } catch (err) {
        // note: a full disk is logged once (server.ts watchStorage); the blob store left no half line.
        if (storageCause(err)) this.ctx.log.debug('recording write refused: storage failing', { sessionId: this.row.sessionId })
        else this.ctx.log.error('recording write failed', { sessionId: this.row.sessionId, err })
      }
    })
  }

  /** close writes what is left and records the size and duration. */
  async close() {
    if (this.closed) return
    const tail = this.decoder.decode()
    if (tail && !this.full) this.push(JSON.stringify([this.elapsed(), 'o', tail]) + '\n')
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.flush()
    await this.writing
    await updateRecording(this.ctx.db, this.row.id, { bytes: this.written, durationMs: Math.round(performance.now() - this.started), endedAt: this.ctx.clock.now() })
  }
}
