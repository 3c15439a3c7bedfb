import { index, sqliteTable as table, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { bool, id, int, json, ms, text } from './columns'
import { organizations } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Updates seen on any device, one row per OS/source/id/version (shared by every tenant: an update is the vendor's, not the customer's). */
export const patches = table('patches', {
  id: id(),
  os: text({ enum: ['linux', 'windows', 'macos'] }).notNull(),
  source: text({ enum: ['apt', 'dnf', 'windows_update', 'softwareupdate', 'winget', 'homebrew', 'chocolatey'] }).notNull(),
  /** Package name, KB or label. */
  externalId: text().notNull(),
  version: text().notNull(),
  title: text().notNull(),
  severity: text({ enum: ['critical', 'important', 'moderate', 'low', 'unknown'] }).notNull(),
  classification: text().notNull(),
  rebootRequired: bool().notNull(),
  sizeBytes: int(),
  releasedAt: ms(),
  origin: text(),
  supersedes: json<string[]>().notNull(),
  firstSeenAt: ms().notNull(),
}, (t) => [uniqueIndex('patches_identity').on(t.os, t.source, t.externalId, t.version), index('patches_external').on(t.source, t.externalId)])

/** An organization's decision on an update: approved (installed by patch jobs) or declined (never), with who and why. */
export const patchApprovals = table('patch_approvals', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  patchId: text().notNull().references(() => patches.id),
  status: text({ enum: ['approved', 'declined'] }).notNull(),
  reason: text(),
  /** A user id, or null for an automatic rule (the reason names it). */
  decidedBy: text(),
  decidedAt: ms().notNull(),
}, (t) => [uniqueIndex('patch_approvals_org_patch').on(t.orgId, t.patchId)])

/** Where one update stands on one device. */
export const devicePatches = table('device_patches', {
  id: id(),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  siteId: text().notNull(),
  patchId: text().notNull().references(() => patches.id),
  state: text({ enum: ['available', 'approved', 'installing', 'installed', 'failed', 'superseded'] }).notNull(),
  /** The version installed when last seen. */
  installedVersion: text(),
  firstSeenAt: ms().notNull(),
  lastSeenAt: ms().notNull(),
  installedAt: ms(),
  lastJobId: text(),
  lastError: text(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('device_patches_device_patch').on(t.deviceId, t.patchId), index('device_patches_org_state').on(t.orgId, t.state), index('device_patches_patch').on(t.patchId, t.state)])

/** The last patch scan of each device. */
export const devicePatchStatus = table('device_patch_status', {
  id: id(),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  /** pending while a scan runs; ok; partial (some providers failed); failed. */
  scanStatus: text({ enum: ['pending', 'ok', 'partial', 'failed'] }).notNull(),
  scanError: text(),
  scanCommandId: text(),
  lastScanAt: ms(),
  providers: json<string[]>().notNull(),
  rebootRequired: bool().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('device_patch_status_device').on(t.deviceId), index('device_patch_status_command').on(t.scanCommandId)])

/** A run installing approved updates on a set of devices. */
export const patchJobs = table('patch_jobs', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  status: text({ enum: ['running', 'completed', 'completed_with_errors', 'failed'] }).notNull(),
  /** The updates asked for (null: every approved update each device misses). */
  patchIds: json<string[] | null>(),
  deviceCount: int().notNull(),
  createdBy: text(),
  createdAt: ms().notNull(),
  completedAt: ms(),
}, (t) => [index('patch_jobs_org').on(t.orgId, t.createdAt)])

/** One device of a patch job: its install command, progress and output. */
export const patchJobDevices = table('patch_job_devices', {
  id: id(),
  jobId: text().notNull().references(() => patchJobs.id),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  status: text({ enum: ['pending', 'installing', 'installed', 'failed', 'skipped'] }).notNull(),
  commandId: text(),
  patchIds: json<string[]>().notNull(),
  /** The package manager's output (its last 64 KiB). */
  output: text().notNull(),
  error: text(),
  rebootRequired: bool().notNull(),
  startedAt: ms(),
  completedAt: ms(),
}, (t) => [index('patch_job_devices_job').on(t.jobId), index('patch_job_devices_command').on(t.commandId), index('patch_job_devices_device').on(t.deviceId)])
