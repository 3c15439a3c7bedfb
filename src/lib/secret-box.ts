// Encryption at rest for secrets kept in the database (SMTP password, TOTP secrets, webhook
// secrets): AES-256-GCM under the key in the data directory.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export class SecretBox {
  constructor(private key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes')
  }

  /** seal encrypts text; the output starts with `v1:` so the format can change later. */
  seal(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  /** open decrypts what seal produced and throws if it was altered. */
  open(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('unknown secret format')
    const raw = Buffer.from(sealed.slice(3), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  }
}
