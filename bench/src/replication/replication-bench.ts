/**
 * `npm run bench:replication` (issue 16's speed goal): 50 images of 5 layers sharing base
 * layers, pushed into a Wharf, then replicated to a stock docker-registry twice on the same
 * machine: by `skopeo sync` and by Wharf's copy engine (ArtifactCopier, in this process on the
 * api's database and storage, as the worker runs it), each into a registry of its own that
 * starts empty. Then the engine again with nothing new: its time and what it asked (HEADs only).
 * Goals: engine <= 1.2 x skopeo sync; the second run < 5 s with HEAD requests only. Figures go to
 * stdout and bench/results/replication.json.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@wharf/config';
import { DbModule, runMigrations } from '@wharf/db';
import { EventsModule } from '@wharf/events';
import { QuotaLedgerModule } from '@wharf/projects';
import { RedisModule } from '@wharf/redis';
import { ARTIFACT_COPIER, ReplicationCopyModule, type ArtifactCopier, type CopyContext, type ReplicationItem } from '@wharf/replication';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Cleanup } from '../cleanup';
import { createBenchDatabase } from '../database';
import { repositoryRoot } from '../paths';
import { startUpstreamRegistry } from '../proxy/upstream-registry';
import { deleteRedisKeys } from '../redis-keys';
import { ADMIN_PASSWORD, startWharf } from '../targets/wharf';

const IMAGES = 50;
const LAYERS = 5;
/** base stacks the images share: layers 1-2 of each image come from one of them */
const BASES = 5;
const BASE_LAYER_BYTES = 4 * 1024 * 1024;
const OWN_LAYER_BYTES = 1024 * 1024;
/** tasks the engine runs side by side, as a worker's replication job would (one per artifact) */
const TASK_CONCURRENCY = Number(process.env.WHARF_BENCH_REPLICATION_TASKS ?? 1);
const GOALS = { ratio: 1.2, secondRunSeconds: 5 } as const;
const REDIS_URL = process.env.WHARF_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const exec = promisify(execFile);
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  try {
    const runId = randomBytes(5).toString('hex');
    const workDir = mkdtempSync(join(tmpdir(), `wharf-bench-replication-${runId}-`));
    cleanup.add(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
    const database = await createBenchDatabase(`wharf_bench_${runId}`);
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const redisPrefix = `wharf-bench-${runId}`;
    cleanup.add(`delete Redis keys ${redisPrefix}*`, () => deleteRedisKeys(REDIS_URL, redisPrefix).then(() => undefined));
    const storageRoot = join(workDir, 'wharf-storage');
    mkdirSync(storageRoot);
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'warn',
      STORAGE_DRIVER: 'filesystem',
      STORAGE_FS_ROOT: storageRoot,
      REGISTRY_CREDENTIAL_KEY: randomBytes(32).toString('base64'),
    };
    await runMigrations(loadConfig(env));
    const wharf = await startWharf(env, () => database.busy(), cleanup);
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

    console.error(`seeding ${IMAGES} images of ${LAYERS} layers (${BASES} shared base stacks) into Wharf`);
    const images = await seed(wharf.baseUrl, basic);

    const skopeoTarget = await startUpstreamRegistry(join(workDir, 'skopeo-target'), cleanup);
    const engineTarget = await startUpstreamRegistry(join(workDir, 'engine-target'), cleanup);

    // skopeo sync of the same set (a YAML source naming every repository and tag)
    const host = wharf.baseUrl.replace('http://', '');
    const yaml = [`${host}:`, '  tls-verify: false', '  credentials:', '    username: admin', `    password: ${ADMIN_PASSWORD}`, '  images:', ...images.map((i) => `    ${i.repository}: [${i.tag}]`)].join('\n');
    writeFileSync(join(workDir, 'sync.yml'), yaml + '\n');
    const skopeoMark = skopeoTarget.mark();
    const skopeoStarted = performance.now();
    await exec('skopeo', ['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', join(workDir, 'sync.yml'), engineHost(skopeoTarget.baseUrl)], { maxBuffer: 64 * 1024 * 1024 });
    const skopeoSeconds = (performance.now() - skopeoStarted) / 1000;
    // what skopeo sent, so a sync that copied nothing (a wrong destination) cannot pass for fast
    const skopeoRequests = await skopeoTarget.requestsSince(skopeoMark);
    const skopeoManifestPuts = skopeoRequests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/') && r.status === 201).length;
    if (skopeoManifestPuts < IMAGES) throw new Error(`skopeo sync stored ${skopeoManifestPuts} manifests, not ${IMAGES}`);

    // the engine: an endpoint for the target, then one copy per image
    const endpoint = await fetch(`${wharf.baseUrl}/api/v2.0/registries`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-target', type: 'docker-registry', url: engineTarget.baseUrl, insecure: true }),
    });
    if (endpoint.status !== 201) throw new Error(`endpoint create failed: ${endpoint.status} ${await endpoint.text()}`);
    const registryId = Number(endpoint.headers.get('location')!.split('/').pop());
    const config = loadConfig(env);
    @Module({ imports: [ConfigModule.forRoot(config), DbModule, RedisModule, EventsModule, QuotaLedgerModule, ReplicationCopyModule] })
    class ReplicationBenchModule {}
    const app = await NestFactory.createApplicationContext(ReplicationBenchModule, { logger: ['error'] });
    cleanup.add('close the copy engine', () => app.close());
    const copier = app.get<ArtifactCopier>(ARTIFACT_COPIER);
    const items: ReplicationItem[] = images.map((i) => ({
      operation: 'copy',
      source: { side: { kind: 'local' }, repository: i.repository, digest: i.digest, tags: [i.tag] },
      destination: { side: { kind: 'remote', registryId }, repository: i.repository, tags: [i.tag] },
      override: false,
      copyByChunk: false,
      speedKiBps: null,
    }));

    const first = await runAll(copier, items);
    const mark = engineTarget.mark();
    const second = await runAll(copier, items);
    const secondRequests = await engineTarget.requestsSince(mark);
    const methods: Record<string, number> = {};
    for (const r of secondRequests) methods[r.method] = (methods[r.method] ?? 0) + 1;

    const report = {
      images: IMAGES,
      layersPerImage: LAYERS,
      uniqueBytes: images.uniqueBytes,
      taskConcurrency: TASK_CONCURRENCY,
      skopeoSyncSeconds: round(skopeoSeconds),
      skopeoManifestPuts,
      skopeoBlobUploads: skopeoRequests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length,
      skopeoMounts: skopeoRequests.filter((r) => r.method === 'POST' && r.status === 201).length,
      engineSeconds: round(first.seconds),
      ratio: round(first.seconds / skopeoSeconds),
      engineOutcomes: first.actions,
      blobs: first.blobs,
      secondRunSeconds: round(second.seconds),
      secondRunOutcomes: second.actions,
      secondRunRequests: methods,
      goals: { ratio: `<= ${GOALS.ratio}`, secondRunSeconds: `< ${GOALS.secondRunSeconds}`, secondRunRequests: 'HEAD only' },
      met: {
        ratio: first.seconds / skopeoSeconds <= GOALS.ratio,
        secondRunSeconds: second.seconds < GOALS.secondRunSeconds,
        headOnly: Object.keys(methods).every((m) => m === 'HEAD'),
      },
    };
    const resultsDir = join(repositoryRoot(), 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'replication.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await cleanup.run();
  }
}

