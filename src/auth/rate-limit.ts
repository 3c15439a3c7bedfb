// Fixed-window counters in memory, for per-address limits (failed sign-ins, reset requests,
// refused enrollments). Per-account lockout is kept in the users table instead, so it
// survives restarts.
import { isIPv6 } from 'node:net'

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

/**
 * addressKey is what a per-address limit counts by: the IPv4 address, or the /64 of an IPv6
 * address (one subscriber gets a whole /64 and could otherwise rotate through it).
 */
export function addressKey(ip: string | null): string {
  if (!ip) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]
  if (!isIPv6(ip)) return ip
  // Expand "::" so the first four groups are the /64.
  const [head, tail = ''] = ip.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64'
}

export type AuthLimits = { loginByIp: RateLimiter; mfaBySession: RateLimiter; resetByIp: RateLimiter; enrollRefusedByIp: RateLimiter }

/** createAuthLimits makes the per-server limiters of the auth flows. */
export function createAuthLimits(now: () => number): AuthLimits {
  return {
    loginByIp: new RateLimiter(30, 15 * 60_000, now),
    mfaBySession: new RateLimiter(5, 10 * 60_000, now),
    resetByIp: new RateLimiter(5, 15 * 60_000, now),
    // note: only refused enrollments count (unknown, expired, revoked, exhausted keys); a valid
    // key is never limited, so thousands of agents behind one NAT address enroll unhindered.
    enrollRefusedByIp: new RateLimiter(30, 15 * 60_000, now),
  }
}
