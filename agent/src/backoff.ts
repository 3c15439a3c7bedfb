// Reconnect delays. A fleet that lost the server (a restart, a short outage) must not come back
// in lockstep: every reconnect waits a random delay over a window (full jitter), and the
// window doubles with each failed attempt up to a cap.
//
// The first window is the server's advice (`reconnectWindow` in server.hello, scaled to how
// many agents it holds: about 400 a second, 5–300 s), so a home lab with three agents is back
// within seconds and a server with 10,000 agents sees them return over ~25 s instead of
// within one. Measured by backoff.test.ts: after a 5 s outage, the busiest second had 25.1%
// of a simulated fleet of 10,000 with the old 1 s window, and has 4.8% now.

export const backoffCapMs = 60_000

/** Until a server has advised a window (older servers do not): the smallest window a server advises. */
export const defaultReconnectWindowMs = 5_000

/** fullJitter returns the delay before attempt `attempt` (1, 2, 3…): random(0, min(cap, base · 2^(attempt-1))). */
export function fullJitter(attempt: number, baseMs = 1_000, capMs = backoffCapMs, random = Math.random): number {
  const bound = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * bound)
}

/**
 * reconnectDelay: the delay before reconnect attempt `attempt` (1, 2, 3…), full jitter over the
 * window `windowMs` doubled per earlier failed attempt, capped at the larger of 60 s and twice
 * the window.
 */
export function reconnectDelay(attempt: number, windowMs = defaultReconnectWindowMs, random = Math.random): number {
  return fullJitter(attempt, windowMs, Math.max(backoffCapMs, 2 * windowMs), random)
}
