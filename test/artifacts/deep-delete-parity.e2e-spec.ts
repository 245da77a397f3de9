import type { INestApplicationContext } from '@nestjs/common';
import { GcLauncher } from '@wharf/gc';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { callApi } from '../support/management-api';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker, waitForExecutionEnd } from '../support/worker-context';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/** A project's content, each digest under the role it plays (so three projects compare "modulo names"). */
interface Built {
  project: string;
  repository: string;
  /** digest -> role */
  roles: Map<string, string>;
  index: string;
}

/** What a project holds, every digest replaced by its role and every name by its place. */
interface State {
  artifacts: string[];
  tags: string[];
  references: string[];
  artifactBlobs: string[];
  projectBlobs: string[];
  labels: string[];
  storageUsed: number;
  linkedBytes: number;
}

/** What the deep delete announced: type, repository within the project, role, tags. */
type EventSeen = string;

/**
 * The deep delete is one command whoever calls it: the same content (an index with two
 * children, one of them shared with another tagged index, a tagged signature whose subject is
 * the index, labels) built in three projects, deleted through a /v2 manifest DELETE, the
 * management API's artifact DELETE and GC's delete_untagged, leaves the same rows, events and
 * quota behind; and what it leaves is exactly the other index with its two children.
 */
describe('deep delete parity: /v2, management API and GC delete_untagged', () => {
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
    for (const project of ['via-v2', 'via-api', 'via-gc']) expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: project } })).status).toBe(201);
    for (const name of ['reviewed', 'signed-off']) expect((await callApi(api.url, 'POST', '/labels', { body: { name, scope: 'g' } })).status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  async function blob(built: Built, role: string, data: Buffer, mediaType: string): Promise<Descriptor> {
    const pushed = await registry.pushBlob(built.repository, data);
    built.roles.set(pushed.digest, role);
    return { ...pushed, mediaType };
  }

  async function manifest(built: Built, role: string, reference: string | null, body: object, mediaType = OCI_MANIFEST): Promise<{ digest: string; size: number }> {
    const bytes = Buffer.from(JSON.stringify(body));
    const digest = sha256(bytes);
    expect((await registry.pushManifest(built.repository, reference ?? digest, bytes, mediaType)).status).toBe(201);
    built.roles.set(digest, role);
    return { digest, size: bytes.length };
  }

  async function image(built: Built, role: string): Promise<{ digest: string; size: number }> {
    // random content of fixed sizes: distinct digests in each project, identical sizes (so quota compares exactly)
    const config = await blob(built, `${role}.config`, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })), 'application/vnd.oci.image.config.v1+json');
    const layer = await blob(built, `${role}.layer`, randomBytes(1000), 'application/vnd.oci.image.layer.v1.tar+gzip');
    return manifest(built, role, null, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
  }

  const indexOf = (children: { digest: string; size: number }[]) => ({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c, i) => ({ mediaType: OCI_MANIFEST, digest: c.digest, size: c.size, platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' } })),
  });

  async function label(built: Built, digest: string, name: string): Promise<void> {
    const id = (await db.query<{ id: string }>(`SELECT id FROM label WHERE name = $1`, [name])).rows[0].id;
    const path = `/projects/${built.project}/repositories/app/artifacts/${digest}/labels`;
    expect((await callApi(api.url, 'POST', path, { body: { id: Number(id) } })).status).toBe(200);
  }

  /** The content every path deletes: `index` (tag v1, labelled, signed) and `other` (tag keep) share one child. */
  async function build(project: string): Promise<Built> {
    const built: Built = { project, repository: `${project}/app`, roles: new Map(), index: '' };
    const own = await image(built, 'own-child');
    const shared = await image(built, 'shared-child');
    const otherChild = await image(built, 'other-child');
    const index = await manifest(built, 'index', 'v1', indexOf([own, shared]), OCI_INDEX);
    const other = await manifest(built, 'other-index', 'keep', indexOf([shared, otherChild]), OCI_INDEX);
    const sigConfig = await blob(built, 'signature.config', Buffer.from(`{"nonce":"${randomBytes(8).toString('hex')}"}`), 'application/vnd.oci.empty.v1+json');
    const sigPayload = await blob(built, 'signature.payload', randomBytes(300), 'application/octet-stream');
    const signature = await manifest(built, 'signature', 'index-signature', {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: COSIGN,
      config: sigConfig,
      layers: [sigPayload],
      subject: { mediaType: OCI_INDEX, digest: index.digest, size: index.size },
    });
    await label(built, index.digest, 'reviewed');
    await label(built, signature.digest, 'signed-off');
    await label(built, other.digest, 'reviewed');
    built.index = index.digest;
    // every path deletes an untagged index (delete_untagged cannot see a tagged one): the same state for all three
    expect((await callApi(api.url, 'DELETE', `/projects/${project}/repositories/app/artifacts/${index.digest}/tags/v1`)).status).toBe(200);
    return built;
  }

  async function state(built: Built): Promise<State> {
    const role = (digest: string) => built.roles.get(digest) ?? `unknown ${digest}`;
    const rows = async (sql: string) => (await db.query(sql, [built.project])).rows;
    const sorted = (list: string[]) => list.sort();
    const artifacts = await rows(`SELECT a.digest, a.media_type, a.type FROM artifact a JOIN project p ON p.project_id = a.project_id WHERE p.name = $1`);
    const quota = (
      await db.query(
        `SELECT p.storage_used, (SELECT COALESCE(sum(b.size), 0) FROM project_blob pb JOIN blob b ON b.id = pb.blob_id WHERE pb.project_id = p.project_id) AS linked
           FROM project p WHERE p.name = $1`,
        [built.project],
      )
    ).rows[0];
    return {
      artifacts: sorted(artifacts.map((a) => `${role(a.digest)} ${a.media_type} ${a.type}`)),
      tags: sorted((await rows(`SELECT a.digest, t.name FROM tag t JOIN artifact a ON a.id = t.artifact_id JOIN project p ON p.project_id = a.project_id WHERE p.name = $1`)).map((t) => `${role(t.digest)}:${t.name}`)),
      references: sorted(
        (
          await rows(
            `SELECT pa.digest AS parent, c.digest AS child, ar.platform FROM artifact_reference ar JOIN artifact pa ON pa.id = ar.parent_id JOIN artifact c ON c.id = ar.child_id
               JOIN project p ON p.project_id = pa.project_id WHERE p.name = $1`,
          )
        ).map((r) => `${role(r.parent)} -> ${role(r.child)} ${JSON.stringify(r.platform)}`),
      ),
      // keyed by digest across projects: the rows of every artifact this project held
      artifactBlobs: sorted(
        (await db.query(`SELECT digest_af, digest_blob FROM artifact_blob WHERE digest_af = ANY($1) OR digest_blob = ANY($1)`, [[...built.roles.keys()]])).rows.map(
          (r) => `${role(r.digest_af)} needs ${role(r.digest_blob)}`,
        ),
      ),
      projectBlobs: sorted((await rows(`SELECT b.digest FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id WHERE p.name = $1`)).map((b) => role(b.digest))),
      labels: sorted(
        (
          await rows(`SELECT a.digest, l.name FROM artifact_label al JOIN label l ON l.id = al.label_id JOIN artifact a ON a.id = al.artifact_id JOIN project p ON p.project_id = a.project_id WHERE p.name = $1`)
        ).map((l) => `${role(l.digest)} ${l.name}`),
      ),
      storageUsed: Number(quota.storage_used),
      linkedBytes: Number(quota.linked),
    };
  }

  async function lastEventId(): Promise<string> {
    return (await db.query<{ id: string }>(`SELECT COALESCE(max(id), 0)::text AS id FROM event_outbox`)).rows[0].id;
  }

  async function eventsSince(built: Built, after: string): Promise<EventSeen[]> {
    const rows = (await db.query<{ event_type: string; payload: { repository: string; digest: string; tags: string[]; operator: string } }>(
      `SELECT event_type, payload FROM event_outbox WHERE id > $1 AND project_name = $2 ORDER BY id`,
      [after, built.project],
    )).rows;
    return rows
      .map((e) => `${e.event_type} ${e.payload.repository.replace(`${built.project}/`, '<project>/')} ${built.roles.get(e.payload.digest) ?? e.payload.digest} [${e.payload.tags.join(',')}]`)
      .sort();
  }

  it('leaves identical rows, events and quota whichever way the index goes', async () => {
    const viaV2 = await build('via-v2');
    const viaApi = await build('via-api');
    const viaGc = await build('via-gc');
    const before = await state(viaV2);
    expect(await state(viaApi)).toEqual(before);
    expect(await state(viaGc)).toEqual(before);

    let mark = await lastEventId();
    expect((await registry.fetch(`/v2/${viaV2.repository}/manifests/${viaV2.index}`, { method: 'DELETE' })).status).toBe(202);
    const v2Events = await eventsSince(viaV2, mark);

    mark = await lastEventId();
    expect((await callApi(api.url, 'DELETE', `/projects/${viaApi.project}/repositories/app/artifacts/${viaApi.index}`)).status).toBe(200);
    const apiEvents = await eventsSince(viaApi, mark);

    mark = await lastEventId();
    const executionId = await worker.get(GcLauncher).launch({ deleteUntagged: true, dryRun: false, workers: 1 }, 'MANUAL');
    const execution = await waitForExecutionEnd(db, executionId);
    expect(execution.task_status).toBe('Success');
    expect(execution.progress.untagged_artifacts).toBe(1);
    const gcEvents = await eventsSince(viaGc, mark);
    const gcOperators = (await db.query(`SELECT DISTINCT payload->>'operator' AS operator FROM event_outbox WHERE id > $1 AND project_name = $2`, [mark, viaGc.project])).rows;

    // what every path must leave: the other index and its two children, with their tags, labels and blobs
    const after = await state(viaV2);
    expect(after.artifacts.map((a) => a.split(' ')[0])).toEqual(['other-child', 'other-index', 'shared-child']);
    expect(after.tags).toEqual(['other-index:keep']);
    expect(after.references.map((r) => r.split(' {')[0])).toEqual(['other-index -> other-child', 'other-index -> shared-child']);
    expect(after.labels).toEqual(['other-index reviewed']);
    expect(after.projectBlobs).toEqual(['other-child', 'other-child.config', 'other-child.layer', 'other-index', 'shared-child', 'shared-child.config', 'shared-child.layer']);
    expect(after.storageUsed).toBe(after.linkedBytes);
    expect(after.storageUsed).toBeLessThan(before.storageUsed);
    expect(v2Events).toEqual(['DELETE_ARTIFACT <project>/app index []', 'DELETE_ARTIFACT <project>/app own-child []', 'DELETE_ARTIFACT <project>/app signature [index-signature]']);

    expect(await state(viaApi)).toEqual(after);
    expect(await state(viaGc)).toEqual(after);
    expect(apiEvents).toEqual(v2Events);
    expect(gcEvents).toEqual(v2Events);
    // the job is the actor of what GC deleted
    expect(gcOperators).toEqual([{ operator: 'gc' }]);
  });
});
