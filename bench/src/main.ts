/**
 * `npm run bench`: Wharf's api against Debian's docker-registry (the CNCF reference registry)
 * on the same machine, same storage kind, same scenarios; prints Wharf/docker-registry ratios
 * against the issue's goals and writes bench/results/latest.json. Everything it creates (a
 * database, Redis keys, temp dirs or buckets, two server processes) is removed at the end,
 * on failure and on Ctrl-C too.
 */
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanup } from './cleanup';
import { GC_SCENARIO_ID, GcIntegrityError, runGcBench } from './gc/gc-bench';
import { buildGcReport, formatGcTable, type GcReport } from './gc/gc-report';
import { createBenchDatabase } from './database';
import { procStatusBytes } from './memory';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options';
import { PROXY_SCENARIO_ID, ProxyScenarioError, runProxyBench } from './proxy/proxy-bench';
import { buildProxyReport, formatProxyTable, type ProxyReport } from './proxy/proxy-report';
import { RETENTION_SCENARIO_ID, formatRetentionTable, runRetentionBench, type RetentionMeasurement } from './retention/retention-bench';
import { SCAN_OVERVIEW_SCENARIO_ID, formatScanOverviewTable, runScanOverviewBench, type ScanOverviewMeasurement } from './scan-overview/scan-overview-bench';
import { DOCKER_REGISTRY_BINARY, repositoryRoot } from './paths';
import { deleteRedisKeys } from './redis-keys';
import { buildRows, formatTable, writeReport, type BenchReport } from './report';
import { runScenarios } from './runner';
import { allScenarios } from './scenarios';
import { prepareStorage } from './storage';
import { startDockerRegistry } from './targets/docker-registry';
import type { Target, TargetSlot } from './targets/target';
import { waitUntilQuiet } from './targets/quiesce';
import { startWharf } from './targets/wharf';

