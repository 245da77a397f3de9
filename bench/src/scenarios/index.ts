import { MiB } from '../blob-data';
import { abAvailable } from '../load/run-load-ab';
import type { LoadGeneratorPair } from '../runner';
import type { Scenario } from '../scenario';
import { blobPullScenario, blobPushScenario } from './blob-throughput';
import { manifestPutScenario, manifestReadScenario } from './manifests';
import { memoryScenario } from './memory';
import { smallDockerStylePushScenario, smallMonolithicPushScenario } from './small-blobs';

const CONCURRENCY = [1, 16, 64];

/** The scenarios of issue 19's table: what `--quick` runs. */
export const QUICK_SCENARIO_IDS = new Set([
  'blob-push-monolithic-32MiB',
  'blob-push-docker-32MiB',
  'blob-pull-32MiB',
  'blob-pull-32MiB-basic',
  'blob-push-monolithic-4KiB-c16',
  'blob-push-docker-4KiB-c16',
  'blob-push-docker-4KiB-c16-basic',
  'manifest-put-c16',
  'manifest-head-c16',
  'manifest-get-c16',
]);

/**
 * The request-rate scenarios the load-generator check measures with two independent clients:
 * the cheapest request there is (ApacheBench, its own client when installed, against
 * autocannon) and a three-request small push (autocannon against undici).
 */
export function loadGeneratorCheckScenarios(): LoadGeneratorPair[] {
  const head = manifestReadScenario('HEAD', 16);
  return [
    { scenario: head, generators: abAvailable() ? ['ab', 'autocannon'] : ['autocannon', 'undici'] },
    { scenario: smallDockerStylePushScenario(16), generators: ['autocannon', 'undici'] },
  ];
}

/** Every scenario, in the order they run and are reported (memory last: it writes GiBs). */
export function allScenarios(): Scenario[] {
  return [
    ...[1 * MiB, 32 * MiB, 256 * MiB].flatMap((size) => [blobPushScenario(size, 'monolithic'), blobPushScenario(size, 'docker')]),
    blobPullScenario(32 * MiB),
    blobPullScenario(32 * MiB, 'basic'),
    blobPullScenario(256 * MiB),
    smallMonolithicPushScenario(16),
    smallDockerStylePushScenario(16),
    smallDockerStylePushScenario(16, 'basic'),
    ...CONCURRENCY.map((c) => manifestPutScenario(c)),
    ...CONCURRENCY.map((c) => manifestReadScenario('HEAD', c)),
    ...CONCURRENCY.map((c) => manifestReadScenario('GET', c)),
    memoryScenario('push-monolithic'),
    memoryScenario('push-docker'),
    memoryScenario('pull'),
  ];
}
