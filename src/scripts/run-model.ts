// Input schemas for running scripts and reading their history.
import { t } from 'elysia'
import { anyNumber, int, isoDateText } from '../web/model-types'

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
  test: t.Optional(t.String()),
})

const statuses = ['pending', 'queued', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped'] as const

export const executionQuery = t.Object({
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
