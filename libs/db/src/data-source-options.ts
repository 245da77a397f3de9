import type { AppConfig } from '@wharf/config';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { poolTypeParsers } from './pg-type-parsers';

/**
 * Options shared by the api, the worker and the migration runner. Schema changes come only from migrations.
 * The pool parses bigint to a number (see pg-type-parsers), so raw SQL never sees ids as strings.
 * Connections run without JIT compilation and price random page reads as cached (`withSessionSettings`).
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const { url, options } = withSessionSettings(config.DATABASE_URL);
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    extra: { max: config.DATABASE_POOL_SIZE, application_name: 'wharf', types: poolTypeParsers, options },
    logging: ['error'],
  };
}

/**
 * DATABASE_URL with the session settings Wharf sends when a connection opens. pg sends them as
 * `-c` options at connect; a later `-c` wins, so the URL's own `options` move out of the URL and
 * in between: an operator's setting replaces Wharf's defaults, but not `jit=off`.
 *
 * - `random_page_cost=1.1` (a default; Postgres's own is 4, which prices a page read as a disk
 *   seek): Wharf's hot statements look rows up by digest or id in tables its working set keeps in
 *   memory. At 4 a plan made for a table of a few thousand rows scans it whole rather than probe
 *   the digest index for the few digests a push names; the bench's manifest pushes scanned `blob`
 *   3 times a push (800-2,300 rows each) for their first 15 s, until the table had grown enough
 *   for the plan refresh to make plans that use the index (plan-refresh.ts). At 1.1 (the usual
 *   setting for SSDs and cached data) the same plans use the index from the first rows on.
 * - `jit=off`: Postgres compiles a statement whose estimated cost passes `jit_above_cost`, and its
 *   estimates of tables never analyzed (a Postgres without autovacuum, a new registry) can be off
 *   by a factor of thousands. Measured: the consumers' lag that /health and the worker's metrics
 *   read, two rows joined to one, was costed at 7.5 M and spent 636 ms compiling a read of under
 *   10 ms, on every call. Wharf's statements are short lookups and writes that JIT never pays back.
 */
export function withSessionSettings(databaseUrl: string): { url: string; options: string } {
  const { url, own } = withoutOwnOptions(databaseUrl);
  return { url, options: ['-c random_page_cost=1.1', own, '-c jit=off'].filter((part) => part !== null).join(' ') };
}

/** DATABASE_URL without its `options` parameter, and that parameter (null when it has none, or is not a URL: pg reads no options from it then). */
function withoutOwnOptions(databaseUrl: string): { url: string; own: string | null } {
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    return { url: databaseUrl, own: null };
  }
  const own = parsed.searchParams.get('options');
  if (own === null) return { url: databaseUrl, own };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), own };
}
