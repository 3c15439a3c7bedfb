// Script output as it streams in from agents. The first part (default 1 MiB) is kept inline
// on the execution row, split into stdout and stderr, for fast pages and API answers; the
// whole combined output, in arrival order, goes to a blob up to the cap (default 10 MiB),
// beyond which it is cut with a marker. Chunks are appended one at a time per execution, so
// a 50 MiB output never sits in memory, and listeners (the live output stream) get each
// chunk as it is stored. A chunk is stored once per sequence number (the agent may send one
// again after a reconnect) and only while the execution has not ended.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { addOutputBytes, appendInlineOutput, claimOutputChunks, deleteOutputChunks, executionOutputBytes, takenOutputChunks } from './execution-repo'

export type OutputLimits = { inlineBytes: number; maxBytes: number }
/** The defaults (Settings → Script output changes them for new runs; a script may set its own cap). */
export const outputLimits: OutputLimits = { inlineBytes: 1 << 20, maxBytes: 10 << 20 }

export type OutputChunk = { stream: 'stdout' | 'stderr'; data: string }
/** What the agent sends: a chunk with its sequence number (0, 1, 2… per execution). */
export type IncomingChunk = OutputChunk & { seq: number }
/** What became of a chunk: stored, or dropped as a duplicate or because the execution had ended. */
export type ChunkOutcome = 'stored' | 'duplicate' | 'ended'
/** offset: the execution's output bytes before this chunk (lets a reader skip what it already has). */
export type OutputEvent = { chunk: OutputChunk; offset: number } | { status: string } | { done: true }
type Listener = (event: OutputEvent) => void

type Ctx = Pick<AppContext, 'db' | 'blobs'>

type Pending = { chunk: IncomingChunk; limits: OutputLimits; resolve(outcome: ChunkOutcome): void; reject(err: unknown): void }
/** Chunks waiting to be stored, per execution, and the one worker storing them in order. */
const pending = new Map<string, Pending[]>()
const workers = new Map<string, Promise<void>>()
/**
 * At most this much goes into one transaction (fewer commits when chunks come faster than they
 * are stored). Also the largest burst live readers get at once: well under their budget
 * (src/web/sse.ts), so a reader that keeps up is never cut off by a burst.
 */
const batchBytes = 256 * 1024
const listeners = new Map<string, Set<Listener>>()
/**
 * The output byte count of executions whose worker is running, as its last commit left it: the
 * blob offsets of the next batch without a read. The transaction checks it (Moved otherwise).
 */
const knownBytes = new Map<string, number>()

export const truncationMarker = (max: number) => `\n[output truncated: it passed ${Math.round(max / (1 << 20))} MiB]\n`

export function outputBlobKey(executionId: string) {
  return `script-output/${executionId.slice(0, 2)}/${executionId}.log`
}

/**
 * appendOutput stores one chunk (in order per execution) and hands it to live listeners; the
 * promise settles once it is stored (or dropped). Chunks that arrive while earlier ones are
 * being written are stored together in the next transaction.
 */
export function appendOutput(ctx: Ctx, executionId: string, chunk: IncomingChunk, limits: OutputLimits = outputLimits): Promise<ChunkOutcome> {
  return new Promise((resolve, reject) => {
    const list = pending.get(executionId) ?? []
    list.push({ chunk, limits, resolve, reject })
    pending.set(executionId, list)
    if (!workers.has(executionId)) workers.set(executionId, drain(ctx, executionId))
  })
}

async function drain(ctx: Ctx, executionId: string) {
  for (;;) {
    const list = pending.get(executionId)
    if (!list?.length) {
      // note: both go in the same turn, so a chunk added later starts a new worker.
      pending.delete(executionId)
      workers.delete(executionId)
      knownBytes.delete(executionId)
      return
    }
    let count = 0
    for (let bytes = 0; count < list.length && (count === 0 || bytes + list[count].chunk.data.length <= batchBytes); count++) bytes += list[count].chunk.data.length
    const batch = list.splice(0, count)
    try {
      const outcomes = await storeBatch(ctx, executionId, batch)
      batch.forEach((p, i) => p.resolve(outcomes[i]))
    } catch (err) {
      for (const p of batch) p.reject(err)
    }
  }
}

class Ended extends Error {}
/** Another writer stored output of this execution between the look and the transaction. */
class Moved extends Error {}

/**
 * storeBatch stores chunks of one execution. Their numbers, the byte count and the inline
 * text commit together: a resent chunk finds its number taken, and an ended execution takes
 * nothing (the count only moves while it runs), so no chunk is stored twice or late.
 *
 * The blob is written first (no file I/O inside a transaction) at the offsets the numbers and
 * count just read give; the transaction then claims exactly those chunks at exactly that
 * count or the blob is cut back — so when either write fails (a full disk: ENOSPC on the
 * blob, SQLITE_FULL on the commit) nothing of the batch is stored anywhere, it is not
 * acknowledged, and the chunks stored again later are whole.
 */
