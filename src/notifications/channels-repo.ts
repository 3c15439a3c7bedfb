// Queries for notification channels, escalation policies, deliveries and their attempts.
import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { inIds } from '../db/sql'
import { t } from '../db/tables'

export type Channel = typeof t.notificationChannels.$inferSelect
export type EscalationPolicy = typeof t.escalationPolicies.$inferSelect
export type Delivery = typeof t.notificationDeliveries.$inferSelect
export type DeliveryAttempt = typeof t.deliveryAttempts.$inferSelect

/** Owner visibility shared by channels and policies: org rows, and partner rows (orgId null). */
export type OwnerVisibility = { orgIds: string[]; partnerIds: string[] }

function channelsVisible(v: OwnerVisibility): SQL | undefined {
  return or(inIds(t.notificationChannels.orgId, v.orgIds), and(isNull(t.notificationChannels.orgId), inIds(t.notificationChannels.partnerId, v.partnerIds)))
}

export async function listVisibleChannels(db: Db, v: OwnerVisibility, orgId?: string): Promise<Channel[]> {
  return db.select().from(t.notificationChannels).where(and(isNull(t.notificationChannels.deletedAt), channelsVisible(v), orgId ? eq(t.notificationChannels.orgId, orgId) : undefined))
    .orderBy(asc(t.notificationChannels.name))
}

export async function findChannel(db: Db, id: string): Promise<Channel | undefined> {
  const [row] = await db.select().from(t.notificationChannels).where(and(eq(t.notificationChannels.id, id), isNull(t.notificationChannels.deletedAt)))
  return row
}

export async function findChannels(db: Db, ids: string[]): Promise<Channel[]> {
  if (ids.length === 0) return []
  return db.select().from(t.notificationChannels).where(and(inIds(t.notificationChannels.id, ids), isNull(t.notificationChannels.deletedAt)))
}

/** otherChannelsOfOwner: enabled, working channels of the same owner (a dead channel's alert goes there). */
export async function otherChannelsOfOwner(db: Db, channel: Channel): Promise<Channel[]> {
  return db.select().from(t.notificationChannels).where(and(
    isNull(t.notificationChannels.deletedAt), eq(t.notificationChannels.enabled, true), ne(t.notificationChannels.id, channel.id),
    eq(t.notificationChannels.consecutiveFailures, 0), eq(t.notificationChannels.partnerId, channel.partnerId),
    channel.orgId ? eq(t.notificationChannels.orgId, channel.orgId) : isNull(t.notificationChannels.orgId),
  ))
}

export async function insertChannel(db: Db, row: Channel) {
  await db.insert(t.notificationChannels).values(row)
}

export async function updateChannelRow(db: Db, id: string, patch: Partial<Channel>) {
  await db.update(t.notificationChannels).set(patch).where(eq(t.notificationChannels.id, id))
}

/** recordChannelFailure counts a given-up delivery and returns the new count. */
export async function recordChannelFailure(db: Db, id: string, at: number, error: string): Promise<number> {
  const [row] = await db.update(t.notificationChannels)
    .set({ consecutiveFailures: sql`${t.notificationChannels.consecutiveFailures} + 1`, lastFailureAt: at, lastError: error.slice(0, 1000) })
    .where(eq(t.notificationChannels.id, id)).returning({ n: t.notificationChannels.consecutiveFailures })
  return row?.n ?? 0
}

// ---- escalation policies ----

function policiesVisible(v: OwnerVisibility): SQL | undefined {
  return or(inIds(t.escalationPolicies.orgId, v.orgIds), and(isNull(t.escalationPolicies.orgId), inIds(t.escalationPolicies.partnerId, v.partnerIds)))
}

export async function listVisiblePolicies(db: Db, v: OwnerVisibility): Promise<EscalationPolicy[]> {
  return db.select().from(t.escalationPolicies).where(and(isNull(t.escalationPolicies.deletedAt), policiesVisible(v))).orderBy(asc(t.escalationPolicies.name))
}

export async function findPolicy(db: Db, id: string): Promise<EscalationPolicy | undefined> {
  const [row] = await db.select().from(t.escalationPolicies).where(and(eq(t.escalationPolicies.id, id), isNull(t.escalationPolicies.deletedAt)))
  return row
}

export async function insertPolicy(db: Db, row: EscalationPolicy) {
  await db.insert(t.escalationPolicies).values(row)
}

export async function updatePolicyRow(db: Db, id: string, patch: Partial<EscalationPolicy>) {
  await db.update(t.escalationPolicies).set(patch).where(eq(t.escalationPolicies.id, id))
}

// ---- deliveries ----

/** insertDeliveryOnce adds a delivery unless this (alert, channel, transition) already has one. */
export async function insertDeliveryOnce(db: Db, row: Delivery): Promise<boolean> {
  const inserted = await db.insert(t.notificationDeliveries).values(row).onConflictDoNothing().returning({ id: t.notificationDeliveries.id })
  return inserted.length > 0
}

export async function findDelivery(db: Db, id: string): Promise<Delivery | undefined> {
  const [row] = await db.select().from(t.notificationDeliveries).where(eq(t.notificationDeliveries.id, id))
  return row
}

export async function updateDeliveryRow(db: Db, id: string, patch: Partial<Delivery>) {
  await db.update(t.notificationDeliveries).set(patch).where(eq(t.notificationDeliveries.id, id))
}

/** markDeliverySent flips a pending delivery to sent; false if it was not pending any more. */
export async function markDeliverySent(db: Db, id: string, patch: Partial<Delivery>): Promise<boolean> {
  const rows = await db.update(t.notificationDeliveries).set({ ...patch, status: 'sent' })
    .where(and(eq(t.notificationDeliveries.id, id), eq(t.notificationDeliveries.status, 'pending'))).returning({ id: t.notificationDeliveries.id })
  return rows.length > 0
}

export async function insertAttempt(db: Db, row: DeliveryAttempt) {
  await db.insert(t.deliveryAttempts).values(row)
}

export async function listDeliveriesOfAlert(db: Db, alertId: string): Promise<Delivery[]> {
  return db.select().from(t.notificationDeliveries).where(eq(t.notificationDeliveries.alertId, alertId)).orderBy(asc(t.notificationDeliveries.createdAt))
}

export async function listAttemptsOfDeliveries(db: Db, ids: string[]): Promise<DeliveryAttempt[]> {
  if (ids.length === 0) return []
  return db.select().from(t.deliveryAttempts).where(inIds(t.deliveryAttempts.deliveryId, ids)).orderBy(asc(t.deliveryAttempts.at))
}

export async function listDeliveriesOfChannel(db: Db, channelId: string, limit = 50): Promise<Delivery[]> {
  return db.select().from(t.notificationDeliveries).where(eq(t.notificationDeliveries.channelId, channelId)).orderBy(desc(t.notificationDeliveries.createdAt)).limit(limit)
}

/** notifiedChannelIds: channels that were (or are being) told about an alert firing or escalating. */
export async function notifiedChannelIds(db: Db, alertId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ id: t.notificationDeliveries.channelId }).from(t.notificationDeliveries).where(and(
    eq(t.notificationDeliveries.alertId, alertId), isNotNull(t.notificationDeliveries.alertId),
    or(eq(t.notificationDeliveries.transition, 'triggered'), sql`${t.notificationDeliveries.transition} like 'escalation:%'`),
    inArray(t.notificationDeliveries.status, ['pending', 'sent']),
  ))
  return rows.map((r) => r.id)
}
