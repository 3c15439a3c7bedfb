import { index, primaryKey, pgTable as table, uniqueIndex } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { bool, id, int, json, ms, text } from './columns'
import { organizations, sites, users } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Enrollment keys: let an agent join an org (and optionally a site and group). Stored hashed. */
export const enrollmentKeys = table('enrollment_keys', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  siteId: text().references(() => sites.id),
  /** Static group new devices join (device_groups.id; not a foreign key to keep the tables independent). */
  groupId: text(),
  name: text().notNull(),
  prefix: text().notNull(),
  keyHash: text().notNull().unique(),
  expiresAt: ms(),
  maxUses: int(),
  usedCount: int().notNull(),
  revokedAt: ms(),
  /**
   * A machine already enrolled (same hardware id) and offline beyond its window re-attaches to
   * its device automatically; otherwise (and always while it is online or seen within its
   * window) a re-enrollment waits for a technician's approval (enrollment_requests).
   */
  allowReattach: bool().notNull().default(false),
  createdBy: text().references(() => users.id),
  createdAt: ms().notNull(),
}, (t) => [index('enrollment_keys_org').on(t.orgId)])

export const devices = table('devices', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  siteId: text().notNull().references(() => sites.id),
  /** Public id the agent authenticates as; rotated when the machine re-enrolls. */
  agentId: text().notNull().unique(),
  /** SHA-256 of the per-agent secret. */
  agentSecretHash: text().notNull(),
  /** Stable identity of the machine reported by the agent (machine id, serial, MACs). */
  hardwareId: text().notNull(),
  hostname: text().notNull(),
  displayName: text(),
  osType: text({ enum: ['windows', 'macos', 'linux'] }).notNull(),
  osVersion: text().notNull(),
  osBuild: text(),
  architecture: text().notNull(),
  agentVersion: text().notNull(),
  status: text({ enum: ['online', 'offline', 'maintenance', 'decommissioned'] }).notNull(),
  /** Last time anything was heard from the agent (socket message or heartbeat). */
  lastSeenAt: ms(),
  lastHeartbeatAt: ms(),
  lastInventoryAt: ms(),
  bootTime: ms(),
  lastUser: text(),
  loggedInUsers: json<string[]>().notNull(),
  pendingReboot: bool().notNull(),
  publicIp: text(),
  /** Latest metrics, kept on the row for fast lists, sorting and dashboards. */
  cpuPercent: int(),
  ramPercent: int(),
  diskPercent: int(),
  tags: json<string[]>().notNull(),
  /** Heartbeat interval the agent is told to use. */
  heartbeatSeconds: int().notNull(),
  /** Set when two machines present the same agent identity (a cloned VM). */
  cloneSuspectedAt: ms(),
  /** Enrolled as a second device of a machine already enrolled as this device (approved "keep both"). */
  cloneOf: text(),
  enrollmentKeyId: text(),
  enrolledBy: text().references(() => users.id),
  enrolledAt: ms().notNull(),
  decommissionedAt: ms(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [
  index('devices_org_site').on(t.orgId, t.siteId),
  index('devices_hardware').on(t.orgId, t.hardwareId),
  index('devices_status').on(t.status),
  index('devices_hostname').on(t.hostname),
])

/**
 * A re-enrollment of a machine that is already a device (same org and hardware id) waiting for
 * a technician: approve as a replacement (the new agent takes the device over), keep both (a
 * new device marked as a clone), or reject. The agent polls with its request token, whose hash
 * becomes the agent secret on approval, so no secret is stored or sent twice.
 */
export const enrollmentRequests = table('enrollment_requests', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  /** The device whose hardware id the request presents (it is left untouched while pending). */
  deviceId: text().notNull().references(() => devices.id),
  /** Site of that device when the request came (scopes who may see the request; not a foreign key, sites can go). */
  siteId: text().notNull(),
  enrollmentKeyId: text().notNull().references(() => enrollmentKeys.id),
  /** Agent id the new agent gets if approved (not usable before). */
  agentId: text().notNull().unique(),
  /** SHA-256 of the request token the agent polls with; it becomes the agent secret's hash on approval. */
  tokenHash: text().notNull().unique(),
  hardwareId: text().notNull(),
  hostname: text().notNull(),
  osType: text({ enum: ['windows', 'macos', 'linux'] }).notNull(),
  osVersion: text().notNull(),
  osBuild: text(),
  architecture: text().notNull(),
  agentVersion: text().notNull(),
  ip: text(),
  /** Why it waits: the device is online, was seen within its window, or the key does not allow re-attach. */
  reason: text({ enum: ['online', 'recently_seen', 'reattach_not_allowed'] }).notNull(),
  status: text({ enum: ['pending', 'approved_replace', 'approved_clone', 'rejected', 'expired'] }).notNull(),
  /** The device the approved agent runs as (the same device, or the clone). */
  resultDeviceId: text(),
  decidedBy: text().references(() => users.id),
  decidedAt: ms(),
  lastPolledAt: ms(),
  expiresAt: ms().notNull(),
  createdAt: ms().notNull(),
}, (t) => [
  index('enrollment_requests_org_status').on(t.orgId, t.status),
  index('enrollment_requests_device').on(t.deviceId),
  index('enrollment_requests_status_expiry').on(t.status, t.expiresAt),
])

