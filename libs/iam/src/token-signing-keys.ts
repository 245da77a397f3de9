import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const RELOAD_MS = 60_000;
// any constant: serialises first-start key generation across replicas
const GENERATE_LOCK = 7_304_417_201;

/** A key id that names the public key (first 20 bytes of the SHA-256 of its DER encoding). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 40);
}

function toSigningKey(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the token signing key must be an RSA private key');
  const publicKey = createPublicKey(privateKey);
  return { kid: keyIdOf(publicKey), privateKey, publicKey };
}

/**
 * The RS256 keys docker tokens are signed with. From TOKEN_SIGNING_KEY_FILE when set; otherwise
 * kept in Postgres (generated on first start, shared by every replica). The newest key signs,
 * every kept key verifies, so a rotation (`npm run token-key:rotate`, see README) never
 * invalidates tokens already handed out.
 */
@Injectable()
export class TokenSigningKeys {
  private readonly logger = new Logger(TokenSigningKeys.name);
  private keys: SigningKey[] = [];
  private loadedAt = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly config: AppConfig,
  ) {}

  async current(): Promise<SigningKey> {
    if (Date.now() - this.loadedAt > RELOAD_MS || this.keys.length === 0) await this.load();
    return this.keys[0];
  }

  async byId(kid: string): Promise<SigningKey | undefined> {
    let key = this.keys.find((k) => k.kid === kid);
    if (!key && Date.now() - this.loadedAt > 1000) {
      await this.load();
      key = this.keys.find((k) => k.kid === kid);
    }
    return key;
  }

  /** Adds a new newest key (rotation); the old ones keep verifying until removed. */
  async rotate(): Promise<string> {
    const key = generatePem();
    await this.sql.query(`INSERT INTO token_signing_key (kid, private_key) VALUES ($1, $2)`, [toSigningKey(key).kid, key]);
    await this.load();
    return this.keys[0].kid;
  }

  private async load(): Promise<void> {
    if (this.config.TOKEN_SIGNING_KEY_FILE) {
      if (this.keys.length === 0) this.keys = [toSigningKey(readFileSync(this.config.TOKEN_SIGNING_KEY_FILE, 'utf8'))];
      this.loadedAt = Date.now();
      return;
    }
    let rows = await this.rows();
    if (rows.length === 0) {
      await this.sql.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock($1)`, [GENERATE_LOCK]);
        const existing = await tx.query(`SELECT 1 FROM token_signing_key LIMIT 1`);
        if (existing.length > 0) return;
        const pem = generatePem();
        await tx.query(`INSERT INTO token_signing_key (kid, private_key) VALUES ($1, $2)`, [toSigningKey(pem).kid, pem]);
        this.logger.log('generated the docker token signing key');
      });
      rows = await this.rows();
    }
    this.keys = rows.map((r) => toSigningKey(r.private_key));
    this.loadedAt = Date.now();
  }

  private rows(): Promise<{ private_key: string }[]> {
    return this.sql.query<{ private_key: string }>(`SELECT private_key FROM token_signing_key ORDER BY id DESC`);
  }
}

function generatePem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
