// Session tickets: what a browser shows to attach to /ws/remote/:sessionId. A ticket binds
// the session, the user and the role (control or view) under a server key, expires within
// 30 seconds and is good for one connection: the browser asks for a fresh one each time it
// (re)connects. The socket also needs that user's signed-in cookie and our own Origin, so a
// page on another site cannot attach even with a leaked ticket.
import type { AppContext } from '../context'
import { hmacHex, randomToken, safeEqual } from '../lib/crypto'

export type TicketRole = 'control' | 'view'

/** How long a ticket can be used. */
export const ticketLifetimeMs = 30_000

/** The tickets used so far (nonce → expiry), per server process; a ticket's relay lives in the same process. */
export type UsedTickets = Map<string, number>

function mac(ctx: Pick<AppContext, 'keys'>, sessionId: string, userId: string, role: TicketRole, expiresAt: number, nonce: string): string {
  return hmacHex(ctx.keys.derive('remote-ticket'), `${sessionId}|${userId}|${role}|${expiresAt}|${nonce}`).slice(0, 48)
}

/** issueTicket returns a single-use ticket for `userId` in `role`, valid for 30 seconds. */
export function issueTicket(ctx: Pick<AppContext, 'keys' | 'clock'>, sessionId: string, userId: string, role: TicketRole): string {
  const expiresAt = ctx.clock.now() + ticketLifetimeMs
  const nonce = randomToken(12)
  return `${expiresAt}.${role}.${nonce}.${mac(ctx, sessionId, userId, role, expiresAt, nonce)}`
}

/** checkTicket uses a ticket: the role it grants this user on this session, or null (forged, expired, or used before). */
export function checkTicket(ctx: Pick<AppContext, 'keys' | 'clock'>, used: UsedTickets, ticket: string, sessionId: string, userId: string): TicketRole | null {
  const m = /^(\d{13})\.(control|view)\.([A-Za-z0-9_-]{16})\.([0-9a-f]{48})$/.exec(ticket)
  if (!m) return null
  const expiresAt = Number(m[1])
  const role = m[2] as TicketRole
  const nonce = m[3]
  const now = ctx.clock.now()
  if (expiresAt < now || expiresAt > now + ticketLifetimeMs) return null
  if (!safeEqual(m[4], mac(ctx, sessionId, userId, role, expiresAt, nonce))) return null
  if (used.has(nonce)) return null
  for (const [n, exp] of used) if (exp < now) used.delete(n)
  used.set(nonce, expiresAt)
  return role
}
