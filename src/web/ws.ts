// Elysia runs a WebSocket route's beforeHandle twice for one upgrade: as a route hook, then
// again just before upgrading, with the same context. Work there (authentication, a handshake
// slot, a ticket check) must happen once; a beforeHandle starts with
// `if (alreadyHandled(c)) return`.
const handled = new WeakSet<object>()

/** alreadyHandled is true when this upgrade's beforeHandle has run already (and marks it as run). */
export function alreadyHandled(context: object): boolean {
  if (handled.has(context)) return true
  handled.add(context)
  return false
}
