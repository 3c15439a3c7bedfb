// The transactional outbox of durable events (src/events.ts `durableEvents`): a row in the
// jobs table written in the emitter's transaction. The listeners run at once after the commit
// and the row is deleted when they all succeeded; otherwise — the process died, a listener
// failed — the job delivers the event again once it is due (a minute later, or at the next
// start), with the runner's retries and backoff.
import { and, eq, gt } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import type { EventBus, Events, Outbox } from '../events'
import type { Clock } from '../lib/clock'
import type { JobRunner } from './runner'

export const redeliverJob = 'events.redeliver'
/** How long an in-process delivery has before the job delivers the event again. */
const graceMs = 60_000

type Redelivery = { name: keyof Events; payload: unknown }

/** eventOutbox records durable events as jobs of `jobs` and registers the job that redelivers them. */
export function eventOutbox(db: Db, jobs: JobRunner, events: EventBus, clock: Clock): Outbox {
  jobs.register(redeliverJob, async (p: Redelivery) => {
    if (!(await events.deliver(p.name, p.payload as never))) throw new Error(`a listener of ${p.name} failed`)
  }, { maxAttempts: 8, leaseMs: 5 * 60_000 })
  return {
    record: (tx, name, payload) => jobs.enqueue(redeliverJob, { name, payload } satisfies Redelivery, { db: tx, runAt: clock.now() + graceMs }),
    async confirm(id) {
      await db.delete(t.jobs).where(and(eq(t.jobs.id, id), eq(t.jobs.status, 'pending')))
    },
  }
}

/**
 * redeliverLeftovers (at start) makes the events a previous process recorded but never
 * confirmed due now, instead of a minute after their commit. note: with several nodes on one
 * PostgreSQL, a row another node is delivering right now may be delivered twice; listeners of
 * durable events are idempotent.
 */
export async function redeliverLeftovers(db: Db, now: number): Promise<number> {
  const rows = await db.update(t.jobs).set({ runAt: now })
    .where(and(eq(t.jobs.type, redeliverJob), eq(t.jobs.status, 'pending'), gt(t.jobs.runAt, now))).returning({ id: t.jobs.id })
  return rows.length
}
