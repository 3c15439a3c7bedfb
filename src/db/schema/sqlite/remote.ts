import { index, sqliteTable as table } from 'drizzle-orm/sqlite-core'
import { bool, id, int, json, ms, text } from './columns'
import { organizations } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** One remote session: a terminal, a file manager or a desktop view of one device, opened by one user. */
export const remoteSessions = table('remote_sessions', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  siteId: text().notNull(),
  deviceId: text().notNull(),
  /** Who opened it (the controller); viewers who join are in the audit log. */
  userId: text().notNull(),
  type: text({ enum: ['terminal', 'files', 'desktop'] }).notNull(),
  status: text({ enum: ['pending', 'connecting', 'active', 'ended', 'failed'] }).notNull(),
  /** The path the controller's traffic takes now (null before it attached). */
  transport: text({ enum: ['relay', 'webrtc'] }),
  /** The shell a terminal runs (as the agent resolved it). */
  shell: text(),
  /** The signed `remote.open` command that runs the session on the agent. */
  commandId: text(),
  /** closed, idle, offline, killed, exited, agent_disconnected, abandoned, failed. */
  endReason: text(),
  endedBy: text(),
  errorMessage: text(),
  /** The controller's last WebRTC offer and answer (diagnostics). */
  webrtcOffer: text(),
  webrtcAnswer: text(),
  /** ICE candidate types seen (host, srflx, relay), not addresses. */
  iceCandidates: json<string[]>().notNull(),
  /** Bytes the relay carried browser → agent and agent → browser. */
  bytesIn: ms().notNull(),
  bytesOut: ms().notNull(),
  recording: bool().notNull(),
  startedAt: ms(),
  endedAt: ms(),
  durationSeconds: int(),
  lastActivityAt: ms(),
  createdAt: ms().notNull(),
}, (t) => [
  index('remote_sessions_device').on(t.deviceId, t.createdAt),
  index('remote_sessions_org_status').on(t.orgId, t.status),
  index('remote_sessions_user').on(t.userId, t.createdAt),
])

/** A terminal session's recording (asciicast v2 in a blob), kept until expiresAt. */
export const remoteRecordings = table('remote_recordings', {
  id: id(),
  sessionId: text().notNull().references(() => remoteSessions.id),
  orgId: text().notNull().references(() => organizations.id),
  deviceId: text().notNull(),
  userId: text().notNull(),
  blobKey: text().notNull(),
  bytes: ms().notNull(),
  durationMs: ms().notNull(),
  cols: int().notNull(),
  rows: int().notNull(),
  startedAt: ms().notNull(),
  endedAt: ms(),
  expiresAt: ms().notNull(),
}, (t) => [index('remote_recordings_session').on(t.sessionId), index('remote_recordings_device').on(t.deviceId, t.startedAt), index('remote_recordings_expires').on(t.expiresAt)])

/** One file moved to or from a device. */
export const fileTransfers = table('file_transfers', {
  id: id(),
  sessionId: text().references(() => remoteSessions.id),
  orgId: text().notNull().references(() => organizations.id),
  deviceId: text().notNull(),
  userId: text().notNull(),
  direction: text({ enum: ['upload', 'download'] }).notNull(),
  /** The path on the device, as the agent resolved it. */
  remotePath: text().notNull(),
  localFilename: text().notNull(),
  sizeBytes: ms(),
  transferredBytes: ms().notNull(),
  sha256: text(),
  status: text({ enum: ['pending', 'transferring', 'completed', 'failed', 'cancelled'] }).notNull(),
  progressPercent: int().notNull(),
  errorMessage: text(),
  /** relay (through the server), webrtc (direct) or http (API client through the server). */
  via: text({ enum: ['relay', 'webrtc', 'http'] }).notNull(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  completedAt: ms(),
}, (t) => [index('file_transfers_device').on(t.deviceId, t.createdAt), index('file_transfers_user').on(t.userId, t.createdAt), index('file_transfers_session').on(t.sessionId)])

/** Remote access policy of one organization (no row = the defaults in src/remote/settings.ts). */
export const remoteSettings = table('remote_settings', {
  orgId: text().primaryKey().references(() => organizations.id),
  /** Ask for a fresh TOTP code before a session starts. */
  requireMfa: bool().notNull(),
  recordTerminal: bool().notNull(),
  recordingRetentionDays: int().notNull(),
  idleTimeoutMinutes: int().notNull(),
  /** Folders the file manager may reach; empty = the whole filesystem. */
  fileRoots: json<string[]>().notNull(),
  /** Whether fileRoots also bind users who may manage remote access (admins). */
  rootsApplyToAdmins: bool().notNull(),
  allowDesktop: bool().notNull(),
  updatedAt: ms().notNull(),
  updatedBy: text(),
})
