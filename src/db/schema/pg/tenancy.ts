import { sql } from 'drizzle-orm'
import { index, pgTable as table, uniqueIndex } from 'drizzle-orm/pg-core'
import { bool, id, int, json, ms, text } from './columns'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

export const partners = table('partners', {
  id: id(),
  name: text().notNull(),
  slug: text().notNull(),
  type: text({ enum: ['msp', 'enterprise', 'internal'] }).notNull(),
  plan: text({ enum: ['free', 'pro', 'enterprise', 'unlimited'] }).notNull(),
  maxOrganizations: int(),
  maxDevices: int(),
  billingEmail: text(),
  settings: json<Record<string, unknown>>().notNull(),
  mfaRequired: bool().notNull(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [uniqueIndex('partners_slug_live').on(t.slug).where(sql`deleted_at is null`)])

export const organizations = table('organizations', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  name: text().notNull(),
  slug: text().notNull(),
  type: text({ enum: ['customer', 'internal'] }).notNull(),
  status: text({ enum: ['active', 'suspended', 'trial', 'churned'] }).notNull(),
  maxDevices: int(),
  settings: json<Record<string, unknown>>().notNull(),
  contractStart: text(),
  contractEnd: text(),
  billingContact: json<{ name?: string; email?: string; phone?: string }>(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [
  uniqueIndex('organizations_slug_live').on(t.partnerId, t.slug).where(sql`deleted_at is null`),
  index('organizations_partner').on(t.partnerId),
])

export const sites = table('sites', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  name: text().notNull(),
  address: json<{ street?: string; city?: string; region?: string; postalCode?: string; country?: string }>(),
  timezone: text().notNull(),
  contact: json<{ name?: string; email?: string; phone?: string }>(),
  settings: json<Record<string, unknown>>().notNull(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [index('sites_org').on(t.orgId)])

export const users = table('users', {
  id: id(),
  /** Stored lower-cased; unique across the appliance. */
  email: text().notNull().unique(),
  name: text().notNull(),
  passwordHash: text(),
  status: text({ enum: ['active', 'invited', 'disabled'] }).notNull(),
  /** May create partners and see every partner: the person who installed Breeze. */
  isPlatformAdmin: bool().notNull(),
  /** TOTP secret, encrypted with the data-dir key. */
  mfaSecret: text(),
  mfaEnabled: bool().notNull(),
  /** Last accepted TOTP time step; a code at or below it is a replay. */
  mfaLastStep: int(),
  failedLoginCount: int().notNull(),
  lockedUntil: ms(),
  lastLoginAt: ms(),
  passwordChangedAt: ms(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
})

export const roles = table('roles', {
  id: id(),
  /** null for the built-in system roles. */
  partnerId: text().references(() => partners.id),
  orgId: text().references(() => organizations.id),
  scope: text({ enum: ['system', 'partner', 'organization'] }).notNull(),
  /** Stable key of a built-in role (partner_admin…); null for custom roles. */
  key: text(),
  name: text().notNull(),
  description: text().notNull(),
  isSystem: bool().notNull(),
  /** `resource:action` strings from src/tenancy/permissions.ts. */
  permissions: json<string[]>().notNull(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
}, (t) => [uniqueIndex('roles_key').on(t.key)])

export const partnerMembers = table('partner_members', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  userId: text().notNull().references(() => users.id),
  roleId: text().notNull().references(() => roles.id),
  orgAccess: text({ enum: ['all', 'selected', 'none'] }).notNull(),
  orgIds: json<string[]>().notNull(),
  createdAt: ms().notNull(),
}, (t) => [uniqueIndex('partner_members_unique').on(t.partnerId, t.userId), index('partner_members_user').on(t.userId)])

export const orgMembers = table('org_members', {
  id: id(),
  orgId: text().notNull().references(() => organizations.id),
  userId: text().notNull().references(() => users.id),
  roleId: text().notNull().references(() => roles.id),
  /** null = every site of the org. */
  siteIds: json<string[]>(),
  /** null = every device group. */
  deviceGroupIds: json<string[]>(),
  createdAt: ms().notNull(),
}, (t) => [uniqueIndex('org_members_unique').on(t.orgId, t.userId), index('org_members_user').on(t.userId)])
