import { index, sqliteTable as table } from 'drizzle-orm/sqlite-core'
import { bool, id, int, json, ms, text } from './columns'
import { organizations, users } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

export const sessions = table('sessions', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  tokenHash: text().notNull().unique(),
  /** `mfa` sessions may only finish the second factor. */
  stage: text({ enum: ['mfa', 'full'] }).notNull(),
  activeOrgId: text().references(() => organizations.id),
  ip: text(),
  userAgent: text(),
  createdAt: ms().notNull(),
  lastSeenAt: ms().notNull(),
  expiresAt: ms().notNull(),
  /** When the user last proved the second factor in this session (sign-in or step-up); fleet-wide actions need it recent. */
  stepUpAt: ms(),
}, (t) => [index('sessions_user').on(t.userId)])

export const recoveryCodes = table('recovery_codes', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  codeHash: text().notNull(),
  usedAt: ms(),
  createdAt: ms().notNull(),
}, (t) => [index('recovery_codes_user').on(t.userId)])

/** One-time links: invitations and password resets. */
export const userTokens = table('user_tokens', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  purpose: text({ enum: ['invite', 'reset'] }).notNull(),
  tokenHash: text().notNull().unique(),
  expiresAt: ms().notNull(),
  usedAt: ms(),
  createdAt: ms().notNull(),
})

export const apiKeys = table('api_keys', {
  id: id(),
  userId: text().notNull().references(() => users.id),
  name: text().notNull(),
  /** First characters of the key, shown in lists so a user can tell keys apart. */
  prefix: text().notNull(),
  keyHash: text().notNull().unique(),
  /** Subset of the creator's permissions; the key never exceeds what its creator has now. */
  permissions: json<string[]>().notNull(),
  /** null = every org the creator can see. */
  orgIds: json<string[]>(),
  lastUsedAt: ms(),
  expiresAt: ms(),
  revokedAt: ms(),
  createdAt: ms().notNull(),
  /** May act on more than the confirmation threshold of devices at once (an API key cannot step up; src/auth/fleet-guard.ts). */
  fleet: bool().notNull().default(false),
}, (t) => [index('api_keys_user').on(t.userId)])

/**
 * Fleet-wide actions (above the confirmation threshold) by users, one row per tenant they
 * touched (`org:<id>`, `partner:<id>`): the rolling-hour rate limit counts these.
 */
export const fleetActions = table('fleet_actions', {
  id: id(),
  tenantKey: text().notNull(),
  actionId: text().notNull(),
  kind: text().notNull(),
  userId: text(),
  deviceCount: int().notNull(),
  at: ms().notNull(),
}, (t) => [index('fleet_actions_tenant_at').on(t.tenantKey, t.at)])
