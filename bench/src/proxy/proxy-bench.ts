/**
 * The proxy-cache scenario (issue: proxy-cache performance goals): a ~260 MB 5-layer image on
 * a CNCF docker-registry upstream, pulled directly from it, cold through a Wharf proxy-cache
 * project and warm again, side by side, in ROUNDS rounds (medians reported: the machine is
 * noisy); then CONCURRENT_PULLS clients pulling one more image cold at the same moment. What
 * reaches the upstream is counted from its access log.
 *
 * Each round pushes a new image (new random layers) and pulls it through a new proxy project:
 * blob storage is shared by every project, so a second project on an image already cached would
 * link the stored blobs instead of fetching them, and its "cold" pull would not be cold.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Cleanup } from '../cleanup';
import { cpuBetween, cpuSnapshot } from '../gc/cpu-usage';
import { procStatusBytes } from '../memory';
import { median } from '../statistics';
import type { Target } from '../targets/target';
import { ImagePuller, PARALLEL_BLOB_DOWNLOADS, type PullResult } from './image-puller';
import { createEndpoint, createProxyProject, pullToken, type EndpointOrigin } from './proxy-projects';
import { pushSeedImage, LAYER_COUNT, type SeededImage } from './seed-image';
import { startUpstreamRegistry, type UpstreamRegistry } from './upstream-registry';
import { countUpstreamRequests, type UpstreamRequestCount } from './upstream-requests';

export const PROXY_SCENARIO_ID = 'proxy';
export const PROXY_GOALS = { coldRatio: 0.9, warmUpstreamRequests: 1, upstreamGetsPerBlob: 1 } as const;

const ROUNDS = 3;
const CONCURRENT_PULLS = 50;
const UPSTREAM_REPOSITORY = 'bench/image';
/** the direct pulls' User-Agent: their requests are not Wharf's in the upstream's access log */
const DIRECT_USER_AGENT = 'wharf-bench-direct-pull';

export interface PullFigures {
  seconds: number;
  mbPerSecond: number;
}

export interface ProxyRound {
  project: string;
  direct: PullFigures;
  cold: PullFigures;
  warm: PullFigures;
  coldUpstream: UpstreamRequestCount;
  warmUpstream: UpstreamRequestCount;
  /** CPU seconds of the api, the bench (the client), the upstream and the rest of the machine during each pull */
  cpu: { direct: Record<string, number>; cold: Record<string, number>; warm: Record<string, number> };
}

export interface ConcurrentColdPulls {
  project: string;
  pulls: number;
  succeeded: number;
  /** the first failures' messages */
  failures: string[];
  /** all pulls started together to the last one done */
  wallSeconds: number;
  /** slowest and fastest single pull */
  slowestSeconds: number;
  fastestSeconds: number;
  /** bytes every pull together received / wall time */
  aggregateMbPerSecond: number;
  upstream: UpstreamRequestCount;
  /** the image's blobs, to tell a blob never fetched (0 GETs) from one fetched once */
  blobDigests: string[];
}

export interface ProxyMeasurement {
  storage: string;
  imageMB: number;
  layers: number;
  parallelBlobDownloads: number;
  endpointOrigin: EndpointOrigin;
  rounds: ProxyRound[];
  median: { direct: PullFigures; cold: PullFigures; warm: PullFigures };
  /** median of the rounds' cold/direct and warm/direct speed ratios (each round's pair taken a minute apart at most) */
  coldRatio: number;
  warmRatio: number;
  concurrent?: ConcurrentColdPulls;
  /** the api's resident memory before the scenario and after it (what it keeps after serving 50 concurrent pulls) */
  apiRssMB: { before: number; after?: number };
}

export interface ProxyBenchInput {
  target: Target;
  databaseUrl: string;
  workDir: string;
  storageKind: string;
  cleanup: Cleanup;
  /** --quick: the three rounds only, not the 50 concurrent cold pulls (minutes on a busy 2-core machine) */
  skipConcurrent?: boolean;
}