const REDIS_URL = process.env.WHARF_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function main(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  try {
    const runId = randomBytes(5).toString('hex');
    const workDir = mkdtempSync(join(tmpdir(), `wharf-bench-${runId}-`));
    cleanup.add(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
    const storage = await prepareStorage(options.storage, runId, workDir, cleanup);

    const database = await createBenchDatabase(`wharf_bench_${runId}`);
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const redisPrefix = `wharf-bench-${runId}`;
    cleanup.add(`delete Redis keys ${redisPrefix}*`, () => deleteRedisKeys(REDIS_URL, redisPrefix).then(() => undefined));
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'warn',
      ...storage.wharfEnv,
    };
    await runMigrations(loadConfig(env));
    console.error(`bench ${runId}: database ${database.name}, ${options.storage} storage under ${workDir}`);

    const scenarios = allScenarios().filter((s) => !options.only || options.only.test(s.id));
    const runGc = !options.only || options.only.test(GC_SCENARIO_ID);
    const runProxy = !options.only || options.only.test(PROXY_SCENARIO_ID);
    const runRetention = !options.only || options.only.test(RETENTION_SCENARIO_ID);
    const runScanOverview = !options.only || options.only.test(SCAN_OVERVIEW_SCENARIO_ID);
    if (scenarios.length === 0 && !runGc && !runProxy && !runRetention && !runScanOverview) {
      throw new UsageError(`--only ${options.only} matches no scenario; ids: ${[GC_SCENARIO_ID, PROXY_SCENARIO_ID, RETENTION_SCENARIO_ID, SCAN_OVERVIEW_SCENARIO_ID, ...allScenarios().map((s) => s.id)].join(', ')}`);
    }

    const slots: TargetSlot[] = [
      await startSlot('wharf', () => startWharf(env, () => database.busy(), cleanup, options.profileDir)),
      // the GC and proxy scenarios measure Wharf only (the proxy one starts its own upstream)
      scenarios.length === 0
        ? { id: 'dockerRegistry', unavailable: 'not needed (only the GC, proxy, retention or scan-overview scenario runs)' }
        : existsSync(DOCKER_REGISTRY_BINARY)
        ? await startSlot('dockerRegistry', () => startDockerRegistry(storage.dockerRegistryDriver, workDir, cleanup))
        : { id: 'dockerRegistry', unavailable: `${DOCKER_REGISTRY_BINARY} is not installed (Debian: apt-get install docker-registry)` },
    ];
    // resident memory with nothing done yet, to set the memory scenarios' figures against
    const idleRss = new Map<string, number>();
    for (const slot of slots) {
      if ('unavailable' in slot) console.error(`${slot.id}: not measured: ${slot.unavailable}`);
      else idleRss.set(slot.id, Math.round(procStatusBytes(slot.target.process.pid, 'VmRSS') / 1e6));
    }

    // the GC scenario first, on a database nothing else has pushed to yet (its result does not depend on what ran before)
    let gc: GcReport | undefined;
    if (runGc) gc = await runGcScenario(slots, env, database.url, options, cleanup);
    const proxy = runProxy ? await runProxyScenario(slots, database.url, workDir, options, cleanup) : undefined;
    const retention = runRetention ? await runRetentionScenario(slots, env, database.url, cleanup) : undefined;
    const scanOverview = runScanOverview ? await runScanOverviewScenario(slots, database.url) : undefined;
    const outcomes = await runScenarios(scenarios, slots, options);

    const report: BenchReport & { gc?: GcReport; proxy?: ProxyReport; retention?: RetentionMeasurement | { error: string }; scanOverview?: ScanOverviewMeasurement | { error: string } } = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAverage: loadavg(), node: process.version, platform: `${process.platform} ${process.arch}` },
      settings: { storage: options.storage, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, only: options.only?.source },
      targets: Object.fromEntries(
        slots.map((slot) => [
          slot.id,
          'target' in slot
            ? // at LOG_LEVEL=warn / error any output is worth reading (e.g. the error behind a 500)
              {
                baseUrl: slot.target.baseUrl,
                monolithic: slot.target.monolithic,
                rssAfterStartMB: idleRss.get(slot.id),
                output: slot.target.process.output(40) || undefined,
              }
            : { unavailable: slot.unavailable },
        ]),
      ),
      rows: buildRows(outcomes),
      gc,
      proxy,
      retention,
      scanOverview,
    };
    const resultsPath = join(repositoryRoot(), 'bench', 'results', 'latest.json');
    writeReport(report, resultsPath);
    console.log(`\nWharf vs docker-registry (${options.storage} storage, ${options.durationSeconds} s per scenario, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)})\n`);
    if (report.rows.length > 0) console.log(formatTable(report));
    if (gc) console.log(`\n${formatGcTable(gc)}`);
    if (proxy) console.log(`\n${formatProxyTable(proxy)}`);
    if (retention) console.log(`\n${'error' in retention ? `Tag retention: ERROR ${retention.error}` : formatRetentionTable(retention)}`);
    if (scanOverview) console.log(`\n${'error' in scanOverview ? `Scan overviews: ERROR ${scanOverview.error}` : formatScanOverviewTable(scanOverview)}`);
    console.log(`\nresults: ${resultsPath}`);
    if (options.profileDir) console.log(`CPU profiles of the Wharf api: ${options.profileDir}/<scenario>.cpuprofile`);
    // GC deleting referenced data (or failing) fails the whole bench, after the report is written
    if (gc?.error) throw new Error(`GC scenario: ${gc.error}`);
    if (proxy?.error) throw new Error(`proxy scenario: ${proxy.error}`);
    if (retention && 'error' in retention) throw new Error(`retention scenario: ${retention.error}`);
    if (scanOverview && 'error' in scanOverview) throw new Error(`scan-overview scenario: ${scanOverview.error}`);
  } finally {
    await cleanup.run();
  }
}

