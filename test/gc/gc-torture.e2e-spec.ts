import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes, randomInt } from 'node:crypto';
import { Client } from 'pg';
import { basicAuth, TEST_ADMIN } from '../support/test-credentials';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { spawnWorker, waitForExecutionEnd, type WorkerProcess } from '../support/worker-context';

/**
 * The proof that GC never loses anything (issue 4): clients keep pushing images that share
 * layers with deleted ones, re-tagging, deleting tags and manifests and pulling, while GC runs
 * again and again with a zero time window, on S3 (RadosGW). Every image that was pushed and not
 * deleted must be pullable in full at any moment and at the end; after a final GC, every blob
 * no manifest references is gone, from the database and from the bucket.
 */
const CLIENTS = 4;
/** between collections, so pushes get through as well as fail (with a zero window GC takes a layer whose manifest is not there yet) */
const GC_PAUSE_MS = 1000;
const CLIENT_RUN_MS = Number(process.env.WHARF_TORTURE_SECONDS ?? 40) * 1000;
const EXTRA_RUN_MS = 120_000;
const MIN_PUSHES = 60;
const MIN_DELETES = 10;
const MIN_GC_RUNS = 5;
const REPOSITORIES = ['library/torture-a', 'library/torture-b', 'library/torture-c'];
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

interface Image {
  repository: string;
  digest: string;
  manifest: Buffer;
  blobs: Descriptor[];
  tags: Set<string>;
}

