import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Encrypts small secrets at rest (TOTP secrets) with AES-256-GCM. The key is derived with HKDF
 * from the key material (a random string in Secrets Manager in AWS, a file in the data dir
 * locally), so any random secret of enough entropy will do. The context (e.g. the agent's login)
 * is authenticated data: a ciphertext copied to another agent's item does not decrypt.
 *
 * Format: `v1.<iv>.<ciphertext+tag>`, base64url.
 */
const version = 'v1'

export function deriveSecretKey(material: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, 'docket', `docket ${purpose} ${version}`, 32))
}

export function encryptSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return [version, iv.toString('base64url'), sealed.toString('base64url')].join('.')
}

/** Throws when the ciphertext was tampered with, made for another context, or with another key. */
export function decryptSecret(key: Buffer, sealed: string, context: string): string {
  const [format, iv, body] = sealed.split('.')
  if (format !== version || !iv || !body) throw new Error(`not a sealed secret of format ${version}`)
  const bytes = Buffer.from(body, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(context, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8')
}
