import type { INestApplicationContext } from '@nestjs/common';
import { BlobSweeper, GcAlreadyRunningError, GcLauncher } from '@wharf/gc';
import { ExecutionService, JobQueues, QueueName, type GarbageCollectionOptions } from '@wharf/jobs';
import { blobKey, parseDigest } from '@wharf/registry-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';
import { readTaskLog, startWorker, waitForExecutionEnd } from '../support/worker-context';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const RUN: GarbageCollectionOptions = { deleteUntagged: false, dryRun: false, workers: 2 };

const storages: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];

describe.each(storages)('garbage collection on %s storage (time window 0)', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let client: RegistryClient;
  let db: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment(storage, { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    client = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  // every GC in this file runs through the launcher and the worker's queue, as the API's would
  const collect = async (options: Partial<GarbageCollectionOptions> = {}) => {
    const executionId = await worker.get(GcLauncher).launch({ ...RUN, ...options }, 'MANUAL');
    const execution = await waitForExecutionEnd(db, executionId);
    return { executionId, execution, log: await readTaskLog(db, executionId) };
  };

  const blobStatus = async (digest: string): Promise<string | null> =>
    (await db.query<{ status: string }>(`SELECT status FROM blob WHERE digest = $1`, [digest])).rows[0]?.status ?? null;
  const storageUsed = async (project = 'library'): Promise<number> =>
    Number((await db.query(`SELECT storage_used FROM project WHERE name = $1`, [project])).rows[0].storage_used);
  const blobStatusCode = async (repository: string, digest: string) => (await client.fetch(`/v2/${repository}/blobs/${digest}`)).status;

  async function pushImageWith(repository: string, tag: string, layers: Descriptor[]): Promise<{ digest: string; manifest: Buffer; config: Descriptor }> {
    const config = { ...(await client.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(8).toString('hex') })))), mediaType: 'application/vnd.oci.image.config.v1+json' };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
    const response = await client.pushManifest(repository, tag, manifest, OCI_MANIFEST);
    expect(response.status).toBe(201);
    return { digest: sha256(manifest), manifest, config };
  }
  const layer = async (repository: string, size = 2048) => ({ ...(await client.pushBlob(repository, randomBytes(size))), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });

  async function expectPullable(repository: string, reference: string): Promise<void> {
    const response = await client.fetch(`/v2/${repository}/manifests/${reference}`, { headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
    expect(response.status).toBe(200);
    const manifest = JSON.parse(await response.text()) as { config?: Descriptor; layers?: Descriptor[] };
    for (const blob of [manifest.config!, ...manifest.layers!]) {
      const got = await client.fetch(`/v2/${repository}/blobs/${blob.digest}`);
      expect(got.status).toBe(200);
      expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(blob.digest);
    }
  }

  it('deletes exactly the blobs no artifact references, gives the quota back, and logs what it deleted', async () => {
    const repo = `library/gc-basic-${storage}`;
    const shared = await layer(repo);
    const onlyA = await layer(repo, 5000);
    const onlyB = await layer(repo);
    const a = await pushImageWith(repo, 'a', [shared, onlyA]);
    const b = await pushImageWith(repo, 'b', [shared, onlyB]);
    const orphan = await layer(repo, 777); // uploaded, never referenced by a manifest
    expect((await client.fetch(`/v2/${repo}/manifests/${a.digest}`, { method: 'DELETE' })).status).toBe(202);
    const usedBefore = await storageUsed();

    const { execution, log } = await collect();

    expect(execution.task_status).toBe('Success');
    const gone = [onlyA.digest, a.config.digest, a.digest, orphan.digest];
    for (const digest of gone) expect(await blobStatus(digest)).toBeNull();
    for (const digest of [shared.digest, onlyB.digest, b.config.digest, b.digest]) expect(await blobStatus(digest)).toBe('none');
    await expectPullable(repo, 'b');
    expect(await blobStatusCode(repo, onlyA.digest)).toBe(404);
    // the orphan's bytes were charged when it was uploaded; A's were given back when A was deleted
    expect(await storageUsed()).toBe(usedBefore - orphan.size);
    for (const digest of gone) expect(log.some((line) => line.includes(digest))).toBe(true);
    expect(execution.progress).toMatchObject({ blobs_deleted: 4, manifests_deleted: 1, bytes_freed: onlyA.size + a.config.size + a.manifest.length + orphan.size, delete_failed: 0 });
    expect(log.at(-1)).toMatch(/^done: deleted 4 blob\(s\) \(1 manifest\(s\)\)/);
  });

  it('a dry run reports exactly what the real run then frees, and changes nothing', async () => {
    const repo = `library/gc-dry-${storage}`;
    const kept = await pushImageWith(repo, 'kept', [await layer(repo)]);
    const dropped = await pushImageWith(repo, 'dropped', [await layer(repo, 3000), await layer(repo, 4000)]);
    const old = await pushImageWith(repo, 'moving', [await layer(repo, 1500)]);
    await pushImageWith(repo, 'moving', [await layer(repo)]); // `old` is now untagged
    await client.fetch(`/v2/${repo}/manifests/${dropped.digest}`, { method: 'DELETE' });
    const statusesBefore = (await db.query(`SELECT digest, status, version FROM blob ORDER BY id`)).rows;

    const dry = await collect({ dryRun: true, deleteUntagged: true });
    expect(dry.execution.task_status).toBe('Success');
    expect((await db.query(`SELECT digest, status, version FROM blob ORDER BY id`)).rows).toEqual(statusesBefore);
    await expectPullable(repo, old.digest);
    expect(dry.log.some((l) => l.includes(`would delete untagged artifact ${repo}@${old.digest}`))).toBe(true);

    const real = await collect({ deleteUntagged: true });
    expect(real.execution.task_status).toBe('Success');
    expect(real.execution.progress.untagged_artifacts).toBe(dry.execution.progress.untagged_artifacts);
    expect(real.execution.progress.untagged_artifacts).toBe(1);
    expect(real.execution.progress.blobs_deleted).toBe(dry.execution.progress.candidates);
    expect(real.execution.progress.bytes_freed).toBe(dry.execution.progress.candidate_bytes);
    const dryLine = dry.log.at(-1)!;
    expect(dryLine).toContain(`would delete ${real.execution.progress.blobs_deleted} blob(s) (${real.execution.progress.manifests_deleted} manifest(s)), freeing ${real.execution.progress.bytes_freed} bytes`);
    expect((await client.fetch(`/v2/${repo}/manifests/${old.digest}`)).status).toBe(404);
    await expectPullable(repo, 'kept');
    await expectPullable(repo, 'moving');
    expect(kept.digest).toBeDefined();
  });

  it('delete_untagged keeps the children of an index and artifacts pushed within the window', async () => {
    const repo = `library/gc-index-${storage}`;
    const amd = await pushImageWith(repo, 'amd64-tmp', [await layer(repo)]);
    const arm = await pushImageWith(repo, 'arm64-tmp', [await layer(repo)]);
    // children are now reachable only through the index
    await client.fetch(`/v2/${repo}/manifests/amd64-tmp`, { method: 'DELETE' });
    await client.fetch(`/v2/${repo}/manifests/arm64-tmp`, { method: 'DELETE' });
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, digest: arm.digest, size: arm.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }));
    expect((await client.pushManifest(repo, 'multi', index, OCI_INDEX)).status).toBe(201);
    const { execution } = await collect({ deleteUntagged: true });
    expect(execution.task_status).toBe('Success');
    await expectPullable(repo, amd.digest);
    await expectPullable(repo, arm.digest);
    expect((await client.fetch(`/v2/${repo}/manifests/multi`, { headers: { accept: OCI_INDEX } })).status).toBe(200);
  });

  it('honours the time window: recently touched blobs stay', async () => {
    const repo = `library/gc-window-${storage}`;
    const recent = await layer(repo);
    const stale = await layer(repo);
    await db.query(`UPDATE blob SET update_time = now() - interval '3 hours' WHERE digest = $1`, [stale.digest]);
    const windowed = await startWorker(environment, { GC_TIME_WINDOW_HOURS: '2' });
    await worker.close();
    try {
      const executionId = await windowed.get(GcLauncher).launch(RUN, 'MANUAL');
      expect((await waitForExecutionEnd(db, executionId)).task_status).toBe('Success');
    } finally {
      await windowed.close();
      worker = await startWorker(environment);
    }
    expect(await blobStatus(stale.digest)).toBeNull();
    expect(await blobStatus(recent.digest)).toBe('none');
    expect(await blobStatusCode(repo, recent.digest)).toBe(200);
  });

  it('a blob reused after it was marked is not swept (compare-and-set), nor one a push references while the sweep waits', async () => {
    const repo = `library/gc-race-${storage}`;
    const reusedByHead = await layer(repo);
    const referencedMidSweep = await layer(repo);
    const sweeper = worker.get(BlobSweeper);
    const cutoff = new Date(Date.now() + 60_000);
    const ids = async (...digests: string[]) => (await db.query<{ id: string }>(`SELECT id FROM blob WHERE digest = ANY($1) ORDER BY id`, [digests])).rows.map((r) => Number(r.id));
    await db.query(`UPDATE blob SET status = 'delete' WHERE digest = ANY($1)`, [[reusedByHead.digest, referencedMidSweep.digest]]);

    // HEAD before a push touches the blob back to `none`: the claim's compare-and-set fails
    expect((await client.fetch(`/v2/${repo}/blobs/${reusedByHead.digest}`, { method: 'HEAD' })).status).toBe(200);
    expect(await sweeper.claim(await ids(reusedByHead.digest), cutoff)).toEqual([]);
    expect(await blobStatus(reusedByHead.digest)).toBe('none');

    // a manifest push holding the row (FOR SHARE, as StoreManifestCommand does) commits its reference while the claim waits
    const push = new Client({ connectionString: environment.config.DATABASE_URL });
    await push.connect();
    try {
      await push.query('BEGIN');
      await push.query(`SELECT 1 FROM blob WHERE digest = $1 FOR SHARE`, [referencedMidSweep.digest]);
      const claim = sweeper.claim(await ids(referencedMidSweep.digest), cutoff);
      await new Promise((r) => setTimeout(r, 300));
      await push.query(`INSERT INTO artifact_blob (digest_af, digest_blob) VALUES ('sha256:pretend', $1)`, [referencedMidSweep.digest]);
      await push.query('COMMIT');
      expect(await claim).toEqual([]);
    } finally {
      await push.end();
    }
    expect(await blobStatus(referencedMidSweep.digest)).toBe('none');
    expect(await blobStatusCode(repo, referencedMidSweep.digest)).toBe(200);
    await db.query(`DELETE FROM artifact_blob WHERE digest_af = 'sha256:pretend'`);
  });

  it('refuses a second collection while one is pending or running', async () => {
    const queue = worker.get(JobQueues).queue(QueueName.GarbageCollection);
    await queue.pause(); // nothing takes the job: the first run stays pending
    let first: number | undefined;
    try {
      first = await worker.get(GcLauncher).launch(RUN, 'MANUAL');
      await expect(worker.get(GcLauncher).launch(RUN, 'SCHEDULE')).rejects.toBeInstanceOf(GcAlreadyRunningError);
    } finally {
      await queue.resume();
    }
    expect((await waitForExecutionEnd(db, first!)).task_status).toBe('Success');
  });

  it('purges upload sessions idle for longer than the window', async () => {
    const repo = `library/gc-uploads-${storage}`;
    const started = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    await client.fetch(started.headers.get('location')!, { method: 'PATCH', body: randomBytes(4096), headers: { 'content-type': 'application/octet-stream' } });
    const { execution } = await collect();
    expect(execution.progress.uploads_purged).toBeGreaterThanOrEqual(1);
    expect((await db.query(`SELECT count(*)::int AS n FROM upload_session`)).rows[0].n).toBe(0);
    expect((await client.fetch(started.headers.get('location')!)).status).toBe(404);
  });

  if (storage === 'filesystem') {
    it('isolates a blob whose storage cannot be deleted: marked deletefailed and reported, the rest deleted, retried next run', async () => {
      const repo = `library/gc-fail-${storage}`;
      const stuck = await layer(repo);
      const fine = await layer(repo);
      // an immutable file (chattr +i): unlink fails for it alone, even for root
      const path = join(environment.config.STORAGE_FS_ROOT, blobKey(parseDigest(stuck.digest)));
      execFileSync('chattr', ['+i', path]);

      const first = await collect();
      expect(first.execution.task_status).toBe('Success');
      expect(first.execution.task_message).toMatch(/1 blob\(s\) could not be deleted/);
      expect(first.execution.progress.delete_failed).toBe(1);
      expect(await blobStatus(stuck.digest)).toBe('deletefailed');
      expect(await blobStatus(fine.digest)).toBeNull();
      expect(first.log.some((l) => l.startsWith(`could not delete blob ${stuck.digest}`))).toBe(true);
      // a deletefailed blob is not served, but its digest can be pushed again
      expect(await blobStatusCode(repo, stuck.digest)).toBe(404);

      execFileSync('chattr', ['-i', path]);
      const second = await collect();
      expect(second.execution.progress.delete_failed).toBe(0);
      expect(await blobStatus(stuck.digest)).toBeNull();
      expect(existsSync(path)).toBe(false);
    });

    it('a stop request ends the run between chunks as Stopped, leaving no blob half-deleted', async () => {
      // enough unreferenced blobs for several chunks (rows and objects written directly: a push each would take minutes)
      const digests: string[] = [];
      for (let i = 0; i < 6000; i += 1) {
        const data = Buffer.from(`orphan ${i} ${randomBytes(8).toString('hex')}`);
        const digest = sha256(data);
        const path = join(environment.config.STORAGE_FS_ROOT, blobKey(parseDigest(digest)));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, data);
        digests.push(digest);
      }
      await db.query(`INSERT INTO blob (digest, size) SELECT unnest($1::varchar[]), 20`, [digests]);
      const repo = `library/gc-stop-${storage}`;
      await pushImageWith(repo, 'kept', [await layer(repo)]);

      const executions = worker.get(ExecutionService);
      const executionId = await worker.get(GcLauncher).launch({ ...RUN, workers: 1 }, 'MANUAL');
      for (;;) {
        const { rows } = await db.query(`SELECT t.progress FROM task t WHERE t.execution_id = $1`, [executionId]);
        if ((rows[0].progress.blobs_deleted ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await executions.requestStop(executionId);
      const execution = await waitForExecutionEnd(db, executionId);
      expect(execution.task_status).toBe('Stopped');
      expect(execution.status).toBe('Stopped');
      const left = (await db.query(`SELECT status, count(*)::int AS n FROM blob WHERE digest = ANY($1) GROUP BY status`, [digests])).rows;
      expect(left.find((r) => r.status === 'deleting')).toBeUndefined();
      expect(left.reduce((n, r) => n + r.n, 0)).toBeGreaterThan(0); // it did stop early
      await expectPullable(repo, 'kept');
      expect((await readTaskLog(db, executionId)).at(-1)).toBe('stopped on request');

      // the next run finishes the job
      const next = await collect();
      expect(next.execution.task_status).toBe('Success');
      expect((await db.query(`SELECT count(*)::int AS n FROM blob WHERE digest = ANY($1)`, [digests])).rows[0].n).toBe(0);
    });
  }
});
