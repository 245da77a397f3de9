/** The scanner process (Wharf's pluggable-scanner adapter): serves /api/v1 on SCANNER_PORT and runs the scans queued there. */
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { assertDatabaseReachable } from '@wharf/db';
import { assertRedisReachable } from '@wharf/redis';
import { startScanner } from './create-scanner-app';
import { assertScannerSchema } from './schema-check';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertDatabaseReachable(config.DATABASE_URL);
  await assertRedisReachable(config.REDIS_URL);
  await assertScannerSchema(config.DATABASE_URL);
  await startScanner(config);
}

main().catch((error: Error) => {
  console.error(`wharf scanner failed to start: ${error.message}`);
  process.exit(1);
});
