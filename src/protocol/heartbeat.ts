// Heartbeat: `POST /api/v1/agents/:agentId/heartbeat` every `heartbeatSeconds` (set by the
// server). It carries metrics and proves liveness; its answer carries what the agent missed
// while its socket was down.
import { t } from './schema'
import { caps } from './limits'
import { signedCommand } from './commands'

const percent = t.Nullable(t.Number({ minimum: 0, maximum: 100 }))
const count = t.Nullable(t.Number({ minimum: 0 }))

/** A process glob the server watches: name pattern (a trailing .exe optional), at most 100 characters. */
export const processGlob = t.String({ minLength: 1, maxLength: 100 })
export const watchedProcess = t.Object({ pattern: processGlob, count: t.Integer({ minimum: 0 }), cpuPercent: t.Number({ minimum: 0, maximum: 100 }) })

export const heartbeatMetrics = t.Object({
  cpuPercent: percent,
  ramPercent: percent,
  ramUsedMb: count,
  /** Fullest volume, so one number says "a disk is filling up". */
  diskPercent: percent,
  diskUsedGb: count,
  /** Per volume: mount point → percent used. */
  volumes: t.Record(t.Key(caps.long), t.Number({ minimum: 0, maximum: 100 }), { maxProperties: caps.volumes }),
  /** Bytes received/sent on all non-loopback interfaces since the previous heartbeat. */
  netInBytes: count,
  netOutBytes: count,
  processCount: count,
  /** Per glob the server asked to watch (`watchProcesses`): matching processes and their total CPU % (capped at 100). */
  processes: t.Optional(t.Array(watchedProcess, { maxItems: 50 })),
})
export type HeartbeatMetricsInput = typeof heartbeatMetrics.static

export const heartbeatRequest = t.Object({
  agentVersion: t.String({ minLength: 1, maxLength: 64 }),
  hardwareId: t.String({ minLength: 8, maxLength: 128 }),
  /** The agent's clock when it collected the sample (the server stores its own time). */
  collectedAt: t.Number(),
  metrics: heartbeatMetrics,
  uptimeSeconds: count,
  lastUser: t.Nullable(t.String({ maxLength: caps.name })),
  loggedInUsers: t.Array(t.String({ maxLength: caps.name }), { maxItems: caps.users }),
  pendingReboot: t.Boolean(),
  /** Versions the agent tried and rolled back from; the server does not offer them again. */
  failedUpdates: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 20 })),
})
export type HeartbeatRequest = typeof heartbeatRequest.static

/** Download, verify and switch to another agent build (see docs/agent-protocol.md "Self-update"). */
export const upgradeInstruction = t.Object({
  version: t.String({ maxLength: 64 }),
  platform: t.String({ maxLength: 32 }),
  /** Path of the executable on this server (the agent downloads only from the server it enrolled with). */
  url: t.String({ maxLength: 1024 }),
  sha256: t.String({ maxLength: 64 }),
  size: t.Number(),
  /** Ed25519 over `updateSigningText(platform, version, sha256)`, base64. */
  signature: t.String({ maxLength: 200 }),
})
export type UpgradeInstruction = typeof upgradeInstruction.static

export const heartbeatResponse = t.Object({
  serverTime: t.Number(),
  heartbeatSeconds: t.Integer(),
  /** Commands waiting for this agent, sent here only when its socket is down. */
  commands: t.Array(signedCommand, { maxItems: 100 }),
  upgrade: t.Nullable(upgradeInstruction),
  /** Process globs to count in every heartbeat (`metrics.processes`), from the process alert rules targeting the device. */
  watchProcesses: t.Optional(t.Array(processGlob, { maxItems: 50 })),
})
export type HeartbeatResponse = typeof heartbeatResponse.static
