// The report-section interface: every kind of report (inventory, alerts, availability…) is one
// ReportSection. A section reads its data through the caller's scope and returns rows (one
// table), headline figures and an optional bar chart; the renderers (CSV, XLSX, PDF) and the
// preview know nothing about any particular section. Later domains (patching, backup,
// security) add theirs with registerReportSection (src/reports/sections.ts).
import type { AppContext } from '../context'
import type { Permission } from '../tenancy/permissions'
import type { Scope } from '../tenancy/scope'

export type Cell = string | number | null

/** A column a section offers; `kind` decides formatting (numbers right-aligned, dates as ISO times, percents with %). */
export type ReportColumn = { key: string; label: string; kind?: 'text' | 'number' | 'percent' | 'date'; /** Relative width in the PDF table (default 1). */ width?: number }

export type Figure = { label: string; value: string }

export type BarChart = { title: string; bars: { label: string; value: number }[]; unit?: string }

export type SectionResult = {
  rows: Record<string, Cell>[]
  figures: Figure[]
  chart: BarChart | null
  /** True when the rows were cut at the section's row limit. */
  truncated?: boolean
}

/** Where a report looks: the orgs (already cut to those the scope may read for this section), an optional site and group, and the period. */
export type ReportTarget = {
  scope: Scope
  partnerId: string
  /** Organizations covered: the report's org, or every org of the partner the scope holds `section.permission` in. */
  orgIds: string[]
  siteId: string | null
  /** The group and its subgroups, or null. */
  groupIds: string[] | null
  from: number
  to: number
  /** True when the report covers the whole partner (partner-level audit entries count too). */
  partnerWide: boolean
}

export interface ReportSection {
  type: string
  label: string
  description: string
  /** What the runner must hold (in each org covered) for the section to read its data. */
  permission: Permission
  /** Does the period matter (inventory is "as of now")? */
  usesPeriod: boolean
  columns: ReportColumn[]
  defaultColumns: string[]
  /** build reads the data; `limit` caps the rows (a preview asks for a few). */
  build(ctx: Pick<AppContext, 'db' | 'clock'>, target: ReportTarget, opts: { limit: number }): Promise<SectionResult>
}
