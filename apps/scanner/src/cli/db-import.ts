import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { OsvImporter } from '../vulnerabilities/osv-importer';
import { VulnerabilityDatabaseModule } from '../vulnerabilities/vulnerability-database.module';

/**
 * `npm run scanner:db-import -- <all.zip|directory|record.json>...`: loads OSV records into the
 * scanner's tables (DATABASE_URL, as the api; the tables come with `npm run migration:run`).
 * Incremental: a record not newer than the stored one is skipped, a withdrawn one removed.
 */
@Module({})
class ImportModule {}

async function main(): Promise<void> {
  const paths = process.argv.slice(2);
  if (!paths.length || paths.some((p) => p === '-h' || p === '--help')) {
    console.error('usage: npm run scanner:db-import -- <all.zip|directory of *.json|record.json>...');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(
    { module: ImportModule, imports: [ConfigModule.forRoot(loadConfig()), DbModule, VulnerabilityDatabaseModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    for (const path of paths) {
      const summary = await app.get(OsvImporter).import(path, (s) => process.stderr.write(`\r${path}: ${s.read} records read, ${s.written} written, ${s.unchanged} unchanged`));
      process.stderr.write('\n');
      const { problems, ...counts } = summary;
      console.log(JSON.stringify({ path, ...counts }));
      for (const problem of problems) console.error(`skipped: ${problem}`);
    }
  } finally {
    await app.close();
  }
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
