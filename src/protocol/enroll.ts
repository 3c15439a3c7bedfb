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
  /**
   * The credential this agent holds now, when it is enrolled already (re-running enroll or the
   * installer): proof that it is the device's own agent, so it re-attaches without approval.
   */
  currentCredential: t.Optional(t.Object({
    agentId: t.String({ minLength: 1, maxLength: 64 }),
    secret: t.String({ minLength: 16, maxLength: 128 }),
  })),
})
export type EnrollRequest = typeof enrollRequest.static

export const enrollResponse = t.Object({
  status: t.Literal('enrolled'),
  deviceId: t.String({ maxLength: caps.id }),
  agentId: t.String({ maxLength: caps.id }),
  /** Shown once; the server keeps only its hash. */
  agentSecret: t.String({ maxLength: 128 }),
  /** The server's Ed25519 public key (raw 32 bytes, base64); the agent pins it. */
  serverPublicKey: t.String({ maxLength: 128 }),
  heartbeatSeconds: t.Integer(),
  orgId: t.String({ maxLength: caps.id }),
  siteId: t.String({ maxLength: caps.id }),
  /** True when this machine was already known and its device record was re-attached. */
  reattached: t.Boolean(),
  /** True when a technician approved this machine as a second device next to the one it matched. */
  clone: t.Optional(t.Boolean()),
  serverTime: t.Number(),
})
export type EnrollResponse = typeof enrollResponse.static

/**
 * The answer (HTTP 202) when this machine is already a device of the organization and may not
 * simply take it over: a technician approves or rejects. The agent keeps `requestToken` secret
 * and polls `POST /api/v1/agents/enroll/poll` every `pollSeconds`; once approved, the token is
 * its agent secret.
 */
export const enrollPending = t.Object({
  status: t.Literal('pending'),
  requestId: t.String({ maxLength: 64 }),
  /** Only in the answer to the enrollment itself, never in a poll answer. */
  requestToken: t.Optional(t.String({ maxLength: 128 })),
  pollSeconds: t.Integer({ minimum: 1 }),
  expiresAt: t.Number(),
  /** What the person running the installer should know (who must approve, where). */
  message: t.String({ maxLength: 1000 }),
})
export type EnrollPending = typeof enrollPending.static

export const enrollAnswer = t.Union([enrollResponse, enrollPending])
export type EnrollAnswer = typeof enrollAnswer.static

export const enrollPollRequest = t.Object({
  requestId: t.String({ minLength: 1, maxLength: 64 }),
  requestToken: t.String({ minLength: 16, maxLength: 128 }),
})
export type EnrollPollRequest = typeof enrollPollRequest.static

/** A poll answer: still pending (202), or approved (200: the identity, without the secret the agent already holds). */
export const enrollPollAnswer = t.Union([t.Omit(enrollResponse, ['agentSecret']), enrollPending])
export type EnrollPollAnswer = typeof enrollPollAnswer.static

/** Why an enrollment was refused (the `code` of the 4xx error). */
export const enrollRefusals = [
  'key_unknown', 'key_expired', 'key_revoked', 'key_exhausted', 'org_inactive', 'no_site',
  /** An agent of protocol 1 would have to wait for approval, which it cannot. */
  'approval_required',
  /** Too many re-enrollments of this device wait for approval already. */
  'too_many_pending',
  /** Poll answers: a technician rejected the request, it expired, or it is not known (wrong id or token). */
  'enrollment_rejected', 'enrollment_expired', 'enrollment_request_unknown',
] as const
export type EnrollRefusal = (typeof enrollRefusals)[number]
