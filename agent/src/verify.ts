// Checking a command before running it: the server's signature (with the key pinned at
// enrollment), that it is addressed to this device and agent, that it has not expired, and
// that its id was never seen before.
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { commandSigningText, type RefusalReason, type SignedCommand } from '../../src/protocol'

// note: Ed25519 SPKI DER is a fixed 12-byte prefix followed by the raw 32-byte key.
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex')

export function publicKeyFromRaw(b64: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([spkiPrefix, Buffer.from(b64, 'base64')]), format: 'der', type: 'spki' })
}

export function signatureValid(key: KeyObject, text: string, signatureB64: string): boolean {
  try { return verify(null, Buffer.from(text), key, Buffer.from(signatureB64, 'base64')) } catch { return false }
}

/** checkCommand returns why a command must be refused, or null when it may run. */
export function checkCommand(c: SignedCommand, expect: { key: KeyObject; deviceId: string; agentId: string; serverNow: number; remember(id: string, expiresAt: number): boolean }): { reason: RefusalReason; message: string } | null {
  const { signature, ...unsigned } = c
  if (!signatureValid(expect.key, commandSigningText(unsigned), signature)) return { reason: 'bad_signature', message: 'the signature does not verify with the pinned server key' }
  if (c.deviceId !== expect.deviceId || c.agentId !== expect.agentId) return { reason: 'wrong_device', message: 'the command is addressed to another device' }
  if (c.expiresAt <= expect.serverNow) return { reason: 'expired', message: `the command expired at ${new Date(c.expiresAt).toISOString()}` }
  if (!expect.remember(c.id, c.expiresAt)) return { reason: 'replayed', message: 'this command id was already received' }
  return null
}
