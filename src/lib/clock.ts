// Time comes from a Clock so tests can move it (alerts after N minutes, session expiry, cron).

export type Clock = { now(): number }

export const systemClock: Clock = { now: () => Date.now() }

/**
 * ManualClock starts at the real time (or `start`) and only moves when told; a running one
 * also moves with real time (tests against a real agent, whose own clock runs: commands and
 * tickets expire in seconds, so a frozen server clock would make them stale as a test runs).
 */
export class ManualClock implements Clock {
  private base: number
  private since = Date.now()
  constructor(start = Date.now(), readonly running = false) { this.base = start }
  now() { return this.running ? this.base + (Date.now() - this.since) : this.base }
  advance(ms: number) { this.base += ms }
  set(ms: number) { this.base = ms; this.since = Date.now() }
}
