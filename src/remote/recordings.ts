// Terminal recordings as people see them: lists per device and session, the file for the
// player and for download, and retention (each recording expires after its org's retention
// days, counted from when it was made).
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { deviceVisibility } from '../devices/visibility'
import { NotFoundError } from '../lib/errors'
import { deleteExpiredRecordings, findRecording, findRecordingOfSession, listRecordings as listRecordingRows, type RecordingListRow, type RecordingRow } from './repo'
import { getSession } from './sessions'

export async function listRecordings(ctx: AppContext, actor: UserActor, f: { deviceId?: string; limit?: number }): Promise<RecordingListRow[]> {
  return listRecordingRows(ctx.db, deviceVisibility(actor.scope, 'remote:access'), { ...f, limit: f.limit ?? 100 })
}

/** getRecording returns a recording whose session the actor may see, or 404. */
export async function getRecording(ctx: AppContext, actor: UserActor, id: string): Promise<RecordingRow> {
  const row = await findRecording(ctx.db, id)
  if (!row) throw new NotFoundError('recording')
  await getSession(ctx, actor, row.sessionId).catch(() => { throw new NotFoundError('recording') })
  return row
}

export async function recordingOfSession(ctx: AppContext, sessionId: string): Promise<RecordingRow | undefined> {
  return findRecordingOfSession(ctx.db, sessionId)
}

/** recordingFile is the asciicast file of a recording (null when its blob is gone). */
export async function recordingFile(ctx: AppContext, row: RecordingRow) {
  return ctx.blobs.get(row.blobKey)
}

/** pruneRecordings (a job) deletes recordings past their retention, rows and files. */
export async function pruneRecordings(ctx: AppContext): Promise<number> {
  const keys = await deleteExpiredRecordings(ctx.db, ctx.clock.now())
  for (const key of keys) await ctx.blobs.delete(key)
  return keys.length
}