/** The GC scenario (gc/gc-bench.ts) on the Wharf api; a failure is reported in its section, and fails the run at the end. */
async function runGcScenario(slots: TargetSlot[], env: Record<string, string>, databaseUrl: string, options: BenchOptions, cleanup: Cleanup): Promise<GcReport> {
  const wharf = slots.find((s) => s.id === 'wharf');
  if (!wharf || !('target' in wharf)) return buildGcReport(GC_SCENARIO_ID, undefined, `Wharf is not running: ${wharf && 'unavailable' in wharf ? wharf.unavailable : '?'}`);
  const started = Date.now();
  try {
    const measurement = await runGcBench(
      { target: wharf.target, databaseUrl, env, storageKind: options.storage, seedSeconds: options.gcSeedSeconds, gcWorkers: options.gcWorkers, cleanup },
      (line) => console.error(`[gc] ${line}`),
    );
    console.error(`[gc] scenario done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return buildGcReport(GC_SCENARIO_ID, measurement);
  } catch (error) {
    const message = (error as Error).message;
    console.error(`[gc] ERROR ${message}`);
    return buildGcReport(GC_SCENARIO_ID, error instanceof GcIntegrityError ? error.measurement : undefined, message);
  }
}

/** The proxy-cache scenario (proxy/proxy-bench.ts) on the Wharf api; a failure is reported in its section, and fails the run at the end. */
async function runProxyScenario(slots: TargetSlot[], databaseUrl: string, workDir: string, options: BenchOptions, cleanup: Cleanup): Promise<ProxyReport> {
  const wharf = slots.find((s) => s.id === 'wharf');
  if (!wharf || !('target' in wharf)) return buildProxyReport(PROXY_SCENARIO_ID, undefined, `Wharf is not running: ${wharf && 'unavailable' in wharf ? wharf.unavailable : '?'}`);
  if (!existsSync(DOCKER_REGISTRY_BINARY)) return buildProxyReport(PROXY_SCENARIO_ID, undefined, `${DOCKER_REGISTRY_BINARY} (the upstream) is not installed (Debian: apt-get install docker-registry)`);
  const started = Date.now();
  try {
    // a courtesy after the GC scenario, not a precondition: the proxy figures are ratios of pulls taken seconds apart
    await waitUntilQuiet(wharf.target).catch((error: Error) => console.error(`[proxy] starting anyway: ${error.message}`));
    const measurement = await runProxyBench({ target: wharf.target, databaseUrl, workDir, storageKind: options.storage, cleanup }, (line) => console.error(`[proxy] ${line}`));
    console.error(`[proxy] scenario done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return buildProxyReport(PROXY_SCENARIO_ID, measurement);
  } catch (error) {
    const message = (error as Error).message;
    console.error(`[proxy] ERROR ${message}`);
    // a dead api explains the failure better than the ECONNRESET it caused
    // at LOG_LEVEL=warn the api's last lines are the error behind a 500
    const api = wharf.target.process.alive ? `\nWharf api's last output:\n${wharf.target.process.output(10)}` : `\n${wharf.target.process.exitDescription()}`;
    return buildProxyReport(PROXY_SCENARIO_ID, error instanceof ProxyScenarioError ? error.measurement : undefined, `${message}${api}`);
  }
}

/** The tag retention scenario (retention/retention-bench.ts): a dry run and a real run over 100,000 tags; a failure fails the run at the end. */
async function runRetentionScenario(slots: TargetSlot[], env: Record<string, string>, databaseUrl: string, cleanup: Cleanup): Promise<RetentionMeasurement | { error: string }> {
  const wharf = slots.find((s) => s.id === 'wharf');
  if (!wharf || !('target' in wharf)) return { error: `Wharf is not running: ${wharf && 'unavailable' in wharf ? wharf.unavailable : '?'}` };
  try {
    await waitUntilQuiet(wharf.target).catch((error: Error) => console.error(`[retention] starting anyway: ${error.message}`));
    return await runRetentionBench({ target: wharf.target, databaseUrl, env, cleanup }, (line) => console.error(`[retention] ${line}`));
  } catch (error) {
    console.error(`[retention] ERROR ${(error as Error).message}`);
    return { error: (error as Error).message };
  }
}

/** The scan overview scenario (scan-overview/scan-overview-bench.ts): 1,000 artifacts listed with and without with_scan_overview. */
async function runScanOverviewScenario(slots: TargetSlot[], databaseUrl: string): Promise<ScanOverviewMeasurement | { error: string }> {
  const wharf = slots.find((s) => s.id === 'wharf');
  if (!wharf || !('target' in wharf)) return { error: `Wharf is not running: ${wharf && 'unavailable' in wharf ? wharf.unavailable : '?'}` };
  try {
    await waitUntilQuiet(wharf.target).catch((error: Error) => console.error(`[scan-overview] starting anyway: ${error.message}`));
    return await runScanOverviewBench({ target: wharf.target, databaseUrl }, (line) => console.error(`[scan-overview] ${line}`));
  } catch (error) {
    console.error(`[scan-overview] ERROR ${(error as Error).message}`);
    return { error: (error as Error).message };
  }
}

/** A registry that fails to start is reported as unavailable; the other one is still measured. */
async function startSlot(id: TargetSlot['id'], start: () => Promise<Target>): Promise<TargetSlot> {
  try {
    return { id, target: await start() };
  } catch (error) {
    return { id, unavailable: `failed to start: ${(error as Error).message}` };
  }
}

let options: BenchOptions | 'help';
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
} else {
  main(options).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error instanceof UsageError ? error.message : `bench failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
}
