// Queries for partners, organizations and sites. Lists always take the ids the caller's
// scope allows, so nothing outside it can be returned or counted.
import { and, asc, count, eq, isNull, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'

export type Partner = typeof t.partners.$inferSelect
export type Org = typeof t.organizations.$inferSelect
export type Site = typeof t.sites.$inferSelect

export async function findLivePartner(db: Db, id: string): Promise<Partner | undefined> {
  const [row] = await db.select().from(t.partners).where(and(eq(t.partners.id, id), isNull(t.partners.deletedAt)))
  return row
}

export async function listLivePartners(db: Db, ids: string[]): Promise<Partner[]> {
  if (ids.length === 0) return []
  return db.select().from(t.partners).where(and(inIds(t.partners.id, ids), isNull(t.partners.deletedAt))).orderBy(asc(t.partners.name))
}

export async function countLivePartners(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.partners).where(isNull(t.partners.deletedAt))
  return row.n
}

export async function partnerSlugTaken(db: Db, slug: string, exceptId?: string): Promise<boolean> {
  const rows = await db.select({ id: t.partners.id }).from(t.partners).where(and(eq(t.partners.slug, slug), isNull(t.partners.deletedAt)))
  return rows.some((r) => r.id !== exceptId)
}

export async function insertPartner(db: Db, row: Partner) {
  await db.insert(t.partners).values(row)
}

export async function updatePartnerRow(db: Db, id: string, patch: Partial<Partner>) {
  await db.update(t.partners).set(patch).where(eq(t.partners.id, id))
}

export async function findLiveOrg(db: Db, id: string): Promise<Org | undefined> {
  const [row] = await db.select().from(t.organizations).where(and(eq(t.organizations.id, id), isNull(t.organizations.deletedAt)))
  return row
}

export type OrgListFilter = { orgIds: string[]; search?: string; status?: Org['status']; partnerId?: string; limit: number; offset: number }

function orgWhere(f: OrgListFilter): SQL | undefined {
  return and(
    inIds(t.organizations.id, f.orgIds),
    isNull(t.organizations.deletedAt),
    f.search ? or(iContains(t.organizations.name, f.search), iContains(t.organizations.slug, f.search)) : undefined,
    f.status ? eq(t.organizations.status, f.status) : undefined,
    f.partnerId ? eq(t.organizations.partnerId, f.partnerId) : undefined,
  )
}

/** listOrgs returns one page of the visible orgs matching the filter, with site counts, and the total. */
export async function listOrgs(db: Db, f: OrgListFilter) {
  if (f.orgIds.length === 0) return { rows: [], total: 0 }
  const where = orgWhere(f)
  const siteCounts = db.select({ orgId: t.sites.orgId, n: count().as('n') }).from(t.sites).groupBy(t.sites.orgId).as('site_counts')
  const rows = await db.select({ org: t.organizations, siteCount: siteCounts.n })
    .from(t.organizations)
    .leftJoin(siteCounts, eq(siteCounts.orgId, t.organizations.id))
    .where(where).orderBy(asc(t.organizations.name)).limit(f.limit).offset(f.offset)
  const [{ n }] = await db.select({ n: count() }).from(t.organizations).where(where)
  return { rows: rows.map((r) => ({ ...r.org, siteCount: Number(r.siteCount ?? 0) })), total: n }
}

/** listOrgNames is the org switcher's data: id and name of every visible org. */
export async function listOrgNames(db: Db, orgIds: string[]) {
  if (orgIds.length === 0) return []
  return db.select({ id: t.organizations.id, name: t.organizations.name }).from(t.organizations)
    .where(and(inIds(t.organizations.id, orgIds), isNull(t.organizations.deletedAt))).orderBy(asc(t.organizations.name))
}

export async function orgSlugTaken(db: Db, partnerId: string, slug: string, exceptId?: string): Promise<boolean> {
  const rows = await db.select({ id: t.organizations.id }).from(t.organizations)
    .where(and(eq(t.organizations.partnerId, partnerId), eq(t.organizations.slug, slug), isNull(t.organizations.deletedAt)))
  return rows.some((r) => r.id !== exceptId)
}

export async function countPartnerOrgs(db: Db, partnerId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.organizations).where(and(eq(t.organizations.partnerId, partnerId), isNull(t.organizations.deletedAt)))
  return row.n
}

export async function insertOrg(db: Db, row: Org) {
  await db.insert(t.organizations).values(row)
}

export async function updateOrgRow(db: Db, id: string, patch: Partial<Org>) {
  await db.update(t.organizations).set(patch).where(eq(t.organizations.id, id))
}

export async function findSite(db: Db, id: string): Promise<Site | undefined> {
  const [row] = await db.select().from(t.sites).where(eq(t.sites.id, id))
  return row
}

/** listSites returns sites of the given orgs; siteFilter limits site-scoped members. */
export async function listSites(db: Db, orgIds: string[], opts: { search?: string; allowedSiteIds?: string[] | null } = {}) {
  if (orgIds.length === 0) return []
  return db.select({ site: t.sites, orgName: t.organizations.name }).from(t.sites)
    .innerJoin(t.organizations, eq(t.organizations.id, t.sites.orgId))
    .where(and(
      inIds(t.sites.orgId, orgIds),
      isNull(t.organizations.deletedAt),
      opts.allowedSiteIds ? inIds(t.sites.id, opts.allowedSiteIds) : undefined,
      opts.search ? iContains(t.sites.name, opts.search) : undefined,
    ))
    .orderBy(asc(t.organizations.name), asc(t.sites.name))
}

export async function insertSite(db: Db, row: Site) {
  await db.insert(t.sites).values(row)
}

export async function updateSiteRow(db: Db, id: string, patch: Partial<Site>) {
  await db.update(t.sites).set(patch).where(eq(t.sites.id, id))
}

export async function deleteSiteRow(db: Db, id: string) {
  await db.delete(t.sites).where(eq(t.sites.id, id))
}
