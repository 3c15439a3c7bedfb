import { t } from 'elysia'
import { int, isoDateText } from '../web/model-types'

const when = (description: string) => isoDateText({ description })

export const auditQuery = t.Object({
  from: t.Optional(when('ISO date or date-time; entries at or after it')),
  to: t.Optional(when('ISO date or date-time; entries before it (a bare date includes that whole day)')),
  actor: t.Optional(t.String({ maxLength: 200, description: 'part of the actor email' })),
  action: t.Optional(t.String({ maxLength: 100, description: 'action prefix, e.g. auth. or org.create' })),
  resourceType: t.Optional(t.String({ maxLength: 50 })),
  resourceId: t.Optional(t.String({ maxLength: 64 })),
  result: t.Optional(t.Union([t.Literal('success'), t.Literal('failure'), t.Literal('denied')])),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  /** Keyset pagination: entries with seq below this. */
  before: t.Optional(int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
})
export type AuditQuery = typeof auditQuery.static

export const exportQuery = t.Object({ ...auditQuery.properties, format: t.Union([t.Literal('csv'), t.Literal('json')]) })
