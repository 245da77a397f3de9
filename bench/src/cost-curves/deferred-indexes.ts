import type { Client } from 'pg';

/**
 * Runs a bulk load with the tables' plain (non-unique) secondary indexes dropped, then creates
 * them again from their own definitions (pg_indexes.indexdef): building an index once over
 * sorted input is several times faster than a million random insertions into it, and the
 * result is the same index. Primary keys and unique indexes stay, so the load is checked as
 * the push path's inserts are.
 */
export async function withSecondaryIndexesDeferred<T>(db: Client, tables: string[], load: () => Promise<T>): Promise<T> {
  const { rows } = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[]) AND i.indexdef NOT LIKE 'CREATE UNIQUE INDEX%'`,
    [tables],
  );
  for (const index of rows) await db.query(`DROP INDEX ${quoteIdentifier(index.indexname)}`);
  try {
    return await load();
  } finally {
    for (const index of rows) await db.query(index.indexdef);
  }
}

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
