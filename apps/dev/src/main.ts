/**
 * `npm run dev`: everything on one machine with nothing configured but Postgres and Redis.
 * Creates the database if missing, migrates, then runs the api, the worker and the scanner side by side
 * (embedded filesystem storage unless STORAGE_DRIVER says otherwise) until interrupted.
 */
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { assertRedisReachable } from '@wharf/redis';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertRedisReachable(config.REDIS_URL);
  const applied = await runMigrations(config);
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  const dist = join(__dirname, '..', '..');
  // the api registers the scanner beside it as the default scanner on first start, so scanning works out of the box
  const env = { ...process.env, SCANNER_URL: process.env.SCANNER_URL ?? `http://127.0.0.1:${config.SCANNER_PORT}` };
  const children: ChildProcess[] = [join(dist, 'api/src/main.js'), join(dist, 'worker/src/main.js'), join(dist, 'scanner/src/main.js')].map((entry) =>
    spawn(process.execPath, [entry], { stdio: 'inherit', env }),
  );
  const stop = (signal: NodeJS.Signals) => children.forEach((child) => child.kill(signal));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  children.forEach((child) =>
    child.on('exit', (code) => {
      if (code) {
        stop('SIGTERM');
        process.exitCode = code;
      }
    }),
  );
  console.log(`the scanner (pluggable scanner API) is starting on http://127.0.0.1:${config.SCANNER_PORT}/api/v1`);
  console.log(`wharf is starting on ${config.externalUrl} (storage: ${config.STORAGE_DRIVER}${config.STORAGE_DRIVER === 'filesystem' ? ` at ${config.STORAGE_FS_ROOT}` : ''})`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
