/** The worker process: runs queued and scheduled jobs; serves no clients. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@wharf/config';
import { assertDatabaseReachable } from '@wharf/db';
import { assertRedisReachable } from '@wharf/redis';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertDatabaseReachable(config.DATABASE_URL);
  await assertRedisReachable(config.REDIS_URL);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
}

main().catch((error: Error) => {
  console.error(`wharf worker failed to start: ${error.message}`);
  process.exit(1);
});