interface SeededImages extends Array<{ repository: string; tag: string; digest: string }> {
  uniqueBytes: number;
}

/** 50 images in 50 repositories: layers 1-2 from one of the base stacks, 3-5 and the config their own. */
async function seed(baseUrl: string, authorization: string): Promise<SeededImages> {
  const bases = Array.from({ length: BASES }, () => [randomBytes(BASE_LAYER_BYTES), randomBytes(BASE_LAYER_BYTES)]);
  const images = [] as unknown as SeededImages;
  images.uniqueBytes = BASES * 2 * BASE_LAYER_BYTES;
  for (let n = 0; n < IMAGES; n += 1) {
    const repository = `library/bench-image-${String(n).padStart(2, '0')}`;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: new Date().toISOString(), n, rootfs: { type: 'layers', diff_ids: [] } }));
    const layers = [...bases[n % BASES], ...Array.from({ length: LAYERS - 2 }, () => randomBytes(OWN_LAYER_BYTES))];
    images.uniqueBytes += config.length + (LAYERS - 2) * OWN_LAYER_BYTES;
    const descriptors = [];
    for (const layer of layers) descriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await pushBlob(baseUrl, authorization, repository, layer)) });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await pushBlob(baseUrl, authorization, repository, config)) }, layers: descriptors }),
    );
    const put = await fetch(`${baseUrl}/v2/${repository}/manifests/v1`, { method: 'PUT', headers: { authorization, 'content-type': OCI_MANIFEST }, body: manifest });
    if (put.status !== 201) throw new Error(`manifest push failed: ${put.status} ${await put.text()}`);
    images.push({ repository, tag: 'v1', digest: sha256(manifest) });
  }
  return images;
}

async function pushBlob(baseUrl: string, authorization: string, repository: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  const response = await fetch(`${baseUrl}/v2/${repository}/blobs/uploads/?digest=${digest}`, { method: 'POST', headers: { authorization, 'content-type': 'application/octet-stream' }, body: data });
  if (response.status !== 201) throw new Error(`blob push failed: ${response.status} ${await response.text()}`);
  return { digest, size: data.length };
}

async function runAll(copier: ArtifactCopier, items: ReplicationItem[]): Promise<{ seconds: number; actions: Record<string, number>; blobs: Record<string, number> }> {
  const actions: Record<string, number> = {};
  const blobs = { sent: 0, mounted: 0, skipped: 0, bytesSent: 0 };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      const outcome = await copier.copy(item, context());
      actions[outcome.action] = (actions[outcome.action] ?? 0) + 1;
      blobs.sent += outcome.blobsSent;
      blobs.mounted += outcome.blobsMounted;
      blobs.skipped += outcome.blobsSkipped;
      blobs.bytesSent += outcome.bytesSent;
    }
  };
  await Promise.all(Array.from({ length: TASK_CONCURRENCY }, worker));
  return { seconds: (performance.now() - started) / 1000, actions, blobs };
}

function context(): CopyContext {
  let saved: Record<string, unknown> = {};
  return {
    dryRun: false,
    signal: new AbortController().signal,
    log: async () => undefined,
    progress: { load: async () => saved, save: async (p) => void (saved = p) },
  };
}

const engineHost = (url: string) => url.replace('http://', '');
const round = (n: number) => Math.round(n * 100) / 100;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