export async function runProxyBench(input: ProxyBenchInput, log: (line: string) => void): Promise<ProxyMeasurement> {
  const { target } = input;
  const apiRss = () => Math.round(procStatusBytes(target.process.pid, 'VmRSS') / 1e6);
  const rssBefore = apiRss();
  const upstream = await startUpstreamRegistry(join(input.workDir, 'proxy-upstream'), input.cleanup);
  try {
    const endpoint = await createEndpoint(target.baseUrl, input.databaseUrl, 'bench-upstream', upstream.baseUrl);
    log(`upstream ${upstream.baseUrl}, endpoint ${endpoint.id} (${endpoint.origin})`);
    const roundProjects = Array.from({ length: ROUNDS }, (_, i) => `proxy-round-${i + 1}`);
    const burstProject = 'proxy-concurrent';
    // every project before the token: Wharf grants a token's actions for the projects that exist when it is issued
    for (const project of [...roundProjects, burstProject]) await createProxyProject(target.baseUrl, project, endpoint.id);
    const authorization = await pullToken(target.baseUrl, [...roundProjects, burstProject].map((p) => `${p}/${UPSTREAM_REPOSITORY}`));

    const rounds: ProxyRound[] = [];
    let imageBytes = 0;
    for (const [index, project] of roundProjects.entries()) {
      const image = await pushImage(upstream, `round-${index + 1}`, log);
      imageBytes = image.totalBytes;
      const cpuGroups = { api: target.process.pid, bench: process.pid, upstream: upstream.process.pid };
      const round = await measureRound(upstream, target.baseUrl, authorization, project, image, profiled(target, `proxy-cold-${index + 1}`), cpuGroups);
      log(
        `round ${index + 1}: direct ${describeFigures(round.direct)}, cold ${describeFigures(round.cold)}, warm ${describeFigures(round.warm)}; ` +
          `upstream requests cold ${round.coldUpstream.total}, warm ${round.warmUpstream.total} (${round.warmUpstream.lines.join(', ')})`,
      );
      rounds.push(round);
    }

    const medianRounds = {
      direct: medianFigures(rounds.map((r) => r.direct)),
      cold: medianFigures(rounds.map((r) => r.cold)),
      warm: medianFigures(rounds.map((r) => r.warm)),
    };
    const measurement: ProxyMeasurement = {
      storage: input.storageKind,
      imageMB: imageBytes / 1e6,
      layers: LAYER_COUNT,
      parallelBlobDownloads: PARALLEL_BLOB_DOWNLOADS,
      endpointOrigin: endpoint.origin,
      rounds,
      median: medianRounds,
      coldRatio: median(rounds.map((r) => r.cold.mbPerSecond / r.direct.mbPerSecond)),
      warmRatio: median(rounds.map((r) => r.warm.mbPerSecond / r.direct.mbPerSecond)),
      apiRssMB: { before: rssBefore },
    };

    if (input.skipConcurrent) {
      measurement.apiRssMB.after = apiRss();
      log('50 concurrent cold pulls skipped (--quick)');
      return measurement;
    }
    try {
      const image = await pushImage(upstream, 'concurrent', log);
      measurement.concurrent = await concurrentColdPulls(upstream, target.baseUrl, authorization, burstProject, image);
    } catch (error) {
      throw new ProxyScenarioError(`concurrent cold pulls: ${(error as Error).message}`, measurement);
    }
    measurement.apiRssMB.after = apiRss();
    const c = measurement.concurrent;
    log(
      `${c.pulls} concurrent cold pulls: ${c.succeeded} succeeded in ${c.wallSeconds.toFixed(1)} s; upstream GETs per blob ` +
        `${c.blobDigests.map((d) => c.upstream.blobGets[d] ?? 0).join(', ')}; ${c.upstream.manifestHeads} manifest HEAD(s), ${c.upstream.manifestGets} GET(s)`,
    );
    return measurement;
  } finally {
    // the other scenarios measure with the machine to themselves
    await upstream.process.stop();
  }
}

/** A failure after the rounds were measured: carries them, so the report still shows them. */
export class ProxyScenarioError extends Error {
  constructor(
    message: string,
    readonly measurement: ProxyMeasurement,
  ) {
    super(message);
  }
}

