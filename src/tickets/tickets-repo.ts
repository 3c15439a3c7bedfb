// Queries for tickets, their comments, linked alerts and ticket rules.
import { and, asc, count, desc, eq, inArray, isNull, max, notInArray, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { iContains, inIds } from '../db/sql'
import { t } from '../db/tables'

export type Ticket = typeof t.tickets.$inferSelect
export type TicketComment = typeof t.ticketComments.$inferSelect
export type TicketRule = typeof t.ticketRules.$inferSelect

export const closedStatuses: Ticket['status'][] = ['resolved', 'closed']

export type TicketFilter = { orgIds: string[]; status?: string; orgId?: string; assigneeId?: string; priority?: string; search?: string; limit: number; offset: number }

export async function listTicketRows(db: Db, f: TicketFilter): Promise<{ rows: Ticket[]; total: number }> {
  const where = and(
    inIds(t.tickets.orgId, f.orgIds),
    f.status === 'open' || !f.status ? notInArray(t.tickets.status, closedStatuses) : f.status === 'closed' ? inArray(t.tickets.status, closedStatuses) : f.status === 'all' ? undefined : eq(t.tickets.status, f.status as Ticket['status']),
    f.orgId ? eq(t.tickets.orgId, f.orgId) : undefined,
    f.assigneeId ? eq(t.tickets.assigneeId, f.assigneeId) : undefined,
    f.priority ? eq(t.tickets.priority, f.priority as Ticket['priority']) : undefined,
    f.search ? or(iContains(t.tickets.title, f.search), iContains(t.tickets.description, f.search)) : undefined,
  )
  const rows = await db.select().from(t.tickets).where(where).orderBy(desc(t.tickets.updatedAt)).limit(f.limit).offset(f.offset)
  const [{ n }] = await db.select({ n: count() }).from(t.tickets).where(where)
  return { rows, total: Number(n) }
}

export async function findTicket(db: Db, id: string): Promise<Ticket | undefined> {
  const [row] = await db.select().from(t.tickets).where(eq(t.tickets.id, id))
  return row
}

/** nextTicketNumber: the org's next #number (call inside the inserting transaction). */
export async function nextTicketNumber(db: Db, orgId: string): Promise<number> {
  const [row] = await db.select({ n: max(t.tickets.number) }).from(t.tickets).where(eq(t.tickets.orgId, orgId))
  return Number(row?.n ?? 0) + 1
}

export async function insertTicket(db: Db, row: Ticket) {
  await db.insert(t.tickets).values(row)
}

export async function updateTicketRow(db: Db, id: string, patch: Partial<Ticket>) {
  await db.update(t.tickets).set(patch).where(eq(t.tickets.id, id))
}

export async function findOpenTicketByGroup(db: Db, orgId: string, groupKey: string): Promise<Ticket | undefined> {
  const [row] = await db.select().from(t.tickets)
    .where(and(eq(t.tickets.orgId, orgId), eq(t.tickets.groupKey, groupKey), notInArray(t.tickets.status, closedStatuses)))
    .orderBy(desc(t.tickets.createdAt)).limit(1)
  return row
}

export async function insertComment(db: Db, row: TicketComment) {
  await db.insert(t.ticketComments).values(row)
}

export async function listComments(db: Db, ticketId: string): Promise<TicketComment[]> {
  return db.select().from(t.ticketComments).where(eq(t.ticketComments.ticketId, ticketId)).orderBy(asc(t.ticketComments.createdAt), asc(t.ticketComments.id))
}

/** linkAlert ties an alert to a ticket; false when it already was. */
export async function linkAlert(db: Db, ticketId: string, alertId: string, by: string | null, at: number): Promise<boolean> {
  const rows = await db.insert(t.ticketAlerts).values({ ticketId, alertId, linkedAt: at, linkedBy: by }).onConflictDoNothing().returning({ id: t.ticketAlerts.alertId })
  return rows.length > 0
}

export async function alertIdsOfTicket(db: Db, ticketId: string): Promise<string[]> {
  const rows = await db.select({ id: t.ticketAlerts.alertId }).from(t.ticketAlerts).where(eq(t.ticketAlerts.ticketId, ticketId)).orderBy(asc(t.ticketAlerts.linkedAt))
  return rows.map((r) => r.id)
}

export async function ticketsOfAlert(db: Db, alertId: string): Promise<Ticket[]> {
  const rows = await db.select({ ticket: t.tickets }).from(t.ticketAlerts).innerJoin(t.tickets, eq(t.tickets.id, t.ticketAlerts.ticketId))
    .where(eq(t.ticketAlerts.alertId, alertId)).orderBy(desc(t.tickets.createdAt))
  return rows.map((r) => r.ticket)
}

// ---- ticket rules ----

function rulesVisible(v: { orgIds: string[]; partnerIds: string[] }): SQL | undefined {
  return or(inIds(t.ticketRules.orgId, v.orgIds), and(isNull(t.ticketRules.orgId), inIds(t.ticketRules.partnerId, v.partnerIds)))
}

export async function listTicketRules(db: Db, v: { orgIds: string[]; partnerIds: string[] }): Promise<TicketRule[]> {
  return db.select().from(t.ticketRules).where(and(isNull(t.ticketRules.deletedAt), rulesVisible(v))).orderBy(asc(t.ticketRules.name))
}

/** rulesForOrg: enabled ticket rules applying to an org (its own first, then partner-wide). */
export async function ticketRulesForOrg(db: Db, orgId: string, partnerId: string): Promise<TicketRule[]> {
  const rows = await db.select().from(t.ticketRules).where(and(
    isNull(t.ticketRules.deletedAt), eq(t.ticketRules.enabled, true),
    or(eq(t.ticketRules.orgId, orgId), and(isNull(t.ticketRules.orgId), eq(t.ticketRules.partnerId, partnerId))),
  )).orderBy(asc(t.ticketRules.createdAt))
  return rows.sort((a, b) => Number(a.orgId === null) - Number(b.orgId === null))
}

export async function findTicketRule(db: Db, id: string): Promise<TicketRule | undefined> {
  const [row] = await db.select().from(t.ticketRules).where(and(eq(t.ticketRules.id, id), isNull(t.ticketRules.deletedAt)))
  return row
}

export async function insertTicketRule(db: Db, row: TicketRule) {
  await db.insert(t.ticketRules).values(row)
}

export async function updateTicketRuleRow(db: Db, id: string, patch: Partial<TicketRule>) {
  await db.update(t.ticketRules).set(patch).where(eq(t.ticketRules.id, id))
}
