// The audit hash chain: each row's hash covers its own content and the previous row's
// hash, so editing or deleting any row breaks every hash after it. The hash is an HMAC under
// a key from the data directory, so someone with write access to the database alone (a
// PostgreSQL user, a stolen dump) cannot recompute a consistent chain after editing it.
import { hmacHex } from '../lib/crypto'

export const genesisHash = '0'.repeat(64)

export type ChainedFields = {
  seq: number
  at: number
  partnerId: string | null
  orgId: string | null
  actorType: string
  actorId: string | null
  actorEmail: string | null
  action: string
  resourceType: string | null
  resourceId: string | null
  resourceName: string | null
  details: unknown
  ip: string | null
  userAgent: string | null
  result: string
  errorMessage: string | null
}

/** rowHash is the keyed hash over the previous hash and the row's fields in a fixed order. */
export function rowHash(key: Uint8Array, prevHash: string, r: ChainedFields): string {
  const fields = [r.seq, r.at, r.partnerId, r.orgId, r.actorType, r.actorId, r.actorEmail, r.action, r.resourceType, r.resourceId, r.resourceName, canonical(r.details), r.ip, r.userAgent, r.result, r.errorMessage]
  return hmacHex(key, prevHash + '\n' + JSON.stringify(fields))
}

/** canonical serialises JSON with sorted keys, so a database's key reordering (jsonb) cannot change a hash. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v) => v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)
}
