// Queries over raw metric samples and their hourly/daily roll-ups: reading a device's history,
// rolling a time range up, and pruning what retention no longer keeps.
import { and, asc, eq, gte, lt, lte, max, min, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds, timeBucket } from '../db/sql'
import { t } from '../db/tables'

export type MetricPoint = {
  at: number
  samples: number
  cpu: number | null; cpuMin: number | null; cpuMax: number | null
  ram: number | null; ramMin: number | null; ramMax: number | null
  disk: number | null; diskMin: number | null; diskMax: number | null
  netIn: number | null; netOut: number | null
  processes: number | null
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const roundAvg = (expr: SQL) => sql<number | null>`CAST(round(avg(${expr})) AS INTEGER)`.mapWith(num)
/** The sample-weighted mean of per-bucket averages (buckets without a value weigh nothing). */
const weightedAvg = (avgCol: SQL, samples: SQL) => sql<number | null>`CAST(round(sum(${avgCol} * ${samples}) * 1.0 / nullif(sum(CASE WHEN ${avgCol} IS NOT NULL THEN ${samples} END), 0)) AS INTEGER)`.mapWith(num)

/** rawPoints: a device's raw samples in [from, to], oldest first. */
export async function rawPoints(db: Db, deviceId: string, from: number, to: number, limit: number): Promise<MetricPoint[]> {
  const m = t.deviceMetrics
  const rows = await db.select({ at: m.at, cpu: m.cpuPercent, ram: m.ramPercent, disk: m.diskPercent, netIn: m.netInBytes, netOut: m.netOutBytes, processes: m.processCount })
    .from(m).where(and(eq(m.deviceId, deviceId), gte(m.at, from), lte(m.at, to))).orderBy(asc(m.at)).limit(limit)
  return rows.map((r) => ({ at: Number(r.at), samples: 1, cpu: r.cpu, cpuMin: r.cpu, cpuMax: r.cpu, ram: r.ram, ramMin: r.ram, ramMax: r.ram, disk: r.disk, diskMin: r.disk, diskMax: r.disk, netIn: num(r.netIn), netOut: num(r.netOut), processes: r.processes }))
}

/** rollupPoints: stored roll-ups of one resolution whose bucket starts in [from, to]. */
export async function rollupPoints(db: Db, deviceId: string, resolution: 'hour' | 'day', from: number, to: number): Promise<MetricPoint[]> {
  const r = t.deviceMetricRollups
  const rows = await db.select().from(r).where(and(eq(r.deviceId, deviceId), eq(r.resolution, resolution), gte(r.bucket, from), lte(r.bucket, to))).orderBy(asc(r.bucket))
  return rows.map((x) => ({
    at: Number(x.bucket), samples: x.samples, cpu: x.cpuAvg, cpuMin: x.cpuMin, cpuMax: x.cpuMax, ram: x.ramAvg, ramMin: x.ramMin, ramMax: x.ramMax,
    disk: x.diskAvg, diskMin: x.diskMin, diskMax: x.diskMax, netIn: num(x.netInBytes), netOut: num(x.netOutBytes), processes: x.processAvg,
  }))
}

/** aggregateRaw: raw samples of one device in [from, to) aggregated into buckets of `sizeMs` on the fly (the part not rolled up yet). */
export async function aggregateRaw(db: Db, deviceId: string, sizeMs: number, from: number, to: number): Promise<MetricPoint[]> {
  const m = t.deviceMetrics
  const bucket = timeBucket(m.at, sizeMs)
  const rows = await db.select({
    at: bucket, samples: sql<number>`count(*)`.mapWith(Number),
    cpu: roundAvg(sql`${m.cpuPercent}`), cpuMin: min(m.cpuPercent), cpuMax: max(m.cpuPercent),
    ram: roundAvg(sql`${m.ramPercent}`), ramMin: min(m.ramPercent), ramMax: max(m.ramPercent),
    disk: roundAvg(sql`${m.diskPercent}`), diskMin: min(m.diskPercent), diskMax: max(m.diskPercent),
    netIn: sql<number | null>`sum(${m.netInBytes})`.mapWith(num), netOut: sql<number | null>`sum(${m.netOutBytes})`.mapWith(num),
    processes: roundAvg(sql`${m.processCount}`),
  }).from(m).where(and(eq(m.deviceId, deviceId), gte(m.at, from), lt(m.at, to))).groupBy(bucket).orderBy(bucket)
  return rows.map((r) => ({ ...r, at: Number(r.at), cpuMin: num(r.cpuMin), cpuMax: num(r.cpuMax), ramMin: num(r.ramMin), ramMax: num(r.ramMax), diskMin: num(r.diskMin), diskMax: num(r.diskMax) }))
}

/** earliestRawSample: the time of the oldest raw sample, or null when there is none. */
export async function earliestRawSample(db: Db): Promise<number | null> {
  const [row] = await db.select({ at: min(t.deviceMetrics.at) }).from(t.deviceMetrics)
  return row?.at === null || row?.at === undefined ? null : Number(row.at)
}

/** deviceIdsWithRaw: the devices with raw samples in [from, to) (rolled up in batches). */
export async function deviceIdsWithRaw(db: Db, from: number, to: number): Promise<string[]> {
  const rows = await db.selectDistinct({ id: t.deviceMetrics.deviceId }).from(t.deviceMetrics).where(and(gte(t.deviceMetrics.at, from), lt(t.deviceMetrics.at, to)))
  return rows.map((r) => r.id)
}

const rollupSet = () => ({
  samples: sql`excluded.samples`, cpuAvg: sql`excluded.cpu_avg`, cpuMin: sql`excluded.cpu_min`, cpuMax: sql`excluded.cpu_max`,
  ramAvg: sql`excluded.ram_avg`, ramMin: sql`excluded.ram_min`, ramMax: sql`excluded.ram_max`,
  diskAvg: sql`excluded.disk_avg`, diskMin: sql`excluded.disk_min`, diskMax: sql`excluded.disk_max`,
  netInBytes: sql`excluded.net_in_bytes`, netOutBytes: sql`excluded.net_out_bytes`, processAvg: sql`excluded.process_avg`,
})

/**
 * rollUpHours writes hourly roll-ups of the raw samples in [from, to) for some devices
 * (re-running a range overwrites it with the same numbers).
 */
export async function rollUpHours(db: Db, deviceIds: string[], from: number, to: number) {
  if (deviceIds.length === 0) return
  const m = t.deviceMetrics
  const bucket = timeBucket(m.at, 3_600_000)
  await db.insert(t.deviceMetricRollups).select(db.select({
    deviceId: m.deviceId, resolution: sql<'hour'>`'hour'`, bucket, samples: sql<number>`count(*)`,
    cpuAvg: roundAvg(sql`${m.cpuPercent}`), cpuMin: min(m.cpuPercent), cpuMax: max(m.cpuPercent),
    ramAvg: roundAvg(sql`${m.ramPercent}`), ramMin: min(m.ramPercent), ramMax: max(m.ramPercent),
    diskAvg: roundAvg(sql`${m.diskPercent}`), diskMin: min(m.diskPercent), diskMax: max(m.diskPercent),
    netInBytes: sql<number | null>`sum(${m.netInBytes})`, netOutBytes: sql<number | null>`sum(${m.netOutBytes})`,
    processAvg: roundAvg(sql`${m.processCount}`),
  }).from(m).where(and(inIds(m.deviceId, deviceIds), gte(m.at, from), lt(m.at, to))).groupBy(m.deviceId, bucket) as never)
    .onConflictDoUpdate({ target: [t.deviceMetricRollups.deviceId, t.deviceMetricRollups.resolution, t.deviceMetricRollups.bucket], set: rollupSet() })
}

/**
 * rollUpDays writes daily roll-ups from the hourly ones whose hours start in [from, to):
 * sample counts and byte totals add up, min/max of min/max, and the average is the
 * sample-weighted mean of the hourly averages.
 */
export async function rollUpDays(db: Db, from: number, to: number) {
  const r = t.deviceMetricRollups
  const bucket = timeBucket(r.bucket, 86_400_000)
  const s = sql`${r.samples}`
  await db.insert(t.deviceMetricRollups).select(db.select({
    deviceId: r.deviceId, resolution: sql<'day'>`'day'`, bucket, samples: sql<number>`sum(${r.samples})`,
    cpuAvg: weightedAvg(sql`${r.cpuAvg}`, s), cpuMin: min(r.cpuMin), cpuMax: max(r.cpuMax),
    ramAvg: weightedAvg(sql`${r.ramAvg}`, s), ramMin: min(r.ramMin), ramMax: max(r.ramMax),
    diskAvg: weightedAvg(sql`${r.diskAvg}`, s), diskMin: min(r.diskMin), diskMax: max(r.diskMax),
    netInBytes: sql<number | null>`sum(${r.netInBytes})`, netOutBytes: sql<number | null>`sum(${r.netOutBytes})`,
    processAvg: weightedAvg(sql`${r.processAvg}`, s),
  }).from(r).where(and(eq(r.resolution, 'hour'), gte(r.bucket, from), lt(r.bucket, to))).groupBy(r.deviceId, bucket) as never)
    .onConflictDoUpdate({ target: [t.deviceMetricRollups.deviceId, t.deviceMetricRollups.resolution, t.deviceMetricRollups.bucket], set: rollupSet() })
}

/** pruneRaw deletes raw samples older than `before`; returns nothing (drivers differ in counts). */
export async function pruneRaw(db: Db, before: number) {
  await db.delete(t.deviceMetrics).where(lt(t.deviceMetrics.at, before))
}

export async function pruneRollups(db: Db, resolution: 'hour' | 'day', before: number) {
  await db.delete(t.deviceMetricRollups).where(and(eq(t.deviceMetricRollups.resolution, resolution), lt(t.deviceMetricRollups.bucket, before)))
}

/** earliestRollup: the oldest bucket of a resolution (for chunked pruning). */
export async function earliestRollup(db: Db, resolution: 'hour' | 'day'): Promise<number | null> {
  const [row] = await db.select({ at: min(t.deviceMetricRollups.bucket) }).from(t.deviceMetricRollups).where(eq(t.deviceMetricRollups.resolution, resolution))
  return row?.at === null || row?.at === undefined ? null : Number(row.at)
}
