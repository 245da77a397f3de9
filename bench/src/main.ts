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
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchmarksDoc } from './benchmarks-doc';
import { Cleanup } from './cleanup';
import { COST_CURVES_SCENARIO_ID, runCostCurves, type CostCurves } from './cost-curves/cost-curve-bench';
import { costCurveVerdicts, formatCostCurves, type CurveVerdict } from './cost-curves/cost-curve-report';
import { formatIssueGoals, issueGoalLines, ISSUE_GOALS, type IssueGoalLine } from './issue-goals';
import { describeMachine, machineLine } from './machine';
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
import { crossCheckLoadGenerators, runScenarios, type LoadGeneratorCheck } from './runner';
import { QUICK_SCENARIO_IDS, allScenarios, loadGeneratorCheckScenarios } from './scenarios';
import { buildBaseline, migrateBaseline, type BaselineBuild } from './targets/baseline-build';
import { prepareStorage } from './storage';
import { startDockerRegistry } from './targets/docker-registry';
import type { Target, TargetSlot } from './targets/target';
import { waitUntilQuiet } from './targets/quiesce';
import { freePort } from './targets/managed-process';
import { startWharf } from './targets/wharf';

const REDIS_URL = process.env.WHARF_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOAD_GENERATORS_SCENARIO_ID = 'load-generators';
/** how long an api is left idle after the load before its RSS is read */
const RSS_SETTLE_MS = 2000;

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
      // the workers the GC, retention and cost-curve scenarios start: not the default 9091 another Wharf may hold
      WORKER_METRICS_PORT: String(await freePort()),
      ...storage.wharfEnv,
    };
    await runMigrations(loadConfig(env));
    console.error(`bench ${runId}: database ${database.name}, ${options.storage} storage under ${workDir}`);

    const selected = (id: string, inQuick: boolean) => (options.only ? options.only.test(id) : !options.quick || inQuick);
    const scenarios = allScenarios().filter((s) => selected(s.id, QUICK_SCENARIO_IDS.has(s.id)));
    const runGc = selected(GC_SCENARIO_ID, false);
    const runProxy = selected(PROXY_SCENARIO_ID, true);
    const runRetention = selected(RETENTION_SCENARIO_ID, false);
    const runScanOverview = selected(SCAN_OVERVIEW_SCENARIO_ID, false);
    const runCost = selected(COST_CURVES_SCENARIO_ID, true) && options.costSizes.length > 0;
    const runLoadGenerators = selected(LOAD_GENERATORS_SCENARIO_ID, true);
    const specialIds = [GC_SCENARIO_ID, PROXY_SCENARIO_ID, RETENTION_SCENARIO_ID, SCAN_OVERVIEW_SCENARIO_ID, COST_CURVES_SCENARIO_ID, LOAD_GENERATORS_SCENARIO_ID];
    if (scenarios.length === 0 && !runGc && !runProxy && !runRetention && !runScanOverview && !runCost && !runLoadGenerators) {
      throw new UsageError(`--only ${options.only} matches no scenario; ids: ${[...specialIds, ...allScenarios().map((s) => s.id)].join(', ')}`);
    }

    // --baseline: the ref's own build, database (its own migrations), storage and Redis prefix
    let baseline: BaselineBuild | undefined;
    let baselineSlot: TargetSlot | undefined;
    if (options.baselineRef && scenarios.length > 0) {
      try {
        baseline = buildBaseline(repositoryRoot(), options.baselineRef, cleanup, (line) => console.error(`[baseline] ${line}`));
        const baselineDir = join(workDir, 'baseline');
        mkdirSync(baselineDir);
        const baselineStorage = await prepareStorage(options.storage, `${runId}-b`, baselineDir, cleanup);
        const baselineDatabase = await createBenchDatabase(`wharf_bench_${runId}_baseline`);
        cleanup.add(`drop database ${baselineDatabase.name}`, () => baselineDatabase.drop());
        const baselinePrefix = `wharf-bench-${runId}-baseline`;
        cleanup.add(`delete Redis keys ${baselinePrefix}*`, () => deleteRedisKeys(REDIS_URL, baselinePrefix).then(() => undefined));
        const baselineEnv = { ...env, DATABASE_URL: baselineDatabase.url, REDIS_PREFIX: baselinePrefix, WORKER_METRICS_PORT: String(await freePort()), ...baselineStorage.wharfEnv };
        migrateBaseline(baseline, baselineEnv);
        const build = baseline;
        baselineSlot = await startSlot('baseline', () => startWharf(baselineEnv, () => baselineDatabase.busy(), cleanup, undefined, { id: 'baseline', apiEntry: build.apiEntry }));
      } catch (error) {
        baselineSlot = { id: 'baseline', unavailable: `could not build or start ${options.baselineRef}: ${(error as Error).message.split('\n')[0]}` };
      }
    }

    const slots: TargetSlot[] = [
      await startSlot('wharf', () => startWharf(env, () => database.busy(), cleanup, options.profileDir)),
      ...(baselineSlot ? [baselineSlot] : []),
      // the GC, proxy, retention, scan-overview and cost-curve scenarios measure Wharf only (the proxy one starts its own upstream)
      scenarios.length === 0
        ? { id: 'dockerRegistry', unavailable: `not needed (only Wharf-only scenarios run: ${specialIds.join(', ')})` }
        : existsSync(DOCKER_REGISTRY_BINARY)
        ? await startSlot('dockerRegistry', () => startDockerRegistry(storage.dockerRegistryDriver, workDir, cleanup))
        : { id: 'dockerRegistry', unavailable: `${DOCKER_REGISTRY_BINARY} is not installed (Debian: apt-get install docker-registry)` },
    ] as TargetSlot[];
    // resident memory with nothing done yet, to set the memory scenarios' figures against
    const idleRss = new Map<string, number>();
    for (const slot of slots) {
      if ('unavailable' in slot) console.error(`${slot.id}: not measured: ${slot.unavailable}`);
      else idleRss.set(slot.id, Math.round(procStatusBytes(slot.target.process.pid, 'VmRSS') / 1e6));
    }

    // the GC scenario first, on a database nothing else has pushed to yet (its result does not depend on what ran before)
    let gc: GcReport | undefined;
    if (runGc) gc = await runGcScenario(slots, env, database.url, options, cleanup);
    const outcomes = await runScenarios(scenarios, slots, options);
    const wharfSlot = slots.find((s) => s.id === 'wharf');
    const wharfTarget = wharfSlot && 'target' in wharfSlot ? wharfSlot.target : undefined;
    // the api's own resident memory once the load is over (the pid was checked to be the api's at
    // start), read before the load-generator check: that check loads Wharf (after) alone, and
    // before and after must have served the same load when it is taken
    const apiRssAfterLoadMB: { after?: number; before?: number } = {};
    const readApiRss = async () => {
      for (const slot of slots) {
        if (!('target' in slot) || slot.id === 'dockerRegistry') continue;
        await waitUntilQuiet(slot.target).catch(() => undefined);
        // "after the load", not at its last request: what the api gives back once idle for a
        // couple of seconds counts (its idle-time collection waits for a second without requests)
        await new Promise((resolve) => setTimeout(resolve, RSS_SETTLE_MS));
        await waitUntilQuiet(slot.target).catch(() => undefined);
        apiRssAfterLoadMB[slot.id === 'wharf' ? 'after' : 'before'] = Math.round(procStatusBytes(slot.target.process.pid, 'VmRSS') / 1e6);
      }
    };
    if (scenarios.length > 0) await readApiRss();
    let loadGenerators: LoadGeneratorCheck[] | { error: string } | undefined;
    if (runLoadGenerators) {
      loadGenerators = wharfTarget
        ? await crossCheckLoadGenerators(loadGeneratorCheckScenarios(), wharfTarget, options, ISSUE_GOALS.loadGeneratorTolerance)
        : { error: 'Wharf is not running' };
      // the check alone (--only '^load-generators$'): its load is the only one there was
      if (scenarios.length === 0) await readApiRss();
    }
    // the Wharf-only scenarios after the RSS reading, so before and after have served the same load when it is taken
    const proxy = runProxy ? await runProxyScenario(slots, database.url, workDir, options, cleanup) : undefined;
    const retention = runRetention ? await runRetentionScenario(slots, env, database.url, cleanup) : undefined;
    const scanOverview = runScanOverview ? await runScanOverviewScenario(slots, database.url) : undefined;
    let costCurves: CostCurves | { error: string } | undefined;
    if (runCost) costCurves = await runCostCurveScenario(wharfTarget, env, database.url, options, cleanup);
    const curveVerdicts: CurveVerdict[] | { error: string } | undefined = costCurves && ('error' in costCurves ? costCurves : costCurveVerdicts(costCurves));

    const rows = buildRows(outcomes);
    const issueGoals: IssueGoalLine[] = issueGoalLines({ rows, storage: options.storage, gc, proxy, apiRssAfterLoadMB, costCurves: curveVerdicts, loadGenerators });
    const machine = describeMachine();
    const report: BenchReport & {
      baseline?: { ref: string; commit: string };
      gc?: GcReport;
      proxy?: ProxyReport;
      retention?: RetentionMeasurement | { error: string };
      scanOverview?: ScanOverviewMeasurement | { error: string };
      costCurves?: CostCurves | { error: string };
      loadGenerators?: LoadGeneratorCheck[] | { error: string };
      apiRssAfterLoadMB?: { after?: number; before?: number };
      issueGoals: IssueGoalLine[];
    } = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      settings: { storage: options.storage, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, only: options.only?.source, quick: options.quick, costSizes: options.costSizes },
      baseline: baseline ? { ref: baseline.ref, commit: baseline.commit } : undefined,
      targets: Object.fromEntries(
        slots.map((slot) => [
          slot.id,
          'target' in slot
            ? // at LOG_LEVEL=warn / error any output is worth reading (e.g. the error behind a 500)
              {
                baseUrl: slot.target.baseUrl,
                pid: slot.target.process.pid,
                monolithic: slot.target.monolithic,
                rssAfterStartMB: idleRss.get(slot.id),
                output: slot.target.process.output(40) || undefined,
              }
            : { unavailable: slot.unavailable },
        ]),
      ),
      rows,
      gc,
      proxy,
      retention,
      scanOverview,
      costCurves,
      loadGenerators,
      apiRssAfterLoadMB,
      issueGoals,
    };
    const resultsPath = join(repositoryRoot(), 'bench', 'results', 'latest.json');
    writeReport(report, resultsPath);
    const sections: string[] = [];
    const baselineNote = baseline ? `; before = ${baseline.ref} (${baseline.commit.slice(0, 12)}), after = this tree` : '';
    sections.push(`Wharf vs docker-registry (${options.storage} storage, ${options.durationSeconds} s per scenario${options.rounds > 1 ? `, median of ${options.rounds} rounds in alternating order` : ''}${options.quick ? ', --quick' : ''}${baselineNote})`);
    sections.push(`measured ${startedAt.toISOString()} to ${report.finishedAt} on ${machineLine(machine)}`);
    sections.push('docker-registry: Debian v2.8, stock configuration (in-memory blob descriptor cache), without auth as it runs out of the box; Wharf clients use the bearer token from /service/token, the rows marked Basic send Basic credentials on every request');
    if (report.rows.length > 0) sections.push(formatTable(report));
    if (gc) sections.push(formatGcTable(gc));
    if (proxy) sections.push(formatProxyTable(proxy));
    if (retention) sections.push('error' in retention ? `Tag retention: ERROR ${retention.error}` : formatRetentionTable(retention));
    if (scanOverview) sections.push('error' in scanOverview ? `Scan overviews: ERROR ${scanOverview.error}` : formatScanOverviewTable(scanOverview));
    if (costCurves) sections.push('error' in costCurves ? `Cost curves: ERROR ${costCurves.error}` : formatCostCurves(costCurves));
    sections.push(formatIssueGoals(issueGoals));
    const printed = sections.join('\n\n');
    console.log(`\n${printed}`);
    // a subset (--only) would replace a whole run's table with a few rows: only full and --quick runs are written there
    if (!options.only) {
      const docPath = join(repositoryRoot(), 'docs', 'benchmarks.md');
      writeBenchmarksDoc(docPath, `### Latest run: ${startedAt.toISOString().slice(0, 10)}, ${options.quick ? '--quick' : 'full'}${baseline ? ` --baseline ${baseline.ref}` : ''}, ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, ${machine.kernel}`, printed);
      console.log(`\ndocs: ${docPath} (generated section)`);
    }
    console.log(`\nresults: ${resultsPath}`);
    if (options.profileDir) console.log(`CPU profiles of the Wharf api: ${options.profileDir}/<scenario>.cpuprofile`);
    // GC deleting referenced data (or failing) fails the whole bench, after the report is written
    if (gc?.error) throw new Error(`GC scenario: ${gc.error}`);
    if (proxy?.error) throw new Error(`proxy scenario: ${proxy.error}`);
    if (retention && 'error' in retention) throw new Error(`retention scenario: ${retention.error}`);
    if (scanOverview && 'error' in scanOverview) throw new Error(`scan-overview scenario: ${scanOverview.error}`);
    if (costCurves && 'error' in costCurves) throw new Error(`cost curves: ${costCurves.error}`);
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
    const measurement = await runProxyBench({ target: wharf.target, databaseUrl, workDir, storageKind: options.storage, cleanup, skipConcurrent: options.quick }, (line) => console.error(`[proxy] ${line}`));
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

/** The cost curves (cost-curves/cost-curve-bench.ts) on the Wharf api, after every other scenario (they grow its database by a million artifacts). */
async function runCostCurveScenario(wharf: Target | undefined, env: Record<string, string>, databaseUrl: string, options: BenchOptions, cleanup: Cleanup): Promise<CostCurves | { error: string }> {
  if (!wharf) return { error: 'Wharf is not running' };
  const started = Date.now();
  try {
    await waitUntilQuiet(wharf).catch((error: Error) => console.error(`[cost-curves] starting anyway: ${error.message}`));
    const curves = await runCostCurves({ target: wharf, databaseUrl, env, sizes: options.costSizes, projects: options.costProjects, cleanup }, (line) => console.error(`[cost-curves] ${line}`));
    console.error(`[cost-curves] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return curves;
  } catch (error) {
    console.error(`[cost-curves] ERROR ${(error as Error).message}`);
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
