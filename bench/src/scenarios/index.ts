import { MiB } from '../blob-data';
import type { Scenario } from '../scenario';
import { blobPullScenario, blobPushScenario } from './blob-throughput';
import { manifestPutScenario, manifestReadScenario } from './manifests';
import { memoryScenario } from './memory';
import { smallDockerStylePushScenario, smallMonolithicPushScenario } from './small-blobs';

const CONCURRENCY = [1, 16, 64];

/** Every scenario, in the order they run and are reported (memory last: it writes GiBs). */
export function allScenarios(): Scenario[] {
  return [
    ...[1 * MiB, 32 * MiB, 256 * MiB].flatMap((size) => [blobPushScenario(size, 'monolithic'), blobPushScenario(size, 'docker')]),
    blobPullScenario(32 * MiB),
    blobPullScenario(256 * MiB),
    smallMonolithicPushScenario(16),
    smallDockerStylePushScenario(16),
    ...CONCURRENCY.map((c) => manifestPutScenario(c)),
    ...CONCURRENCY.map((c) => manifestReadScenario('HEAD', c)),
    ...CONCURRENCY.map((c) => manifestReadScenario('GET', c)),
    memoryScenario('push-monolithic'),
    memoryScenario('push-docker'),
    memoryScenario('pull'),
  ];
}
