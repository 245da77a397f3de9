import type { INestApplicationContext } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { callApi, type ApiAnswer } from '../support/management-api';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { TEST_ADMIN } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker, waitForExecutionEnd } from '../support/worker-context';

/**
 * The quota ledger's invariant under a randomized, concurrent run (issue 12, item 4): clients
 * push images (blobs monolithic, chunked, POST-then-PUT or mounted from another repository,
 * layers shared across repositories and projects), delete manifests, tags and blobs, copy
 * artifacts across projects and mount across projects, into projects with small quotas so that
 * some are refused, while GC runs (a zero time window, so it also races uploads). Each client's
 * choices and the layers' bytes come from generators seeded from one seed (printed;
 * WHARF_QUOTA_SEED reuses one); the interleaving, and so what there is to pick from, is the machine's.
 *
 * At the end, after a last GC with nothing else running, for every project:
 * - usage (the ledger's column, and /api/v2.0's summary) is the sum of the sizes of its
 *   `project_blob` blobs, and never above its limit;
 * - what it is charged for is every distinct blob its artifacts reference (manifests
 *   included), plus the blobs uploaded or mounted into it that none of its own manifests uses:
 *   quota is what a project holds, charged from the upload on, not only what its manifests
 *   name. GC collects such a blob, and gives its quota back, once no artifact of any project
 *   references it; one that another project's artifact keeps stays charged here until a blob
 *   DELETE. (A blob DELETE of a blob an artifact still references unlinks it as well, as
 *   distribution does: usage then drops below the artifacts' sum. The run deletes only blobs no
 *   manifest names, so the equality it checks stays exact.)
 * - every refusal a client was told (403 naming the quota) is one QUOTA_EXCEED event of that
 *   project, and there is no other.
 */
const CLIENTS = 4;
const OPERATIONS_PER_CLIENT = 45;
const PROJECTS: Record<string, number> = { qa: 30_000, qb: 45_000, qc: 18_000, qd: -1 };
const REPOSITORIES = ['one', 'two'];
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

interface Pushed {
  project: string;
  repository: string;
  digest: string;
  tag: string;
}

