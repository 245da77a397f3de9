import { createHash, randomBytes } from 'node:crypto';
import { runLoad, describeFailures, type LoadStep } from '../load/run-load';

/** The repository the concurrent pushes go to (the GC scenario's own token covers it). */
export const PUSH_REPOSITORY = 'library/bench-gc-push';
const LAYER_SIZE = 4 * 1024;
const OCTET_STREAM = { 'content-type': 'application/octet-stream' };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const uploadsPath = `/v2/${PUSH_REPOSITORY}/blobs/uploads/`;

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * One push of a small image, as a docker client that can upload monolithically does it:
 * POST ?digest= of a 4 KiB layer, POST ?digest= of the config, PUT of the manifest under a new
 * tag (3 requests, 1 operation).
 */
function imagePushSteps(): LoadStep[] {
  return [
    {
      method: 'POST',
      build: (op) => {
        const layer = randomBytes(LAYER_SIZE);
        op.vars = { layer: sha256(layer), layerSize: String(layer.length) };
        return { path: `${uploadsPath}?digest=${op.vars.layer}`, headers: OCTET_STREAM, body: layer };
      },
      expect: 201,
    },
    {
      method: 'POST',
      build: (op) => {
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', salt: randomBytes(8).toString('hex') }));
        op.vars = { ...op.vars, config: sha256(config), configSize: String(config.length) };
        return { path: `${uploadsPath}?digest=${op.vars.config}`, headers: OCTET_STREAM, body: config };
      },
      expect: 201,
    },
    {
      method: 'PUT',
      build: (op) => {
        const vars = op.vars;
        if (!vars?.layer || !vars.config) return undefined;
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: vars.config, size: Number(vars.configSize) },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: vars.layer, size: Number(vars.layerSize) }],
          }),
        );
        return { path: `/v2/${PUSH_REPOSITORY}/manifests/t-${randomBytes(6).toString('hex')}`, headers: { 'content-type': OCI_MANIFEST }, body: manifest };
      },
      expect: 201,
    },
  ];
}

export interface PushLoadResult {
  pushesPerSecond: number;
  pushes: number;
  seconds: number;
  /** requests answered unexpectedly, connection errors */
  failures: number;
  failureText: string;
}

/**
 * Closed-loop image pushes at `connections`, in slices of `sliceSeconds`, for as long as
 * `keepGoing()` says so when a slice ends (at least one slice). Slicing lets the load follow
 * a GC run of unknown length; the baseline is measured in the same slices, so both carry the
 * same (small) cost of reconnecting between slices.
 */
export async function pushLoad(
  baseUrl: string, authorization: string, connections: number, sliceSeconds: number, keepGoing: (slices: number) => boolean,
): Promise<PushLoadResult> {
  let pushes = 0;
  let seconds = 0;
  let failures = 0;
  const texts: string[] = [];
  for (let slices = 0; slices === 0 || keepGoing(slices); slices += 1) {
    const result = await runLoad({ baseUrl, authorization, connections, durationSeconds: sliceSeconds, steps: imagePushSteps() });
    pushes += result.completedOps;
    seconds += result.seconds;
    failures += Object.values(result.unexpected).reduce((a, b) => a + b, 0) + result.errors;
    const text = describeFailures(result);
    if (text && texts.length < 3) texts.push(text);
  }
  return { pushesPerSecond: pushes / seconds, pushes, seconds, failures, failureText: texts.join('; ') };
}
