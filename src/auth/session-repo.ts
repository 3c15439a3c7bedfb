// Browser sessions: a 128-bit random token in a cookie, stored only as its SHA-256. Sessions
// have an idle expiry (extended as the user works) and an absolute one (never extended).
import { and, eq, lt, ne } from 'drizzle-orm'
import type { Db } from '../db'
import { t } from '../db/tables'
import { randomToken, sha256Hex } from '../lib/crypto'
import { newId } from '../lib/ids'
import type { SecuritySettings } from '../settings/model'

export type Session = typeof t.sessions.$inferSelect

/** How often last-seen is written back; avoids a write on every request. */
const touchEveryMs = 60_000

export async function createSession(db: Db, now: number, opts: { userId: string; stage: 'mfa' | 'full'; ip: string | null; userAgent: string | null; activeOrgId?: string | null; maxAgeMs: number; stepUpAt?: number | null }) {
  const token = randomToken(16)
  const session: Session = {
    id: newId(), userId: opts.userId, tokenHash: sha256Hex(token), stage: opts.stage, activeOrgId: opts.activeOrgId ?? null,
    ip: opts.ip, userAgent: opts.userAgent?.slice(0, 500) ?? null, createdAt: now, lastSeenAt: now, expiresAt: now + opts.maxAgeMs, stepUpAt: opts.stepUpAt ?? null,
  }
  await db.insert(t.sessions).values(session)
  return { token, session }
}

/** findLiveSession returns the session for a cookie token if neither expiry has passed. */
export async function findLiveSession(db: Db, token: string, now: number, policy: SecuritySettings): Promise<Session | null> {
  const [session] = await db.select().from(t.sessions).where(eq(t.sessions.tokenHash, sha256Hex(token)))
  if (!session) return null
  const idleMs = session.stage === 'mfa' ? 10 * 60_000 : policy.sessionIdleMinutes * 60_000
  if (session.expiresAt <= now || session.lastSeenAt + idleMs <= now) {
    await db.delete(t.sessions).where(eq(t.sessions.id, session.id))
    return null
  }
  if (now - session.lastSeenAt > touchEveryMs) {
    await db.update(t.sessions).set({ lastSeenAt: now }).where(eq(t.sessions.id, session.id))
    session.lastSeenAt = now
  }
  return session
}

export async function findSessionById(db: Db, id: string): Promise<Session | undefined> {
  const [row] = await db.select().from(t.sessions).where(eq(t.sessions.id, id))
  return row
}

export async function deleteSession(db: Db, id: string) {
  await db.delete(t.sessions).where(eq(t.sessions.id, id))
}

/** deleteUserSessions ends every session of a user, except `keepId` if given. */
export async function deleteUserSessions(db: Db, userId: string, keepId?: string) {
  await db.delete(t.sessions).where(keepId ? and(eq(t.sessions.userId, userId), ne(t.sessions.id, keepId)) : eq(t.sessions.userId, userId))
}

/** setSessionStepUp records that the session's user just proved the second factor. */
export async function setSessionStepUp(db: Db, sessionId: string, at: number) {
  await db.update(t.sessions).set({ stepUpAt: at }).where(eq(t.sessions.id, sessionId))
}

export async function setActiveOrg(db: Db, sessionId: string, orgId: string | null) {
  await db.update(t.sessions).set({ activeOrgId: orgId }).where(eq(t.sessions.id, sessionId))
}

export async function listUserSessions(db: Db, userId: string) {
  return db.select().from(t.sessions).where(eq(t.sessions.userId, userId)).orderBy(t.sessions.createdAt)
}

/** deleteExpiredSessions is the cleanup job's query. */
export async function deleteExpiredSessions(db: Db, now: number) {
  await db.delete(t.sessions).where(lt(t.sessions.expiresAt, now))
}

/** sessionMaxAgeMs is the absolute lifetime of a session at a stage (an `mfa` session lives ten minutes). */
export function sessionMaxAgeMs(stage: 'mfa' | 'full', policy: SecuritySettings): number {
  return stage === 'mfa' ? 10 * 60_000 : policy.sessionMaxHours * 3600_000
}
