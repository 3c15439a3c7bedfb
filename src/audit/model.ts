import { t } from 'elysia'

export const auditQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO date or date-time; entries at or after it' })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO date or date-time; entries before it (a bare date includes that whole day)' })),
  actor: t.Optional(t.String({ maxLength: 200, description: 'part of the actor email' })),
  action: t.Optional(t.String({ maxLength: 100, description: 'action prefix, e.g. auth. or org.create' })),
  resourceType: t.Optional(t.String({ maxLength: 50 })),
  resourceId: t.Optional(t.String({ maxLength: 64 })),
  result: t.Optional(t.Union([t.Literal('success'), t.Literal('failure'), t.Literal('denied')])),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  /** Keyset pagination: entries with seq below this. */
  before: t.Optional(t.Numeric({ minimum: 1 })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 500 })),
})
export type AuditQuery = typeof auditQuery.static

export const exportQuery = t.Object({ ...auditQuery.properties, format: t.Union([t.Literal('csv'), t.Literal('json')]) })
