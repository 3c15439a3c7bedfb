// The file manager on the endpoint: browse, create folders, rename, delete, and move files
// both ways in chunks with flow control. Uploads land in a hidden part file next to their
// target (resumable: a new begin with the same transfer id continues from its size), are
// checked against the sender's SHA-256 and only then renamed into place; a disk without room
// for the file refuses it before a byte is written. Downloads stream from any offset and end
// with the file's SHA-256. Every path goes through ./paths.ts.
import { createHash, type Hash } from 'node:crypto'
import { createReadStream, statfsSync } from 'node:fs'
import { lstat, mkdir, open, readdir, readlink, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises'
import { binaryKind, encodeChunk, remoteLimits, type DecodedBinary, type FsEntry, type ViewerFrame } from '../../../src/protocol/remote'
import { log } from '../log'
import { PathPolicy, PathRefused } from './paths'
import type { SessionEnd, SessionHandler, SessionIo, ViewerRef } from './types'

type Upload = {
  key: string; transferId: string; from: ViewerRef; path: string; part: string; size: number; offset: number
  fh: FileHandle; hash: Hash; writing: Promise<void>; failed: string | null; lastReport: number; lastAck: number
}
type Download = { key: string; transferId: string; from: ViewerRef; path: string; size: number; sent: number; acked: number; cancelled: boolean; wake: (() => void) | null; lastReport: number }

const ackEvery = 1024 * 1024
const reportEveryMs = 2_000

function mode(m: number): string {
  const bits = 'rwxrwxrwx'
  let out = ''
  for (let i = 0; i < 9; i++) out += m & (1 << (8 - i)) ? bits[i] : '-'
  return out
}

/** hashFile feeds the first `length` bytes of a file to `hash` (resumed transfers re-hash what is already there). */
function hashFile(file: string, hash: Hash, length: number): Promise<void> {
  if (length === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 }).on('data', (d) => hash.update(d as Buffer)).on('end', () => resolve()).on('error', reject)
  })
}

export class FilesHandler implements SessionHandler {
  private policy: PathPolicy
  private uploads = new Map<string, Upload>()
  private downloads = new Map<string, Download>()
  private finish!: (end: SessionEnd) => void
  readonly ended = new Promise<SessionEnd>((resolve) => { this.finish = resolve })

  constructor(private io: SessionIo) {
    this.policy = new PathPolicy(io.payload.fileRoots)
  }

  async start() {
    this.io.broadcast({ t: 'ready', kind: 'files', os: process.platform, home: this.policy.listRoots()[0] ?? null })
  }

  text(frame: ViewerFrame, from: ViewerRef) {
    if (from.viewOnly && frame.t !== 'ping') return
    switch (frame.t) {
      case 'fs': return void this.fs(frame, from)
      case 'up.begin': return void this.beginUpload(frame, from)
      case 'up.end': return void this.endUpload(`${from.viewer}:${frame.handle}`, frame.sha256)
      case 'up.cancel': return void this.cancelUpload(`${from.viewer}:${frame.handle}`)
      case 'down.begin': return void this.beginDownload(frame, from)
      case 'down.ack': {
        const d = this.downloads.get(`${from.viewer}:${frame.handle}`)
        if (d && frame.offset > d.acked) { d.acked = frame.offset; d.wake?.() }
        return
      }
      case 'down.cancel': {
        const d = this.downloads.get(`${from.viewer}:${frame.handle}`)
        if (d) { d.cancelled = true; d.wake?.() }
        return
      }
      case 'ping': return from.send({ t: 'pong', at: frame.at })
      default: return from.send({ t: 'error', message: `the file manager does not take "${frame.t}"` })
    }
  }

