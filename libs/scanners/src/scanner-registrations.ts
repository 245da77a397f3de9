import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { CredentialVault } from '@wharf/secrets';
import { randomUUID } from 'node:crypto';

/** Harbor's auth types of a scanner registration (what Wharf sends the adapter). */
export type ScannerAuth = '' | 'Basic' | 'Bearer' | 'X-ScannerAdapter-API-Key';

/** A scanner registration as Harbor's API words it (`access_credential` never leaves sealed storage here). */
export interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  url: string;
  auth: ScannerAuth;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
  isDefault: boolean;
  disabled: boolean;
  createTime: Date;
  updateTime: Date;
}

export interface NewScannerRegistration {
  name: string;
  description: string;
  url: string;
  auth: ScannerAuth;
  /** in clear; sealed before it is stored */
  accessCredential?: string;
  isDefault: boolean;
}

interface RegistrationRow {
  uuid: string;
  name: string;
  description: string | null;
  url: string;
  auth: ScannerAuth;
  skip_cert_verify: boolean;
  use_internal_addr: boolean;
  is_default: boolean;
  disabled: boolean;
  create_time: Date;
  update_time: Date;
}

const COLUMNS = 'uuid, name, description, url, auth, skip_cert_verify, use_internal_addr, is_default, disabled, create_time, update_time';
const toRegistration = (row: RegistrationRow): ScannerRegistration => ({
  uuid: row.uuid,
  name: row.name,
  description: row.description ?? '',
  url: row.url,
  auth: row.auth,
  skipCertVerify: row.skip_cert_verify,
  useInternalAddr: row.use_internal_addr,
  isDefault: row.is_default,
  disabled: row.disabled,
  createTime: row.create_time,
  updateTime: row.update_time,
});

/** Lock key of the "first registration" bootstrap (any number, the same in every replica). */
const BOOTSTRAP_LOCK = 7_305_212_001;

/**
 * The only writer of `scanner_registration` (Harbor's table). The management API of registrations
 * comes with the next issue; for now: list, and the bootstrap registration.
 */
@Injectable()
export class ScannerRegistrations {
  constructor(
    private readonly sql: SqlClient,
    private readonly vault: CredentialVault,
  ) {}

  async list(): Promise<ScannerRegistration[]> {
    const rows = await this.sql.query<RegistrationRow>(`SELECT ${COLUMNS} FROM scanner_registration ORDER BY id`);
    return rows.map(toRegistration);
  }

  /** The credential Wharf sends the adapter, opened from its sealed form. */
  async accessCredential(uuid: string): Promise<string | null> {
    const [row] = await this.sql.query<{ access_cred: string | null }>(`SELECT access_cred FROM scanner_registration WHERE uuid = $1`, [uuid]);
    if (!row?.access_cred) return null;
    return CredentialVault.isSealed(row.access_cred) ? this.vault.open(row.access_cred) : row.access_cred;
  }

  /**
   * Registers the scanner only when no registration exists at all: the first start of a fresh
   * install. Several replicas starting together register it once (a transaction-scoped advisory
   * lock orders them; the later ones find the row). Null when there was one already.
   */
  async registerFirst(registration: NewScannerRegistration): Promise<ScannerRegistration | null> {
    const sealed = registration.accessCredential ? this.vault.seal(registration.accessCredential) : null;
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM scanner_registration');
      if (count > 0) return null;
      const [row] = await tx.query<RegistrationRow>(
        `INSERT INTO scanner_registration (uuid, name, description, url, auth, access_cred, is_default)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [randomUUID(), registration.name, registration.description, registration.url, registration.auth, sealed, registration.isDefault],
      );
      return toRegistration(row);
    });
  }
}
