import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { TEST_ADMIN } from './test-credentials';
import { createTestDatabase } from './test-database';

export type StorageKind = 'filesystem' | 's3';

export interface TestEnvironment {
  config: AppConfig;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A migrated database of its own plus storage (a temp dir, or a fresh bucket on the test
 * RadosGW), as the environment variables a Wharf process would get.
 */
export async function createTestEnvironment(storage: StorageKind = 'filesystem', extra: Record<string, string> = {}): Promise<TestEnvironment> {
  const database = await createTestDatabase();
  const root = mkdtempSync(join(tmpdir(), 'wharf-storage-'));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.WHARF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    LOG_LEVEL: process.env.WHARF_TEST_LOG_LEVEL ?? 'warn',
    STORAGE_DRIVER: storage,
    STORAGE_FS_ROOT: root,
    DATABASE_POOL_SIZE: '10',
    ADMIN_PASSWORD: TEST_ADMIN.password,
    REDIS_PREFIX: `wharf-test-${database.url.split('/').pop()}`,
    // many apps run on one machine: no metrics listener unless a test asks for one on a free port
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    ...(storage === 's3' ? s3Env() : {}),
    ...extra,
  };
  const config = loadConfig(env);
  await runMigrations(config);
  return {
    config,
    env,
    close: async () => {
      await database.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function s3Env(): Record<string, string> {
  const endpoint = process.env.WHARF_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('S3 tests need the test RadosGW (WHARF_TEST_S3_ENDPOINT); see test/support/global-setup.ts');
  return {
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_BUCKET: `wharf-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    S3_ACCESS_KEY_ID: process.env.WHARF_TEST_S3_ACCESS_KEY_ID ?? '',
    S3_SECRET_ACCESS_KEY: process.env.WHARF_TEST_S3_SECRET_ACCESS_KEY ?? '',
    S3_FORCE_PATH_STYLE: 'true',
  };
}

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** The api, in this process, on a free port. */
export async function startApi(environment: TestEnvironment): Promise<RunningApi> {
  const app = await createApiApp(environment.config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** Whether the S3 suites can run (the global setup started RadosGW). */
export const s3Available = (): boolean => Boolean(process.env.WHARF_TEST_S3_ENDPOINT);