  binary(frame: DecodedBinary, from: ViewerRef) {
    if (frame.kind !== binaryKind.upload || from.viewOnly) return
    const u = this.uploads.get(`${from.viewer}:${frame.handle}`)
    if (!u || u.failed) return
    if (frame.offset !== u.offset) return from.send({ t: 'up.ack', handle: frame.handle, offset: u.offset })
    if (u.offset + frame.data.length > u.size) return this.failUpload(u, 'more data than the announced size')
    const data = Buffer.from(frame.data)
    u.offset += data.length
    u.hash.update(data)
    const at = u.offset - data.length
    u.writing = u.writing.then(async () => {
      if (u.failed) return
      try {
        await u.fh.write(data, 0, data.length, at)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        return this.failUpload(u, code === 'ENOSPC' ? 'the disk is full' : `writing failed: ${(err as Error).message}`)
      }
      if (at + data.length - u.lastAck >= ackEvery || at + data.length === u.size) {
        u.lastAck = at + data.length
        u.from.send({ t: 'up.ack', handle: Number(u.key.split(':')[1]), offset: u.lastAck })
      }
      this.report(u, 'upload', 'transferring', false)
    })
  }

  // ---- browsing ----

  private async fs(f: Extract<ViewerFrame, { t: 'fs' }>, from: ViewerRef) {
    try {
      from.send({ t: 'reply', id: f.id, ok: true, result: await this.fsOp(f) })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const message = err instanceof PathRefused ? err.message : e.code === 'ENOENT' ? 'no such file or folder' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOTEMPTY' ? 'the folder is not empty' : e.code === 'EEXIST' ? 'it already exists' : e.message
      from.send({ t: 'reply', id: f.id, ok: false, error: message })
    }
  }

  private async fsOp(f: Extract<ViewerFrame, { t: 'fs' }>): Promise<unknown> {
    const need = (p: string | undefined) => { if (!p) throw new PathRefused('a path is needed'); return this.policy.check(p) }
    switch (f.op) {
      case 'roots': return { roots: this.policy.listRoots(), restricted: !this.policy.unrestricted }
      case 'list': {
        const dir = need(f.path)
        const names = await readdir(dir)
        const entries: FsEntry[] = []
        for (const name of names.sort((a, b) => a.localeCompare(b))) {
          if (/^\..*\.breeze-part-/.test(name)) continue
          entries.push(await this.entry(this.policy.join(dir, name), name))
        }
        return { path: dir, entries }
      }
      case 'stat': {
        const target = need(f.path)
        return this.entry(target, this.policy.basename(target))
      }
      case 'mkdir': {
        const dir = need(f.path)
        await mkdir(dir)
        return { path: dir }
      }
      case 'rename': {
        const from = need(f.path)
        const to = need(f.to)
        if (await lstat(to).then(() => true, () => false)) throw Object.assign(new Error('exists'), { code: 'EEXIST' })
        await rename(from, to)
        return { path: to }
      }
      case 'delete': {
        const target = need(f.path)
        const info = await lstat(target)
        if (info.isDirectory()) await (f.recursive === true ? rm(target, { recursive: true }) : rmdir(target))
        else await unlink(target)
        return { path: target }
      }
    }
  }

  private async entry(full: string, name: string): Promise<FsEntry> {
    try {
      const l = await lstat(full)
      if (l.isSymbolicLink()) {
        const target = await readlink(full).catch(() => null)
        const s = await stat(full).catch(() => null)
        return { name, type: 'link', size: s?.size ?? 0, mtime: l.mtimeMs, mode: mode(l.mode), target }
      }
      return { name, type: l.isDirectory() ? 'dir' : l.isFile() ? 'file' : 'other', size: l.size, mtime: l.mtimeMs, mode: mode(l.mode) }
    } catch {
      return { name, type: 'other', size: 0, mtime: 0, mode: '---------' }
    }
  }

  // ---- uploads ----

