// Inventory time-travel: a device's software, hardware and OS as of a past moment, and what
// differed between two moments.
//
// note: reconstructed, not snapshotted. The current inventory is the starting point and every
// software, hardware and OS change row later than the moment asked is undone, newest first
// (an install is taken away, a removal put back, an update set back to its previous version,
// a publisher change back, a hardware field to its previous value, a baseline — the first report of a section — to
// "not reported yet"). Storage stays what ingestion already writes (one row per change, no
// copy of the whole inventory per report) and the answer is exact as long as every change is
// a row, which ingestion guarantees: software installs/removals/updates keep source, publisher
// and the previous version (and previous publisher), hardware keeps every field's from/to and
// a baseline row when first reported, the OS its from/to version and build.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import type { InventoryAtQuery, InventoryDiffQuery } from './model'
import { findHardware, listInventoryChangesAfter, listSoftware, type DeviceChange, type Hardware } from './repo'
import { parseInstant } from './instants'
import { getDevice } from './service'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

/** Undoing more changes than this for one question is refused (a device with years of churn: ask a later date). */
const maxChanges = 200_000

export const hardwareFields = ['cpuModel', 'cpuCores', 'cpuThreads', 'ramTotalMb', 'diskTotalGb', 'gpuModel', 'serialNumber', 'manufacturer', 'model', 'biosVersion'] as const
export type HardwareField = (typeof hardwareFields)[number]
export type HardwareState = { [K in HardwareField]: Hardware[K] }
export type PackageState = { name: string; version: string | null; source: string | null; publisher: string | null }
export type OsState = { version: string; build: string | null }
/** What a device had at `at`; a section is null when its agent had not reported it yet. */
export type InventoryState = { at: number; os: OsState; hardware: HardwareState | null; software: PackageState[] | null }

export type PackageChange = { name: string; source: string | null; from: string | null; to: string | null; publisher: string | null }
export type InventoryDiff = {
  from: number
  to: number
  software: { added: PackageState[]; removed: PackageState[]; changed: PackageChange[] } | null
  hardware: { field: HardwareField; from: unknown; to: unknown }[]
  os: { from: OsState; to: OsState } | null
  /** How many change rows lie between the two moments (the history tab lists them). */
  changeCount: number
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** undoChange sets `state` back to what it was just before `c` (mutates). */
export function undoChange(state: Omit<InventoryState, 'at'>, c: Pick<DeviceChange, 'kind' | 'action' | 'details'>): void {
  const d = (c.details ?? {}) as Record<string, unknown>
  if (c.kind === 'os') {
    const from = d.from as { version?: unknown; build?: unknown } | undefined
    if (c.action === 'updated' && from && typeof from.version === 'string') state.os = { version: from.version, build: str(from.build) }
    return
  }
  if (c.kind === 'hardware') {
    if (c.action === 'baseline') { state.hardware = null; return }
    if (c.action !== 'changed' || !state.hardware) return
    for (const f of hardwareFields) {
      const v = d[f] as { from?: unknown } | undefined
      if (v && typeof v === 'object' && 'from' in v) (state.hardware as Record<string, unknown>)[f] = v.from ?? null
    }
    return
  }
  if (c.kind !== 'software') return
  if (c.action === 'baseline') { state.software = null; return }
  const name = str(d.name)
  if (name === null) return
  const list = (state.software ??= [])
  // note: rows written before source was recorded have no `source` key: they match any source.
  const sameKey = (p: PackageState) => p.name === name && (!('source' in d) || p.source === str(d.source))
  const find = (version: string | null) => {
    const exact = list.findIndex((p) => sameKey(p) && p.version === version)
    return exact >= 0 ? exact : list.findIndex(sameKey)
  }
  if (c.action === 'installed') {
    const i = find(str(d.version))
    if (i >= 0) list.splice(i, 1)
  } else if (c.action === 'removed') {
    list.push({ name, version: str(d.version), source: str(d.source), publisher: str(d.publisher) })
  } else if (c.action === 'publisher') {
    const i = find(str(d.version))
    if (i >= 0) list[i] = { ...list[i], publisher: str(d.previousPublisher) }
  } else if (c.action === 'updated') {
    const i = find(str(d.version))
    const previous = { version: str(d.previousVersion), publisher: 'previousPublisher' in d ? str(d.previousPublisher) : undefined }
    if (i >= 0) list[i] = { ...list[i], version: previous.version, publisher: previous.publisher === undefined ? list[i].publisher : previous.publisher }
    else list.push({ name, version: previous.version, source: str(d.source), publisher: str(d.publisher) })
  }
}

const byName = (a: PackageState, b: PackageState) => a.name.localeCompare(b.name) || (a.source ?? '').localeCompare(b.source ?? '') || (a.version ?? '').localeCompare(b.version ?? '')

/** reconstructAt undoes `changes` (newest first, all later than `at`) from the current inventory. */
export function reconstructAt(current: Omit<InventoryState, 'at'>, changes: Pick<DeviceChange, 'kind' | 'action' | 'details'>[], at: number): InventoryState {
  const state: Omit<InventoryState, 'at'> = {
    os: { ...current.os },
    hardware: current.hardware ? { ...current.hardware } : null,
    software: current.software ? current.software.map((p) => ({ ...p })) : null,
  }
  for (const c of changes) undoChange(state, c)
  return { at, ...state, software: state.software ? state.software.sort(byName) : null }
}

/** diffPackages: what was added, removed and changed (same source and name, another version) from `a` to `b`. */
export function diffPackages(a: PackageState[], b: PackageState[]): NonNullable<InventoryDiff['software']> {
  const key = (p: PackageState) => `${p.source ?? ''}\u0000${p.name}`
  const before = Map.groupBy(a, key)
  const after = Map.groupBy(b, key)
  const out: NonNullable<InventoryDiff['software']> = { added: [], removed: [], changed: [] }
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const olds = [...(before.get(k) ?? [])]
    const news = [...(after.get(k) ?? [])]
    for (let i = news.length - 1; i >= 0; i--) {
      const j = olds.findIndex((o) => o.version === news[i].version)
      if (j < 0) continue
      olds.splice(j, 1)
      news.splice(i, 1)
    }
    while (olds.length && news.length) {
      const o = olds.shift()!
      const n = news.shift()!
      out.changed.push({ name: n.name, source: n.source, from: o.version, to: n.version, publisher: n.publisher })
    }
    out.removed.push(...olds)
    out.added.push(...news)
  }
  out.added.sort(byName)
  out.removed.sort(byName)
  out.changed.sort((x, y) => x.name.localeCompare(y.name))
  return out
}

