// Commands the server asks an agent to run. Every command is signed by the server's Ed25519
// key at dispatch; the agent verifies the signature with the key it pinned at enrollment,
// checks the target and the expiry, and refuses any id it has seen before.
import { t } from './schema'
import { caps } from './limits'

export const signedCommand = t.Object({
  id: t.String({ maxLength: caps.id }),
  deviceId: t.String({ maxLength: caps.id }),
  agentId: t.String({ maxLength: caps.id }),
  type: t.String({ maxLength: 64 }),
  /** The payload as a JSON text: what is signed is exactly what is parsed. */
  payload: t.String({ maxLength: caps.commandPayload }),
  issuedAt: t.Number(),
  expiresAt: t.Number(),
  /** Ed25519 over commandSigningText(…), base64. */
  signature: t.String({ maxLength: 200 }),
})
export type SignedCommand = typeof signedCommand.static

/** commandSigningText is the exact text the signature covers (both sides build it the same way). */
export function commandSigningText(c: Omit<SignedCommand, 'signature'>): string {
  return ['breeze-command-v1', c.id, c.deviceId, c.agentId, c.type, String(c.issuedAt), String(c.expiresAt), c.payload].join('\n')
}

/** updateSigningText is what the server signs for a self-update build. */
export function updateSigningText(platform: string, version: string, sha256: string): string {
  return ['breeze-agent-update-v1', platform, version, sha256].join('\n')
}

/** Why an agent refused a command. */
export const refusalReasons = ['bad_signature', 'wrong_device', 'expired', 'replayed', 'unknown_type', 'invalid_payload'] as const
export type RefusalReason = (typeof refusalReasons)[number]

/** How a command ended on the agent. */
export const commandOutcomes = ['completed', 'failed', 'cancelled', 'timeout'] as const
export type CommandOutcome = (typeof commandOutcomes)[number]

// ---- built-in command types: payloads and results ----

export const processSorts = ['cpu', 'memory', 'name', 'pid'] as const
export const processesListPayload = t.Object({
  sortBy: t.Optional(t.Union(processSorts.map((s) => t.Literal(s)))),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
  /** Only processes whose name, user, command line or PID contain this (case-insensitive). */
  search: t.Optional(t.String({ maxLength: 200 })),
})
export const processInfo = t.Object({
  pid: t.Integer(),
  /** The parent's PID (null when unknown). */
  ppid: t.Optional(t.Nullable(t.Integer())),
  name: t.String({ maxLength: caps.name }),
  user: t.Nullable(t.String({ maxLength: caps.name })),
  /** Share of the whole machine (all cores = 100), since the previous sample. */
  cpuPercent: t.Number(),
  memoryMb: t.Number(),
  command: t.Nullable(t.String({ maxLength: caps.long })),
  startedAt: t.Optional(t.Nullable(t.Number())),
})
export type ProcessInfo = typeof processInfo.static
export const processesListResult = t.Object({
  /** Processes running (before the search). */
  total: t.Integer(),
  /** Processes that matched the search (before the limit). */
  matched: t.Optional(t.Integer()),
  processes: t.Array(processInfo, { maxItems: 500 }),
})
export type ProcessesListResult = typeof processesListResult.static

export const inventoryRefreshPayload = t.Object({
  /** Send every section, not only the changed ones. */
  full: t.Optional(t.Boolean()),
})
export const inventoryRefreshResult = t.Object({ sections: t.Array(t.String({ maxLength: 32 }), { maxItems: 16 }) })

/** The built-in types, so both ends share one list (features add theirs next to their handler). */
export const builtinCommandTypes = {
  'processes.list': { payload: processesListPayload, result: processesListResult },
  'inventory.refresh': { payload: inventoryRefreshPayload, result: inventoryRefreshResult },
  /** Send a heartbeat now ("force check-in"). */
  'heartbeat.now': { payload: t.Object({}), result: t.Object({}) },
} as const
