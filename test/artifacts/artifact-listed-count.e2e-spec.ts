import type { INestApplicationContext } from '@nestjs/common';
import { GcLauncher } from '@wharf/gc';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { callApi } from '../support/management-api';
import { RegistryClient, sha256 } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker, waitForExecutionEnd } from '../support/worker-context';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** What the listing shows, counted the slow way: its own condition over every artifact of the repository. */
const EXACT = `SELECT count(*)::int FROM artifact a WHERE a.repository_id = r.repository_id
                 AND (EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id) OR NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id))`;

/**
 * The listed count (migration 1765320000000, X-Total-Count of an unfiltered listing) stays the
 * exact count through every write: pushes of images and indexes, tags added, moved and removed,
 * artifacts deleted (/v2, management API, deep), GC's delete_untagged, a repository deleted, a
 * burst of concurrent pushes into one repository, and the races it locks against.
 */
describe('listed artifact count kept by triggers', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let registry: RegistryClient;
  let db: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'counted' } })).status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  /** Every repository's kept count next to its exact one; and the hidden set is exactly the untagged index children. */
  async function expectExact(): Promise<void> {
    const counts = await db.query(
      `SELECT r.name, (${EXACT}) AS exact, (SELECT COALESCE(sum(c.listed), 0)::int FROM artifact_listed_count c WHERE c.repository_id = r.repository_id) AS kept
         FROM repository r ORDER BY r.name`,
    );
    expect(counts.rows.map((r) => `${r.name} ${r.kept}`)).toEqual(counts.rows.map((r) => `${r.name} ${r.exact}`));
    const stray = await db.query(
      `SELECT u.artifact_id FROM artifact_unlisted u
        WHERE NOT EXISTS (SELECT 1 FROM artifact a WHERE a.id = u.artifact_id AND a.repository_id = u.repository_id
                            AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id) AND EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id))`,
    );
    expect(stray.rows).toEqual([]);
  }

  async function listedTotal(repository: string): Promise<number> {
    const answer = await callApi(api.url, 'GET', `/projects/counted/repositories/${repository}/artifacts?page_size=15&with_tag=true`);
    expect(answer.status).toBe(200);
    return Number(answer.headers.get('x-total-count'));
  }

  async function image(repository: string, reference: string | null): Promise<{ digest: string; size: number; body: Buffer }> {
    const config = await registry.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })));
    const layer = await registry.pushBlob(repository, randomBytes(200));
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }),
    );
    const digest = sha256(body);
    const response = await registry.pushManifest(repository, reference ?? digest, body, OCI_MANIFEST);
    expect(response.status).toBe(201);
    return { digest, size: body.length, body };
  }

  async function index(repository: string, reference: string | null, children: { digest: string; size: number }[]): Promise<{ digest: string; size: number }> {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((c, i) => ({ mediaType: OCI_MANIFEST, digest: c.digest, size: c.size, platform: { architecture: `arch${i}`, os: 'linux' } })),
      }),
    );
    const digest = sha256(body);
    const response = await registry.pushManifest(repository, reference ?? digest, body, OCI_INDEX);
    expect(response.status).toBe(201);
    return { digest, size: body.length };
  }

  const artifactPath = (repository: string, reference: string) => `/projects/counted/repositories/${repository}/artifacts/${reference}`;

  it('equals the exact count after pushes, index children, tag moves and deletes, artifact deletes and GC', async () => {
    const repo = 'counted/app';
    const images = [await image(repo, 'v1'), await image(repo, 'v2'), await image(repo, null)];
    await expectExact();
    expect(await listedTotal('app')).toBe(3);

    // an index naming two untagged children and a tagged one: the untagged ones leave the listing
    const [a, b] = [await image(repo, null), await image(repo, null)];
    expect(await listedTotal('app')).toBe(5);
    const first = await index(repo, 'multi', [a, b, images[0]]);
    await expectExact();
    expect(await listedTotal('app')).toBe(4);

    // a second index sharing a child: still hidden once
    const second = await index(repo, 'multi2', [a]);
    await expectExact();
    expect(await listedTotal('app')).toBe(5);

    // tagging a hidden child shows it, removing the tag hides it again
    expect((await callApi(api.url, 'POST', `${artifactPath('app', a.digest)}/tags`, { body: { name: 'child' } })).status).toBe(201);
    await expectExact();
    expect(await listedTotal('app')).toBe(6);
    expect((await callApi(api.url, 'DELETE', `${artifactPath('app', a.digest)}/tags/child`)).status).toBe(200);
    await expectExact();
    expect(await listedTotal('app')).toBe(5);

    // a tag moved by a push onto a hidden child (v2 leaves images[1], which stays listed as untagged and unnamed)
    expect((await registry.pushManifest(repo, 'v2', b.body, OCI_MANIFEST)).status).toBe(201);
    await expectExact();
    expect(await listedTotal('app')).toBe(6);

    // the second index goes (/v2): a stays hidden by the first
    expect((await registry.fetch(`/v2/${repo}/manifests/${second.digest}`, { method: 'DELETE' })).status).toBe(202);
    await expectExact();
    expect(await listedTotal('app')).toBe(5);

    // the first index's tag goes, then GC's delete_untagged takes the index and its untagged children
    expect((await callApi(api.url, 'DELETE', `${artifactPath('app', first.digest)}/tags/multi`)).status).toBe(200);
    await expectExact();
    const executionId = await worker.get(GcLauncher).launch({ deleteUntagged: true, dryRun: false, workers: 1 }, 'MANUAL');
    expect((await waitForExecutionEnd(db, executionId)).task_status).toBe('Success');
    await expectExact();

    // a management API delete of a tagged image
    expect((await callApi(api.url, 'DELETE', artifactPath('app', images[0].digest))).status).toBe(200);
    await expectExact();
    const [left] = (await db.query(`SELECT count(*)::int AS n FROM artifact WHERE repository_name = $1`, [repo])).rows;
    expect(await listedTotal('app')).toBe(left.n);

    // a deleted repository takes its count with it
    expect((await callApi(api.url, 'DELETE', '/projects/counted/repositories/app')).status).toBe(200);
    expect((await db.query(`SELECT * FROM artifact_listed_count c WHERE NOT EXISTS (SELECT 1 FROM repository r WHERE r.repository_id = c.repository_id)`)).rows).toEqual([]);
    expect((await db.query(`SELECT * FROM artifact_unlisted`)).rows).toEqual([]);
    await expectExact();
  });

  it('equals the exact count after a burst of concurrent pushes into one repository: images, indexes sharing children, tag deletes', async () => {
    const repo = 'counted/burst';
    const shared = await Promise.all(Array.from({ length: 4 }, () => image(repo, null)));
    await Promise.all([
      ...Array.from({ length: 24 }, (_, i) => image(repo, `t${i}`)),
      // indexes naming the same children in different orders, pushed side by side
      ...Array.from({ length: 8 }, (_, i) => index(repo, i % 2 ? `idx${i}` : null, i % 2 ? [...shared].reverse() : shared)),
      // one tag moved from image to image by each push
      ...Array.from({ length: 8 }, () => image(repo, 'moving')),
    ]);
    await expectExact();
    // tags added to and removed from the shared children while indexes naming them are pushed
    await Promise.all([
      ...shared.map((child, i) => callApi(api.url, 'POST', `${artifactPath('burst', child.digest)}/tags`, { body: { name: `shared${i}` } })),
      ...Array.from({ length: 4 }, (_, i) => index(repo, `late${i}`, [shared[i], shared[(i + 1) % 4]])),
      ...Array.from({ length: 6 }, (_, i) => callApi(api.url, 'DELETE', `${artifactPath('burst', `t${i}`)}/tags/t${i}`)),
    ]);
    await expectExact();
    await Promise.all(shared.map((child, i) => callApi(api.url, 'DELETE', `${artifactPath('burst', child.digest)}/tags/shared${i}`)));
    await expectExact();
    const [exact] = (await db.query(`SELECT (${EXACT}) AS n FROM repository r WHERE r.name = $1`, [repo])).rows;
    expect(await listedTotal('burst')).toBe(exact.n);
  });

  describe('races on one artifact (two transactions side by side)', () => {
    let other: Client;
    let repositoryId: number;
    let projectId: number;

    beforeAll(async () => {
      other = new Client({ connectionString: environment.env.DATABASE_URL });
      await other.connect();
      [{ project_id: projectId }] = (await db.query(`SELECT project_id FROM project WHERE name = 'counted'`)).rows;
      [{ repository_id: repositoryId }] = (await db.query(`INSERT INTO repository (project_id, name) VALUES ($1, 'counted/races') RETURNING repository_id`, [projectId])).rows;
    });

    afterAll(async () => {
      await other?.end();
    });

    async function artifact(): Promise<number> {
      const rows = await db.query(
        `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, size, manifest)
         VALUES ($1, $2, 'counted/races', $3, '${OCI_MANIFEST}', 1, '\\x7b7d'::bytea) RETURNING id`,
        [projectId, repositoryId, sha256(randomBytes(16))],
      );
      return Number(rows.rows[0].id);
    }

    /** Runs `first` in one transaction, then `second` in another while the first is open (it may wait), then commits both. */
    async function sideBySide(first: string, second: string, params: [unknown[], unknown[]]): Promise<void> {
      await db.query('BEGIN');
      await other.query('BEGIN');
      await db.query(first, params[0]);
      const waiting = other.query(second, params[1]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await db.query('COMMIT');
      await waiting;
      await other.query('COMMIT');
    }

    it('a tag and a reference written to the same untagged child at once', async () => {
      const parent = await artifact();
      const child = await artifact();
      await sideBySide(
        `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'raced')`,
        `INSERT INTO artifact_reference (parent_id, child_id, child_digest) VALUES ($1, $2, 'x')`,
        [[repositoryId, child], [parent, child]],
      );
      await expectExact();
      // the other way round: the reference first, then the tag removed
      const parent2 = await artifact();
      await sideBySide(
        `INSERT INTO artifact_reference (parent_id, child_id, child_digest) VALUES ($1, $2, 'x')`,
        `DELETE FROM tag WHERE artifact_id = $1`,
        [[parent2, child], [child]],
      );
      await expectExact();
    });

    it('two tags written to one hidden child, in one statement and in two transactions', async () => {
      const parent = await artifact();
      const child = await artifact();
      await db.query(`INSERT INTO artifact_reference (parent_id, child_id, child_digest) VALUES ($1, $2, 'x')`, [parent, child]);
      await expectExact();
      await db.query(`INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'one'), ($1, $2, 'two')`, [repositoryId, child]);
      await expectExact();
      await db.query(`DELETE FROM tag WHERE artifact_id = $1`, [child]);
      await expectExact();
      await sideBySide(
        `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'three')`,
        `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'four')`,
        [[repositoryId, child], [repositoryId, child]],
      );
      await expectExact();
      await sideBySide(`DELETE FROM tag WHERE name = 'three'`, `DELETE FROM tag WHERE name = 'four'`, [[], []]);
      await expectExact();
      // a tag moved from a listed image onto the hidden child (UPDATE of artifact_id), and an artifact and its references deleted in one go
      const image = await artifact();
      await db.query(`INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'moved')`, [repositoryId, image]);
      await db.query(`UPDATE tag SET artifact_id = $1 WHERE name = 'moved'`, [child]);
      await expectExact();
      await db.query(`DELETE FROM tag WHERE name = 'moved'`);
      await db.query(`BEGIN`);
      await db.query(`DELETE FROM artifact_reference WHERE parent_id = $1`, [parent]);
      await db.query(`DELETE FROM artifact WHERE id = ANY($1::bigint[])`, [[parent, child]]);
      await db.query(`COMMIT`);
      await expectExact();
    });
  });
});
