// Inventory ingestion: each section an agent sends replaces what was stored for it, and the
// difference is recorded as device changes (what was installed/removed/updated when) and
// announced as events. The first report is the baseline: one change entry, no events.
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import type { ServiceChange, SoftwareRef } from '../events'
import { newId } from '../lib/ids'
import type { InventoryReport, ServiceEntry, SoftwareEntry } from '../protocol'
import type { AgentIdentity } from './auth'
import { packageVersionKey } from '../devices/versions'
import { insertDeviceChanges, updateDeviceRow, type DeviceChangeRow, type DeviceRow } from './device-repo'
import {
  applySoftwareDiff, findDevice, findHardware, insertServiceRow, listNetwork, listServiceRows, listSoftware, replaceDisks, replaceNetwork, replaceServices,
  updateServiceRow, upsertHardware, type HardwareRow, type ServiceRow, type SoftwareRow,
} from './inventory-repo'

type Detailed = { source: string | null; publisher: string | null }
type SoftwareDiff = { installed: (SoftwareRef & Detailed)[]; removed: (SoftwareRef & Detailed)[]; updated: (SoftwareRef & Detailed & { previousVersion: string | null; previousPublisher: string | null })[] }

/** diffSoftware pairs stored and reported packages by source and name; a changed version is an update. */
export function diffSoftware(stored: SoftwareRow[], reported: SoftwareEntry[], deviceId: string, now: number) {
  const key = (s: { source: string | null; name: string }) => `${s.source ?? ''}\u0000${s.name}`
  const before = Map.groupBy(stored, key)
  const after = Map.groupBy(reported, key)
  const insert: SoftwareRow[] = []
  const update: SoftwareRow[] = []
  const deleteIds: string[] = []
  const diff: SoftwareDiff = { installed: [], removed: [], updated: [] }
  /** Same version, another publisher: recorded (time-travel stays exact) but not announced. */
  const republished: (SoftwareRef & Detailed & { previousPublisher: string | null })[] = []
  const toRow = (e: SoftwareEntry, id = newId()): SoftwareRow => ({
    id, deviceId, name: e.name, version: e.version, publisher: e.publisher, installDate: e.installDate, installLocation: e.installLocation, source: e.source, versionKey: packageVersionKey(e.version, e.source), updatedAt: now,
  })
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const olds = [...(before.get(k) ?? [])]
    const news = [...(after.get(k) ?? [])]
    // Same version on both sides: unchanged (pick up new details quietly).
    for (let i = news.length - 1; i >= 0; i--) {
      const j = olds.findIndex((o) => o.version === news[i].version)
      if (j < 0) continue
      const o = olds[j]
      const n = news[i]
      if (o.publisher !== n.publisher || o.installDate !== n.installDate || o.installLocation !== n.installLocation) update.push(toRow(n, o.id))
      if (o.publisher !== n.publisher) republished.push({ name: n.name, version: n.version, source: n.source, publisher: n.publisher, previousPublisher: o.publisher })
      olds.splice(j, 1)
      news.splice(i, 1)
    }
    // What is left pairs up as version changes; the rest was installed or removed.
    while (olds.length && news.length) {
      const o = olds.shift()!
      const n = news.shift()!
      update.push(toRow(n, o.id))
      diff.updated.push({ name: n.name, version: n.version, previousVersion: o.version, source: n.source, publisher: n.publisher, previousPublisher: o.publisher })
    }
    for (const o of olds) { deleteIds.push(o.id); diff.removed.push({ name: o.name, version: o.version, source: o.source, publisher: o.publisher }) }
    for (const n of news) { insert.push(toRow(n)); diff.installed.push({ name: n.name, version: n.version, source: n.source, publisher: n.publisher }) }
  }
  return { insert, update, deleteIds, diff, republished }
}

/** diffServices: services that appeared, went away, or changed state or start type. */
export function diffServices(stored: Pick<ServiceRow, 'name' | 'state' | 'startMode'>[], reported: Pick<ServiceEntry, 'name' | 'state' | 'startMode'>[]): ServiceChange[] {
  const before = new Map(stored.map((s) => [s.name, s]))
  const out: ServiceChange[] = []
  const seen = new Set<string>()
  for (const s of reported) {
    seen.add(s.name)
    const b = before.get(s.name)
    if (!b) out.push({ name: s.name, from: null, to: { state: s.state, startMode: s.startMode } })
    else if (b.state !== s.state || b.startMode !== s.startMode) out.push({ name: s.name, from: { state: b.state, startMode: b.startMode }, to: { state: s.state, startMode: s.startMode } })
  }
  for (const b of stored) if (!seen.has(b.name)) out.push({ name: b.name, from: { state: b.state, startMode: b.startMode }, to: null })
  return out
}

