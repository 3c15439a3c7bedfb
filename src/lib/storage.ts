// Storage failures — a full disk or quota, an I/O error, a file system gone read-only — told
// apart from every other error, whichever layer raised them (bun:sqlite, PostgreSQL, a file
// write), and the state /healthz reports while they last (issue 11, item 18).
import { AppError } from './errors'

/** Where a write failed: the database (SQLite file or PostgreSQL) or the files under the data directory (blobs). */
export type StorageArea = 'database' | 'files'

/** What the layer below said: its own code (SQLITE_FULL, 53100, ENOSPC…) and message; `full` when space ran out. */
export type StorageCause = { code: string; message: string; full: boolean }

/** Codes that mean "no space left": SQLite, PostgreSQL disk_full (53100), the OS (no space, quota exceeded). */
const fullCodes = new Set(['SQLITE_FULL', '53100', 'ENOSPC', 'EDQUOT'])
/** Codes that mean the storage failed underneath (not the statement's fault): retrying later is the answer too. */
const failedCodes = new Set(['EIO', 'EROFS', '58030' /* PostgreSQL io_error */])

/**
 * storageCause says whether `err` (or an error it wraps: drizzle wraps the driver's error in
 * `cause`) is a storage failure, and which; null for anything else.
 */
export function storageCause(err: unknown): StorageCause | null {
  let e: unknown = err
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++, e = (e as { cause?: unknown }).cause) {
    if (e instanceof StorageFullError) return e.storage
    const code = (e as { code?: unknown }).code
    if (typeof code !== 'string') continue
    const message = typeof (e as Error).message === 'string' ? (e as Error).message : code
    if (fullCodes.has(code)) return { code, message, full: true }
    // note: SQLITE_IOERR comes with extended codes (SQLITE_IOERR_WRITE, _FSYNC…); SQLITE_READONLY
    // with a file system remounted read-only under a running server.
    if (failedCodes.has(code) || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY')) return { code, message, full: false }
  }
  return null
}

/** How long a client should wait before trying a write again. */
export const storageRetryAfterSeconds = 60

/**
 * StorageFullError is the one answer to a write the storage could not take: 503 `storage_full`
 * (`storage_error` for an I/O failure) with Retry-After. The driver's error stays in `cause`.
 */
export class StorageFullError extends AppError {
  readonly retryAfterSeconds = storageRetryAfterSeconds
  constructor(readonly storage: StorageCause, readonly area: StorageArea, cause?: unknown) {
    super(503, storage.full ? 'storage_full' : 'storage_error',
      storage.full
        ? 'the server is out of storage space, so the change was not saved; try again once an administrator has freed space'
        : 'the server could not write to its storage, so the change was not saved; try again later',
      { retryAfterSeconds: storageRetryAfterSeconds, cause: storage.code })
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause
  }
}

/** asStorageError returns `err` as a StorageFullError when it is a storage failure, else `err` unchanged. */
export function asStorageError(err: unknown, area: StorageArea): unknown {
  if (err instanceof StorageFullError) return err
  const cause = storageCause(err)
  return cause ? new StorageFullError(cause, area, err) : err
}

export type StorageFailure = { area: StorageArea; code: string; message: string; full: boolean; since: number }
export type StorageListener = {
  /** Every storage failure (for a counter). */
  error?(area: StorageArea, cause: StorageCause): void
  /** The first failure of an area after it worked: writes there fail until it recovers. */
  degraded?(failure: StorageFailure): void
  /** A write succeeded again in an area that was failing. */
  recovered?(failure: StorageFailure, seconds: number): void
}

/**
 * StorageState remembers which areas are failing, from the first failed write until a write
 * succeeds there again (the database layer and the blob store report both). One per server
 * process; /healthz, /readyz and /metrics read it.
 */
export class StorageState {
  private failures = new Map<StorageArea, StorageFailure>()
  /** Errors counted already (a PostgreSQL statement's error fails its transaction too). */
  private seen = new WeakSet<object>()
  listener: StorageListener = {}

  /** failing is true while any area is (a cheap check for the hot paths). */
  get failing(): boolean { return this.failures.size > 0 }

  get current(): StorageFailure[] { return [...this.failures.values()] }

  /** failed records `err` when it is a storage failure and returns its cause (null otherwise). */
  failed(area: StorageArea, err: unknown): StorageCause | null {
    const cause = storageCause(err)
    if (!cause) return null
    if (typeof err === 'object' && err !== null) {
      if (this.seen.has(err)) return cause
      this.seen.add(err)
    }
    this.listener.error?.(area, cause)
    if (!this.failures.has(area)) {
      const failure = { area, ...cause, since: Date.now() }
      this.failures.set(area, failure)
      this.listener.degraded?.(failure)
    }
    return cause
  }

  /** succeeded records that a write to `area` went through (O(1) when nothing is failing). */
  succeeded(area: StorageArea) {
    if (this.failures.size === 0) return
    const failure = this.failures.get(area)
    if (!failure) return
    this.failures.delete(area)
    this.listener.recovered?.(failure, (Date.now() - failure.since) / 1000)
  }
}
