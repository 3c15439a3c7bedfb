// Streamed downloads (CSV and JSON exports). The first chunk is made before the response
// starts, so a bad parameter or a missing permission is an ordinary error answer, never a 200
// cut off by a reset. The rest is pulled as the client reads (src/web/pull-stream.ts: bounded
// memory however slow the reader); a failure after the first byte is logged as a structured
// entry and aborts the download, so the client sees an error instead of a silently short file.
import type { Logger } from '../lib/log'
import { pullStream } from './pull-stream'

/** streamDownload answers with `chunks` as the body; it throws what the first chunk throws. */
export async function streamDownload(log: Logger, chunks: AsyncIterable<string>, headers: Record<string, string>): Promise<Response> {
  const it = chunks[Symbol.asyncIterator]()
  const first = await it.next()
  async function* all() {
    try {
      if (first.done) return
      yield first.value
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value
    } catch (err) {
      log.error('download failed', { err })
      throw err
    } finally {
      await it.return?.(undefined)
    }
  }
  return new Response(pullStream(all()), { headers: { 'cache-control': 'no-store', ...headers } })
}
