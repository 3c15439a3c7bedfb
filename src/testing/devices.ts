// Device fixtures for tests and benchmarks: realistic rows inserted directly (no agent), with
// hardware, disks, a network interface and optional software. Agent-driven tests use the
// compiled agent instead; these are for device lists, groups, metrics and scale.
import { packageVersionKey } from '../devices/versions'
import type { AppContext } from '../context'
import { t } from '../db/tables'
import { sha256Hex } from '../lib/crypto'
import { newId } from '../lib/ids'

type DeviceRow = typeof t.devices.$inferSelect
type HardwareRow = typeof t.deviceHardware.$inferSelect
type SoftwareInput = { name: string; version?: string | null; publisher?: string | null; installDate?: string | null; source?: string | null }

export type MakeDeviceOptions = Partial<DeviceRow> & {
  orgId: string
  siteId: string
  hardware?: Partial<Omit<HardwareRow, 'deviceId'>>
  software?: SoftwareInput[]
  /** IPv4 address of the primary interface (default 10.x.y.z). */
  ip?: string
  disks?: { mount: string; totalBytes: number; usedBytes: number }[]
  services?: { name: string; displayName?: string | null; state: string; startMode?: string | null }[]
}

const osDefaults = {
  windows: { osVersion: 'Windows 11 Pro 23H2', osBuild: '22631.3447', architecture: 'x64', manufacturer: 'Dell Inc.', model: 'OptiPlex 7090', mount: 'C:' },
  linux: { osVersion: 'Ubuntu 24.04 LTS', osBuild: '6.8.0-31-generic', architecture: 'x64', manufacturer: 'Supermicro', model: 'SYS-5019C-M', mount: '/' },
  macos: { osVersion: 'macOS 14.4', osBuild: '23E214', architecture: 'arm64', manufacturer: 'Apple Inc.', model: 'MacBookPro18,3', mount: '/' },
} as const

let counter = 0

/** deviceRow builds a full devices row (not inserted); makeDevice/makeDevices insert it. */
export function deviceRow(ctx: Pick<AppContext, 'clock'>, o: MakeDeviceOptions): DeviceRow {
  const n = ++counter
  const now = ctx.clock.now()
  const os = o.osType ?? 'windows'
  const d = osDefaults[os]
  const id = o.id ?? newId()
  const { hardware: _h, software: _s, ip: _ip, disks: _d, services: _sv, ...overrides } = o
  return {
    id, agentId: `agt_${id.replace(/-/g, '').slice(-20)}`, agentSecretHash: sha256Hex(new TextEncoder().encode(`secret-${id}`)), hardwareId: `hw-${id}`,
    hostname: `${os === 'windows' ? 'DESKTOP' : os === 'macos' ? 'mbp' : 'srv'}-${String(n).padStart(5, '0')}`, displayName: null,
    osType: os, osVersion: d.osVersion, osBuild: d.osBuild, architecture: d.architecture, agentVersion: '0.1.0', status: 'online',
    lastSeenAt: now, lastHeartbeatAt: now, lastInventoryAt: now, bootTime: now - 3 * 24 * 3600_000, lastUser: os === 'linux' ? 'root' : 'jdoe', loggedInUsers: os === 'linux' ? [] : ['jdoe'],
    pendingReboot: false, publicIp: '203.0.113.10', cpuPercent: 12, ramPercent: 48, diskPercent: 61, tags: [], heartbeatSeconds: 60, cloneSuspectedAt: null, cloneOf: null,
    enrollmentKeyId: null, enrolledBy: null, enrolledAt: now, decommissionedAt: null, createdAt: now, updatedAt: now,
    ...overrides,
  }
}

function hardwareRow(device: DeviceRow, o: MakeDeviceOptions, now: number): HardwareRow {
  const d = osDefaults[device.osType]
  return {
    deviceId: device.id, cpuModel: device.osType === 'macos' ? 'Apple M1 Pro' : 'Intel(R) Core(TM) i7-11700 @ 2.50GHz', cpuCores: 8, cpuThreads: 16, ramTotalMb: 16384, diskTotalGb: 512,
    gpuModel: null, serialNumber: `SN${device.id.replace(/-/g, '').slice(-10).toUpperCase()}`, manufacturer: d.manufacturer, model: d.model, biosVersion: '1.22.0', updatedAt: now,
    ...o.hardware,
  }
}