/** mulberry32: a small seeded generator, so a failing run can be replayed choice for choice. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Chooser = ReturnType<typeof chooser>;

function chooser(random: () => number) {
  const below = (n: number) => Math.floor(random() * n);
  return { below, pick: <T>(items: readonly T[]): T | undefined => (items.length ? items[below(items.length)] : undefined) };
}

describe('quota ledger: usage stays the sum of each project blobs under concurrent pushes, deletes, copies, mounts and GC', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Client;
  let registry: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> => callApi(api.url, method, path, { body, auth: TEST_ADMIN });

  async function runGc(deleteUntagged: boolean): Promise<string> {
    const answer = await call('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { delete_untagged: deleteUntagged, dry_run: false } });
    if (answer.status !== 201) throw new Error(`GC launch: ${answer.status} ${answer.text}`);
    const executionId = Number(answer.headers.get('location')!.split('/').pop());
    return (await waitForExecutionEnd(db, executionId, 300_000)).task_status;
  }

  it('keeps usage equal to the blobs each project holds, refusals and events one for one', async () => {
    const seed = Number(process.env.WHARF_QUOTA_SEED ?? randomInt(2 ** 31));
    console.log(`quota ledger run: seed ${seed} (WHARF_QUOTA_SEED=${seed} replays its choices)`);
    // the setup draws from one generator, each client from its own: its choices do not depend on the others' timing
    const setup = chooser(seededRandom(seed));
    const bytes = (size: number) => Buffer.from(Array.from({ length: size }, () => setup.below(256)));

    for (const [name, limit] of Object.entries(PROJECTS)) {
      expect((await call('POST', '/projects', { project_name: name, storage_limit: limit })).status).toBe(201);
    }
    const projects = Object.keys(PROJECTS);
    const repositories = projects.flatMap((p) => REPOSITORIES.map((r) => `${p}/${r}`));
    // layers shared by pushes everywhere
    const layers = Array.from({ length: 14 }, () => bytes(800 + setup.below(5200)));
    // blobs uploaded and mounted but never named by a manifest: what blob DELETEs remove
    const loose = Array.from({ length: 6 }, () => bytes(500 + setup.below(3000)));
    /** where each blob was last seen stored: a source for mounts */
    const seenIn = new Map<string, Set<string>>();
    const pushed: Pushed[] = [];
    const refusals = new Map<string, number>(projects.map((p) => [p, 0]));
    const counts: Record<string, number> = {};
    const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
    let tags = 0;

    /** A 403 naming the quota is a refusal of `project`; returns whether the answer was one. */
    async function refused(project: string, response: Response | ApiAnswer): Promise<boolean> {
      if (response.status !== 403) return false;
      const text = response instanceof Response ? await response.text() : response.text;
      if (!/quota exceeded/.test(text)) return false;
      refusals.set(project, refusals.get(project)! + 1);
      count('refusals');
      return true;
    }

    const seen = (repository: string, digest: string) => {
      if (!seenIn.has(digest)) seenIn.set(digest, new Set());
      seenIn.get(digest)!.add(repository);
    };

    /** Sends one blob the way `style` says; false when it did not end stored (refused, collected meanwhile...). */
    async function sendBlob(c: Chooser, repository: string, data: Buffer, style: number): Promise<boolean> {
      const project = repository.split('/')[0];
      const digest = sha256(data);
      if (style === 0) {
        const source = c.pick([...(seenIn.get(digest) ?? [])].filter((r) => r !== repository));
        if (source) {
          const mounted = await registry.fetch(`/v2/${repository}/blobs/uploads/?mount=${digest}&from=${source}`, { method: 'POST' });
          if (await refused(project, mounted)) return false;
          if (mounted.status === 201) return count('mounts'), seen(repository, digest), true;
          // not mountable (collected, or deleted there): the spec's fallback is an upload session
          if (mounted.status === 202) await registry.fetch(mounted.headers.get('location')!, { method: 'DELETE' });
        }
      }
      if (style === 1) {
        const started = await registry.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
        if (started.status !== 202) throw new Error(`upload start ${started.status}`);
        const half = Math.floor(data.length / 2);
        const patched = await registry.fetch(started.headers.get('location')!, {
          method: 'PATCH',
          body: data.subarray(0, half),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` },
        });
        if (await refused(project, patched)) return false;
        // GC purges idle upload sessions too, and with a zero window this one may go between requests
        if (patched.status === 404) return count('uploadPurged'), false;
        if (patched.status !== 202) throw new Error(`PATCH ${patched.status} ${await patched.text()}`);
        const location = new URL(patched.headers.get('location')!, api.url);
        location.searchParams.set('digest', digest);
        const finished = await registry.fetch(`${location.pathname}${location.search}`, {
          method: 'PUT',
          body: data.subarray(half),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${half}-${data.length - 1}` },
        });
        if (await refused(project, finished)) return false;
        return finished.status === 201 && (count('chunked'), seen(repository, digest), true);
      }
      if (style === 2) {
        // POST, then the whole blob in the PUT
        const started = await registry.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
        if (started.status !== 202) throw new Error(`upload start ${started.status}`);
        const location = new URL(started.headers.get('location')!, api.url);
        location.searchParams.set('digest', digest);
        const put = await registry.fetch(`${location.pathname}${location.search}`, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
        if (await refused(project, put)) return false;
        return put.status === 201 && (count('postPut'), seen(repository, digest), true);
      }
      const response = await registry.fetch(`/v2/${repository}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
      if (await refused(project, response)) return false;
      return response.status === 201 && (count('monolithic'), seen(repository, digest), true);
    }

    async function push(c: Chooser): Promise<void> {
      const repository = c.pick(repositories)!;
      const project = repository.split('/')[0];
      const chosen = [...new Set(Array.from({ length: 1 + c.below(3) }, () => c.below(layers.length)))].map((i) => layers[i]);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: c.below(2 ** 30) }));
      for (const blob of [config, ...chosen]) {
        if (!(await sendBlob(c, repository, blob, c.below(4)))) return void count('pushAbandoned');
      }
      const descriptor = (data: Buffer, mediaType: string): Descriptor => ({ mediaType, digest: sha256(data), size: data.length });
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, CONFIG), layers: chosen.map((l) => descriptor(l, LAYER)) }));
      const tag = `t${(tags += 1)}`;
      const response = await registry.pushManifest(repository, tag, manifest, OCI_MANIFEST);
      if (await refused(project, response)) return;
      if (response.status === 201) {
        pushed.push({ project, repository, digest: sha256(manifest), tag });
        seen(repository, sha256(manifest));
        count('pushes');
      } else {
        // a layer GC took between its upload and the manifest (zero window): the client would upload it again
        expect([response.status, (await response.text()).includes('MANIFEST_BLOB_UNKNOWN')]).toEqual([400, true]);
        count('manifestBlobUnknown');
      }
    }

    async function deleteManifest(c: Chooser): Promise<void> {
      const image = c.pick(pushed);
      if (!image) return;
      const response = await registry.fetch(`/v2/${image.repository}/manifests/${image.digest}`, { method: 'DELETE' });
      expect([202, 404]).toContain(response.status);
      if (response.status === 202) count('manifestDeletes');
    }

    async function deleteTag(c: Chooser): Promise<void> {
      const image = c.pick(pushed);
      if (!image) return;
      const response = await registry.fetch(`/v2/${image.repository}/manifests/${image.tag}`, { method: 'DELETE' });
      expect([202, 404]).toContain(response.status);
      if (response.status === 202) count('tagDeletes');
    }

    async function uploadLoose(c: Chooser): Promise<void> {
      await sendBlob(c, c.pick(repositories)!, c.pick(loose)!, c.below(4));
    }

    async function deleteBlob(c: Chooser): Promise<void> {
      const digest = sha256(c.pick(loose)!);
      // mostly where it was stored, so the DELETE usually finds it
      const repository = c.below(4) > 0 ? (c.pick([...(seenIn.get(digest) ?? [])]) ?? c.pick(repositories)!) : c.pick(repositories)!;
      const response = await registry.fetch(`/v2/${repository}/blobs/${digest}`, { method: 'DELETE' });
      expect([202, 404]).toContain(response.status);
      if (response.status === 202) count('blobDeletes');
    }

    async function copy(c: Chooser): Promise<void> {
      const image = c.pick(pushed);
      if (!image) return;
      const project = c.pick(projects.filter((p) => p !== image.project))!;
      const repository = c.pick(REPOSITORIES)!;
      const answer = await call('POST', `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts?from=${encodeURIComponent(`${image.repository}@${image.digest}`)}`);
      if (await refused(project, answer)) return;
      // gone meanwhile (404), or some of its blobs collected or unlinked at the source (409)
      expect([201, 404, 409]).toContain(answer.status);
      if (answer.status === 201) {
        pushed.push({ project, repository: `${project}/${repository}`, digest: image.digest, tag: image.tag });
        count('copies');
      }
    }

    async function mountAcrossProjects(c: Chooser): Promise<void> {
      const digest = sha256(c.pick([...layers, ...loose])!);
      const source = c.pick([...(seenIn.get(digest) ?? [])]);
      if (!source) return;
      const repository = c.pick(repositories.filter((r) => r.split('/')[0] !== source.split('/')[0]))!;
      const response = await registry.fetch(`/v2/${repository}/blobs/uploads/?mount=${digest}&from=${source}`, { method: 'POST' });
      if (await refused(repository.split('/')[0], response)) return;
      if (response.status === 201) return void (count('crossMounts'), seen(repository, digest));
      expect(response.status).toBe(202);
      await registry.fetch(response.headers.get('location')!, { method: 'DELETE' });
    }

    const operations: [number, (c: Chooser) => Promise<void>][] = [[40, push], [8, deleteManifest], [8, deleteTag], [6, uploadLoose], [8, deleteBlob], [12, copy], [10, mountAcrossProjects]];
    const total = operations.reduce((n, [weight]) => n + weight, 0);
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      const c = chooser(seededRandom(seed + client + 1));
      for (let i = 0; i < OPERATIONS_PER_CLIENT; i += 1) {
        let roll = c.below(total);
        await operations.find(([weight]) => (roll -= weight) < 0)![1](c);
      }
    });
    // a collection while the clients run (delete_untagged: GC's own artifact removal gives quota back too)
    const collector = (async () => {
      while (pushed.length < 10) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await runGc(true)).toBe('Success');
      count('gcRuns');
    })();
    await Promise.all([...clients, collector]);
    expect(await runGc(false)).toBe('Success');
    console.log(`quota ledger run (seed ${seed}): ${JSON.stringify(counts)}`);

    // the run did what it is meant to: pushes, refusals, copies, mounts and deletes of every kind
    expect(counts.pushes).toBeGreaterThan(10);
    expect(counts.refusals).toBeGreaterThan(0);
    expect((counts.copies ?? 0) + (counts.crossMounts ?? 0)).toBeGreaterThan(0);
    expect((counts.manifestDeletes ?? 0) + (counts.tagDeletes ?? 0) + (counts.blobDeletes ?? 0)).toBeGreaterThan(0);

    const referencedAnywhere = new Set(
      (await db.query<{ digest: string }>(`SELECT DISTINCT ab.digest_blob AS digest FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest`)).rows.map((r) => r.digest),
    );
    const events = new Map(
      (await db.query<{ project_name: string; n: number }>(`SELECT project_name, count(*)::int AS n FROM event_outbox WHERE event_type = 'QUOTA_EXCEED' GROUP BY project_name`)).rows.map((r) => [r.project_name, r.n]),
    );
    for (const project of projects) {
      const row = (await db.query<{ id: number; used: string; limit: string }>(`SELECT project_id AS id, storage_used AS used, storage_limit AS limit FROM project WHERE name = $1`, [project])).rows[0];
      const used = Number(row.used);
      const linked = new Map(
        (await db.query<{ digest: string; size: string }>(`SELECT b.digest, b.size FROM project_blob pb JOIN blob b ON b.id = pb.blob_id WHERE pb.project_id = $1`, [row.id])).rows.map((r) => [r.digest, Number(r.size)]),
      );
      const referenced = new Map(
        (
          await db.query<{ digest: string; size: string }>(
            `SELECT DISTINCT b.digest, b.size FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest JOIN blob b ON b.digest = ab.digest_blob WHERE a.project_id = $1`,
            [row.id],
          )
        ).rows.map((r) => [r.digest, Number(r.size)]),
      );
      const sum = (sizes: Iterable<number>) => [...sizes].reduce((a, b) => a + b, 0);

      // usage is exactly what the project holds, in the database and in /api/v2.0's answer
      expect([project, used]).toEqual([project, sum(linked.values())]);
      expect([project, (await call('GET', `/projects/${project}/summary`)).json.quota.used.storage]).toEqual([project, used]);
      if (PROJECTS[project] >= 0) expect(used).toBeLessThanOrEqual(PROJECTS[project]);

      // everything its artifacts reference is charged (blob DELETEs here only remove blobs no manifest names)
      expect([project, [...referenced.keys()].filter((d) => !linked.has(d))]).toEqual([project, []]);
      // what it holds beyond that is a blob another project's artifact keeps (GC took the rest, loose blobs included)
      const strays = [...linked.keys()].filter((d) => !referenced.has(d));
      expect([project, strays.filter((d) => !referencedAnywhere.has(d))]).toEqual([project, []]);
      // so usage is the distinct blobs its artifacts reference, plus those strays
      expect([project, used]).toEqual([project, sum(referenced.values()) + sum(strays.map((d) => linked.get(d)!))]);

      // one QUOTA_EXCEED event for every refusal a client was told, and no other
      expect([project, events.get(project) ?? 0]).toEqual([project, refusals.get(project)]);
    }
    const operators = await db.query<{ operator: string }>(`SELECT DISTINCT payload->>'operator' AS operator FROM event_outbox WHERE event_type = 'QUOTA_EXCEED'`);
    expect(operators.rows).toEqual([{ operator: 'admin' }]);
  }, 600_000);
});
