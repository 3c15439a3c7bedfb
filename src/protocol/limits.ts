// Limits both sides agree on. Everything an endpoint reports is untrusted: the server's
// schemas reject longer values, and the agent cuts its own strings to fit (capText), so a
// real agent never trips them.

/**
 * 2: enrollment may answer "pending approval" (202) and the agent polls for the decision.
 * The server still accepts agents of protocol 1 (they are refused where they would have to wait).
 */
export const PROTOCOL_VERSION = 2

/** The HTTP Authorization scheme agents use: `Authorization: BreezeAgent <agentId>.<secret>`. */
export const AGENT_AUTH_SCHEME = 'BreezeAgent'

export const caps = {
  /** Hostnames, user names, product and interface names. */
  name: 255,
  /** Versions, builds, MAC/IP addresses, short codes. */
  short: 128,
  /** Paths, descriptions, command lines. */
  long: 1024,
  software: 20_000,
  services: 5_000,
  interfaces: 256,
  disks: 256,
  volumes: 64,
  users: 256,
  /** One output chunk of a command (characters). */
  outputChunk: 64 * 1024,
} as const

/** capText trims and cuts a reported string to `max` characters (null for empty). */
export function capText(value: unknown, max: number = caps.name): string | null {
  if (value === null || value === undefined) return null
  const s = String(value).replace(/\0/g, '').trim()
  return s === '' ? null : s.length > max ? s.slice(0, max) : s
}

/** The agent builds Breeze produces, as `<os>-<arch>` (Bun's compile targets without the `bun-` prefix). */
export const agentPlatforms = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'windows-x64'] as const
export type AgentPlatform = (typeof agentPlatforms)[number]

export function isAgentPlatform(value: string): value is AgentPlatform {
  return (agentPlatforms as readonly string[]).includes(value)
}

/** WebSocket close codes the server uses (4000–4999 is the application range). */
export const closeCodes = {
  /** The server is restarting (RFC 6455 1012): reconnect after a short, spread delay. */
  serviceRestart: 1012,
  /** The device was decommissioned or its credential revoked: stop and re-enroll. */
  revoked: 4001,
  /** A newer connection for the same agent replaced this one. */
  replaced: 4002,
  /** Another machine presents this agent's identity (cloned VM). */
  cloneSuspected: 4009,
  /** Too many agents are connecting: reconnect after the seconds in the reason (`retry-after=<s>`). */
  busy: 4029,
  /** The agent spoke a message the server does not accept. */
  protocolError: 4400,
} as const