export const deviceHardware = table('device_hardware', {
  deviceId: text().primaryKey().references(() => devices.id),
  cpuModel: text(),
  cpuCores: int(),
  cpuThreads: int(),
  ramTotalMb: int(),
  diskTotalGb: int(),
  gpuModel: text(),
  serialNumber: text(),
  manufacturer: text(),
  model: text(),
  biosVersion: text(),
  updatedAt: ms().notNull(),
})

export const deviceDisks = table('device_disks', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  mount: text().notNull(),
  fsType: text(),
  totalBytes: ms().notNull(),
  usedBytes: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('device_disks_mount').on(t.deviceId, t.mount)])

export const deviceNetwork = table('device_network', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  interfaceName: text().notNull(),
  macAddress: text(),
  ipAddress: text(),
  ipType: text({ enum: ['ipv4', 'ipv6'] }),
  /** The subnet's prefix length (wake-on-LAN looks for an agent on the same subnet). */
  prefixLength: int(),
  isPrimary: bool().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [index('device_network_device').on(t.deviceId)])

export const deviceSoftware = table('device_software', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  name: text().notNull(),
  version: text(),
  publisher: text(),
  installDate: text(),
  installLocation: text(),
  /** dpkg, rpm, snap, flatpak, app, pkgutil, registry… */
  source: text(),
  /** Sort key of the version under its source's ordering (src/devices/versions.ts); compared bytewise. */
  versionKey: text(),
  updatedAt: ms().notNull(),
}, (t) => [index('device_software_device').on(t.deviceId), index('device_software_name').on(t.name), index('device_software_lname').on(sql`lower(${t.name})`, t.versionKey)])

export const deviceServices = table('device_services', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  name: text().notNull(),
  displayName: text(),
  state: text().notNull(),
  startMode: text(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('device_services_name').on(t.deviceId, t.name)])

/** What changed on a device and when: software installs/removals, hardware, OS, admin actions. */
export const deviceChanges = table('device_changes', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  at: ms().notNull(),
  kind: text({ enum: ['software', 'hardware', 'os', 'network', 'service', 'status', 'admin', 'agent'] }).notNull(),
  action: text().notNull(),
  summary: text().notNull(),
  details: json<Record<string, unknown>>(),
}, (t) => [index('device_changes_device_at').on(t.deviceId, t.at)])

/**
 * Maintenance mode of a device (one row while devices.status is 'maintenance'): who put it there,
 * why and until when (null: until someone ends it). The row goes when the maintenance ends.
 */
export const deviceMaintenance = table('device_maintenance', {
  deviceId: text().primaryKey().references(() => devices.id),
  startedAt: ms().notNull(),
  endsAt: ms(),
  reason: text(),
  startedBy: text().references(() => users.id),
}, (t) => [index('device_maintenance_ends').on(t.endsAt)])

