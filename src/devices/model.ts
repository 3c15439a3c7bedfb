// Input shapes of the devices domain (forms and JSON API alike).
import { t } from 'elysia'
import { deviceColumns } from './columns'
import { epochMs, int, timeText } from '../web/model-types'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))
const id = t.String({ minLength: 1, maxLength: 64 })
const ids = (max: number) => t.Array(id, { maxItems: max })

export const deviceStatuses = ['online', 'offline', 'maintenance', 'decommissioned'] as const
export const osTypes = ['windows', 'macos', 'linux'] as const
export const deviceSorts = ['name', 'status', 'os', 'lastSeen', 'cpu', 'ram', 'disk', 'site', 'org', 'enrolled', 'agent'] as const

export const idParams = t.Object({ id })

/** A tag: letters, digits and - _ . : / (stored lower case so rules and filters match however typed). */
export const tag = t.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,49}$', error: 'tags are letters, digits, spaces and - _ . : / (at most 50)' })

/** Filter fields accept "" (an "All" choice in a filter form), meaning no filter. */
const anyId = t.String({ maxLength: 64 })
const orAll = <T extends string>(values: readonly T[]) => t.Union([lit(values), t.Literal('')])

export const deviceListQuery = t.Object({
  orgId: t.Optional(anyId),
  siteId: t.Optional(anyId),
  groupId: t.Optional(anyId),
  os: t.Optional(orAll(osTypes)),
  status: t.Optional(orAll(deviceStatuses)),
  tag: t.Optional(t.String({ maxLength: 50 })),
  search: t.Optional(t.String({ maxLength: 200 })),
  /** A fleet query in the rule language (src/devices/rules.ts): software.name = openssl AND software.version < 3.0.13 */
  q: t.Optional(t.String({ maxLength: 4000 })),
  sort: t.Optional(lit(deviceSorts)),
  order: t.Optional(t.Union([t.Literal('asc'), t.Literal('desc')])),
  page: t.Optional(int({ minimum: 1, maximum: 100_000 })),
  perPage: t.Optional(int({ minimum: 1, maximum: 500 })),
  /** Keyset pagination: the nextCursor of the previous page (ignores page). */
  cursor: t.Optional(t.String({ maxLength: 600 })),
})
export type DeviceListQuery = typeof deviceListQuery.static
/** The device list page also opens a saved view (?view=<id>). */
export const deviceListPageQuery = t.Composite([deviceListQuery, t.Object({ view: t.Optional(anyId) })])

// ---- saved views of the device list (per user) ----

export const densities = ['comfortable', 'compact'] as const
export type Density = (typeof densities)[number]
export const maxSavedViews = 50
/** The filters a view keeps: the device list's own, minus paging. */
export const viewFilterKeys = ['orgId', 'siteId', 'groupId', 'os', 'status', 'tag', 'search', 'q', 'sort', 'order'] as const
export const savedViewFilters = t.Object({
  orgId: t.Optional(id), siteId: t.Optional(id), groupId: t.Optional(id),
  os: t.Optional(lit(osTypes)), status: t.Optional(lit(deviceStatuses)),
  tag: t.Optional(t.String({ minLength: 1, maxLength: 50 })), search: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  q: t.Optional(t.String({ minLength: 1, maxLength: 4000 })),
  sort: t.Optional(lit(deviceSorts)), order: t.Optional(t.Union([t.Literal('asc'), t.Literal('desc')])),
}, { additionalProperties: false, error: 'filters are orgId, siteId, groupId, os, status, tag, search, q, sort and order' })
const viewName = t.String({ minLength: 1, maxLength: 80, pattern: '\\S', error: 'a view name is 1 to 80 characters' })
const viewColumns = t.Array(lit(deviceColumns.map((c) => c.key)), { minItems: 1, maxItems: deviceColumns.length, uniqueItems: true, error: `columns are some of ${deviceColumns.map((c) => c.key).join(', ')}` })
export const createSavedViewBody = t.Object({
  name: viewName,
  filters: t.Optional(savedViewFilters),
  columns: t.Optional(viewColumns),
  density: t.Optional(lit(densities)),
})
export type CreateSavedViewInput = typeof createSavedViewBody.static
export const updateSavedViewBody = t.Partial(createSavedViewBody)
export type UpdateSavedViewInput = typeof updateSavedViewBody.static