(s3Available() ? describe : describe.skip)('GC torture: concurrent pushes, tags, deletes and pulls while GC runs with a zero window (S3)', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let workers: WorkerProcess[];
  let db: Client;
  let client: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('s3', { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    // two workers side by side: collections go to either, one at a time
    workers = [spawnWorker(environment), spawnWorker(environment)];
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    client = new RegistryClient(api.url);
  });

  afterAll(async () => {
    await Promise.all((workers ?? []).map((w) => w.kill()));
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  async function runGc(deleteUntagged: boolean): Promise<{ status: string; progress: Record<string, unknown> }> {
    const response = await fetch(`${api.url}/api/v2.0/system/gc/schedule`, {
      method: 'POST',
      headers: { authorization: basicAuth(TEST_ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { delete_untagged: deleteUntagged, dry_run: false, workers: 3 } }),
    });
    if (response.status !== 201) throw new Error(`GC launch: ${response.status} ${await response.text()}\n${workers.map((w) => w.output()).join('\n')}`);
    const executionId = Number(response.headers.get('location')!.split('/').pop());
    const execution = await waitForExecutionEnd(db, executionId, 300_000);
    return { status: execution.task_status, progress: execution.progress };
  }

  it('loses nothing and leaves nothing behind', async () => {
    const alive = new Map<string, Image>(); // by digest: pushed, and neither deleted nor left without a tag
    const deletedImages = new Set<string>(); // digests a client deleted (DELETE by digest)
    const layerPool: Descriptor[] = []; // layers of every image ever pushed, deleted ones included
    const counts = { pushes: 0, pushFailures: 0, retags: 0, tagDeletes: 0, deletes: 0, pulls: 0, gcRuns: 0 };
    const pullFailures: string[] = [];
    const pushFailures = new Set<string>();
    let tagCounter = 0;
    const pick = <T>(items: T[]): T | undefined => (items.length ? items[randomInt(items.length)] : undefined);

    // the three ways clients send a blob, so every path that reuses or writes one races the collector
    async function pushBlobOnce(repository: string, descriptor: Descriptor, data?: Buffer): Promise<void> {
      const style = randomInt(3);
      if (style === 0 || !data) {
        // docker's way: HEAD first, upload only when the registry lacks it
        if ((await client.fetch(`/v2/${repository}/blobs/${descriptor.digest}`, { method: 'HEAD' })).status === 200) return;
        if (!data) throw new Error('shared layer missing and its bytes are gone');
      }
      if (style === 2) {
        // chunked: POST, PATCH, PUT (the last one publishes the staged object)
        const started = await client.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
        if (started.status !== 202) throw new Error(`blob ${started.status} ${await started.text()}`);
        const patched = await client.fetch(started.headers.get('location')!, { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
        if (patched.status !== 202) throw new Error(`blob ${patched.status} ${await patched.text()}`);
        const location = new URL(patched.headers.get('location')!, api.url);
        location.searchParams.set('digest', descriptor.digest);
        const finished = await client.fetch(`${location.pathname}${location.search}`, { method: 'PUT' });
        if (finished.status !== 201) throw new Error(`blob ${finished.status} ${await finished.text()}`);
        return;
      }
      // monolithic, even when the registry has it (the body is verified and dropped)
      const response = await client.fetch(`/v2/${repository}/blobs/uploads/?digest=${descriptor.digest}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
      if (response.status !== 201) throw new Error(`blob ${response.status} ${await response.text()}`);
    }

    const layerBytes = new Map<string, Buffer>();
    async function push(): Promise<void> {
      const repository = pick(REPOSITORIES)!;
      const blobs: Descriptor[] = [];
      // layers shared with earlier (possibly deleted) images
      for (let i = randomInt(3); i > 0; i -= 1) {
        const shared = pick(layerPool);
        if (shared && !blobs.some((b) => b.digest === shared.digest)) blobs.push(shared);
      }
      const fresh = randomBytes(512 + randomInt(4096));
      const freshLayer = { mediaType: LAYER, digest: sha256(fresh), size: fresh.length };
      layerBytes.set(freshLayer.digest, fresh);
      blobs.push(freshLayer);
      const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', id: randomBytes(8).toString('hex') }));
      const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length };
      try {
        for (const blob of blobs) await pushBlobOnce(repository, blob, layerBytes.get(blob.digest));
        await pushBlobOnce(repository, config, configBytes);
        const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: blobs }));
        const tag = `t${(tagCounter += 1)}`;
        const response = await client.pushManifest(repository, tag, manifest, OCI_MANIFEST);
        if (response.status !== 201) throw new Error(`manifest ${response.status} ${await response.text()}`);
        const digest = sha256(manifest);
        const known = alive.get(digest);
        if (known) known.tags.add(tag);
        else alive.set(digest, { repository, digest, manifest, blobs: [config, ...blobs], tags: new Set([tag]) });
        layerPool.push(freshLayer);
        counts.pushes += 1;
      } catch (error) {
        // a layer collected between its upload and the manifest (possible only with a zero window): a failed push, not a loss
        counts.pushFailures += 1;
        pushFailures.add((error as Error).message.replace(/sha256:[0-9a-f]+/g, 'sha256:…').replace(/[0-9a-f-]{36}/g, '<uuid>'));
      }
    }

    async function retag(): Promise<void> {
      const image = pick([...alive.values()]);
      if (!image) return;
      const tag = `t${(tagCounter += 1)}`;
      const response = await client.pushManifest(image.repository, tag, image.manifest, OCI_MANIFEST);
      if (response.status === 201 && alive.get(image.digest) === image) {
        image.tags.add(tag);
        counts.retags += 1;
      }
    }

    async function deleteTag(): Promise<void> {
      const image = pick([...alive.values()]);
      if (!image) return;
      const tag = pick([...image.tags])!;
      image.tags.delete(tag);
      // its last tag: the image is untagged now, and a delete_untagged run may take it
      if (image.tags.size === 0) alive.delete(image.digest);
      const response = await client.fetch(`/v2/${image.repository}/manifests/${tag}`, { method: 'DELETE' });
      // another client deleted the whole image while this request was on its way (both DELETEs in
      // flight at once, its own reaching the registry first): the tag went with it, as it should
      if (response.status === 404 && deletedImages.has(image.digest)) return;
      if (response.status !== 202) throw new Error(`tag delete: ${response.status}`);
      counts.tagDeletes += 1;
    }

    async function deleteImage(): Promise<void> {
      const image = pick([...alive.values()]);
      if (!image) return;
      alive.delete(image.digest); // before the request: a pull or a tag delete racing it is excused
      deletedImages.add(image.digest);
      const response = await client.fetch(`/v2/${image.repository}/manifests/${image.digest}`, { method: 'DELETE' });
      if (response.status !== 202) throw new Error(`delete: ${response.status}`);
      counts.deletes += 1;
    }

    async function pullImage(image: Image): Promise<string | null> {
      const reference = pick([image.digest, ...image.tags])!;
      const manifest = await client.fetch(`/v2/${image.repository}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
      if (manifest.status !== 200) return `manifest ${image.repository}:${reference} -> ${manifest.status}`;
      if (sha256(Buffer.from(await manifest.arrayBuffer())) !== image.digest) return `manifest ${image.repository}:${reference} has other content`;
      for (const blob of image.blobs) {
        const got = await client.fetch(`/v2/${image.repository}/blobs/${blob.digest}`);
        if (got.status !== 200) return `blob ${blob.digest} of ${image.repository}@${image.digest} -> ${got.status}`;
        if (sha256(Buffer.from(await got.arrayBuffer())) !== blob.digest) return `blob ${blob.digest} corrupt`;
      }
      return null;
    }

    async function pull(): Promise<void> {
      const image = pick([...alive.values()]);
      if (!image) return;
      const failure = await pullImage(image);
      counts.pulls += 1;
      // only a failure of an image still alive afterwards counts (another client may have deleted it meanwhile)
      if (failure && alive.get(image.digest) === image) pullFailures.push(failure);
    }

    const operations: [number, () => Promise<void>][] = [[40, push], [12, retag], [10, deleteTag], [13, deleteImage], [25, pull]];
    const total = operations.reduce((n, [weight]) => n + weight, 0);
    // at least CLIENT_RUN_MS, and on until enough happened (a loaded machine is slower), within a hard limit
    const started = Date.now();
    const enough = () => counts.pushes >= MIN_PUSHES && counts.deletes >= MIN_DELETES && counts.gcRuns >= MIN_GC_RUNS;
    const keepGoing = () => Date.now() < started + CLIENT_RUN_MS || (!enough() && Date.now() < started + CLIENT_RUN_MS + EXTRA_RUN_MS);
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (keepGoing()) {
        let roll = randomInt(total);
        const operation = operations.find(([weight]) => (roll -= weight) < 0)![1];
        await operation();
      }
    });
    // GC again and again while the clients run, sometimes removing untagged artifacts too
    const collector = (async () => {
      while (keepGoing()) {
        const run = await runGc(counts.gcRuns % 2 === 1);
        expect(run.status).toBe('Success');
        counts.gcRuns += 1;
        await new Promise((r) => setTimeout(r, GC_PAUSE_MS));
      }
    })();
    await Promise.all([...clients, collector]);

    const final = await runGc(true);
    expect(final.status).toBe('Success');
    console.log(`torture: ${JSON.stringify(counts)}; alive ${alive.size}; final GC ${JSON.stringify(final.progress)}; push failures ${[...pushFailures].join(' | ')}`);
    expect(pullFailures).toEqual([]);
    // a push may fail only the way a client recovers from: a blob to upload again (taken by the
    // collector before the manifest named it), an upload session purged while idle (window 0), a retry asked for
    for (const failure of pushFailures) {
      expect(failure).toMatch(/^(manifest 400 .*MANIFEST_BLOB_UNKNOWN|blob 404 .*BLOB_UPLOAD_UNKNOWN|(blob|manifest) 503 .*UNAVAILABLE)/);
    }
    expect(enough()).toBe(true);

    // every image pushed and not deleted is pullable in full, by digest and by every tag
    for (const image of alive.values()) {
      expect(await pullImage(image)).toBeNull();
      for (const tag of image.tags) {
        const response = await client.fetch(`/v2/${image.repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
        expect([tag, response.headers.get('docker-content-digest')]).toEqual([tag, image.digest]);
      }
    }

    // nothing unreferenced is left: no row, no object, no upload
    const unreferenced = await db.query(`SELECT digest, status FROM blob b WHERE NOT EXISTS (SELECT 1 FROM artifact_blob ab WHERE ab.digest_blob = b.digest)`);
    expect(unreferenced.rows).toEqual([]);
    expect((await db.query(`SELECT status, count(*)::int AS n FROM blob GROUP BY status`)).rows).toEqual([
      { status: 'none', n: expect.any(Number) },
    ]);
    const stored = await bucketDigests(environment);
    const rows = (await db.query<{ digest: string }>(`SELECT digest FROM blob`)).rows.map((r) => r.digest);
    expect(stored.others).toEqual([]);
    expect(stored.digests.sort()).toEqual(rows.sort());
    const referenced = new Set([...alive.values()].flatMap((i) => [i.digest, ...i.blobs.map((b) => b.digest)]));
    for (const digest of referenced) expect(stored.digests).toContain(digest);
    expect(stored.multipartUploads).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM upload_session`)).rows[0].n).toBe(0);
  }, CLIENT_RUN_MS + EXTRA_RUN_MS + 120_000);
});

/** What the bucket holds (the test may list it; the product never does). */
async function bucketDigests(environment: TestEnvironment): Promise<{ digests: string[]; others: string[]; multipartUploads: number }> {
  const config = environment.config;
  const s3 = new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID!, secretAccessKey: config.S3_SECRET_ACCESS_KEY! },
  });
  const digests: string[] = [];
  const others: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: config.S3_BUCKET, ContinuationToken }));
    for (const { Key } of page.Contents ?? []) {
      const match = /^docker\/registry\/v2\/blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(Key!);
      if (match) digests.push(`sha256:${match[1]}`);
      else others.push(Key!);
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: config.S3_BUCKET }));
  s3.destroy();
  return { digests, others, multipartUploads: uploads.Uploads?.length ?? 0 };
}