/** Raw metric samples, one per heartbeat; rolled up hourly and daily, then pruned. */
export const deviceMetrics = table('device_metrics', {
  deviceId: text().notNull().references(() => devices.id),
  at: ms().notNull(),
  cpuPercent: int(),
  ramPercent: int(),
  ramUsedMb: int(),
  diskPercent: int(),
  diskUsedGb: int(),
  netInBytes: ms(),
  netOutBytes: ms(),
  processCount: int(),
  custom: json<Record<string, number>>(),
}, (t) => [primaryKey({ columns: [t.deviceId, t.at] }), index('device_metrics_at').on(t.at)])

/** Roll-ups of device_metrics: resolution 'hour' or 'day'; bucket is the start of the period. */
export const deviceMetricRollups = table('device_metric_rollups', {
  deviceId: text().notNull().references(() => devices.id),
  resolution: text({ enum: ['hour', 'day'] }).notNull(),
  bucket: ms().notNull(),
  samples: int().notNull(),
  cpuAvg: int(), cpuMin: int(), cpuMax: int(),
  ramAvg: int(), ramMin: int(), ramMax: int(),
  diskAvg: int(), diskMin: int(), diskMax: int(),
  netInBytes: ms(),
  netOutBytes: ms(),
  processAvg: int(),
}, (t) => [primaryKey({ columns: [t.deviceId, t.resolution, t.bucket] }), index('device_metric_rollups_bucket').on(t.resolution, t.bucket)])

export const deviceGroups = table('device_groups', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  siteId: text().references(() => sites.id),
  parentId: text(),
  name: text().notNull(),
  type: text({ enum: ['static', 'dynamic'] }).notNull(),
  /** Dynamic groups: the rule as typed (`os = windows AND ram_gb > 8`). */
  ruleText: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [index('device_groups_org').on(t.orgId)])

export const deviceGroupMembers = table('device_group_members', {
  groupId: text().notNull().references(() => deviceGroups.id),
  deviceId: text().notNull().references(() => devices.id),
  addedBy: text({ enum: ['manual', 'dynamic_rule', 'policy'] }).notNull(),
  addedAt: ms().notNull(),
}, (t) => [primaryKey({ columns: [t.groupId, t.deviceId] }), index('device_group_members_device').on(t.deviceId)])

/**
 * The command queue: everything the server asks an agent to do. Delivered over the socket
 * (or a heartbeat response), signed at dispatch; the agent de-duplicates by id.
 */
export const agentCommands = table('agent_commands', {
  id: id(),
  deviceId: text().notNull().references(() => devices.id),
  type: text().notNull(),
  payload: json<Record<string, unknown>>().notNull(),
  status: text({ enum: ['pending', 'sent', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'expired'] }).notNull(),
  /** What asked for it (script execution, automation run…) for joins back. */
  sourceType: text(),
  sourceId: text(),
  createdBy: text(),
  createdAt: ms().notNull(),
  /** Not delivered after this time (offline device came back too late). */
  expiresAt: ms().notNull(),
  sentAt: ms(),
  startedAt: ms(),
  completedAt: ms(),
  /** Once sent, how long the agent has to finish before the command counts as timed out. */
  timeoutMs: int().notNull().default(3_600_000),
  result: json<Record<string, unknown>>(),
  error: text(),
}, (t) => [
  index('agent_commands_device_status').on(t.deviceId, t.status),
  index('agent_commands_source').on(t.sourceType, t.sourceId),
  index('agent_commands_status_expires').on(t.status, t.expiresAt),
])

/** A user's saved device-list views: filters, columns and density, by name (each user their own). */
export const deviceSavedViews = table('device_saved_views', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  name: text().notNull(),
  filters: json<Record<string, string>>().notNull(),
  columns: json<string[]>().notNull(),
  density: text({ enum: ['comfortable', 'compact'] }).notNull(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('device_saved_views_user_name').on(t.userId, t.name)])
