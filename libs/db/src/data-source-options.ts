import type { AppConfig } from '@wharf/config';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { poolTypeParsers } from './pg-type-parsers';

/**
 * Options shared by the api, the worker and the migration runner. Schema changes come only from migrations.
 * The pool parses bigint to a number (see pg-type-parsers), so raw SQL never sees ids as strings.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    extra: { max: config.DATABASE_POOL_SIZE, application_name: 'wharf', types: poolTypeParsers },
    logging: ['error'],
  };
}
