// Report definitions: create, edit, delete, list, and preview. A report belongs to one
// organization, or to the partner as a whole (orgId null: every organization of the partner the
// runner may see). Only members who see a whole organization (no site limit) see its reports:
// a file made by an administrator holds every site's data.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { withDb, type AppContext } from '../context'
import { withTx } from '../db/tx'
import { withDescendants } from '../devices/targets'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { Permission } from '../tenancy/permissions'
import { canInPartner, partnerIdsWith, type Scope } from '../tenancy/scope'
import { periodLabels, type CreateReportInput, type ReportPeriod, type UpdateReportInput } from './model'
import type { ReportMeta } from './render'
import { findDefinition, groupTree, insertDefinition, listDefinitions, placeNames, schedulesOfReport, updateDefinitionRow, updateScheduleRow, type ReportDefinition, type ReportVisibility } from './repo'
import { reportSection, reportSections } from './sections'
import type { ReportColumn, ReportSection, ReportTarget, SectionResult } from './types'

type Ctx = AppContext

/** reportOrgIds: orgs where the scope holds `perm` over every site. */
export function reportOrgIds(scope: Scope, perm: Permission): string[] {
  return [...scope.orgs].filter(([, g]) => g.siteIds === null && g.permissions.has(perm)).map(([id]) => id)
}

export function reportVisibility(scope: Scope, perm: Permission = 'reports:read'): ReportVisibility {
  return { orgIds: reportOrgIds(scope, perm), partnerIds: partnerIdsWith(scope, perm) }
}

function canSee(scope: Scope, def: Pick<ReportDefinition, 'orgId' | 'partnerId'>, perm: Permission): boolean {
  return def.orgId ? reportOrgIds(scope, perm).includes(def.orgId) : canInPartner(scope, perm, def.partnerId)
}

/** getReport returns a report the actor sees (404 otherwise) and may `perm` (403). */
export async function getReport(ctx: Pick<Ctx, 'db'>, scope: Scope, id: string, perm: Permission = 'reports:read'): Promise<ReportDefinition> {
  const def = await findDefinition(ctx.db, id)
  if (!def || !canSee(scope, def, 'reports:read')) throw new NotFoundError('report')
  if (!canSee(scope, def, perm)) throw new ForbiddenError(`you need the ${perm} permission for this report`, perm)
  return def
}

export async function listReports(ctx: Pick<Ctx, 'db'>, actor: UserActor): Promise<ReportDefinition[]> {
  return listDefinitions(ctx.db, reportVisibility(actor.scope))
}

/** periodRange: [from, to) of a period ending at `now` (calendar months in UTC). */
export function periodRange(period: ReportPeriod, now: number): { from: number; to: number } {
  const day = 86_400_000
  const d = new Date(now)
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  // note: rolling periods end just after `now`, so what happened this millisecond counts.
  const end = now + 1
  switch (period) {
    case 'last_24h': return { from: end - day, to: end }
    case 'last_7d': return { from: end - 7 * day, to: end }
    case 'last_30d': return { from: end - 30 * day, to: end }
    case 'last_90d': return { from: end - 90 * day, to: end }
    case 'this_month': return { from: monthStart, to: end }
    case 'last_month': return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1), to: monthStart }
  }
}

type Draft = Pick<ReportDefinition, 'partnerId' | 'orgId' | 'siteId' | 'groupId' | 'type' | 'format' | 'period' | 'columns' | 'name'>

