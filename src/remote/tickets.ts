// Session tickets: what a browser shows to attach to /ws/remote/:sessionId. A ticket binds
// the session, the user and the role (control or view) under a server key, and expires; the
// socket also needs that user's signed-in cookie and our own Origin, so a page on another
// site cannot attach even with a leaked ticket.
import type { AppContext } from '../context'
import { hmacHex, safeEqual } from '../lib/crypto'

export type TicketRole = 'control' | 'view'

const lifetimeMs = 10 * 60_000

function mac(ctx: Pick<AppContext, 'keys'>, sessionId: string, userId: string, role: TicketRole, expiresAt: number): string {
  return hmacHex(ctx.keys.derive('remote-ticket'), `${sessionId}|${userId}|${role}|${expiresAt}`).slice(0, 48)
}

/** issueTicket returns a ticket for `userId` in `role`, valid for ten minutes. */
export function issueTicket(ctx: Pick<AppContext, 'keys' | 'clock'>, sessionId: string, userId: string, role: TicketRole): string {
  const expiresAt = ctx.clock.now() + lifetimeMs
  return `${expiresAt}.${role}.${mac(ctx, sessionId, userId, role, expiresAt)}`
}

/** checkTicket returns the role a ticket grants this user on this session, or null. */
export function checkTicket(ctx: Pick<AppContext, 'keys' | 'clock'>, ticket: string, sessionId: string, userId: string): TicketRole | null {
  const m = /^(\d{13})\.(control|view)\.([0-9a-f]{48})$/.exec(ticket)
  if (!m) return null
  const expiresAt = Number(m[1])
  const role = m[2] as TicketRole
  if (expiresAt < ctx.clock.now()) return null
  return safeEqual(m[3], mac(ctx, sessionId, userId, role, expiresAt)) ? role : null
}
