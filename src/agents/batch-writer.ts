// Group commit for high-rate writes (heartbeats): items that arrive while a batch is being
// written, or within the same turn of the event loop, are written together in one
// transaction. Each add() resolves once its item is durably written, so a heartbeat is
// answered only after it is stored, yet 1,000 heartbeats cost one commit instead of 1,000.

type Pending<T> = { item: T; resolve(): void; reject(err: unknown): void }

export class BatchWriter<T> {
  private queue: Pending<T>[] = []
  private running: Promise<void> | null = null

  constructor(private write: (items: T[]) => Promise<void>, private maxBatch = 1000) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      // note: setImmediate lets every request already in this event-loop turn join the batch.
      if (!this.running) this.running = new Promise<void>((r) => setImmediate(r)).then(() => this.loop())
    })
  }

  private async loop() {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      try {
        await this.write(batch.map((p) => p.item))
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    this.running = null
  }

  get pending() { return this.queue.length }

  /** drain waits until everything added so far is written. */
  async drain() {
    while (this.running) await this.running
  }
}
