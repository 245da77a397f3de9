import type { AppConfig } from '@wharf/config';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';

/** Options shared by the api, the worker and the migration runner. Schema changes come only from migrations. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    extra: { max: config.DATABASE_POOL_SIZE, application_name: 'wharf' },
    logging: ['error'],
  };
}
