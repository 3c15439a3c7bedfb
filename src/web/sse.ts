// Server-sent event streams: one helper for every stream the pages open (the live hub, a
// script's output). The stream sends a keep-alive comment every 25 s and runs the cleanup
// exactly once when the browser goes away or the producer closes it.
//
// Every stream has a byte budget: what was sent but not yet taken by the client's socket
// waits in the stream's queue, and once that queue holds more than the budget the stream is
// ended and its queue dropped. A reader that cannot keep up (or never reads) costs at most
// its budget plus one event; the browser's EventSource reconnects by itself and starts again
// from what is stored (a script output stream opens with a `reset`).
const encoder = new TextEncoder()

export type SseStream = {
  /** send writes raw SSE text (use `sseEvent(...)` for a named event), or its UTF-8 bytes (one copy shared by many streams). */
  send(chunk: string | Uint8Array): void
  /** sendSnapshot sends what the stream starts from (e.g. the output stored so far); its size is added to the budget. */
  sendSnapshot(chunk: string): void
  close(): void
}

export type SseOptions = {
  /** Bytes that may wait for a slow reader before the stream is ended (default sseBudgetBytes). */
  budgetBytes?: number
  /** Told once when the stream ends because the reader fell behind. */
  onOverflow?: () => void
}

/** The default per-client budget of a stream. */
export const sseBudgetBytes = 1 << 20

/** event formats one named SSE event with JSON data. */
export function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
}

// note: per process, not per server: a process runs one server (tests that run several and
// stop one see the others' streams end too; browsers reconnect).
const openStreams = new Set<() => void>()

/** closeSseStreams ends every open stream (shutdown: the server waits for open responses). */
export function closeSseStreams(): number {
  const n = openStreams.size
  for (const finish of [...openStreams]) finish()
  return n
}

/** sseResponse opens a stream; `start` subscribes and returns its cleanup. */
export function sseResponse(request: Request, start: (stream: SseStream) => (() => void) | void, opts: SseOptions = {}): Response {
  let budget = opts.budgetBytes ?? sseBudgetBytes
  let cleanup: (() => void) | void
  let keepAlive: Timer | undefined
  let closed = false
  let controllerRef: ReadableStreamDefaultController<Uint8Array>
  const finish = (overflow = false) => {
    if (closed) return
    closed = true
    openStreams.delete(finish)
    clearInterval(keepAlive)
    cleanup?.()
    try {
      // note: error() drops what is still queued (close() would keep it for the reader) and
      // Bun then closes the connection; without a reason it logs nothing.
      if (overflow) controllerRef.error()
      else controllerRef.close()
    } catch { /* already closed */ }
    if (overflow) opts.onOverflow?.()
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller
      openStreams.add(finish)
      const stream: SseStream = {
        send: (chunk) => {
          if (closed) return
          const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
          // desiredSize is minus the bytes queued (high-water mark 0, sized in bytes). One event
          // larger than the budget still goes to a reader that has taken everything so far.
          const queued = -(controller.desiredSize ?? 0)
          if (queued > 0 && queued + bytes.length > budget) return finish(true)
          try { controller.enqueue(bytes) } catch { finish() }
        },
        sendSnapshot: (chunk) => {
          const bytes = encoder.encode(chunk)
          budget += bytes.length
          stream.send(bytes)
        },
        close: () => finish(),
      }
      stream.send('retry: 5000\n: connected\n\n')
      keepAlive = setInterval(() => stream.send(': keep-alive\n\n'), 25_000)
      request.signal.addEventListener('abort', () => finish())
      cleanup = start(stream)
      if (closed) cleanup?.()
    },
    cancel: () => finish(),
  }, { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 })
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
}
