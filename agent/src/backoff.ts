// Reconnect delays: exponential with full jitter (a random delay between 0 and the
// exponential bound), capped at 60 s, so a fleet that lost the server does not come back in
// lockstep.

export const backoffCapMs = 60_000

/** fullJitter returns the delay before attempt `attempt` (1, 2, 3…). */
export function fullJitter(attempt: number, baseMs = 1_000, capMs = backoffCapMs, random = Math.random): number {
  const bound = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * bound)
}
