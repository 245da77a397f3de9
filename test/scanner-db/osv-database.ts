import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ConfigModule, loadConfig, type AppConfig } from '@wharf/config';
import { DbModule, runMigrations } from '@wharf/db';
import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { VulnerabilityDatabaseModule } from '../../apps/scanner/src/vulnerabilities/vulnerability-database.module';
import { createTestDatabase } from '../support/test-database';

export const FIXTURES = join(__dirname, 'fixtures', 'osv');

@Module({})
class TestModule {}

export interface ScannerDatabase {
  app: INestApplicationContext;
  config: AppConfig;
  close(): Promise<void>;
}

/** A fresh, migrated database and the vulnerability database module on it (the tables as `npm run migration:run` makes them). */
export async function startScannerDatabase(): Promise<ScannerDatabase> {
  const database = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4' });
  await runMigrations(config);
  const app = await NestFactory.createApplicationContext(
    { module: TestModule, imports: [ConfigModule.forRoot(config), DbModule, VulnerabilityDatabaseModule] },
    { logger: false },
  );
  return {
    app,
    config,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Zips the `*.json` files of `directory` flat, as osv.dev's per-ecosystem all.zip is laid out. */
export async function zipDirectory(directory: string, target: string): Promise<void> {
  const zip = new ZipFile();
  for (const name of (await readdir(directory)).filter((n) => n.endsWith('.json')).sort()) zip.addFile(join(directory, name), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(target));
}
