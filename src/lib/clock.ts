// Time comes from a Clock so tests can move it (alerts after N minutes, session expiry, cron).

export type Clock = { now(): number }

export const systemClock: Clock = { now: () => Date.now() }

/** ManualClock starts at the real time (or `start`) and only moves when told. */
export class ManualClock implements Clock {
  constructor(private current = Date.now()) {}
  now() { return this.current }
  advance(ms: number) { this.current += ms }
  set(ms: number) { this.current = ms }
}
