// Reconnect spread (issue 11 item 20): the delay function, and what it does to a fleet after
// a short outage and after a server restart, simulated with a seeded random source.
import { describe, expect, test } from 'bun:test'
import { reconnectWindowSeconds } from '../../src/protocol'
import { backoffCapMs, defaultReconnectWindowMs, fullJitter, reconnectDelay } from './backoff'

/** mulberry32: a small seeded PRNG, so the figures are the same on every run. */
function seeded(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * afterOutage: every agent loses the server at 0; an attempt before `outageMs` fails (the
 * server is unreachable) and the agent waits the next delay. Returns when each reconnected.
 */
function afterOutage(fleet: number, outageMs: number, delay: (attempt: number) => number): number[] {
  const times: number[] = []
  for (let i = 0; i < fleet; i++) {
    let t = 0
    for (let attempt = 1; ; attempt++) {
      t += delay(attempt)
      if (t >= outageMs) break
    }
    times.push(t)
  }
  return times
}

/** busiestSecond: the largest share of the fleet reconnecting within one second. */
function busiestSecond(times: number[]): number {
  const perSecond = new Map<number, number>()
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1)
  return Math.max(...perSecond.values()) / times.length
}

describe('reconnect delays', () => {
  test('full jitter over the window, doubling per attempt, capped', () => {
    const random = seeded(1)
    const w = 25_000
    const first = Array.from({ length: 20_000 }, () => reconnectDelay(1, w, random))
    expect(Math.min(...first)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...first)).toBeLessThan(w)
    // Uniform over the window: each fifth holds about a fifth.
    for (let k = 0; k < 5; k++) {
      const share = first.filter((d) => d >= (k * w) / 5 && d < ((k + 1) * w) / 5).length / first.length
      expect(Math.abs(share - 0.2)).toBeLessThan(0.02)
    }
    expect(Math.max(...Array.from({ length: 5_000 }, () => reconnectDelay(2, w, random)))).toBeGreaterThan(w)
    expect(Math.max(...Array.from({ length: 5_000 }, () => reconnectDelay(20, w, random)))).toBeLessThan(Math.max(backoffCapMs, 2 * w))
    // The extremes of the random source stay inside the bounds.
    expect(reconnectDelay(1, w, () => 0)).toBe(0)
    expect(reconnectDelay(1, w, () => 0.999999)).toBeLessThan(w)
    expect(reconnectDelay(30, defaultReconnectWindowMs, () => 0.999999)).toBeLessThan(backoffCapMs)
  })

  test('the window a server advises scales with the agents it holds', () => {
    expect(reconnectWindowSeconds(3)).toBe(5)
    expect(reconnectWindowSeconds(2_000)).toBe(5)
    expect(reconnectWindowSeconds(10_000)).toBe(25)
    expect(reconnectWindowSeconds(1_000_000)).toBe(300)
  })

  test('after a 5 s outage a fleet of 10,000 comes back spread out (busiest second about 5%, was 25%)', () => {
    const random = seeded(7)
    const fleet = 10_000
    const window = reconnectWindowSeconds(fleet) * 1000
    const before = busiestSecond(afterOutage(fleet, 5_000, (n) => fullJitter(n, 1_000, backoffCapMs, random)))
    const now = afterOutage(fleet, 5_000, (n) => reconnectDelay(n, window, random))
    const after = busiestSecond(now)
    console.log(`busiest second after a 5 s outage, 10,000 agents: ${(before * 100).toFixed(1)}% with the 1 s window, ${(after * 100).toFixed(1)}% with the advised ${window / 1000} s window; all back within ${(Math.max(...now) / 1000).toFixed(0)} s`)
    expect(before).toBeGreaterThan(0.2)
    expect(after).toBeLessThan(0.06)
    // Nobody waits absurdly long: everyone is back within a few windows.
    expect(Math.max(...now)).toBeLessThan(5_000 + 3 * window)
  })

  test('a small fleet is back within seconds', () => {
    const random = seeded(3)
    const times = afterOutage(20, 5_000, (n) => reconnectDelay(n, reconnectWindowSeconds(20) * 1000, random))
    expect(Math.max(...times)).toBeLessThan(20_000)
  })

  test('after a server restart (close 1012) the fleet returns over the window, not at once', () => {
    const random = seeded(11)
    const window = reconnectWindowSeconds(10_000) * 1000
    const times = Array.from({ length: 10_000 }, () => 2_000 + reconnectDelay(1, window, random))
    expect(busiestSecond(times)).toBeLessThan(0.05)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(2_000)
  })
})
