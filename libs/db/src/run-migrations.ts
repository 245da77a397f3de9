import type { AppConfig } from '@wharf/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabaseExists } from './database-connectivity';

// an arbitrary constant: every Wharf process that migrates takes the same lock
const MIGRATION_LOCK_KEY = 7_310_482_001;

/**
 * Creates the database if missing and applies pending migrations under a Postgres advisory
 * lock, so several replicas starting at once migrate exactly once. Returns the names applied.
 */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  await ensureDatabaseExists(config.DATABASE_URL);
  const options = dataSourceOptions(config);
  // one connection, with the pool's own type parsers (bigint as a number) like every other query
  const dataSource = new DataSource({ ...options, extra: { ...(options.extra as object), max: 1 } });
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}