/** describeServiceChange: "nginx stopped (was running)", "cron start type disabled (was enabled)". */
export function describeServiceChange(c: ServiceChange): string {
  if (!c.from) return `Service ${c.name} appeared (${c.to!.state})`
  if (!c.to) return `Service ${c.name} went away`
  const parts: string[] = []
  if (c.from.state !== c.to.state) parts.push(`${c.to.state} (was ${c.from.state})`)
  if (c.from.startMode !== c.to.startMode) parts.push(`start type ${c.to.startMode ?? 'unknown'} (was ${c.from.startMode ?? 'unknown'})`)
  return `Service ${c.name} ${parts.join(', ')}`
}

/**
 * applyServiceState records what a service action left a service in (before the agent's next
 * services report): its row, a device change, and services.changed.
 */
export async function applyServiceState(ctx: AppContext, deviceId: string, name: string, next: { state: string; startMode: string | null }): Promise<ServiceChange | null> {
  const device = await findDevice(ctx.db, deviceId)
  if (!device) return null
  const now = ctx.clock.now()
  const done = await withTx(ctx.db, async (tx) => {
    const row = (await listServiceRows(tx, device.id)).find((s) => s.name === name)
    const c: ServiceChange = { name, from: row ? { state: row.state, startMode: row.startMode } : null, to: next }
    if (row && row.state === next.state && row.startMode === next.startMode) return null
    if (row) await updateServiceRow(tx, device.id, name, { state: next.state, startMode: next.startMode, updatedAt: now })
    else await insertServiceRow(tx, { id: newId(), deviceId: device.id, name, displayName: null, ...next, updatedAt: now })
    await insertDeviceChanges(tx, [{ id: newId(), deviceId: device.id, at: now, kind: 'service', action: row ? 'changed' : 'added', summary: describeServiceChange(c).slice(0, 1000), details: c }])
    return c
  })
  if (done) ctx.events.emit('services.changed', { deviceId: device.id, orgId: device.orgId, changes: [done] })
  return done
}

/** uniqueBy keeps the first entry per key (endpoints sometimes report duplicates). */
function uniqueBy<T>(list: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>()
  return list.filter((x) => !seen.has(key(x)) && !!seen.add(key(x)))
}

const hardwareFields = ['cpuModel', 'cpuCores', 'cpuThreads', 'ramTotalMb', 'diskTotalGb', 'gpuModel', 'serialNumber', 'manufacturer', 'model', 'biosVersion'] as const

