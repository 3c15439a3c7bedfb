// Device metrics: reading a device's history at the right resolution, the roll-up job (raw →
// hourly → daily) and retention. Heartbeats write the raw samples (src/agents); this file
// only reads, rolls up and prunes them.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ForbiddenError, ValidationError } from '../lib/errors'
import {
  aggregateRaw, deviceIdsWithRaw, earliestRawSample, earliestRollup, pruneRaw, pruneRollups, rawPoints, rollUpDays, rollUpHours, rollupPoints, type MetricPoint,
} from './metrics-repo'
import type { MetricsQuery, RetentionSettings } from './model'
import { getDevice } from './service'
import { readDeviceSetting, writeDeviceSetting } from './settings-repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export const retentionDefaults: RetentionSettings = { rawDays: 7, hourlyDays: 90, dailyDays: 730 }

/** Samples arriving a little late (batched writes) still land in their hour before it is rolled up. */
const rollupGraceMs = 2 * 60_000
/** At most this much history is rolled up per run, so a long-stopped server catches up in steps. */
const maxCatchUpMs = 3 * DAY
const deviceBatch = 500

export type Resolution = 'raw' | 'hour' | 'day'
export type MetricsResult = { deviceId: string; resolution: Resolution; from: number; to: number; points: MetricPoint[] }

export async function getRetention(ctx: Pick<Ctx, 'db'>): Promise<RetentionSettings> {
  return { ...retentionDefaults, ...(await readDeviceSetting<RetentionSettings>(ctx.db, 'retention')) }
}

/** updateRetention changes how long metrics are kept (platform admins: it is appliance-wide). */
export async function updateRetention(ctx: Ctx, actor: UserActor, value: RetentionSettings) {
  if (!actor.scope.platformAdmin) throw new ForbiddenError('only platform administrators change metric retention')
  if (value.hourlyDays < value.rawDays) throw new ValidationError('hourlyDays', 'hourly roll-ups must be kept at least as long as raw samples')
  if (value.dailyDays < value.hourlyDays) throw new ValidationError('dailyDays', 'daily roll-ups must be kept at least as long as hourly ones')
  if (value.rawDays < 2) throw new ValidationError('rawDays', 'keep raw samples at least 2 days (daily roll-ups are computed after the day ends)')
  await withTx(ctx.db, async (tx) => {
    await writeDeviceSetting(tx, 'retention', value, ctx.clock.now())
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'settings.metrics_retention.update', resourceType: 'settings', resourceName: 'metrics retention', details: { ...value } })
  })
}

/** parseTime reads an ISO 8601 time or epoch milliseconds. */
export function parseTime(text: string | undefined, field: string): number | undefined {
  if (text === undefined || text === '') return undefined
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text)
  if (!Number.isFinite(ms)) throw new ValidationError(field, `${field} must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch milliseconds`)
  return ms
}

/** pickResolution: raw for up to 2 days, hourly up to 60 days, daily beyond — coarser when the finer data has aged out. */
export function pickResolution(from: number, to: number, now: number, retention: RetentionSettings): Resolution {
  const span = to - from
  if (span <= 2 * DAY && from >= now - retention.rawDays * DAY) return 'raw'
  if (span <= 60 * DAY && from >= now - retention.hourlyDays * DAY) return 'hour'
  return 'day'
}

/** getMetrics returns a device's metrics between `from` and `to` at the asked (or fitting) resolution. */
export async function getMetrics(ctx: Ctx, actor: UserActor, deviceId: string, q: MetricsQuery): Promise<MetricsResult> {
  await getDevice(ctx, actor, deviceId)
  const now = ctx.clock.now()
  const to = parseTime(q.to, 'to') ?? now
  const from = parseTime(q.from, 'from') ?? to - DAY
  if (from >= to) throw new ValidationError('from', 'from must be before to')
  if (to - from > 3 * 366 * DAY) throw new ValidationError('from', 'ask for at most three years at a time')
  const resolution = q.resolution ?? pickResolution(from, to, now, await getRetention(ctx))
  if (resolution === 'raw' && to - from > 8 * DAY) throw new ValidationError('resolution', 'raw samples can be read for at most 8 days at a time; use hour or day')
  return { deviceId, resolution, from, to, points: await readPoints(ctx, deviceId, resolution, from, to) }
}

