// Script output as it streams in from agents. The first part (default 1 MiB) is kept inline
// on the execution row, split into stdout and stderr, for fast pages and API answers; the
// whole combined output, in arrival order, goes to a blob up to the cap (default 50 MiB),
// beyond which it is cut with a marker. Chunks are appended one at a time per execution, so
// a 50 MiB output never sits in memory, and listeners (the live output stream) get each
// chunk as it is stored. A chunk is stored once per sequence number (the agent may send one
// again after a reconnect) and only while the execution has not ended.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { addOutputBytes, appendInlineOutput, claimOutputChunk, deleteOutputChunks, executionOutputBytes } from './execution-repo'

export type OutputLimits = { inlineBytes: number; maxBytes: number }
/** The defaults (Settings → Script output changes them for new runs). */
export const outputLimits: OutputLimits = { inlineBytes: 1 << 20, maxBytes: 50 << 20 }

export type OutputChunk = { stream: 'stdout' | 'stderr'; data: string }
/** What the agent sends: a chunk with its sequence number (0, 1, 2… per execution). */
export type IncomingChunk = OutputChunk & { seq: number }
/** What became of a chunk: stored, or dropped as a duplicate or because the execution had ended. */
export type ChunkOutcome = 'stored' | 'duplicate' | 'ended'
/** offset: the execution's output bytes before this chunk (lets a reader skip what it already has). */
export type OutputEvent = { chunk: OutputChunk; offset: number } | { status: string } | { done: true }
type Listener = (event: OutputEvent) => void

type Ctx = Pick<AppContext, 'db' | 'blobs'>

const queues = new Map<string, Promise<void>>()
const listeners = new Map<string, Set<Listener>>()

export const truncationMarker = (max: number) => `\n[output truncated: it passed ${Math.round(max / (1 << 20))} MiB]\n`

export function outputBlobKey(executionId: string) {
  return `script-output/${executionId.slice(0, 2)}/${executionId}.log`
}

/** appendOutput stores one chunk (in order per execution) and hands it to live listeners. */
export function appendOutput(ctx: Ctx, executionId: string, chunk: IncomingChunk, limits: OutputLimits = outputLimits): Promise<ChunkOutcome> {
  const next = (queues.get(executionId) ?? Promise.resolve()).then(() => store(ctx, executionId, chunk, limits))
  const settled = next.then(() => {}, () => {})
  queues.set(executionId, settled)
  void settled.then(() => { if (queues.get(executionId) === settled) queues.delete(executionId) })
  return next
}

class Dropped extends Error {
  constructor(readonly outcome: ChunkOutcome) { super(outcome) }
}

async function store(ctx: Ctx, executionId: string, chunk: IncomingChunk, limits: OutputLimits): Promise<ChunkOutcome> {
  const bytes = Buffer.from(chunk.data, 'utf8')
  // The chunk's number, the byte count and the inline text commit together: a resent chunk
  // finds its number taken, and an ended execution takes nothing (the count only moves while
  // it runs), so neither is ever stored twice or late.
  let before: number
  try {
    before = await withTx(ctx.db, async (tx) => {
      if (!(await claimOutputChunk(tx, executionId, chunk.seq, bytes.length))) throw new Dropped('duplicate')
      const counted = await addOutputBytes(tx, executionId, bytes.length)
      if (counted === null) throw new Dropped('ended')
      if (counted < limits.inlineBytes) await appendInlineOutput(tx, executionId, chunk.stream, utf8Prefix(bytes, limits.inlineBytes - counted))
      return counted
    })
  } catch (err) {
    if (err instanceof Dropped) return err.outcome
    throw err
  }
  if (before >= limits.maxBytes) return 'stored'
  const kept = utf8Prefix(bytes, limits.maxBytes - before)
  const cut = kept.length < chunk.data.length
  await ctx.blobs.append(outputBlobKey(executionId), cut ? kept + truncationMarker(limits.maxBytes) : kept)
  notify(executionId, { chunk: { stream: chunk.stream, data: kept }, offset: before })
  return 'stored'
}

/** utf8Prefix: at most `max` bytes of the text, never cutting a character in half. */
function utf8Prefix(bytes: Buffer, max: number): string {
  if (bytes.length <= max) return bytes.toString('utf8')
  let end = Math.max(0, max)
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8')
}

/**
 * finishOutput runs when the execution ends: waits for queued chunks, records the size the
 * agent counted, drops the blob when the inline part already holds everything, and forgets
 * the chunk numbers (the ended execution takes no more output).
 */
export async function finishOutput(ctx: Ctx, executionId: string, agentBytes: number | null, limits: OutputLimits = outputLimits): Promise<{ outputBytes: number; truncated: boolean; blobKey: string | null }> {
  await queues.get(executionId)
  const received = await executionOutputBytes(ctx.db, executionId)
  const outputBytes = Math.max(received, agentBytes ?? 0)
  const truncated = outputBytes > limits.maxBytes
  const key = outputBlobKey(executionId)
  if (truncated && received <= limits.maxBytes) await ctx.blobs.append(key, truncationMarker(limits.maxBytes))
  const keepBlob = outputBytes > limits.inlineBytes
  if (!keepBlob) await ctx.blobs.delete(key)
  await deleteOutputChunks(ctx.db, executionId)
  notify(executionId, { done: true })
  return { outputBytes, truncated, blobKey: keepBlob ? key : null }
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
