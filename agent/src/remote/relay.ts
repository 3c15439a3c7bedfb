// The agent's end of the server relay: one WebSocket per session to
// /ws/remote/<sessionId>/agent, authenticated with the agent credential. It is the session's
// control path (the server says who is watching and when to end) and the data path for every
// viewer not on a direct WebRTC connection.
import { remoteLimits } from '../../../src/protocol/remote'
import { log } from '../log'

export type RelayEvents = {
  text(frame: Record<string, unknown>): void
  binary(frame: Uint8Array): void
  closed(code: number, reason: string): void
}

export class RelayLink {
  private ws: WebSocket | null = null
  private closing = false

  constructor(private url: string, private authorization: string, private events: RelayEvents) {}

  /** open connects, resolving once the socket is open (10 s at most). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { headers: { authorization: this.authorization } } as unknown as string[])
      ws.binaryType = 'arraybuffer'
      this.ws = ws
      const timer = setTimeout(() => { reject(new Error('the relay did not answer within 10 s')); ws.close() }, 10_000)
      ws.onopen = () => { clearTimeout(timer); resolve() }
      ws.onerror = () => {}
      ws.onclose = (ev) => {
        clearTimeout(timer)
        reject(new Error(`the relay refused the connection (${ev.code} ${ev.reason})`))
        if (this.ws === ws) this.ws = null
        if (!this.closing) this.events.closed(ev.code, ev.reason)
      }
      ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') {
          if (ev.data.length > remoteLimits.textFrame) return log.warn('oversized relay frame dropped', { bytes: ev.data.length })
          let frame: unknown
          try { frame = JSON.parse(ev.data) } catch { return log.warn('malformed relay frame dropped') }
          if (frame && typeof frame === 'object' && !Array.isArray(frame)) this.events.text(frame as Record<string, unknown>)
          return
        }
        this.events.binary(new Uint8Array(ev.data as ArrayBuffer))
      }
    })
  }

  get isOpen(): boolean { return this.ws?.readyState === WebSocket.OPEN }

  sendText(frame: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame))
  }

  sendBinary(frame: Uint8Array) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame)
  }

  buffered(): number { return this.ws?.bufferedAmount ?? 0 }

  close(code = 1000, reason = 'session ended') {
    this.closing = true
    try { this.ws?.close(code, reason) } catch {}
    this.ws = null
  }
}
