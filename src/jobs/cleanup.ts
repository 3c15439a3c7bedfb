import { and, inArray, lt } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'

/** deleteFinishedJobs removes done and failed jobs that finished before `before`. */
export async function deleteFinishedJobs(db: Db, before: number) {
  await db.delete(t.jobs).where(and(inArray(t.jobs.status, ['done', 'failed']), lt(t.jobs.finishedAt, before)))
}