/** makeDevices inserts many devices at once (benchmarks): rows, hardware, disks, network, software. */
export async function makeDevices(ctx: Pick<AppContext, 'db' | 'clock'>, list: MakeDeviceOptions[]): Promise<DeviceRow[]> {
  const now = ctx.clock.now()
  const rows = list.map((o) => deviceRow(ctx, o))
  const chunk = <T>(a: T[], n: number) => Array.from({ length: Math.ceil(a.length / n) }, (_, i) => a.slice(i * n, i * n + n))
  for (const part of chunk(rows, 200)) await ctx.db.insert(t.devices).values(part)
  for (const part of chunk(rows.map((r, i) => hardwareRow(r, list[i], now)), 300)) await ctx.db.insert(t.deviceHardware).values(part)
  const disks = rows.flatMap((r, i) => (list[i].disks ?? [{ mount: osDefaults[r.osType].mount, totalBytes: 512e9, usedBytes: Math.round(512e9 * (r.diskPercent ?? 50) / 100) }])
    .map((dk) => ({ id: newId(), deviceId: r.id, mount: dk.mount, fsType: r.osType === 'windows' ? 'NTFS' : r.osType === 'macos' ? 'APFS' : 'ext4', totalBytes: dk.totalBytes, usedBytes: dk.usedBytes, updatedAt: now })))
  for (const part of chunk(disks, 300)) await ctx.db.insert(t.deviceDisks).values(part)
  const nets = rows.map((r, i) => ({
    id: newId(), deviceId: r.id, interfaceName: r.osType === 'windows' ? 'Ethernet' : r.osType === 'macos' ? 'en0' : 'eth0',
    macAddress: `02:00:${r.id.replace(/-/g, '').slice(-8).match(/../g)!.join(':')}`, ipAddress: list[i].ip ?? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`, ipType: 'ipv4' as const, isPrimary: true, updatedAt: now,
  }))
  for (const part of chunk(nets, 300)) await ctx.db.insert(t.deviceNetwork).values(part)
  const software = rows.flatMap((r, i) => (list[i].software ?? []).map((s) => ({
    id: newId(), deviceId: r.id, name: s.name, version: s.version ?? null, publisher: s.publisher ?? null, installDate: s.installDate ?? null, installLocation: null, source: s.source ?? null, versionKey: packageVersionKey(s.version ?? null, s.source ?? null), updatedAt: now,
  })))
  for (const part of chunk(software, 300)) await ctx.db.insert(t.deviceSoftware).values(part)
  const services = rows.flatMap((r, i) => (list[i].services ?? []).map((sv) => ({
    id: newId(), deviceId: r.id, name: sv.name, displayName: sv.displayName ?? null, state: sv.state, startMode: sv.startMode ?? null, updatedAt: now,
  })))
  for (const part of chunk(services, 300)) await ctx.db.insert(t.deviceServices).values(part)
  return rows
}

/** makeDevice inserts one realistic device (with hardware, a disk and a network interface). */
export async function makeDevice(ctx: Pick<AppContext, 'db' | 'clock'>, o: MakeDeviceOptions): Promise<DeviceRow> {
  const [row] = await makeDevices(ctx, [o])
  return row
}

/** addMetrics inserts raw metric samples for a device (what heartbeats would have written). */
export async function addMetrics(ctx: Pick<AppContext, 'db'>, deviceId: string, samples: { at: number; cpuPercent?: number | null; ramPercent?: number | null; diskPercent?: number | null; netInBytes?: number | null; netOutBytes?: number | null; processCount?: number | null }[]) {
  const rows = samples.map((s) => ({
    deviceId, at: s.at, cpuPercent: s.cpuPercent ?? null, ramPercent: s.ramPercent ?? null, ramUsedMb: null, diskPercent: s.diskPercent ?? null, diskUsedGb: null,
    netInBytes: s.netInBytes ?? null, netOutBytes: s.netOutBytes ?? null, processCount: s.processCount ?? null, custom: null,
  }))
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insert(t.deviceMetrics).values(rows.slice(i, i + 500))
}

/** addChange records one device_changes row (software installs, admin actions…). */
export async function addChange(ctx: Pick<AppContext, 'db'>, deviceId: string, c: { at: number; kind: (typeof t.deviceChanges.$inferSelect)['kind']; action: string; summary: string; details?: Record<string, unknown> }) {
  await ctx.db.insert(t.deviceChanges).values({ id: newId(), deviceId, at: c.at, kind: c.kind, action: c.action, summary: c.summary, details: c.details ?? null })
}
