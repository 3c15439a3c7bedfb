// Input shapes of the reports domain (forms and JSON API).
import { t } from 'elysia'
import { int } from '../web/model-types'

const lit = <const T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })
const optionalId = t.Optional(t.Union([id, t.Null()]))

export const reportFormats = ['pdf', 'csv', 'xlsx'] as const
export const reportPeriods = ['last_24h', 'last_7d', 'last_30d', 'last_90d', 'this_month', 'last_month'] as const
export type ReportPeriod = (typeof reportPeriods)[number]
export const periodLabels: Record<ReportPeriod, string> = {
  last_24h: 'Last 24 hours', last_7d: 'Last 7 days', last_30d: 'Last 30 days', last_90d: 'Last 90 days', this_month: 'This month (to date)', last_month: 'Last calendar month',
}

const fields = {
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the report a name (up to 200 characters)' }),
  /** A section type; checked against the registry (400 naming "type" when unknown). */
  type: t.String({ minLength: 1, maxLength: 64 }),
  format: lit(reportFormats, 'format must be pdf, csv or xlsx'),
  orgId: optionalId,
  siteId: optionalId,
  groupId: optionalId,
  period: t.Optional(lit(reportPeriods, `period must be one of ${reportPeriods.join(', ')}`)),
  columns: t.Optional(t.Union([t.Array(t.String({ minLength: 1, maxLength: 64 }), { maxItems: 60 }), t.Null()])),
}

export const createReportBody = t.Object({ ...fields, partnerId: t.Optional(id) })
export type CreateReportInput = typeof createReportBody.static
export const updateReportBody = t.Partial(t.Object(fields))
export type UpdateReportInput = typeof updateReportBody.static

export const previewQuery = t.Object({ limit: t.Optional(int({ minimum: 1, maximum: 200 })) })

const email = t.String({ format: 'email', maxLength: 254, error: 'each recipient must be an email address' })
const scheduleFields = {
  cron: t.String({ minLength: 1, maxLength: 120, error: 'give a cron expression such as "0 7 1 * *"' }),
  timezone: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
  recipients: t.Array(email, { minItems: 1, maxItems: 50, error: 'give one to 50 recipient email addresses' }),
  enabled: t.Optional(t.Boolean()),
}
export const createScheduleBody = t.Object({ reportId: id, ...scheduleFields })
export type CreateScheduleInput = typeof createScheduleBody.static
export const updateScheduleBody = t.Partial(t.Object(scheduleFields))
export type UpdateScheduleInput = typeof updateScheduleBody.static

export const runListQuery = t.Object({ limit: t.Optional(int({ minimum: 1, maximum: 200 })) })
