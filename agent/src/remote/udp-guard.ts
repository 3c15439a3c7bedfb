// werift's UDP sockets have no 'error' listener, and Bun reports an ICMP "port unreachable"
// (a browser that went away) as an 'error' event on the socket (recvmsg ECONNREFUSED); with
// no listener, that would end the agent. guardUdpSockets makes an 'error' on a UDP socket
// nobody listens to a logged event instead.
import dgram from 'node:dgram'
import { log } from '../log'

let guarded = false

export function guardUdpSockets() {
  if (guarded) return
  guarded = true
  // note: the prototype, not createSocket: bundled code may hold its own binding of createSocket.
  const proto = dgram.Socket.prototype as unknown as { emit(event: string | symbol, ...args: unknown[]): boolean; listenerCount(event: string): number }
  const emit = proto.emit
  proto.emit = function (this: typeof proto, event: string | symbol, ...args: unknown[]) {
    if (event === 'error' && this.listenerCount('error') === 0) {
      log.debug('udp socket error (ignored)', { err: args[0] })
      return false
    }
    return emit.call(this, event, ...args)
  }
}
