/** The api process: serves /v2, the management API, /health. */
// first of all: libuv's thread pool is sized when it starts, and any later import could start it
import '@wharf/config/size-thread-pool';
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { assertDatabaseReachable } from '@wharf/db';
import { assertRedisReachable } from '@wharf/redis';
import { createApiApp } from './create-api-app';
import { growHeapBetweenFullCollections } from './http/heap-growth';

async function main(): Promise<void> {
  growHeapBetweenFullCollections();
  const config = loadConfig();
  await assertDatabaseReachable(config.DATABASE_URL);
  await assertRedisReachable(config.REDIS_URL);
  const app = await createApiApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

main().catch((error: Error) => {
  console.error(`wharf api failed to start: ${error.message}`);
  process.exit(1);
});
