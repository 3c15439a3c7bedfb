// Password hashing with argon2id. Hashing is deliberately slow and memory-hungry, so the
// number of hashes in flight is capped: a login flood queues (then gets 429) instead of
// exhausting memory, and other requests keep being served.
import { RateLimitError, ValidationError } from '../lib/errors'
import { Semaphore } from '../lib/semaphore'

const hashing = new Semaphore(2, 200)

async function bounded<T>(fn: () => Promise<T>): Promise<T> {
  const result = await hashing.tryRun(fn)
  if (result === null) throw new RateLimitError('the server is busy checking passwords; try again in a few seconds', 5)
  return result
}

export function hashPassword(password: string): Promise<string> {
  return bounded(() => Bun.password.hash(password, { algorithm: 'argon2id' }))
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bounded(() => Bun.password.verify(password, hash))
}

/** A hash of a random value, verified against when the account does not exist, so timing doesn't reveal which emails have accounts. */
let dummyHash: Promise<string> | null = null
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= Bun.password.hash(crypto.randomUUID(), { algorithm: 'argon2id' })
  await bounded(async () => Bun.password.verify(password, await dummyHash!))
  return false
}

/** checkPasswordStrength throws a ValidationError on `field` for a password too weak to accept. */
export function checkPasswordStrength(password: string, email: string, field = 'password') {
  if (password.length < 10) throw new ValidationError(field, 'password must be at least 10 characters')
  if (password.length > 256) throw new ValidationError(field, 'password must be at most 256 characters')
  if (password.toLowerCase() === email.toLowerCase()) throw new ValidationError(field, 'password must not be your email address')
  if (new Set(password).size < 4) throw new ValidationError(field, 'password is too repetitive')
}
