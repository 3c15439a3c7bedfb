// Remote access inputs: every body, query and param of the pages and the API.
import { t } from 'elysia'
import { int } from '../web/model-types'

export const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
export const orgParams = t.Object({ orgId: t.String({ maxLength: 64 }) })

export const sessionTypes = ['terminal', 'files', 'desktop'] as const
export type SessionType = (typeof sessionTypes)[number]

export const startSessionBody = t.Object({
  deviceId: t.String({ minLength: 1, maxLength: 64 }),
  type: t.Union(sessionTypes.map((v) => t.Literal(v)), { error: 'type must be terminal, files or desktop' }),
  /** A shell the device reported (path or name); default: the device's default shell. */
  shell: t.Optional(t.String({ maxLength: 512 })),
  cols: t.Optional(int({ minimum: 2, maximum: 1000 })),
  rows: t.Optional(int({ minimum: 2, maximum: 500 })),
  /** A fresh TOTP code, when the organization asks for one before remote sessions. */
  mfaCode: t.Optional(t.String({ maxLength: 16 })),
  monitor: t.Optional(int({ minimum: 0, maximum: 16 })),
})
export type StartSessionBody = typeof startSessionBody.static

/** The page form: the device comes from the URL. */
export const startSessionForm = t.Object({
  type: startSessionBody.properties.type,
  shell: t.Optional(t.String({ maxLength: 512 })),
  mfaCode: t.Optional(t.String({ maxLength: 16 })),
  monitor: t.Optional(int({ minimum: 0, maximum: 16 })),
})

export const sessionListQuery = t.Object({
  status: t.Optional(t.Union([t.Literal('live'), t.Literal('ended'), t.Literal('all')])),
  deviceId: t.Optional(t.String({ maxLength: 64 })),
  userId: t.Optional(t.String({ maxLength: 64 })),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
})

export const transferListQuery = t.Object({
  deviceId: t.Optional(t.String({ maxLength: 64 })),
  userId: t.Optional(t.String({ maxLength: 64 })),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
})

export const ticketQuery = t.Object({ ticket: t.String({ minLength: 10, maxLength: 300 }) })

export const remoteSettingsBody = t.Object({
  requireMfa: t.Boolean(),
  recordTerminal: t.Boolean(),
  recordingRetentionDays: int({ minimum: 1, maximum: 3650, error: 'keep recordings between 1 and 3650 days' }),
  idleTimeoutMinutes: int({ minimum: 1, maximum: 24 * 60, error: 'the idle timeout is between 1 and 1440 minutes' }),
  /** One absolute folder per line (form) or a list (API); empty = whole filesystem. */
  fileRoots: t.Union([t.Array(t.String({ minLength: 1, maxLength: 1024 }), { maxItems: 32 }), t.String({ maxLength: 32 * 1024 })]),
  rootsApplyToAdmins: t.Boolean(),
  allowDesktop: t.Boolean(),
})
export type RemoteSettingsBody = typeof remoteSettingsBody.static

export const iceSettingsBody = t.Object({
  /** STUN/TURN URLs, one per line (form) or a list: stun:host:3478, turn:host:3478?transport=udp, turns:… */
  urls: t.Union([t.Array(t.String({ minLength: 1, maxLength: 512 }), { maxItems: 8 }), t.String({ maxLength: 8 * 1024 })]),
  turnUsername: t.Optional(t.String({ maxLength: 512 })),
  /** Empty keeps the stored credential. */
  turnCredential: t.Optional(t.String({ maxLength: 512 })),
  clearCredential: t.Optional(t.Boolean()),
})
export type IceSettingsBody = typeof iceSettingsBody.static

/**
 * formTypes turns an HTML form's strings into the JSON types the schemas above expect:
 * "true"/"false" (the last of a hidden field and its checkbox) and whole numbers.
 */
export function formTypes(values: Record<string, unknown>, fields: { booleans?: string[]; integers?: string[] }): Record<string, unknown> {
  const out = { ...values }
  const last = (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v)
  for (const f of fields.booleans ?? []) if (out[f] !== undefined) out[f] = last(out[f]) === 'true'
  for (const f of fields.integers ?? []) if (typeof out[f] === 'string' && /^-?\d+$/.test(out[f] as string)) out[f] = Number(out[f])
  return out
}

export const uploadQuery = t.Object({
  path: t.String({ minLength: 1, maxLength: 4096 }),
  size: int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  offset: t.Optional(int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  overwrite: t.Optional(t.Boolean()),
})

export const uploadCompleteBody = t.Object({
  path: t.String({ minLength: 1, maxLength: 4096 }),
  sha256: t.String({ pattern: '^[0-9a-f]{64}$', error: 'sha256 must be 64 lowercase hex characters' }),
})

export const downloadQuery = t.Object({ path: t.String({ minLength: 1, maxLength: 4096 }) })

export const fsBody = t.Object({
  op: t.Union([t.Literal('roots'), t.Literal('list'), t.Literal('stat'), t.Literal('mkdir'), t.Literal('rename'), t.Literal('delete')]),
  path: t.Optional(t.String({ minLength: 1, maxLength: 4096 })),
  to: t.Optional(t.String({ minLength: 1, maxLength: 4096 })),
  recursive: t.Optional(t.Boolean()),
})