/**
 * readPoints reads stored roll-ups and adds the newest part that is not rolled up yet (the
 * current hour or day), aggregated from raw samples on the fly.
 */
export async function readPoints(ctx: Pick<Ctx, 'db'>, deviceId: string, resolution: Resolution, from: number, to: number): Promise<MetricPoint[]> {
  if (resolution === 'raw') return rawPoints(ctx.db, deviceId, from, to, 20_000)
  const size = resolution === 'hour' ? HOUR : DAY
  const start = Math.floor(from / size) * size
  const stored = await rollupPoints(ctx.db, deviceId, resolution, start, to)
  const tailFrom = stored.length ? stored[stored.length - 1].at + size : start
  const tail = tailFrom <= to ? await aggregateRaw(ctx.db, deviceId, size, tailFrom, to + 1) : []
  return [...stored, ...tail]
}

type RollupState = { hourNext: number | null; dayNext: number | null }

/**
 * rollupMetrics rolls up every complete hour (and day) not rolled up yet, then prunes what
 * retention no longer keeps. Safe to re-run: each range is written with upserts and the
 * progress is saved after each step.
 */
export async function rollupMetrics(ctx: Pick<Ctx, 'db' | 'clock'>): Promise<{ hours: number; days: number }> {
  const now = ctx.clock.now()
  const state: RollupState = { hourNext: null, dayNext: null, ...(await readDeviceSetting<RollupState>(ctx.db, 'rollup')) }
  const completeHours = Math.floor((now - rollupGraceMs) / HOUR) * HOUR
  let hours = 0
  let hourStart = state.hourNext
  if (hourStart === null) {
    const earliest = await earliestRawSample(ctx.db)
    hourStart = earliest === null ? completeHours : Math.floor(earliest / HOUR) * HOUR
  }
  const hourEnd = Math.min(completeHours, hourStart + maxCatchUpMs)
  if (hourEnd > hourStart) {
    const devices = await deviceIdsWithRaw(ctx.db, hourStart, hourEnd)
    // note: in batches of devices, so the write lock is held briefly and heartbeats keep flowing.
    for (let i = 0; i < devices.length; i += deviceBatch) await rollUpHours(ctx.db, devices.slice(i, i + deviceBatch), hourStart, hourEnd)
    hours = (hourEnd - hourStart) / HOUR
    state.hourNext = hourEnd
    if (state.dayNext === null) state.dayNext = Math.floor(hourStart / DAY) * DAY
  } else if (state.hourNext === null) {
    state.hourNext = hourStart
  }
  // A day is rolled up once all its hours are.
  let days = 0
  const completeDays = Math.floor((state.hourNext ?? 0) / DAY) * DAY
  if (state.dayNext !== null && completeDays > state.dayNext) {
    await rollUpDays(ctx.db, state.dayNext, completeDays)
    days = (completeDays - state.dayNext) / DAY
    state.dayNext = completeDays
  }
  await writeDeviceSetting(ctx.db, 'rollup', state, now)
  await pruneMetrics(ctx, now, state)
  return { hours, days }
}

/**
 * pruneMetrics deletes raw samples and roll-ups past their retention, oldest first in slices.
 * Nothing is deleted before it has been rolled up (a server stopped for weeks catches up first).
 */
async function pruneMetrics(ctx: Pick<Ctx, 'db'>, now: number, state: RollupState) {
  const r = await getRetention(ctx)
  const slice = async (earliest: number | null, cutoff: number, step: number, del: (before: number) => Promise<void>) => {
    if (earliest === null) return
    // note: slices keep each delete short on SQLite; a normal run has only one slice to do.
    for (let at = earliest + step; at < cutoff + step; at += step) await del(Math.min(at, cutoff))
  }
  await slice(await earliestRawSample(ctx.db), Math.min(now - r.rawDays * DAY, state.hourNext ?? 0), HOUR / 6, (before) => pruneRaw(ctx.db, before))
  await slice(await earliestRollup(ctx.db, 'hour'), Math.min(now - r.hourlyDays * DAY, state.dayNext ?? 0), DAY, (before) => pruneRollups(ctx.db, 'hour', before))
  await slice(await earliestRollup(ctx.db, 'day'), now - r.dailyDays * DAY, 30 * DAY, (before) => pruneRollups(ctx.db, 'day', before))
}
