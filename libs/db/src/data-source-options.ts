import type { AppConfig } from '@wharf/config';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { poolTypeParsers } from './pg-type-parsers';

/**
 * Options shared by the api, the worker and the migration runner. Schema changes come only from migrations.
 * The pool parses bigint to a number (see pg-type-parsers), so raw SQL never sees ids as strings.
 * Connections run without JIT compilation (`withSessionSettings`).
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
 * DATABASE_URL with the session settings Wharf sends when a connection opens: `jit=off`, after
 * any `options` of the URL's own (pg would let the URL's replace ours, so they move out of it;
 * a later `-c` wins, so ours do). Why no JIT: Postgres compiles a statement whose estimated cost
 * passes `jit_above_cost`, and its estimates of tables never analyzed (a Postgres without
 * autovacuum, a new registry) can be off by a factor of thousands. Measured: the consumers' lag
 * that /health and the worker's metrics read, two rows joined to one, was costed at 7.5 M and
 * spent 636 ms compiling a read of under 10 ms, on every call. Wharf's statements are short lookups
 * and writes that JIT never pays back.
 */
export function withSessionSettings(databaseUrl: string): { url: string; options: string } {
  const ours = '-c jit=off';
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    // not a URL: pg reads no options from it
    return { url: databaseUrl, options: ours };
  }
  const own = parsed.searchParams.get('options');
  if (own === null) return { url: databaseUrl, options: ours };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), options: `${own} ${ours}` };
}
