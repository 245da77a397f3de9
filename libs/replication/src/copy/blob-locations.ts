import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

/** How many other repositories a copy tries to mount a blob from before it uploads it. */
const MOUNT_CANDIDATES = 2;

/**
 * `replication_blob_location`, its only writer: which repositories of a remote endpoint hold a
 * blob as far as replication has seen (sent, mounted, or found there by HEAD). Read to mount a
 * blob from a sibling repository instead of sending it again.
 */
@Injectable()
export class BlobLocations {
  constructor(private readonly sql: SqlClient) {}

  async record(registryId: number, repository: string, digest: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO replication_blob_location (registry_id, digest, repository) VALUES ($1, $2, $3)
       ON CONFLICT (registry_id, digest, repository) DO UPDATE SET seen_at = now()`,
      [registryId, digest, repository],
    );
  }

  /** Other repositories of the endpoint last seen holding the blob, most recent first. */
  async elsewhere(registryId: number, repository: string, digest: string): Promise<string[]> {
    const rows = await this.sql.query<{ repository: string }>(
      `SELECT repository FROM replication_blob_location WHERE registry_id = $1 AND digest = $2 AND repository <> $3 ORDER BY seen_at DESC LIMIT $4`,
      [registryId, digest, repository, MOUNT_CANDIDATES],
    );
    return rows.map((r) => r.repository);
  }

  /** A mount that failed: the hint was stale. */
  async forget(registryId: number, repository: string, digest: string): Promise<void> {
    await this.sql.query(`DELETE FROM replication_blob_location WHERE registry_id = $1 AND digest = $2 AND repository = $3`, [registryId, digest, repository]);
  }
}