export const updateDeviceBody = t.Object({
  /** Display name; null or "" goes back to the hostname. */
  displayName: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Null()])),
  tags: t.Optional(t.Array(tag, { maxItems: 50 })),
  siteId: t.Optional(id),
})
export type UpdateDeviceInput = typeof updateDeviceBody.static

/** Longest maintenance with an end: 30 days. */
export const maxMaintenanceMinutes = 30 * 24 * 60

export const startMaintenanceBody = t.Object({
  /** How long; omitted or null: until someone ends it. */
  durationMinutes: t.Optional(t.Union([int({ minimum: 1, maximum: maxMaintenanceMinutes }), t.Null()], { error: `a whole number of minutes from 1 to ${maxMaintenanceMinutes}, or null (until turned off)` })),
  reason: t.Optional(t.String({ maxLength: 500, error: 'text of at most 500 characters' })),
})
export type StartMaintenanceInput = typeof startMaintenanceBody.static

/**
 * Custom fields: name → text on a device. One rule for people (PUT …/custom-fields, the detail
 * page) and automations (the update_device step, src/automations/model.ts): a letter, then
 * letters, digits or _ (at most 40); values up to 1000 characters; null removes a field.
 */
export const customFieldNamePattern = '^[A-Za-z][A-Za-z0-9_]{0,39}$'
export const customFieldName = t.String({ pattern: customFieldNamePattern, error: 'a field name is a letter, then letters, digits or _ (at most 40)' })
export const customFieldValue = t.String({ maxLength: 1000, error: 'a value is at most 1000 characters' })
// note: additionalProperties false, so a name off the pattern is an error wherever the record is nested
// (TypeBox only lists the pattern; Elysia adds the rest for top-level bodies only).
const customFieldEntry = t.Union([customFieldValue, t.Null()])
export const customFieldsPatch = t.Record(customFieldName, customFieldEntry, { additionalProperties: false })
/** At most this many custom fields per device. */
export const maxCustomFields = 100
export const putCustomFieldsBody = t.Record(customFieldName, customFieldEntry, { additionalProperties: false, maxProperties: maxCustomFields, error: `field names are a letter, then letters, digits or _ (at most 40); at most ${maxCustomFields} fields; values are text or null` })
export type CustomFieldsPatch = typeof customFieldsPatch.static
/** The detail page's form: one field set or removed. */
export const customFieldForm = t.Object({ name: customFieldName, value: t.Optional(t.String({ maxLength: 1000, error: 'a value is at most 1000 characters' })), remove: t.Optional(t.String({ maxLength: 10 })) })

export const softwareQuery = t.Object({ search: t.Optional(t.String({ maxLength: 200 })) })
/** A device's services: by name or display name, and by state (running, stopped, failed…). */
export const servicesQuery = t.Object({ search: t.Optional(t.String({ maxLength: 200 })), state: t.Optional(t.String({ maxLength: 32, pattern: '^[a-z ]+$', error: 'a state is a word such as running or stopped' })) })
export type ServicesFilter = { search?: string; state?: string }

export const changesQuery = t.Object({
  kind: t.Optional(orAll(['software', 'hardware', 'os', 'network', 'service', 'status', 'admin', 'agent'] as const)),
  before: t.Optional(epochMs()),
  /** Changes at or after: a date (2026-01-31, its start, UTC), an ISO 8601 time or epoch milliseconds. */
  from: t.Optional(t.Union([timeText(), t.Literal('')])),
  /** Changes up to (inclusive): a bare date means the end of that day (UTC). */
  to: t.Optional(t.Union([timeText(), t.Literal('')])),
  limit: t.Optional(int({ minimum: 1, maximum: 500 })),
})
export type ChangesQuery = typeof changesQuery.static

/** `at`: a date (2026-01-31: as of the end of that day, UTC), an ISO 8601 time or epoch milliseconds; default now. */
export const inventoryAtQuery = t.Object({ at: t.Optional(t.Union([timeText(), t.Literal('')])) })
export type InventoryAtQuery = typeof inventoryAtQuery.static

