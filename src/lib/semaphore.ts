/** Semaphore bounds concurrent work (password hashing, agent handshakes). */
export class Semaphore {
  private active = 0
  private waiting: (() => void)[] = []

  constructor(private readonly limit: number, private readonly maxQueue = Infinity) {}

  /** tryRun runs fn when a slot frees up, or returns null at once when the queue is full. */
  async tryRun<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxQueue) return null
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.active++
    }
    try {
      return await fn()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }

  get pending() { return this.waiting.length }
  get running() { return this.active }
}
