import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import type { AdvisoryRow, AdvisoryRows, AffectedRow } from './advisory-rows';

/** An affected entry as the matcher evaluates it (its advisory's details are read only for the ones that apply). */
export interface StoredAffected extends AffectedRow {
  advisory_id: string;
}

/** An advisory's details, for the findings. */
export type StoredAdvisory = Omit<AdvisoryRow, 'modified' | 'published'>;

export interface DatabaseState {
  /** the newest `modified` of the records imported so far */
  dataUpdatedAt: Date | null;
  /** when an import last ran to its end */
  importedAt: Date | null;
}

// one import at a time across processes: batches of two importers never interleave
const IMPORT_LOCK_KEY = 7_310_482_013;

/**
 * The only writer and reader of the scanner's tables (`osv_advisory`, `osv_affected_package`,
 * `osv_database_state`). Writes are per batch, in one transaction each, statement count
 * independent of the batch size.
 */
@Injectable()
export class AdvisoryStore {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Writes a batch: records whose stored copy is as new or newer are skipped; the others replace
   * theirs (advisory row and all its affected rows). A record without anything the scanner can
   * match is removed rather than stored. Returns the ids written.
   */
  async write(batch: AdvisoryRows[]): Promise<{ written: string[]; skipped: number }> {
    if (!batch.length) return { written: [], skipped: 0 };
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK_KEY]);
      const stale = await this.staleIds(
        batch.map((rows) => rows.advisory),
        tx,
      );
      const fresh = batch.filter((rows) => stale.has(rows.advisory.id));
      const empty = fresh.filter((rows) => !rows.affected.length).map((rows) => rows.advisory.id);
      const kept = fresh.filter((rows) => rows.affected.length);
      const ids = fresh.map((rows) => rows.advisory.id);
      if (ids.length) await tx.query('DELETE FROM osv_affected_package WHERE advisory_id = ANY($1::text[])', [ids]);
      if (empty.length) await tx.query('DELETE FROM osv_advisory WHERE id = ANY($1::text[])', [empty]);
      if (kept.length) {
        await tx.query(
          `INSERT INTO osv_advisory (id, modified, published, cve_ids, aliases, description, links, cwe_ids, cvss_severity,
                                     cvss_v3_score, cvss_v3_vector, cvss_v2_score, cvss_v2_vector)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id text, modified timestamptz, published timestamptz, cve_ids text[],
                  aliases text[], description text, links text[], cwe_ids text[], cvss_severity text, cvss_v3_score float8,
                  cvss_v3_vector text, cvss_v2_score float8, cvss_v2_vector text)
           ON CONFLICT (id) DO UPDATE SET modified = EXCLUDED.modified, published = EXCLUDED.published, cve_ids = EXCLUDED.cve_ids,
             aliases = EXCLUDED.aliases, description = EXCLUDED.description, links = EXCLUDED.links, cwe_ids = EXCLUDED.cwe_ids,
             cvss_severity = EXCLUDED.cvss_severity, cvss_v3_score = EXCLUDED.cvss_v3_score, cvss_v3_vector = EXCLUDED.cvss_v3_vector,
             cvss_v2_score = EXCLUDED.cvss_v2_score, cvss_v2_vector = EXCLUDED.cvss_v2_vector`,
          [JSON.stringify(kept.map((rows) => rows.advisory))],
        );
        const affected = kept.flatMap((rows) => rows.affected.map((row) => ({ advisory_id: rows.advisory.id, ...row })));
        await tx.query(
          `INSERT INTO osv_affected_package (advisory_id, ecosystem, name, ranges, versions, vendor_severity)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(advisory_id text, ecosystem text, name text, ranges jsonb, versions text[], vendor_severity text)`,
          [JSON.stringify(affected)],
        );
      }
      return { written: kept.map((rows) => rows.advisory.id), skipped: batch.length - fresh.length };
    });
  }

  /** Removes withdrawn advisories; returns how many were stored. */
  async remove(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const rows = await this.sql.query<{ id: string }>('DELETE FROM osv_advisory WHERE id = ANY($1::text[]) RETURNING id', [ids]);
    return rows.length;
  }

  /** Records that an import ended: the data is as fresh as the newest record it brought (never older than before). */
  async recordImport(newestModified: string | null): Promise<void> {
    await this.sql.query(
      `INSERT INTO osv_database_state (id, data_updated_at, imported_at) VALUES (1, $1::timestamptz, now())
       ON CONFLICT (id) DO UPDATE SET imported_at = now(),
         data_updated_at = GREATEST(osv_database_state.data_updated_at, EXCLUDED.data_updated_at)`,
      [newestModified],
    );
  }

  async state(): Promise<DatabaseState> {
    const [row] = await this.sql.query<{ data_updated_at: Date | null; imported_at: Date }>('SELECT data_updated_at, imported_at FROM osv_database_state WHERE id = 1');
    return { dataUpdatedAt: row?.data_updated_at ?? null, importedAt: row?.imported_at ?? null };
  }

  async counts(): Promise<{ advisories: number; affectedPackages: number }> {
    const [row] = await this.sql.query<{ advisories: number; affected: number }>(
      'SELECT (SELECT count(*) FROM osv_advisory) AS advisories, (SELECT count(*) FROM osv_affected_package) AS affected',
    );
    return { advisories: row.advisories, affectedPackages: row.affected };
  }

  /** Every affected entry of the given packages: one query for a whole inventory. */
  async findAffected(keys: { ecosystem: string; name: string }[]): Promise<StoredAffected[]> {
    if (!keys.length) return [];
    return this.sql.query<StoredAffected>(
      `SELECT p.advisory_id, p.ecosystem, p.name, p.ranges, p.versions, p.vendor_severity
       FROM osv_affected_package p
       WHERE (p.ecosystem, p.name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((k) => k.ecosystem), keys.map((k) => k.name)],
    );
  }

  /** The details of the given advisories: one query for all the findings of a scan. */
  async findAdvisories(ids: string[]): Promise<Map<string, StoredAdvisory>> {
    if (!ids.length) return new Map();
    const rows = await this.sql.query<StoredAdvisory>(
      `SELECT id, cve_ids, aliases, description, links, cwe_ids, cvss_severity, cvss_v3_score, cvss_v3_vector, cvss_v2_score, cvss_v2_vector
       FROM osv_advisory WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * The ids among `records` that are not stored or stored with an older `modified`: what an
   * import needs to convert at all (`write` checks again, under the import lock).
   */
  async staleIds(records: { id: string; modified: string }[], tx: SqlExecutor = this.sql): Promise<Set<string>> {
    if (!records.length) return new Set();
    const rows = await tx.query<{ id: string }>(
      `SELECT r.id FROM unnest($1::text[], $2::timestamptz[]) AS r(id, modified)
       LEFT JOIN osv_advisory a ON a.id = r.id
       WHERE a.id IS NULL OR a.modified < r.modified`,
      [records.map((r) => r.id), records.map((r) => r.modified)],
    );
    return new Set(rows.map((r) => r.id));
  }
}