/** diffStates compares two reconstructed inventories. */
export function diffStates(a: InventoryState, b: InventoryState, changeCount: number): InventoryDiff {
  const hardware: InventoryDiff['hardware'] = []
  if (a.hardware || b.hardware) {
    for (const f of hardwareFields) {
      const x = a.hardware?.[f] ?? null
      const y = b.hardware?.[f] ?? null
      if (x !== y) hardware.push({ field: f, from: x, to: y })
    }
  }
  const osChanged = a.os.version !== b.os.version || a.os.build !== b.os.build
  return {
    from: a.at, to: b.at,
    software: a.software || b.software ? diffPackages(a.software ?? [], b.software ?? []) : null,
    hardware,
    os: osChanged ? { from: a.os, to: b.os } : null,
    changeCount,
  }
}

/** currentWithLater: the device's inventory now and its inventory changes later than `after` (one read serves both questions). */
async function currentWithLater(ctx: Ctx, device: { id: string; osVersion: string; osBuild: string | null }, after: number) {
  const [hardware, software, later] = await Promise.all([findHardware(ctx.db, device.id), listSoftware(ctx.db, device.id), listInventoryChangesAfter(ctx.db, device.id, after, maxChanges + 1)])
  if (later.length > maxChanges) throw new ValidationError('at', `more than ${maxChanges} changes since then: ask about a later date`)
  const current: Omit<InventoryState, 'at'> = {
    os: { version: device.osVersion, build: device.osBuild },
    hardware: hardware ? Object.fromEntries(hardwareFields.map((f) => [f, hardware[f]])) as HardwareState : null,
    // note: no package and no software change since: the agent never reported software.
    software: software.length || later.some((c) => c.kind === 'software') ? software.map((p) => ({ name: p.name, version: p.version, source: p.source, publisher: p.publisher })) : null,
  }
  return { current, later }
}

/** getInventoryAt: a device's software, hardware and OS as they were at `at` (default: now). */
export async function getInventoryAt(ctx: Ctx, actor: UserActor, deviceId: string, q: InventoryAtQuery): Promise<InventoryState> {
  const device = await getDevice(ctx, actor, deviceId)
  const now = ctx.clock.now()
  const at = Math.min(parseInstant(q.at, 'at', 'end') ?? now, now)
  const { current, later } = await currentWithLater(ctx, device, at)
  return reconstructAt(current, later, at)
}

/** getInventoryDiff: what was added, removed and changed between `from` and `to`. */
export async function getInventoryDiff(ctx: Ctx, actor: UserActor, deviceId: string, q: InventoryDiffQuery): Promise<InventoryDiff> {
  const device = await getDevice(ctx, actor, deviceId)
  const now = ctx.clock.now()
  const from = parseInstant(q.from, 'from', 'start')!
  const to = Math.min(parseInstant(q.to, 'to', 'end')!, now)
  if (from >= to) throw new ValidationError('from', 'from must be before to')
  const { current, later } = await currentWithLater(ctx, device, from)
  const between = later.filter((c) => c.at <= to)
  const atTo = reconstructAt(current, later.filter((c) => c.at > to), to)
  const atFrom = reconstructAt(atTo, between, from)
  return diffStates(atFrom, atTo, between.length)
}
