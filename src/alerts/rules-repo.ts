// Queries for alert rules.
import { and, asc, eq, isNull, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'

export type AlertRule = typeof t.alertRules.$inferSelect

/** Which rules a caller may see: its orgs' rules and its partners' partner-wide rules. */
export type RuleVisibility = { orgIds: string[]; partnerIds: string[] }

function visibleWhere(v: RuleVisibility): SQL | undefined {
  return or(inIds(t.alertRules.orgId, v.orgIds), and(isNull(t.alertRules.orgId), inIds(t.alertRules.partnerId, v.partnerIds)))
}

export async function listVisibleRules(db: Db, v: RuleVisibility, f: { orgId?: string; search?: string } = {}): Promise<AlertRule[]> {
  return db.select().from(t.alertRules).where(and(
    isNull(t.alertRules.deletedAt),
    visibleWhere(v),
    f.orgId ? eq(t.alertRules.orgId, f.orgId) : undefined,
    f.search ? iContains(t.alertRules.name, f.search) : undefined,
  )).orderBy(asc(t.alertRules.name))
}

export async function findRule(db: Db, id: string): Promise<AlertRule | undefined> {
  const [row] = await db.select().from(t.alertRules).where(and(eq(t.alertRules.id, id), isNull(t.alertRules.deletedAt)))
  return row
}

/** findRuleAnyState also returns deleted rules (alert history keeps pointing at them). */
export async function findRuleAnyState(db: Db, id: string): Promise<AlertRule | undefined> {
  const [row] = await db.select().from(t.alertRules).where(eq(t.alertRules.id, id))
  return row
}

/** listRulesForOrg: the enabled rules that apply to one org (its own plus its partner's). */
export async function listRulesForOrg(db: Db, orgId: string, partnerId: string): Promise<AlertRule[]> {
  return db.select().from(t.alertRules).where(and(
    isNull(t.alertRules.deletedAt),
    eq(t.alertRules.enabled, true),
    or(eq(t.alertRules.orgId, orgId), and(isNull(t.alertRules.orgId), eq(t.alertRules.partnerId, partnerId))),
  ))
}

/** listEnabledRules: every enabled rule (the time-based job picks the offline/stale ones). */
export async function listEnabledRules(db: Db): Promise<AlertRule[]> {
  return db.select().from(t.alertRules).where(and(isNull(t.alertRules.deletedAt), eq(t.alertRules.enabled, true)))
}

export async function insertRule(db: Db, row: AlertRule) {
  await db.insert(t.alertRules).values(row)
}

export async function updateRuleRow(db: Db, id: string, patch: Partial<AlertRule>) {
  await db.update(t.alertRules).set(patch).where(eq(t.alertRules.id, id))
}

/** orgPartner: the partner of a live org (rules cache, alert rows). */
export async function orgPartner(db: Db, orgId: string): Promise<{ partnerId: string; name: string } | undefined> {
  const [row] = await db.select({ partnerId: t.organizations.partnerId, name: t.organizations.name }).from(t.organizations)
    .where(and(eq(t.organizations.id, orgId), isNull(t.organizations.deletedAt)))
  return row
}

/** orgIdsOfPartners: live orgs of the partners (partner-wide rules cover them all). */
export async function orgIdsOfPartners(db: Db, partnerIds: string[]): Promise<string[]> {
  if (partnerIds.length === 0) return []
  const rows = await db.select({ id: t.organizations.id }).from(t.organizations).where(and(inIds(t.organizations.partnerId, partnerIds), isNull(t.organizations.deletedAt)))
  return rows.map((r) => r.id)
}
