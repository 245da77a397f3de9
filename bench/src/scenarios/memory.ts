import { GiB, PatternBlob } from '../blob-data';
import { settleDisk } from '../disk';
import { wharfBelow } from '../goals';
import { peakRssDuring } from '../memory';
import { BenchRegistryClient } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import type { Measurement, Scenario, ScenarioContext } from '../scenario';

const REPOSITORY = BENCH_REPOSITORIES.memory;
const SIZE = 1 * GiB;
const LIMIT_MB = 200;

type Phase = 'push-monolithic' | 'push-docker' | 'pull';

const TITLES: Record<Phase, string> = {
  'push-monolithic': 'peak RSS, 1 GiB monolithic push',
  'push-docker': 'peak RSS, 1 GiB POST+PATCH+PUT push',
  pull: 'peak RSS, 1 GiB pull',
};

/**
 * Peak resident memory of the registry process while one 1 GiB blob streams through it (the
 * bench streams too: the blob is generated and hashed chunk by chunk, never held). A registry
 * that buffers a blob shows it here; the goal is Wharf's api staying under 200 MB.
 */
export function memoryScenario(phase: Phase): Scenario {
  return {
    id: `memory-${phase}-1GiB`,
    title: TITLES[phase],
    unit: 'MB',
    higherIsBetter: false,
    goal: wharfBelow(LIMIT_MB, 'MB'),
    async run(ctx) {
      const client = new BenchRegistryClient(ctx.target.baseUrl, ctx.target.authorization);
      try {
        if (phase === 'pull') {
          const digest = await ctx.fixture('memory-blob', () => client.pushDockerStyle(REPOSITORY, new PatternBlob(SIZE)));
          await settleDisk();
          return await measure(ctx, () => client.pullBlob(REPOSITORY, digest, SIZE));
        }
        const blob = new PatternBlob(SIZE);
        if (phase === 'push-monolithic') {
          blob.digest(); // hashed once up front (streamed, not buffered), outside the measurement
          await settleDisk();
          return await measure(ctx, () => client.pushMonolithic(REPOSITORY, blob, ctx.target.monolithic));
        }
        await settleDisk();
        return await measure(ctx, async () => {
          const digest = await client.pushDockerStyle(REPOSITORY, blob);
          await ctx.fixture('memory-blob', async () => digest); // the pull phase reuses this blob
        });
      } finally {
        client.close();
      }
    },
  };
}

async function measure(ctx: ScenarioContext, transfer: () => Promise<unknown>): Promise<Measurement> {
  const started = performance.now();
  const { peakBytes, startBytes } = await ctx.measured(() => peakRssDuring(ctx.target.process.pid, transfer));
  const seconds = (performance.now() - started) / 1000;
  return {
    value: peakBytes / 1e6,
    note: `RSS before ${(startBytes / 1e6).toFixed(0)} MB; ${(SIZE / seconds / 1e6).toFixed(0)} MB/s`,
  };
}
