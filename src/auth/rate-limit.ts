// Fixed-window counters in memory, for per-IP limits (login, reset requests, enrollment).
// Per-account lockout is kept in the users table instead, so it survives restarts.

export class RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>()

  constructor(private limit: number, private windowMs: number, private now: () => number) {}

  /** hit counts one attempt for `key`; returns seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = this.now()
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) {
      if (this.windows.size > 50_000) this.sweep(now)
      w = { count: 0, resetAt: now + this.windowMs }
      this.windows.set(key, w)
    }
    w.count++
    return w.count > this.limit ? Math.ceil((w.resetAt - now) / 1000) : 0
  }

  /**
   * refund takes back one attempt counted by `hit` (an attempt that turned out not to count,
   * e.g. a successful sign-in). Counting first and refunding after keeps a concurrent burst
   * bounded, which checking first and counting failures after would not.
   */
  refund(key: string) {
    const w = this.windows.get(key)
    if (w && w.count > 0 && w.resetAt > this.now()) w.count--
  }

  reset(key: string) { this.windows.delete(key) }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
  }
}

export type AuthLimits = { loginByIp: RateLimiter; mfaBySession: RateLimiter; resetByIp: RateLimiter }

/** createAuthLimits makes the per-server limiters of the auth flows. */
export function createAuthLimits(now: () => number): AuthLimits {
  return {
    loginByIp: new RateLimiter(30, 15 * 60_000, now),
    mfaBySession: new RateLimiter(5, 10 * 60_000, now),
    resetByIp: new RateLimiter(5, 15 * 60_000, now),
  }
}
