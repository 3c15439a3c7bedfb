// Streaming responses built from a generator: the next piece is produced only when the
// client's socket has taken what came before (a pull stream with a byte high-water mark), so
// a download that is read slowly, or not at all, holds at most the high-water mark in
// memory however large it is. Used for exports (audit log, device CSV).
const encoder = new TextEncoder()

/** pullStream turns `source` into a byte stream that pulls one piece at a time, on demand. */
export function pullStream(source: AsyncIterable<string | Uint8Array>, highWaterBytes = 256 * 1024): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await it.next()
        if (done) controller.close()
        else controller.enqueue(typeof value === 'string' ? encoder.encode(value) : value)
      } catch (err) {
        controller.error(err)
      }
    },
    async cancel() {
      await it.return?.()
    },
  }, { highWaterMark: highWaterBytes, size: (chunk) => chunk?.byteLength ?? 0 })
}