  private async beginUpload(f: Extract<ViewerFrame, { t: 'up.begin' }>, from: ViewerRef) {
    const key = `${from.viewer}:${f.handle}`
    const transferId = f.transferId ?? `${from.viewer}-${f.handle}-${Date.now()}`
    const refuse = (error: string) => {
      from.send({ t: 'up.error', handle: f.handle, error })
      this.io.toServer({ t: 'transfer', transferId, direction: 'upload', path: f.path, size: f.size, transferred: 0, status: 'failed', error, via: from.path })
    }
    let target: string
    try { target = this.policy.check(f.path) } catch (err) { return refuse((err as Error).message) }
    const dir = this.policy.dirname(target)
    const exists = await lstat(target).then((s) => s, () => null)
    if (exists?.isDirectory()) return refuse('a folder of that name exists')
    if (exists && !f.overwrite) return refuse('a file of that name exists (choose to overwrite it)')
    const dirInfo = await stat(dir).catch(() => null)
    if (!dirInfo?.isDirectory()) return refuse('the folder does not exist')
    // A transfer resumed over another connection takes over the part file.
    for (const other of this.uploads.values()) if (other.transferId === transferId) await this.closeUpload(other)
    const part = this.policy.join(dir, `.${this.policy.basename(target)}.breeze-part-${transferId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64)}`)
    const have = await stat(part).then((s) => s.size, () => 0)
    const offset = have <= f.size ? have : 0
    try {
      const free = statfsSync(dir)
      const available = Number(free.bavail) * Number(free.bsize)
      if (f.size - offset > available) {
        await unlink(part).catch(() => {})
        return refuse(`not enough free space: the file needs ${f.size - offset} bytes, the disk has ${available}`)
      }
    } catch (err) {
      log.warn('could not check free space', { dir, err })
    }
    let fh: FileHandle
    try {
      fh = await open(part, offset === 0 ? 'w' : 'r+', 0o600)
    } catch (err) {
      return refuse(`could not create the file: ${(err as Error).message}`)
    }
    const hash = createHash('sha256')
    await hashFile(part, hash, offset)
    const u: Upload = { key, transferId, from, path: target, part, size: f.size, offset, fh, hash, writing: Promise.resolve(), failed: null, lastReport: 0, lastAck: offset }
    this.uploads.set(key, u)
    from.send({ t: 'up.ready', handle: f.handle, offset, path: target })
    this.report(u, 'upload', 'transferring', true)
    if (f.size === 0) u.from.send({ t: 'up.ack', handle: f.handle, offset: 0 })
  }

  private async endUpload(key: string, sha256: string) {
    const u = this.uploads.get(key)
    if (!u) return
    await u.writing
    if (u.failed) return
    const handle = Number(key.split(':')[1])
    if (u.offset !== u.size) return u.from.send({ t: 'up.error', handle, error: `only ${u.offset} of ${u.size} bytes arrived` })
    const digest = u.hash.digest('hex')
    this.uploads.delete(key)
    await u.fh.sync().catch(() => {})
    await u.fh.close().catch(() => {})
    if (digest !== sha256) {
      await unlink(u.part).catch(() => {})
      u.from.send({ t: 'up.error', handle, error: `SHA-256 mismatch: sent ${sha256}, arrived ${digest}; the file was discarded` })
      return this.report(u, 'upload', 'failed', true, 'SHA-256 mismatch', digest)
    }
    try {
      await rename(u.part, u.path)
    } catch (err) {
      await unlink(u.part).catch(() => {})
      u.from.send({ t: 'up.error', handle, error: `could not put the file in place: ${(err as Error).message}` })
      return this.report(u, 'upload', 'failed', true, (err as Error).message)
    }
    u.from.send({ t: 'up.done', handle, sha256: digest, path: u.path, size: u.size })
    this.report(u, 'upload', 'completed', true, null, digest)
  }

  private async failUpload(u: Upload, error: string) {
    if (u.failed) return
    u.failed = error
    this.uploads.delete(u.key)
    await u.fh.close().catch(() => {})
    await unlink(u.part).catch(() => {})
    u.from.send({ t: 'up.error', handle: Number(u.key.split(':')[1]), error })
    this.report(u, 'upload', 'failed', true, error)
  }

  private async cancelUpload(key: string) {
    const u = this.uploads.get(key)
    if (!u) return
    u.failed = 'cancelled'
    this.uploads.delete(key)
    await u.writing
    await u.fh.close().catch(() => {})
    await unlink(u.part).catch(() => {})
    this.report(u, 'upload', 'cancelled', true)
  }

