// Recovery codes: ten single-use codes per user, stored hashed.
import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import { sha256Hex } from '../lib/crypto'
import { newId } from '../lib/ids'

const codeAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789'

function recoveryCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10))
  const chars = [...bytes].map((b) => codeAlphabet[b % codeAlphabet.length]).join('')
  return `${chars.slice(0, 5)}-${chars.slice(5)}`
}

function normalizeRecoveryCode(code: string) {
  return code.trim().toLowerCase().replace(/\s+/g, '')
}

/** replaceRecoveryCodes deletes a user's codes and returns ten new ones (shown once). */
export async function replaceRecoveryCodes(db: Db, userId: string, now: number): Promise<string[]> {
  await db.delete(t.recoveryCodes).where(eq(t.recoveryCodes.userId, userId))
  const codes = Array.from({ length: 10 }, recoveryCode)
  await db.insert(t.recoveryCodes).values(codes.map((c) => ({ id: newId(), userId, codeHash: sha256Hex(normalizeRecoveryCode(c)), usedAt: null, createdAt: now })))
  return codes
}

/** useRecoveryCode consumes a matching unused code; a second use of the same code fails. */
export async function useRecoveryCode(db: Db, userId: string, code: string, now: number): Promise<boolean> {
  const rows = await db.update(t.recoveryCodes).set({ usedAt: now })
    .where(and(eq(t.recoveryCodes.userId, userId), eq(t.recoveryCodes.codeHash, sha256Hex(normalizeRecoveryCode(code))), isNull(t.recoveryCodes.usedAt)))
    .returning({ id: t.recoveryCodes.id })
  return rows.length === 1
}

export async function countUnusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const rows = await db.select({ id: t.recoveryCodes.id }).from(t.recoveryCodes).where(and(eq(t.recoveryCodes.userId, userId), isNull(t.recoveryCodes.usedAt)))
  return rows.length
}

export async function deleteRecoveryCodes(db: Db, userId: string) {
  await db.delete(t.recoveryCodes).where(eq(t.recoveryCodes.userId, userId))
}