async function pushImage(upstream: UpstreamRegistry, tag: string, log: (line: string) => void): Promise<SeededImage> {
  const started = Date.now();
  const image = await pushSeedImage(upstream.baseUrl, UPSTREAM_REPOSITORY, tag);
  log(`pushed ${UPSTREAM_REPOSITORY}:${tag} (${(image.totalBytes / 1e6).toFixed(0)} MB) to the upstream in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return image;
}

/** Direct, cold and warm pull of the same image, one after the other. */
async function measureRound(
  upstream: UpstreamRegistry, wharfUrl: string, authorization: string, project: string, image: SeededImage, profileColdPull: <T>(work: () => Promise<T>) => Promise<T>,
  cpuGroups: Record<string, number>,
): Promise<ProxyRound> {
  // on a small machine the proxy path's extra work (a digest check and a storage write in the api) competes with the client for CPU: shown next to the speeds
  const withCpu = async <T>(work: () => Promise<T>): Promise<[T, Record<string, number>]> => {
    const before = cpuSnapshot(cpuGroups, []);
    const result = await work();
    return [result, cpuBetween(before, cpuSnapshot(cpuGroups, []))];
  };
  const [direct, directCpu] = await withCpu(() => pullOnce(new ImagePuller(upstream.baseUrl, undefined, DIRECT_USER_AGENT), UPSTREAM_REPOSITORY, image));
  const proxied = `${project}/${UPSTREAM_REPOSITORY}`;
  const beforeCold = upstream.mark();
  const [cold, coldCpu] = await withCpu(() => profileColdPull(() => pullOnce(new ImagePuller(wharfUrl, authorization), proxied, image)));
  const coldUpstream = countUpstreamRequests(await upstream.requestsSince(beforeCold), DIRECT_USER_AGENT);
  const beforeWarm = upstream.mark();
  const [warm, warmCpu] = await withCpu(() => pullOnce(new ImagePuller(wharfUrl, authorization), proxied, image));
  const warmUpstream = countUpstreamRequests(await upstream.requestsSince(beforeWarm), DIRECT_USER_AGENT);
  return { project, direct: figures(direct), cold: figures(cold), warm: figures(warm), coldUpstream, warmUpstream, cpu: { direct: directCpu, cold: coldCpu, warm: warmCpu } };
}

/** With --profile-api: the api's CPU profile of `work` alone, written to <dir>/<name>.cpuprofile. */
function profiled(target: Target, name: string): <T>(work: () => Promise<T>) => Promise<T> {
  return async (work) => {
    if (!target.profiler) return work();
    await target.profiler.begin();
    const result = await work();
    await target.profiler.end(name);
    return result;
  };
}

/** One pull by a new client (fresh connections, as a new `docker pull`), checked against what was pushed. */
async function pullOnce(puller: ImagePuller, repository: string, image: SeededImage): Promise<PullResult> {
  try {
    const result = await puller.pull(repository, image.tag);
    if (result.manifestDigest !== image.manifestDigest) throw new Error(`pull of ${repository}:${image.tag} got manifest ${result.manifestDigest}, pushed ${image.manifestDigest}`);
    return result;
  } finally {
    await puller.close();
  }
}

async function concurrentColdPulls(upstream: UpstreamRegistry, wharfUrl: string, authorization: string, project: string, image: SeededImage): Promise<ConcurrentColdPulls> {
  const repository = `${project}/${UPSTREAM_REPOSITORY}`;
  const before = upstream.mark();
  const started = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENT_PULLS }, () => pullOnce(new ImagePuller(wharfUrl, authorization), repository, image)));
  const wallSeconds = (performance.now() - started) / 1000;
  const requests = countUpstreamRequests(await upstream.requestsSince(before), DIRECT_USER_AGENT);
  const done = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  return {
    project,
    pulls: CONCURRENT_PULLS,
    succeeded: done.length,
    failures: [...new Set(failures)].slice(0, 5),
    wallSeconds,
    slowestSeconds: Math.max(...done.map((r) => r.seconds)),
    fastestSeconds: Math.min(...done.map((r) => r.seconds)),
    aggregateMbPerSecond: done.reduce((sum, r) => sum + r.bytes, 0) / 1e6 / wallSeconds,
    upstream: requests,
    blobDigests: image.blobs.map((b) => b.digest),
  };
}

const figures = (result: PullResult): PullFigures => ({ seconds: result.seconds, mbPerSecond: result.bytes / 1e6 / result.seconds });

const describeFigures = (f: PullFigures): string => `${f.mbPerSecond.toFixed(0)} MB/s (${f.seconds.toFixed(2)} s)`;

/** The median round by speed (its seconds with it, so the two columns describe the same pull). */
function medianFigures(all: PullFigures[]): PullFigures {
  const sorted = [...all].sort((a, b) => a.mbPerSecond - b.mbPerSecond);
  return sorted[Math.floor(sorted.length / 2)];
}
