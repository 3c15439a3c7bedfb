// Enrollment: `POST /api/v1/agents/enroll` (no credential but the enrollment key).
import { t } from './schema'
import { agentPlatforms, caps } from './limits'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))

export const osTypes = ['windows', 'macos', 'linux'] as const
export type OsType = (typeof osTypes)[number]

export const enrollRequest = t.Object({
  enrollmentKey: t.String({ minLength: 1, maxLength: 200 }),
  hostname: t.String({ minLength: 1, maxLength: caps.name }),
  osType: lit(osTypes),
  osVersion: t.String({ maxLength: caps.short }),
  osBuild: t.Optional(t.Nullable(t.String({ maxLength: caps.short }))),
  architecture: t.String({ minLength: 1, maxLength: 32 }),
  platform: lit(agentPlatforms),
  agentVersion: t.String({ minLength: 1, maxLength: 64 }),
  protocolVersion: t.Integer({ minimum: 1 }),
  /** Stable identity of the machine (hash of the SMBIOS UUID and the OS machine id). */
  hardwareId: t.String({ minLength: 8, maxLength: 128 }),
})
export type EnrollRequest = typeof enrollRequest.static

export const enrollResponse = t.Object({
  deviceId: t.String(),
  agentId: t.String(),
  /** Shown once; the server keeps only its hash. */
  agentSecret: t.String(),
  /** The server's Ed25519 public key (raw 32 bytes, base64); the agent pins it. */
  serverPublicKey: t.String(),
  heartbeatSeconds: t.Integer(),
  orgId: t.String(),
  siteId: t.String(),
  /** True when this machine was already known and its device record was re-attached. */
  reattached: t.Boolean(),
  serverTime: t.Number(),
})
export type EnrollResponse = typeof enrollResponse.static

/** Why an enrollment key was refused (the `code` of the 403 error). */
export const enrollRefusals = ['key_unknown', 'key_expired', 'key_revoked', 'key_exhausted', 'org_inactive', 'no_site'] as const
export type EnrollRefusal = (typeof enrollRefusals)[number]
