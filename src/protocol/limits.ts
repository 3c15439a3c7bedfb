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
  /** The JSON text of one signed command's payload (a script of 1 MB and its parameters fit). */
  commandPayload: 8 * 1024 * 1024,
  /** Ids the server hands out (UUIDs, agent ids). */
  id: 64,
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
  /** Nothing arrived on the socket (not even a pong) within the liveness bound: a half-open connection. */
  silent: 4008,
  /** Another machine presents this agent's identity (cloned VM). */
  cloneSuspected: 4009,
  /** Too many agents are connecting: reconnect after the seconds in the reason (`retry-after=<s>`). */
  busy: 4029,
  /** The agent spoke a message the server does not accept. */
  protocolError: 4400,
} as const

/**
 * Liveness of the live channel, derived from the heartbeat interval: each side probes (the
 * server with WebSocket pings, the agent with `ping` messages) every quarter interval
 * (2–15 s), and a socket that has been silent for two probes and two seconds more is dead
 * (heartbeat 60 s: probe 15 s, dead after 32 s; heartbeat 5 s: 2 s and 6 s).
 */
export function livenessProbeMs(heartbeatSeconds: number): number {
  return Math.min(15_000, Math.max(2_000, Math.round(heartbeatSeconds * 250)))
}

export function livenessBoundMs(heartbeatSeconds: number): number {
  return 2 * livenessProbeMs(heartbeatSeconds) + 2_000
}

/**
 * reconnectWindowSeconds is what a server advises its agents (server.hello): the window over
 * which to spread a reconnect after losing it, long enough for all of them to be admitted at
 * about 400 a second (5–300 s).
 */
export function reconnectWindowSeconds(connectedAgents: number): number {
  return Math.min(300, Math.max(5, Math.ceil(connectedAgents / 400)))
}

export const protocolLimits = {
  /** Deepest nesting (objects and arrays) any agent message may have; deeper is refused before validation. */
  maxDepth: 12,
} as const

type Frame = { value: unknown; depth: number; parent: Frame | null; key: string }

/**
 * depthBeyond returns the path (`a/0/b`) of the first object or array nested deeper than
 * `max` levels (the top level is 1), or null. Iterative, so hostile nesting cannot overflow
 * the stack.
 */
export function depthBeyond(value: unknown, max: number): string | null {
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: '' }]
  while (stack.length > 0) {
    const f = stack.pop()!
    if (f.value === null || typeof f.value !== 'object') continue
    if (f.depth > max) {
      const parts: string[] = []
      for (let at: Frame | null = f; at && at.parent; at = at.parent) parts.push(at.key)
      return parts.reverse().join('/')
    }
    if (Array.isArray(f.value)) for (let i = f.value.length - 1; i >= 0; i--) stack.push({ value: f.value[i], depth: f.depth + 1, parent: f, key: String(i) })
    else for (const [k, v] of Object.entries(f.value)) if (v !== null && typeof v === 'object') stack.push({ value: v, depth: f.depth + 1, parent: f, key: k })
  }
  return null
}
