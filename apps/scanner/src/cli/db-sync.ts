import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { OsvSync } from '../vulnerabilities/osv-sync';
import { VulnerabilityDatabaseModule } from '../vulnerabilities/vulnerability-database.module';

/**
 * `npm run scanner:db-sync [-- <ecosystem>...]`: downloads the OSV exports of SCANNER_OSV_ECOSYSTEMS
 * (or the ones named) from SCANNER_OSV_URL and imports them. The only command that reaches the network.
 */
@Module({})
class SyncModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(
    { module: SyncModule, imports: [ConfigModule.forRoot(loadConfig()), DbModule, VulnerabilityDatabaseModule] },
    { logger: ['error', 'warn', 'log'] },
  );
  try {
    const named = process.argv.slice(2);
    const results = await app.get(OsvSync).sync(named.length ? named : undefined);
    for (const [ecosystem, summary] of Object.entries(results)) {
      const { problems, ...counts } = summary;
      console.log(JSON.stringify({ ecosystem, ...counts, problems: problems.length }));
    }
  } finally {
    await app.close();
  }
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