async function storeBatch(ctx: Ctx, executionId: string, batch: Pending[]): Promise<ChunkOutcome[]> {
  const limits = batch[0].limits
  // note: sizes are counted, not encoded; a chunk is copied only where a limit cuts it.
  const sizes = batch.map((p) => Buffer.byteLength(p.chunk.data, 'utf8'))
  const firstOfSeq = new Map<number, number>()
  batch.forEach((p, i) => { if (!firstOfSeq.has(p.chunk.seq)) firstOfSeq.set(p.chunk.seq, i) })
  const key = outputBlobKey(executionId)
  // note: chunk numbers are taken to be new until the claim says otherwise (a resend: rare).
  let taken = new Set<number>()
  for (let attempt = 1; ; attempt++) {
    const outcomes: ChunkOutcome[] = batch.map(() => 'duplicate')
    const fresh = [...firstOfSeq].filter(([seq]) => !taken.has(seq)).map(([, i]) => i).sort((a, b) => a - b)
    if (fresh.length === 0) return outcomes
    const counted = knownBytes.get(executionId) ?? await executionOutputBytes(ctx.db, executionId)
    let offset = counted
    const stored = fresh.map((index) => { const at = offset; offset += sizes[index]; return { index, offset: at } })
    const pieces: string[] = []
    const events: OutputEvent[] = []
    for (const { index, offset: at } of stored) {
      outcomes[index] = 'stored'
      if (at >= limits.maxBytes) continue
      const { data, stream } = batch[index].chunk
      const kept = utf8Prefix(data, sizes[index], limits.maxBytes - at)
      pieces.push(kept)
      if (kept !== data) pieces.push(truncationMarker(limits.maxBytes))
      events.push({ chunk: { stream, data: kept }, offset: at })
    }
    const total = fresh.reduce((n, i) => n + sizes[i], 0)
    const blobBefore = pieces.length ? await ctx.blobs.append(key, pieces) : null
    try {
      await withTx(ctx.db, async (tx) => {
        const claimed = await claimOutputChunks(tx, executionId, fresh.map((i) => ({ seq: batch[i].chunk.seq, bytes: sizes[i] })))
        if (claimed.size !== fresh.length) throw new Moved()
        const before = await addOutputBytes(tx, executionId, total)
        if (before === null) throw new Ended()
        if (before !== counted) throw new Moved()
        const inline = { stdout: '', stderr: '' }
        for (const { index, offset: at } of stored) {
          if (at < limits.inlineBytes) inline[batch[index].chunk.stream] += utf8Prefix(batch[index].chunk.data, sizes[index], limits.inlineBytes - at)
        }
        for (const stream of ['stdout', 'stderr'] as const) if (inline[stream]) await appendInlineOutput(tx, executionId, stream, inline[stream])
      })
    } catch (err) {
      knownBytes.delete(executionId)
      if (blobBefore !== null) await (blobBefore === 0 ? ctx.blobs.delete(key) : ctx.blobs.truncate(key, blobBefore)).catch(() => {})
      if (err instanceof Ended) return batch.map(() => 'ended')
      if (!(err instanceof Moved) || attempt >= 5) throw err
      // A resent chunk, or another writer (a second server) stored output meanwhile: look, then plan again.
      taken = await takenOutputChunks(ctx.db, executionId, [...firstOfSeq.keys()])
      continue
    }
    knownBytes.set(executionId, counted + total)
    for (const event of events) notify(executionId, event)
    return outcomes
  }
}

/** utf8Prefix: at most `max` bytes of `text` (`size` bytes long), never cutting a character in half. */
function utf8Prefix(text: string, size: number, max: number): string {
  if (size <= max) return text
  const bytes = Buffer.from(text, 'utf8')
  let end = Math.max(0, max)
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8')
}

/**
 * finishOutput runs when the execution ends: waits for queued chunks, records the size the
 * agent counted, drops the blob when the inline part already holds everything, and forgets
 * the chunk numbers (the ended execution takes no more output).
 */
export async function finishOutput(ctx: Ctx, executionId: string, agentBytes: number | null, limits: OutputLimits = outputLimits): Promise<OutputSummary> {
  while (workers.has(executionId)) await workers.get(executionId)
  const received = await executionOutputBytes(ctx.db, executionId)
  const summary = outputSummary(executionId, received, agentBytes, limits)
  const key = outputBlobKey(executionId)
  if (summary.truncated && received <= limits.maxBytes) await ctx.blobs.append(key, truncationMarker(limits.maxBytes))
  if (!summary.blobKey) await ctx.blobs.delete(key)
  await deleteOutputChunks(ctx.db, executionId)
  notify(executionId, { done: true })
  return summary
}

export type OutputSummary = { outputBytes: number; truncated: boolean; blobKey: string | null }

/** outputSummary: what an ended execution records about its output, from the bytes stored and those the agent counted. */
export function outputSummary(executionId: string, received: number, agentBytes: number | null, limits: OutputLimits): OutputSummary {
  const outputBytes = Math.max(received, agentBytes ?? 0)
  return { outputBytes, truncated: outputBytes > limits.maxBytes, blobKey: outputBytes > limits.inlineBytes ? outputBlobKey(executionId) : null }
}

/** onOutput subscribes to an execution's chunks as they are stored; returns the unsubscribe. */
export function onOutput(executionId: string, listener: Listener): () => void {
  const set = listeners.get(executionId) ?? new Set()
  set.add(listener)
  listeners.set(executionId, set)
  return () => {
    set.delete(listener)
    if (set.size === 0) listeners.delete(executionId)
  }
}

/** notifyStatus tells live listeners the execution moved (queued → running), so pages swap their status. */
export function notifyStatus(executionId: string, status: string) {
  notify(executionId, { status })
}

function notify(executionId: string, event: Parameters<Listener>[0]) {
  for (const listener of listeners.get(executionId) ?? []) listener(event)
}