/** checkDraft validates a definition against the actor's scope (`perm` on its owner) and returns it normalised. */
async function checkDraft(ctx: Pick<Ctx, 'db'>, scope: Scope, input: { name: string; type: string; format: Draft['format']; partnerId?: string; orgId?: string | null; siteId?: string | null; groupId?: string | null; period?: ReportPeriod; columns?: string[] | null }, perm: Permission): Promise<Draft> {
  const section = reportSection(input.type)
  if (!section) throw new ValidationError('type', `type must be one of ${sectionTypes().join(', ')}`)
  let partnerId: string
  const orgId = input.orgId || null
  if (orgId) {
    const grant = scope.orgs.get(orgId)
    if (!grant) throw new NotFoundError('organization')
    if (grant.siteIds !== null) throw new ForbiddenError('reports need access to the whole organization; yours is limited to some sites', perm)
    if (!grant.permissions.has(perm)) throw new ForbiddenError(`you need the ${perm} permission in this organization`, perm)
    if (!grant.permissions.has(section.permission)) throw new ForbiddenError(`a ${section.label} report needs the ${section.permission} permission in this organization`, section.permission)
    partnerId = grant.partnerId
  } else {
    const partners = partnerIdsWith(scope, perm)
    if (input.partnerId) {
      if (!scope.partners.has(input.partnerId)) throw new NotFoundError('partner')
      if (!partners.includes(input.partnerId)) throw new ForbiddenError(`you need the ${perm} permission for this partner`, perm)
      partnerId = input.partnerId
    } else if (partners.length === 1) {
      partnerId = partners[0]
    } else if (partners.length === 0) {
      throw new ValidationError('orgId', 'choose an organization (reports across all organizations need partner-level access)')
    } else {
      throw new ValidationError('partnerId', 'you work for several partners: say which one the report is for')
    }
    if (!scope.partners.get(partnerId)?.has(section.permission)) throw new ForbiddenError(`a ${section.label} report needs the ${section.permission} permission`, section.permission)
  }
  const siteId = input.siteId || null
  const groupId = input.groupId || null
  if ((siteId || groupId) && !orgId) throw new ValidationError(siteId ? 'siteId' : 'groupId', 'a site or group needs its organization (orgId)')
  if (siteId || groupId) {
    const names = await placeNames(ctx.db, { orgId, siteId, groupId })
    if (siteId && names.site?.orgId !== orgId) throw new ValidationError('siteId', 'no such site in this organization')
    if (groupId && names.group?.orgId !== orgId) throw new ValidationError('groupId', 'no such device group in this organization')
    if (groupId && siteId && names.group?.siteId && names.group.siteId !== siteId) throw new ValidationError('groupId', 'this group belongs to another site')
  }
  let columns: string[] | null = null
  if (input.columns) {
    if (input.columns.length === 0) throw new ValidationError('columns', 'choose at least one column (or leave columns out for the defaults)')
    const keys = section.columns.map((c) => c.key)
    for (const [i, c] of input.columns.entries()) if (!keys.includes(c)) throw new ValidationError(`columns/${i}`, `"${c}" is not a column of ${section.label} (columns: ${keys.join(', ')})`)
    columns = [...new Set(input.columns)]
  }
  return { name: input.name.trim(), type: section.type, format: input.format, partnerId, orgId, siteId, groupId, period: input.period ?? 'last_30d', columns }
}

export function sectionTypes(): string[] {
  return reportSections().map((s) => s.type)
}

export async function createReport(ctx: Ctx, actor: UserActor, input: CreateReportInput): Promise<ReportDefinition> {
  const d = await checkDraft(ctx, actor.scope, input, 'reports:write')
  const now = ctx.clock.now()
  const row: ReportDefinition = { id: newId(), ...d, createdBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null }
  await withTx(ctx.db, async (tx) => {
    await insertDefinition(tx, row)
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'report', resourceId: row.id, resourceName: row.name, details: { type: row.type, format: row.format, period: row.period, siteId: row.siteId, groupId: row.groupId } })
  })
  return row
}

export async function updateReport(ctx: Ctx, actor: UserActor, id: string, input: UpdateReportInput): Promise<ReportDefinition> {
  const def = await getReport(ctx, actor.scope, id, 'reports:write')
  const merged = { ...def, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as ReportDefinition
  // note: a new type keeps its own default columns unless columns come with it.
  if (input.type && input.type !== def.type && input.columns === undefined) merged.columns = null
  const d = await checkDraft(ctx, actor.scope, { ...merged, partnerId: def.partnerId, period: merged.period as ReportPeriod }, 'reports:write')
  const next: ReportDefinition = { ...def, ...d, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateDefinitionRow(tx, id, next)
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.update', partnerId: next.partnerId, orgId: next.orgId, resourceType: 'report', resourceId: id, resourceName: next.name, details: { ...input } })
  })
  return next
}

/** deleteReport removes the report and its schedules (runs and their files stay until retention takes them). */
export async function deleteReport(ctx: Ctx, actor: UserActor, id: string) {
  const def = await getReport(ctx, actor.scope, id, 'reports:write')
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await updateDefinitionRow(tx, id, { deletedAt: now, updatedAt: now })
    for (const s of await schedulesOfReport(tx, id)) await updateScheduleRow(tx, s.id, { deletedAt: now, enabled: false, version: s.version + 1, updatedAt: now })
    await recordAudit(withDb(ctx, tx), actor.audit, { action: 'report.delete', partnerId: def.partnerId, orgId: def.orgId, resourceType: 'report', resourceId: id, resourceName: def.name })
  })
}