/** `from` (a bare date: its start) and `to` (a bare date: its end), UTC; from before to. */
export const inventoryDiffQuery = t.Object({ from: timeText(), to: timeText() })
export type InventoryDiffQuery = typeof inventoryDiffQuery.static

export const metricResolutions = ['raw', 'hour', 'day'] as const
export const metricsQuery = t.Object({
  /** ISO 8601 time or epoch milliseconds; default: 24 hours before `to`. */
  from: t.Optional(timeText()),
  /** ISO 8601 time or epoch milliseconds; default: now. */
  to: t.Optional(timeText()),
  /** Default: chosen from the range (raw up to 2 days, hourly up to 60 days, daily beyond). */
  resolution: t.Optional(lit(metricResolutions)),
})
export type MetricsQuery = typeof metricsQuery.static

/** Which devices a bulk action applies to: the union of ids, groups and sites. */
export const targetFields = {
  deviceIds: t.Optional(ids(10_000)),
  groupIds: t.Optional(ids(1000)),
  siteIds: t.Optional(ids(1000)),
}

export const bulkActions = ['tag', 'untag', 'move', 'decommission', 'addToGroup', 'removeFromGroup', 'maintenance', 'endMaintenance'] as const
export const bulkBody = t.Object({
  ...targetFields,
  action: lit(bulkActions),
  /** tag / untag */
  tags: t.Optional(t.Array(tag, { minItems: 1, maxItems: 50 })),
  /** move */
  siteId: t.Optional(id),
  /** addToGroup / removeFromGroup */
  groupId: t.Optional(id),
  /** maintenance: how long (omitted or null: until turned off) and why */
  durationMinutes: startMaintenanceBody.properties.durationMinutes,
  reason: startMaintenanceBody.properties.reason,
})
export type BulkInput = typeof bulkBody.static

export const groupTypes = ['static', 'dynamic'] as const
export const createGroupBody = t.Object({
  orgId: id,
  /** Bind the group to one site: only that site's devices can be members. */
  siteId: t.Optional(t.Union([id, t.Null()])),
  parentId: t.Optional(t.Union([id, t.Null()])),
  name: t.String({ minLength: 1, maxLength: 200 }),
  type: lit(groupTypes),
  /** Dynamic groups: the membership rule (docs/device-groups.md). */
  rule: t.Optional(t.String({ maxLength: 4000 })),
})
export type CreateGroupInput = typeof createGroupBody.static

export const updateGroupBody = t.Object({
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  parentId: t.Optional(t.Union([id, t.Null()])),
  siteId: t.Optional(t.Union([id, t.Null()])),
  type: t.Optional(lit(groupTypes)),
  rule: t.Optional(t.String({ maxLength: 4000 })),
})
export type UpdateGroupInput = typeof updateGroupBody.static

export const groupListQuery = t.Object({ orgId: t.Optional(id), search: t.Optional(t.String({ maxLength: 200 })) })

export const membersBody = t.Object({ deviceIds: t.Array(id, { minItems: 1, maxItems: 10_000 }) })

export const rulePreviewBody = t.Object({ orgId: id, siteId: t.Optional(t.Union([id, t.Null()])), rule: t.String({ maxLength: 4000 }) })

export const fleetSoftwareQuery = t.Object({
  search: t.Optional(t.String({ maxLength: 200 })),
  orgId: t.Optional(id),
  page: t.Optional(int({ minimum: 1, maximum: 100_000 })),
  perPage: t.Optional(int({ minimum: 1, maximum: 500 })),
})
export const softwareDetailQuery = t.Object({
  name: t.String({ minLength: 1, maxLength: 500 }),
  /** Only devices with this version ("" = no version reported). */
  version: t.Optional(t.String({ maxLength: 200 })),
  page: t.Optional(int({ minimum: 1, maximum: 100_000 })),
})

export const retentionBody = t.Object({
  rawDays: int({ minimum: 1, maximum: 90 }),
  hourlyDays: int({ minimum: 7, maximum: 730 }),
  dailyDays: int({ minimum: 30, maximum: 3650 }),
})
export type RetentionSettings = typeof retentionBody.static
