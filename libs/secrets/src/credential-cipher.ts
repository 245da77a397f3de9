import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256-GCM: a 32-byte key, a fresh 12-byte IV per seal, a 16-byte tag. */
export const CREDENTIAL_KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT_VERSION = 'v1';

/** A sealed secret that cannot be opened: another key sealed it, or it was altered or truncated. */
export class CredentialSealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialSealError';
  }
}

/** The short, public name of a key (first 8 bytes of its SHA-256): says which key sealed a value without revealing it. */
export function credentialKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Seals registry credential secrets for the database, so a dump or a backup holds no usable
 * password. Format `v1:<key id>:<iv>:<tag>:<ciphertext>` (base64 parts): the version lets a later
 * format coexist, the key id turns "wrong key" into a clear error instead of an opaque GCM
 * failure (and is authenticated, as additional data, so it cannot be swapped).
 */
export class CredentialCipher {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== CREDENTIAL_KEY_BYTES) throw new Error(`a credential key has ${CREDENTIAL_KEY_BYTES} bytes, this one ${key.length}`);
    this.keyId = credentialKeyId(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${FORMAT_VERSION}:${this.keyId}`));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT_VERSION, this.keyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    if (parts[0] !== FORMAT_VERSION || parts.length !== 5) throw new CredentialSealError(`not a sealed credential of a known format (${parts[0] ?? ''})`);
    const [version, keyId, iv, tag, ciphertext] = parts;
    if (keyId !== this.keyId) {
      throw new CredentialSealError(`the credential was sealed with key ${keyId}, but the configured REGISTRY_CREDENTIAL_KEY is ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(`${version}:${keyId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialSealError(`the sealed credential (key ${keyId}) fails authentication: it was altered or truncated`);
    }
  }
}
