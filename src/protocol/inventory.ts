// Inventory: `POST /api/v1/agents/:agentId/inventory`. A full report at enrollment, then every
// 6 hours (and on `inventory.refresh`) only the sections whose content changed since the last
// accepted report. The server diffs each section it receives against what it stored.
import { t } from './schema'
import { caps } from './limits'
import { osTypes } from './enroll'

const name = t.String({ maxLength: caps.name })
const short = t.String({ maxLength: caps.short })
const long = t.String({ maxLength: caps.long })
const opt = <T extends Parameters<typeof t.Nullable>[0]>(s: T) => t.Nullable(s)
const bytes = t.Number({ minimum: 0 })

export const osSection = t.Object({
  hostname: t.String({ minLength: 1, maxLength: caps.name }),
  osType: t.Union(osTypes.map((o) => t.Literal(o))),
  osVersion: short,
  osBuild: opt(short),
  distro: opt(name),
  kernel: opt(short),
  architecture: t.String({ maxLength: 32 }),
  bootTime: opt(t.Number()),
})

export const hardwareSection = t.Object({
  cpuModel: opt(name),
  cpuCores: opt(t.Integer({ minimum: 0 })),
  cpuThreads: opt(t.Integer({ minimum: 0 })),
  ramTotalMb: opt(t.Integer({ minimum: 0 })),
  diskTotalGb: opt(t.Integer({ minimum: 0 })),
  gpuModel: opt(name),
  serialNumber: opt(short),
  manufacturer: opt(name),
  model: opt(name),
  biosVersion: opt(short),
})

export const diskEntry = t.Object({ mount: long, fsType: opt(short), totalBytes: bytes, usedBytes: bytes })
export const networkEntry = t.Object({
  interfaceName: name,
  macAddress: opt(short),
  ipAddress: opt(short),
  ipType: opt(t.Union([t.Literal('ipv4'), t.Literal('ipv6')])),
  /** The subnet's prefix length (24 for 255.255.255.0): wake-on-LAN finds agents on the same subnet with it. */
  prefixLength: t.Optional(t.Nullable(t.Integer({ minimum: 0, maximum: 128 }))),
  isPrimary: t.Boolean(),
})
export const softwareEntry = t.Object({
  name: t.String({ minLength: 1, maxLength: caps.name }),
  version: opt(short),
  publisher: opt(name),
  /** YYYY-MM-DD when known. */
  installDate: opt(t.String({ maxLength: 32 })),
  installLocation: opt(long),
  /** dpkg, rpm, snap, flatpak, app, pkgutil, registry */
  source: opt(t.String({ maxLength: 32 })),
})
export const serviceEntry = t.Object({ name, displayName: opt(name), state: t.String({ maxLength: 32 }), startMode: opt(t.String({ maxLength: 32 })) })

export type OsSection = typeof osSection.static
export type HardwareSection = typeof hardwareSection.static
export type DiskEntry = typeof diskEntry.static
export type NetworkEntry = typeof networkEntry.static
export type SoftwareEntry = typeof softwareEntry.static
export type ServiceEntry = typeof serviceEntry.static

export const inventorySections = ['os', 'hardware', 'disks', 'network', 'software', 'services'] as const
export type InventorySection = (typeof inventorySections)[number]

export const inventoryReport = t.Object({
  /** Every section is present (a first report, or a resync). */
  full: t.Boolean(),
  collectedAt: t.Number(),
  os: t.Optional(osSection),
  hardware: t.Optional(hardwareSection),
  disks: t.Optional(t.Array(diskEntry, { maxItems: caps.disks })),
  network: t.Optional(t.Array(networkEntry, { maxItems: caps.interfaces })),
  software: t.Optional(t.Array(softwareEntry, { maxItems: caps.software })),
  services: t.Optional(t.Array(serviceEntry, { maxItems: caps.services })),
})
export type InventoryReport = typeof inventoryReport.static

export const inventoryResponse = t.Object({ sections: t.Array(t.String({ maxLength: 32 }), { maxItems: 16 }), changes: t.Integer() })
export type InventoryResponse = typeof inventoryResponse.static
