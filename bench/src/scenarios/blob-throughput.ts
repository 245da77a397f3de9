import { MiB, PatternBlob, formatSize } from '../blob-data';
import { settleDisk } from '../disk';
import { atLeastRatio } from '../goals';
import { BenchRegistryClient } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import type { Measurement, Scenario, ScenarioContext } from '../scenario';
import { authorizationOf, type ClientAuth } from '../targets/target';

const REPOSITORY = BENCH_REPOSITORIES.blobs;
const SECOND = 1000;

export type PushStyle = 'monolithic' | 'docker';

/**
 * Sequential pushes of distinct `size` blobs for the measured duration (at least one), one
 * connection, MB/s of blob bytes over the time spent in the upload requests. Monolithic
 * pushes need the digest first: it is computed before each push, outside the timed part.
 * Docker-style pushes hash while sending, as docker does, inside the timed part (the same
 * client cost for both registries).
 */
export function blobPushScenario(size: number, style: PushStyle): Scenario {
  return {
    id: `blob-push-${style}-${formatSize(size).replace(' ', '')}`,
    title: `blob push ${formatSize(size)}, ${style === 'monolithic' ? 'monolithic' : 'POST+PATCH+PUT'}`,
    unit: 'MB/s',
    higherIsBetter: true,
    goal: atLeastRatio(1.0),
    async run(ctx) {
      const client = new BenchRegistryClient(ctx.target.baseUrl, ctx.target.authorization);
      const push = async (blob: PatternBlob): Promise<number> => {
        if (style === 'monolithic') blob.digest(); // untimed
        const started = performance.now();
        if (style === 'monolithic') await client.pushMonolithic(REPOSITORY, blob, ctx.target.monolithic);
        else await client.pushDockerStyle(REPOSITORY, blob);
        return performance.now() - started;
      };
      try {
        // warm-up with 1 MiB blobs: same code path, without writing GiBs that are not measured
        await repeatFor(ctx.options.warmupSeconds * SECOND, () => push(new PatternBlob(MiB)));
        await settleDisk();
        const { ops, ms } = await ctx.measured(() => repeatFor(ctx.options.durationSeconds * SECOND, () => push(new PatternBlob(size))));
        const flavor = style === 'monolithic' ? ctx.target.monolithic : 'POST+PATCH+PUT';
        return { value: (ops * size) / (ms / SECOND) / 1e6, note: `${flavor}, ${ops} pushes` };
      } finally {
        client.close();
      }
    },
  };
}

/**
 * GETs of one stored `size` blob, sequentially for the measured duration, MB/s (bytes counted,
 * not kept). `basic`: Basic credentials on every GET instead of the bearer token.
 */
export function blobPullScenario(size: number, auth: ClientAuth = 'bearer'): Scenario {
  return {
    id: `blob-pull-${formatSize(size).replace(' ', '')}${auth === 'basic' ? '-basic' : ''}`,
    title: `blob pull ${formatSize(size)}${auth === 'basic' ? ', Basic auth' : ''}`,
    unit: 'MB/s',
    higherIsBetter: true,
    goal: atLeastRatio(auth === 'basic' ? 0.9 : 1.0),
    async run(ctx: ScenarioContext): Promise<Measurement> {
      const client = new BenchRegistryClient(ctx.target.baseUrl, authorizationOf(ctx.target, auth));
      try {
        const digest = await ctx.fixture(`pull-blob-${size}`, () => client.pushDockerStyle(REPOSITORY, new PatternBlob(size)));
        const pull = async () => {
          const started = performance.now();
          await client.pullBlob(REPOSITORY, digest, size);
          return performance.now() - started;
        };
        // one whole pull as warm-up: both registries then serve from a warm page cache
        await pull();
        await settleDisk();
        const { ops, ms } = await ctx.measured(() => repeatFor(ctx.options.durationSeconds * SECOND, pull));
        return { value: (ops * size) / (ms / SECOND) / 1e6, note: `${ops} pulls${auth === 'basic' ? (ctx.target.basicAuthorization ? ', Basic credentials on every request' : ', no credentials (open registry)') : ''}` };
      } finally {
        client.close();
      }
    },
  };
}

/** Runs `op` (which returns its own timed ms) until the timed total reaches `budgetMs`; at least once unless the budget is 0. */
async function repeatFor(budgetMs: number, op: () => Promise<number>): Promise<{ ops: number; ms: number }> {
  let ops = 0;
  let ms = 0;
  while (budgetMs > 0 && (ops === 0 || ms < budgetMs)) {
    ms += await op();
    ops += 1;
  }
  return { ops, ms };
}
