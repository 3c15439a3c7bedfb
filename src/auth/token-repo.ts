// One-time links (invitations, password resets): random tokens stored hashed, with expiry,
// consumed atomically so a link works exactly once.
import { and, eq, gt, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import { randomToken, sha256Hex } from '../lib/crypto'
import { newId } from '../lib/ids'

export type TokenPurpose = 'invite' | 'reset'

export async function issueUserToken(db: Db, now: number, userId: string, purpose: TokenPurpose, ttlMs: number): Promise<string> {
  const token = randomToken(24)
  // A new link replaces any older unused one of the same purpose.
  await db.delete(t.userTokens).where(and(eq(t.userTokens.userId, userId), eq(t.userTokens.purpose, purpose), isNull(t.userTokens.usedAt)))
  await db.insert(t.userTokens).values({ id: newId(), userId, purpose, tokenHash: sha256Hex(token), expiresAt: now + ttlMs, usedAt: null, createdAt: now })
  return token
}

/** peekUserToken returns the user id a live token belongs to, without using it up. */
export async function peekUserToken(db: Db, now: number, token: string, purpose: TokenPurpose): Promise<string | null> {
  const [row] = await db.select({ userId: t.userTokens.userId }).from(t.userTokens)
    .where(and(eq(t.userTokens.tokenHash, sha256Hex(token)), eq(t.userTokens.purpose, purpose), isNull(t.userTokens.usedAt), gt(t.userTokens.expiresAt, now)))
  return row?.userId ?? null
}

/** consumeUserToken marks a live token used and returns its user id; a second use gets null. */
export async function consumeUserToken(db: Db, now: number, token: string, purpose: TokenPurpose): Promise<string | null> {
  const rows = await db.update(t.userTokens).set({ usedAt: now })
    .where(and(eq(t.userTokens.tokenHash, sha256Hex(token)), eq(t.userTokens.purpose, purpose), isNull(t.userTokens.usedAt), gt(t.userTokens.expiresAt, now)))
    .returning({ userId: t.userTokens.userId })
  return rows[0]?.userId ?? null
}