  /** closeUpload lets go of an upload without deleting its part (its viewer left; it may resume). */
  private async closeUpload(u: Upload) {
    this.uploads.delete(u.key)
    u.failed = 'detached'
    await u.writing
    await u.fh.close().catch(() => {})
  }

  // ---- downloads ----

  private async beginDownload(f: Extract<ViewerFrame, { t: 'down.begin' }>, from: ViewerRef) {
    const transferId = f.transferId ?? `${from.viewer}-${f.handle}-${Date.now()}`
    let source: string
    let size: number
    try {
      source = this.policy.check(f.path)
      const info = await stat(source)
      if (!info.isFile()) throw new PathRefused('only files can be downloaded')
      size = info.size
    } catch (err) {
      const message = err instanceof PathRefused ? err.message : (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
      from.send({ t: 'down.error', handle: f.handle, error: message })
      return this.io.toServer({ t: 'transfer', transferId, direction: 'download', path: f.path, size: null, transferred: 0, status: 'failed', error: message, via: from.path })
    }
    const offset = Math.min(f.offset ?? 0, size)
    const d: Download = { key: `${from.viewer}:${f.handle}`, transferId, from, path: source, size, sent: offset, acked: offset, cancelled: false, wake: null, lastReport: 0 }
    this.downloads.get(d.key)?.wake?.()
    this.downloads.set(d.key, d)
    from.send({ t: 'down.info', handle: f.handle, size, path: source, offset })
    this.report(d, 'download', 'transferring', true)
    try {
      const hash = createHash('sha256')
      await hashFile(source, hash, offset)
      const fh = await open(source, 'r')
      try {
        const buffer = Buffer.allocUnsafe(remoteLimits.fileChunk)
        while (d.sent < size && !d.cancelled) {
          while (!d.cancelled && (d.sent - d.acked >= remoteLimits.transferWindow || from.buffered() > remoteLimits.transferWindow)) {
            await new Promise<void>((resolve) => { d.wake = resolve; setTimeout(resolve, 200) })
            d.wake = null
          }
          if (d.cancelled) break
          const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, size - d.sent), d.sent)
          if (bytesRead === 0) throw new Error('the file got shorter while it was read')
          const chunk = buffer.subarray(0, bytesRead)
          hash.update(chunk)
          from.sendBinary(encodeChunk(binaryKind.download, from.viewer, f.handle, d.sent, chunk))
          d.sent += bytesRead
          this.report(d, 'download', 'transferring', false)
        }
      } finally {
        await fh.close()
      }
      if (d.cancelled) return this.report(d, 'download', 'cancelled', true)
      const digest = hash.digest('hex')
      from.send({ t: 'down.end', handle: f.handle, sha256: digest, size })
      this.report(d, 'download', 'completed', true, null, digest)
    } catch (err) {
      from.send({ t: 'down.error', handle: f.handle, error: (err as Error).message })
      this.report(d, 'download', 'failed', true, (err as Error).message)
    } finally {
      if (this.downloads.get(d.key) === d) this.downloads.delete(d.key)
    }
  }

  /** report tells the server (transfer history) at the start, every few seconds, and at the end. */
  private report(x: Upload | Download, direction: 'upload' | 'download', status: 'transferring' | 'completed' | 'failed' | 'cancelled', force: boolean, error: string | null = null, sha256: string | null = null) {
    const now = Date.now()
    if (!force && now - x.lastReport < reportEveryMs) return
    x.lastReport = now
    const transferred = direction === 'upload' ? (x as Upload).offset : (x as Download).sent
    this.io.toServer({ t: 'transfer', transferId: x.transferId, direction, path: x.path, size: x.size, transferred, status, sha256, error, via: x.from.path })
  }

  viewerGone(viewer: number) {
    for (const u of [...this.uploads.values()]) if (u.from.viewer === viewer) void this.closeUpload(u)
    for (const d of this.downloads.values()) if (d.from.viewer === viewer) { d.cancelled = true; d.wake?.() }
  }

  async stop(reason: string) {
    for (const u of [...this.uploads.values()]) await this.closeUpload(u)
    for (const d of this.downloads.values()) { d.cancelled = true; d.wake?.() }
    this.finish({ reason })
  }
}
