// Input shapes of patch management (pages and JSON API alike).
import { t } from 'elysia'
import { int } from '../web/model-types'
import { patchSeverities, patchSources } from '../protocol/patching'

const lit = <T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })
const ids = (max: number) => t.Array(id, { maxItems: max })

export const patchStates = ['available', 'approved', 'installing', 'installed', 'failed', 'superseded'] as const

export const deviceParams = t.Object({ id })
export const jobParams = t.Object({ id })

const filters = {
  state: t.Optional(lit(patchStates, `state must be one of ${patchStates.join(', ')}`)),
  severity: t.Optional(lit(patchSeverities, `severity must be one of ${patchSeverities.join(', ')}`)),
  source: t.Optional(lit(patchSources, `source must be one of ${patchSources.join(', ')}`)),
}

export const devicePatchesQuery = t.Object(filters)
export type DevicePatchesQuery = typeof devicePatchesQuery.static

export const fleetQuery = t.Object({
  ...filters,
  orgId: t.Optional(id),
  search: t.Optional(t.String({ maxLength: 200 })),
  limit: t.Optional(int({ minimum: 1, maximum: 500, error: 'limit must be between 1 and 500' })),
  offset: t.Optional(int({ minimum: 0, maximum: 1_000_000, error: 'offset must be between 0 and 1000000' })),
})
export type FleetQuery = typeof fleetQuery.static

export const scanBody = t.Object({
  /** Refresh the package lists first (default true). */
  refresh: t.Optional(t.Boolean()),
})

export const approveBody = t.Object({
  patchIds: t.Array(id, { minItems: 1, maxItems: 5000, error: 'patchIds must list 1 to 5000 patch ids' }),
  orgId: id,
  reason: t.Optional(t.String({ maxLength: 1000 })),
})
export type ApproveBody = typeof approveBody.static

export const createJobBody = t.Object({
  deviceIds: t.Optional(ids(10_000)),
  groupIds: t.Optional(ids(1000)),
  siteIds: t.Optional(ids(1000)),
  orgId: t.Optional(id),
  /** Only these updates (each approved); default: every approved update each device misses. */
  patchIds: t.Optional(t.Array(id, { minItems: 1, maxItems: 5000 })),
  /** Start now (the only mode until patch windows exist; kept for the API's shape). */
  runNow: t.Optional(t.Boolean()),
})
export type CreateJobBody = typeof createJobBody.static

export const complianceQuery = t.Object({
  orgId: t.Optional(id),
  /** A critical or security update missing longer than this many days counts as overdue (default 7). */
  overdueDays: t.Optional(int({ minimum: 0, maximum: 3650, error: 'overdueDays must be between 0 and 3650' })),
  /** How many devices to list, worst first (default 100). */
  limit: t.Optional(int({ minimum: 1, maximum: 10_000, error: 'limit must be between 1 and 10000' })),
})
export type ComplianceQuery = typeof complianceQuery.static