/** ingestInventory stores the sections of a report and returns which were stored and how many changes they made. */
export async function ingestInventory(ctx: AppContext, agent: AgentIdentity, report: InventoryReport): Promise<{ sections: string[]; changes: number }> {
  const now = ctx.clock.now()
  const sections: string[] = []
  const after: (() => void)[] = []
  const changes: DeviceChangeRow[] = []
  const change = (kind: DeviceChangeRow['kind'], action: string, summary: string, details: Record<string, unknown> | null = null) =>
    changes.push({ id: newId(), deviceId: agent.id, at: now, kind, action, summary: summary.slice(0, 1000), details })

  await withTx(ctx.db, async (tx) => {
    const device = await findDevice(tx, agent.id)
    if (!device) return
    const initial = device.lastInventoryAt === null
    const patch: Partial<DeviceRow> = { lastInventoryAt: now, lastSeenAt: now, updatedAt: now }
    if (report.os) {
      sections.push('os')
      const os = report.os
      Object.assign(patch, { hostname: os.hostname, osType: os.osType, osVersion: os.osVersion, osBuild: os.osBuild, architecture: os.architecture, bootTime: os.bootTime ?? device.bootTime })
      if (!initial && (os.osVersion !== device.osVersion || os.osBuild !== device.osBuild)) {
        change('os', 'updated', `Operating system changed from ${device.osVersion} ${device.osBuild ?? ''} to ${os.osVersion} ${os.osBuild ?? ''}`.replace(/\s+/g, ' ').trim(), { from: { version: device.osVersion, build: device.osBuild }, to: { version: os.osVersion, build: os.osBuild } })
      }
      if (!initial && os.hostname !== device.hostname) change('admin', 'hostname', `Hostname changed from ${device.hostname} to ${os.hostname}`)
    }
    if (report.hardware) {
      sections.push('hardware')
      const stored = await findHardware(tx, agent.id)
      const row: HardwareRow = { deviceId: agent.id, ...report.hardware, updatedAt: now }
      const diff: Record<string, { from: unknown; to: unknown }> = {}
      if (stored) for (const f of hardwareFields) if (stored[f] !== row[f]) diff[f] = { from: stored[f], to: row[f] }
      await upsertHardware(tx, row)
      // note: the first hardware report is a baseline row, so time-travel knows hardware was unknown before it.
      if (!stored) change('hardware', 'baseline', `Hardware inventory: ${[row.manufacturer, row.model, row.cpuModel].filter(Boolean).join(', ') || 'reported'}`, Object.fromEntries(hardwareFields.map((f) => [f, row[f]])))
      if (stored && Object.keys(diff).length > 0) {
        change('hardware', 'changed', `Hardware changed: ${Object.keys(diff).join(', ')}`, diff)
        after.push(() => ctx.events.emit('hardware.changed', { deviceId: agent.id, orgId: agent.orgId, changes: diff }))
      }
    }
    if (report.disks) {
      sections.push('disks')
      await replaceDisks(tx, agent.id, uniqueBy(report.disks, (d) => d.mount).map((d) => ({ id: newId(), deviceId: agent.id, mount: d.mount, fsType: d.fsType, totalBytes: Math.round(d.totalBytes), usedBytes: Math.round(d.usedBytes), updatedAt: now })))
    }
    if (report.network) {
      sections.push('network')
      const label = (n: { interfaceName: string; ipAddress: string | null }) => `${n.interfaceName} ${n.ipAddress ?? ''}`.trim()
      const before = new Set((await listNetwork(tx, agent.id)).map(label))
      const nowSet = new Set(report.network.map(label))
      const added = [...nowSet].filter((x) => !before.has(x))
      const removed = [...before].filter((x) => !nowSet.has(x))
      if (!initial && (added.length || removed.length)) change('network', 'changed', `Network addresses changed (+${added.length} −${removed.length})`, { added, removed })
      await replaceNetwork(tx, agent.id, report.network.map((n) => ({ id: newId(), deviceId: agent.id, ...n, prefixLength: n.prefixLength ?? null, updatedAt: now })))
    }
    if (report.software) {
      sections.push('software')
      const { insert, update, deleteIds, diff, republished } = diffSoftware(await listSoftware(tx, agent.id), report.software, agent.id, now)
      await applySoftwareDiff(tx, { insert, update, deleteIds })
      if (initial) {
        change('software', 'baseline', `Software inventory: ${report.software.length} packages`)
      } else {
        for (const s of diff.installed) change('software', 'installed', `Installed ${s.name} ${s.version ?? ''}`.trim(), { name: s.name, version: s.version, source: s.source, publisher: s.publisher })
        for (const s of diff.removed) change('software', 'removed', `Removed ${s.name} ${s.version ?? ''}`.trim(), { name: s.name, version: s.version, source: s.source, publisher: s.publisher })
        for (const s of diff.updated) change('software', 'updated', `Updated ${s.name} from ${s.previousVersion ?? '?'} to ${s.version ?? '?'}`, { name: s.name, version: s.version, previousVersion: s.previousVersion, source: s.source, publisher: s.publisher, previousPublisher: s.previousPublisher })
        for (const s of republished) change('software', 'publisher', `Publisher of ${s.name} changed from ${s.previousPublisher ?? '?'} to ${s.publisher ?? '?'}`, { name: s.name, version: s.version, source: s.source, publisher: s.publisher, previousPublisher: s.previousPublisher })
        if (diff.installed.length + diff.removed.length + diff.updated.length > 0) {
          after.push(() => ctx.events.emit('software.changed', { deviceId: agent.id, orgId: agent.orgId, ...diff }))
        }
      }
    }
    if (report.services) {
      sections.push('services')
      const reported = uniqueBy(report.services, (s) => s.name)
      const diff = diffServices(await listServiceRows(tx, agent.id), reported)
      await replaceServices(tx, agent.id, reported.map((s) => ({ id: newId(), deviceId: agent.id, ...s, updatedAt: now })))
      if (!initial && diff.length > 0) {
        for (const c of diff.length > 20 ? [] : diff) change('service', c.to === null ? 'removed' : c.from === null ? 'added' : 'changed', describeServiceChange(c), c)
        if (diff.length > 20) change('service', 'changed', `${diff.length} services changed`, { names: diff.slice(0, 200).map((c) => c.name) })
        after.push(() => ctx.events.emit('services.changed', { deviceId: agent.id, orgId: agent.orgId, changes: diff.slice(0, 200) }))
      }
    }
    await updateDeviceRow(tx, agent.id, patch)
    await insertDeviceChanges(tx, changes)
  })
  for (const fn of after) fn()
  ctx.events.emit('inventory.received', { deviceId: agent.id, orgId: agent.orgId, at: now, sections })
  return { sections, changes: changes.length }
}
