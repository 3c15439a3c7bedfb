// The evaluation queue: every trigger (heartbeat, inventory, software change, clock) is queued
// and evaluated in batches, in arrival order, one batch at a time. A batch takes each device
// once (a second event of the same device waits for the next batch), so evaluations of one
// device never overlap, and the batch shares one watch query and one write transaction.
import type { AppContext } from '../context'
import { evaluateBatch, type EvaluationInput } from './engine'

type Item = { input: EvaluationInput; done: () => void }

export class EvaluationQueue {
  private items: Item[] = []
  private timer: Timer | null = null
  private draining: Promise<void> | null = null

  /** note: a short wait lets a burst of heartbeats share a batch; under 5 ms of added latency. */
  constructor(private ctx: AppContext, private opts = { maxBatch: 500, waitMs: 2 }) {}

  /** push queues an evaluation; the promise settles once it ran (errors are logged, never thrown). */
  push(input: EvaluationInput): Promise<void> {
    return new Promise((resolve) => {
      this.items.push({ input, done: resolve })
      if (!this.draining && !this.timer) this.timer = setTimeout(() => this.drain(), this.items.length >= this.opts.maxBatch ? 0 : this.opts.waitMs)
    })
  }

  private drain() {
    this.timer = null
    this.draining = (async () => {
      while (this.items.length) {
        const batch: Item[] = []
        const rest: Item[] = []
        const seen = new Set<string>()
        for (const item of this.items) {
          if (batch.length < this.opts.maxBatch && !seen.has(item.input.deviceId)) { seen.add(item.input.deviceId); batch.push(item) } else rest.push(item)
        }
        this.items = rest
        try {
          await evaluateBatch(this.ctx, batch.map((b) => b.input))
        } catch (err) {
          this.ctx.log.error('alert evaluation batch failed', { size: batch.length, err })
        }
        for (const b of batch) b.done()
      }
    })().finally(() => {
      this.draining = null
      // Items pushed after the loop's last check but before this point still need a run.
      if (this.items.length && !this.timer) this.timer = setTimeout(() => this.drain(), 0)
    })
  }
}
