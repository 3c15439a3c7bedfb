// Input schemas for running scripts and reading their history.
import { t } from 'elysia'
import { anyNumber, int, isoDateText } from '../web/model-types'
import { commandShells } from './types'

const id = t.String({ minLength: 1, maxLength: 64 })
const ids = t.Array(id, { maxItems: 10_000 })
const parameterValue = t.Union([t.String({ maxLength: 100_000 }), anyNumber(), t.Boolean()])

export const executeBody = t.Object({
  deviceIds: t.Optional(ids),
  groupIds: t.Optional(ids),
  siteIds: t.Optional(ids),
  orgIds: t.Optional(ids),
  parameters: t.Optional(t.Record(t.String({ maxLength: 64 }), parameterValue)),
  offline: t.Optional(t.Union([t.Literal('queue'), t.Literal('skip')])),
  expiresInMinutes: t.Optional(int({ minimum: 1, maximum: 30 * 24 * 60 })),
  /** Required when the run reaches more than 50 devices: the number of devices. */
  confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })),
})
export type ExecuteBody = typeof executeBody.static

/** The run form: the same fields as posted by a browser (numbers as text, parameters as `parameters.NAME`). */
export const runFormFields = t.Object({
  deviceIds: t.Optional(ids),
  groupIds: t.Optional(ids),
  siteIds: t.Optional(ids),
  orgIds: t.Optional(ids),
  parameters: t.Optional(t.Record(t.String({ maxLength: 64 }), t.String({ maxLength: 100_000 }))),
  offline: t.Optional(t.Union([t.Literal('queue'), t.Literal('skip')])),
  expiresInMinutes: t.Optional(int({ minimum: 1, maximum: 30 * 24 * 60 })),
  confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })),
  /** The step-up prompt's code (fleet-wide runs, src/auth/fleet-guard.ts): checked first, then the run starts. */
  stepUpCode: t.Optional(t.String({ maxLength: 32 })),
  test: t.Optional(t.String()),
})

const statuses = ['pending', 'queued', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped'] as const

export const executionQuery = t.Object({
  /** script: runs of saved scripts; command: one-off commands (default both). */
  kind: t.Optional(t.Union([t.Literal('script'), t.Literal('command')], { error: 'kind must be script or command' })),
  scriptId: t.Optional(id),
  deviceId: t.Optional(id),
  userId: t.Optional(id),
  batchId: t.Optional(id),
  status: t.Optional(t.Union(statuses.map((s) => t.Literal(s)))),
  from: t.Optional(isoDateText()),
  to: t.Optional(isoDateText()),
  before: t.Optional(t.String({ maxLength: 100, pattern: '^\\d+\\.[A-Za-z0-9-]+$' })),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
})
export type ExecutionQuery = typeof executionQuery.static

export const runPageQuery = t.Object({ test: t.Optional(t.String()), deviceId: t.Optional(id) })
export const rerunBody = t.Object({ confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })) })

const shell = t.Union(commandShells.map((s) => t.Literal(s)), { error: 'shell must be bash, sh, powershell or cmd' })

/** POST /api/v1/commands: a one-off command on devices, groups, sites or an organization. */
export const commandBody = t.Object({
  shell,
  command: t.String({ minLength: 1, maxLength: 100_000, pattern: '\\S', error: 'command is the line to run (1 to 100,000 characters)' }),
  deviceIds: t.Optional(ids),
  groupIds: t.Optional(ids),
  siteIds: t.Optional(ids),
  orgId: t.Optional(id),
  /** Default 300 s. */
  timeoutSeconds: t.Optional(int({ minimum: 1, maximum: 24 * 3600, error: 'timeoutSeconds must be between 1 and 86400' })),
  /** system (default): as the agent's account; user: as the logged-in user (Linux, macOS). */
  runAs: t.Optional(t.Union([t.Literal('system'), t.Literal('user')], { error: 'runAs must be system or user' })),
  /** Offline devices: keep the command until they return (until expiry, default 24 h) or skip them. */
  offline: t.Optional(t.Union([t.Literal('queue'), t.Literal('skip')], { error: 'offline must be queue or skip' })),
  expiresInMinutes: t.Optional(int({ minimum: 1, maximum: 30 * 24 * 60 })),
  /** Required when the command reaches more than 50 devices: the number of devices. */
  confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })),
})
export type CommandBody = typeof commandBody.static

/** The Run command forms (device tab, many devices from the device list). */
export const commandForm = t.Object({
  shell,
  command: commandBody.properties.command,
  deviceIds: t.Optional(ids),
  timeoutSeconds: t.Optional(int({ minimum: 1, maximum: 24 * 3600, error: 'timeout must be between 1 and 86400 seconds' })),
  runAs: t.Optional(t.Union([t.Literal('system'), t.Literal('user')])),
  confirmCount: t.Optional(int({ minimum: 0, maximum: 1_000_000 })),
})
