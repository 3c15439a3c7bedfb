// Blob storage for large things (command output, file transfers, recordings, agent builds):
// files under <data dir>/blobs. Keys are slash-separated names chosen by the server, never
// by a client, and are checked so that no key escapes the folder. A write the disk cannot
// take (ENOSPC, EDQUOT, EIO) leaves nothing behind — no half blob, no half-appended piece —
// and throws StorageFullError (503 storage_full); the storage state hears of it and of the
// next write that succeeds.
import { mkdir, open, readdir, rename, rm, stat, truncate } from 'node:fs/promises'
import path from 'node:path'
import { asStorageError, StorageState } from '../lib/storage'

export class BlobStore {
  constructor(readonly root: string, readonly storage = new StorageState()) {}

  /** written runs a write, reporting its outcome to the storage state; `undo` removes what a failed one left. */
  private async written<T>(write: () => Promise<T>, undo: () => Promise<unknown>): Promise<T> {
    try {
      const result = await write()
      this.storage.succeeded('files')
      return result
    } catch (err) {
      if (!this.storage.failed('files', err)) throw err
      await undo().catch(() => {})
      throw asStorageError(err, 'files')
    }
  }

  private file(key: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(key) || key.includes('..')) throw new Error(`invalid blob key: ${key}`)
    return path.join(this.root, key)
  }

  /** put writes atomically: a temp file renamed into place, so readers never see half a blob. */
  async put(key: string, data: Blob | Uint8Array | string | ReadableStream): Promise<number> {
    const file = this.file(key)
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    return this.written(async () => {
      await mkdir(path.dirname(file), { recursive: true })
      const written = await Bun.write(tmp, (data instanceof ReadableStream ? new Response(data) : data) as Blob)
      await rename(tmp, file)
      return written
    }, () => rm(tmp, { force: true }))
  }

  /**
   * append adds to the end of a blob, creating it (for output that arrives in pieces); several
   * pieces are written in order with one open. Returns the blob's size before, for truncate.
   */
  async append(key: string, data: Uint8Array | string | (Uint8Array | string)[]): Promise<number> {
    const file = this.file(key)
    // note: what a failed append wrote in part is cut off again (truncating needs no space).
    let before: number | null = null
    return this.written(async () => {
      await mkdir(path.dirname(file), { recursive: true })
      const handle = await open(file, 'a')
      try {
        before = (await handle.stat()).size
        for (const piece of Array.isArray(data) ? data : [data]) await (typeof piece === 'string' ? handle.write(piece) : handle.write(piece))
      } finally {
        await handle.close()
      }
      return before
    }, async () => { if (before === 0) await rm(file, { force: true }); else if (before !== null) await truncate(file, before) })
  }

  /** truncate cuts a blob back to `size` bytes (undoing an append whose change did not commit). */
  async truncate(key: string, size: number) {
    await truncate(this.file(key), size)
  }

  /** get returns the blob as a lazy file handle, or null when it does not exist. */
  async get(key: string) {
    const f = Bun.file(this.file(key))
    return (await f.exists()) ? f : null
  }

  async delete(key: string) {
    await rm(this.file(key), { force: true })
  }

  async size(key: string): Promise<number | null> {
    try { return (await stat(this.file(key))).size } catch { return null }
  }

  /** keys lists every blob key under the store (backup). */
  async keys(): Promise<string[]> {
    try {
      const entries = await readdir(this.root, { recursive: true, withFileTypes: true })
      return entries.filter((e) => e.isFile() && !e.name.includes('.tmp-')).map((e) => path.relative(this.root, path.join(e.parentPath, e.name)))
    } catch {
      return []
    }
  }
}
