/**
 * `npm run bench:scanner-db`: how long the scanner's `npm run scanner:db-import` takes on OSV
 * exports the size of osv.dev's Debian and npm ones (synthetic, see synthetic-osv.ts), how much
 * memory it needs, how large the tables get, how long a re-import of unchanged data takes and
 * how long matching an inventory of a few hundred packages takes. Everything it creates (a
 * database, temp files) is removed at the end.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule, runMigrations } from '@wharf/db';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { InstalledPackage } from '../../../apps/scanner/src/inventory/inventory';
import { OsvMatcher } from '../../../apps/scanner/src/vulnerabilities/osv-matcher';
import { VulnerabilityDatabaseModule } from '../../../apps/scanner/src/vulnerabilities/vulnerability-database.module';
import { createBenchDatabase } from '../database';
import { BUILD_ROOT } from '../paths';
import { debianRecord, npmRecord, writeSyntheticExport } from './synthetic-osv';

const IMPORT_ENTRY = join(BUILD_ROOT, 'apps', 'scanner', 'src', 'cli', 'db-import.js');

/** Runs the built import command on `path`; returns its wall time and peak RSS (VmHWM, polled). */
function runImport(path: string, databaseUrl: string): Promise<{ seconds: number; peakRssBytes: number; summary: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [IMPORT_ENTRY, path], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const poll = setInterval(() => {
      try {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peak = Math.max(peak, Number(match[1]) * 1024);
      } catch {}
    }, 25);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`import exited ${code}: ${stderr}`));
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssBytes: peak, summary: JSON.parse(stdout.trim().split('\n').pop()!) });
    });
  });
}

async function tableBytes(url: string): Promise<{ total: number; advisory: number; affected: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE osv_advisory, osv_affected_package');
    const { rows } = await client.query<{ advisory: string; affected: string }>(
      `SELECT pg_total_relation_size('osv_advisory') AS advisory, pg_total_relation_size('osv_affected_package') AS affected`,
    );
    const advisory = Number(rows[0].advisory);
    const affected = Number(rows[0].affected);
    return { total: advisory + affected, advisory, affected };
  } finally {
    await client.end();
  }
}

@Module({})
class BenchModule {}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const debianCount = Number(process.env.WHARF_BENCH_OSV_DEBIAN ?? 60_000);
  const npmCount = Number(process.env.WHARF_BENCH_OSV_NPM ?? 20_000);
  const runId = randomBytes(4).toString('hex');
  const work = mkdtempSync(join(tmpdir(), `wharf-osv-bench-${runId}-`));
  const database = await createBenchDatabase(`wharf_bench_osv_${runId}`);
  try {
    const config = loadConfig({ DATABASE_URL: database.url });
    await runMigrations(config);
    const results: Record<string, unknown>[] = [];
    for (const [ecosystem, count, make, seed] of [
      ['Debian', debianCount, debianRecord, 11],
      ['npm', npmCount, npmRecord, 22],
    ] as const) {
      const zip = join(work, `${ecosystem}-all.zip`);
      const jsonBytes = await writeSyntheticExport(zip, count, make, seed);
      const before = await tableBytes(database.url);
      const first = await runImport(zip, database.url);
      const after = await tableBytes(database.url);
      const again = await runImport(zip, database.url);
      results.push({
        ecosystem,
        records: count,
        jsonMiB: +(jsonBytes / 1024 / 1024).toFixed(1),
        zipMiB: +(statSync(zip).size / 1024 / 1024).toFixed(1),
        importSeconds: +first.seconds.toFixed(1),
        recordsPerSecond: Math.round(count / first.seconds),
        importPeakRssMiB: +(first.peakRssBytes / 1024 / 1024).toFixed(0),
        tablesMiB: +((after.total - before.total) / 1024 / 1024).toFixed(1),
        reimportUnchangedSeconds: +again.seconds.toFixed(1),
        written: first.summary.written,
        unchangedOnReimport: again.summary.unchanged,
      });
      console.error(`${ecosystem}: ${JSON.stringify(results[results.length - 1])}`);
    }

    // matching 300 Debian 12 packages and 100 npm packages drawn from the synthetic pools: once at
    // versions below most fixes (every advisory of each package applies), once up to date (only
    // the advisories without a fix apply, as in a freshly built image)
    const app = await NestFactory.createApplicationContext({ module: BenchModule, imports: [ConfigModule.forRoot(config), DbModule, VulnerabilityDatabaseModule] }, { logger: false });
    try {
      const matcher = app.get(OsvMatcher);
      for (const [label, debianVersion, npmVersion] of [
        ['old versions', '1.0.0-1~deb12u1', '0.0.1'],
        ['up to date', '9:9.9-9', '99.0.0'],
      ] as const) {
        const packages: InstalledPackage[] = [
          ...Array.from({ length: 300 }, (_, i) => ({ ecosystem: 'debian' as const, name: `srcpkg${i * 3}`, version: debianVersion, path: '/var/lib/dpkg/status', purl: `pkg:deb/debian/srcpkg${i * 3}@${debianVersion}` })),
          ...Array.from({ length: 100 }, (_, i) => ({ ecosystem: 'npm' as const, name: `npm-package-${i * 7}`, version: npmVersion, path: '/app/package-lock.json', purl: `pkg:npm/npm-package-${i * 7}@${npmVersion}` })),
        ];
        const inventory = { os: { family: 'debian', version: '12' }, packages };
        await matcher.match(inventory);
        const times: number[] = [];
        let findings = 0;
        for (let i = 0; i < 11; i++) {
          const started = process.hrtime.bigint();
          findings = (await matcher.match(inventory)).length;
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        times.sort((a, b) => a - b);
        results.push({ match: `${packages.length} packages, ${label}`, findings, medianMs: +times[5].toFixed(1), maxMs: +times[10].toFixed(1) });
      }
    } finally {
      await app.close();
    }
    const total = await tableBytes(database.url);
    console.log(JSON.stringify({ results, tablesTotal: mib(total.total), advisoryTable: mib(total.advisory), affectedTable: mib(total.affected) }, null, 2));
  } finally {
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