/** chosenColumns: the report's columns in its order, or the section's defaults. */
export function chosenColumns(section: ReportSection, keys: string[] | null): ReportColumn[] {
  const wanted = keys?.length ? keys : section.defaultColumns
  return wanted.map((k) => section.columns.find((c) => c.key === k)).filter((c): c is ReportColumn => !!c)
}

/**
 * resolveTarget: where a report looks for `scope` now. Throws when the scope can no longer see
 * the report or read what its section covers.
 */
export async function resolveTarget(ctx: Pick<Ctx, 'db'>, scope: Scope, def: Draft, now: number): Promise<{ section: ReportSection; target: ReportTarget }> {
  const section = reportSection(def.type)
  if (!section) throw new ValidationError('type', `this server has no "${def.type}" report section`)
  if (!canSee(scope, def, 'reports:read')) throw new NotFoundError('report')
  const orgIds = def.orgId
    ? (scope.orgs.get(def.orgId)?.permissions.has(section.permission) ? [def.orgId] : [])
    : [...scope.orgs].filter(([, g]) => g.partnerId === def.partnerId && g.permissions.has(section.permission)).map(([id]) => id)
  if (orgIds.length === 0) throw new ForbiddenError(`a ${section.label} report needs the ${section.permission} permission`, section.permission)
  const groupIds = def.groupId && def.orgId ? withDescendants(await groupTree(ctx.db, def.orgId), [def.groupId]) : null
  const { from, to } = section.usesPeriod ? periodRange(def.period as ReportPeriod, now) : { from: now, to: now }
  return { section, target: { scope, partnerId: def.partnerId, orgIds, siteId: def.siteId, groupIds, from, to, partnerWide: !def.orgId } }
}

/** reportMeta: what the title page says. */
export async function reportMeta(ctx: Pick<Ctx, 'db' | 'blobs'>, def: Draft, section: ReportSection, target: ReportTarget, generatedAt: number, generatedBy: string, partner: { name: string; settings: Record<string, unknown> }): Promise<ReportMeta> {
  const names = await placeNames(ctx.db, def)
  const scopeLabel = def.orgId ? [names.org, names.site?.name, names.group?.name].filter(Boolean).join(' / ') : `All organizations (${target.orgIds.length})`
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  const periodLabel = section.usesPeriod
    ? `${periodLabels[def.period as ReportPeriod] ?? def.period}: ${day(target.from)} – ${day(target.to - 1)} (UTC)`
    : `As of ${new Date(generatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
  // note: branding (white-labelling) keeps the logo as a blob; until that lands no partner has one.
  const branding = partner.settings.branding as { logoBlobKey?: unknown } | undefined
  const logoFile = typeof branding?.logoBlobKey === 'string' ? await ctx.blobs.get(branding.logoBlobKey).catch(() => null) : null
  return {
    title: def.name, sectionLabel: section.label, partnerName: partner.name, scopeLabel, periodLabel, generatedAt, generatedBy,
    logo: logoFile ? new Uint8Array(await logoFile.arrayBuffer()) : null,
  }
}

export type Preview = { columns: ReportColumn[]; result: SectionResult; section: ReportSection; from: number; to: number }

/** previewDraft builds the first `limit` rows of a report as the actor would see them, saved or not (nothing is written). */
export async function previewDraft(ctx: Ctx, actor: UserActor, input: CreateReportInput, limit = 25): Promise<Preview> {
  const d = await checkDraft(ctx, actor.scope, input, 'reports:read')
  return preview(ctx, actor.scope, d, limit)
}

export async function previewReport(ctx: Ctx, actor: UserActor, id: string, limit = 25): Promise<Preview> {
  return preview(ctx, actor.scope, await getReport(ctx, actor.scope, id), limit)
}

async function preview(ctx: Ctx, scope: Scope, d: Draft, limit: number): Promise<Preview> {
  const { section, target } = await resolveTarget(ctx, scope, d, ctx.clock.now())
  const result = await section.build(ctx, target, { limit })
  return { columns: chosenColumns(section, d.columns), result, section, from: target.from, to: target.to }
}
