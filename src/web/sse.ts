// Server-sent event streams: one helper for every stream the pages open (the live hub, a
// script's output). The stream sends a keep-alive comment every 25 s and runs the cleanup
// exactly once when the browser goes away or the producer closes it.
const encoder = new TextEncoder()

export type SseStream = {
  /** send writes raw SSE text (use `event(...)` for a named event). */
  send(chunk: string): void
  close(): void
}

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
export function sseResponse(request: Request, start: (stream: SseStream) => (() => void) | void): Response {
  let cleanup: (() => void) | void
  let keepAlive: Timer | undefined
  let closed = false
  let controllerRef: ReadableStreamDefaultController<Uint8Array>
  const finish = () => {
    if (closed) return
    closed = true
    openStreams.delete(finish)
    clearInterval(keepAlive)
    cleanup?.()
    try { controllerRef.close() } catch { /* already closed */ }
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller
      openStreams.add(finish)
      const stream: SseStream = {
        send: (chunk) => { if (!closed) try { controller.enqueue(encoder.encode(chunk)) } catch { finish() } },
        close: finish,
      }
      stream.send('retry: 5000\n: connected\n\n')
      keepAlive = setInterval(() => stream.send(': keep-alive\n\n'), 25_000)
      request.signal.addEventListener('abort', finish)
      cleanup = start(stream)
      if (closed) cleanup?.()
    },
    cancel: finish,
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
}
