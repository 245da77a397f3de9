import { randomBytes } from 'node:crypto';
import { atLeastRatio } from '../goals';
import type { LoadStep } from '../load/run-load';
import { BenchRegistryClient, MANIFEST_ACCEPT } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import type { Scenario, ScenarioContext } from '../scenario';
import { measureLoad } from './load-scenario';

const REPOSITORY = BENCH_REPOSITORIES.manifests;
const TAG = 'latest';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

interface ManifestFixture {
  config: { digest: string; size: number };
  layer: { digest: string; size: number };
}

/**
 * The image every manifest scenario uses: a config and a layer blob pushed once per
 * registry, and a manifest referencing them tagged `latest` (the HEAD/GET target).
 */
function manifestFixture(ctx: ScenarioContext): Promise<ManifestFixture> {
  return ctx.fixture('manifest-image', async () => {
    const client = new BenchRegistryClient(ctx.target.baseUrl, ctx.target.authorization);
    try {
      const configData = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const layerData = randomBytes(2048);
      const fixture = {
        config: { digest: await client.pushBuffer(REPOSITORY, configData, ctx.target.monolithic), size: configData.length },
        layer: { digest: await client.pushBuffer(REPOSITORY, layerData, ctx.target.monolithic), size: layerData.length },
      };
      await client.putManifest(REPOSITORY, TAG, manifestBody(fixture, 'fixture'), MANIFEST_TYPE);
      return fixture;
    } finally {
      client.close();
    }
  });
}

/** An OCI image manifest (~500 bytes, like a real single-layer image); `sequence` makes each one distinct. */
function manifestBody(fixture: ManifestFixture, sequence: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...fixture.config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...fixture.layer }],
      annotations: { 'dev.wharf.bench.sequence': sequence },
    }),
  );
}

// tags and manifests stay distinct across concurrency levels, warm-ups and measurements
let putSequence = 0;

/**
 * PUT of a new manifest under a new tag at each request: the push of a freshly built image
 * (validating the manifest, checking its blobs, storing it and the tag).
 */
export function manifestPutScenario(connections: number): Scenario {
  return {
    id: `manifest-put-c${connections}`,
    title: `manifest PUT (new tag), c${connections}`,
    unit: 'req/s',
    higherIsBetter: true,
    // issue 19's goal is at 16 clients
    goal: connections === 16 ? atLeastRatio(1.0) : undefined,
    async run(ctx) {
      const fixture = await manifestFixture(ctx);
      const step: LoadStep = {
        method: 'PUT',
        build: () => {
          const sequence = String((putSequence += 1));
          return { path: `/v2/${REPOSITORY}/manifests/put-${sequence}`, headers: { 'content-type': MANIFEST_TYPE }, body: manifestBody(fixture, sequence) };
        },
        expect: 201,
      };
      return measureLoad(ctx, connections, [step]);
    },
  };
}

/** HEAD or GET of the manifest by tag, with the Accept header docker sends: what every pull starts with. */
export function manifestReadScenario(method: 'HEAD' | 'GET', connections: number): Scenario {
  return {
    id: `manifest-${method.toLowerCase()}-c${connections}`,
    title: `manifest ${method} by tag, c${connections}`,
    unit: 'req/s',
    higherIsBetter: true,
    goal: atLeastRatio(3.0),
    async run(ctx) {
      await manifestFixture(ctx);
      const step: LoadStep = { method, build: () => ({ path: `/v2/${REPOSITORY}/manifests/${TAG}`, headers: { accept: MANIFEST_ACCEPT } }), expect: 200, unchanging: true };
      return measureLoad(ctx, connections, [step]);
    },
  };
}
