/** `npm run migration:run`: the one-shot migrate process. */
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { runMigrations } from './run-migrations';

async function main(): Promise<void> {
  const applied = await runMigrations(loadConfig());
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
