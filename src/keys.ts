// The server's keys, kept in <data dir>/keys with owner-only permissions: the secret key that
// encrypts secrets at rest and derives CSRF tokens, and the Ed25519 key that signs agent
// commands (agents pin its public half at enrollment). Created on first start.
import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export type ServerKeys = {
  secretKey: Buffer
  signingKey: KeyObject
  /** Raw 32-byte Ed25519 public key, base64; what agents pin. */
  publicKeyB64: string
  /** A sub-key for one purpose (csrf, setup…), so no two uses share key material. */
  derive(purpose: string): Buffer
}

/** loadKeys reads the keys from dataDir/keys, creating any that are missing. */
export function loadKeys(dataDir: string): ServerKeys {
  const dir = path.join(dataDir, 'keys')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const secretFile = path.join(dir, 'secret.key')
  const signingFile = path.join(dir, 'signing.pem')
  if (!existsSync(secretFile)) writePrivate(secretFile, randomBytes(32).toString('base64'))
  if (!existsSync(signingFile)) {
    const { privateKey } = generateKeyPairSync('ed25519')
    writePrivate(signingFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  }
  const secretKey = Buffer.from(readFileSync(secretFile, 'utf8').trim(), 'base64')
  const signingKey = createPrivateKey(readFileSync(signingFile, 'utf8'))
  const spki = createPublicKey(signingKey).export({ type: 'spki', format: 'der' })
  return {
    secretKey,
    signingKey,
    publicKeyB64: spki.subarray(spki.length - 32).toString('base64'),
    derive: (purpose) => Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), `breeze:${purpose}`, 32)),
  }
}

function writePrivate(file: string, content: string) {
  writeFileSync(file, content + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
}
