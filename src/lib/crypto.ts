// Small wrappers over WebCrypto/node:crypto with the encodings Breeze uses everywhere.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** randomToken returns `bytes` random bytes as base64url (16 bytes = 128 bits by default). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url')
}

/** sha256Hex hashes tokens before they are stored; tokens are high-entropy so no salt is needed. */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex')
}

export function hmacHex(key: string | Uint8Array, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex')
}

/** safeEqual compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}
