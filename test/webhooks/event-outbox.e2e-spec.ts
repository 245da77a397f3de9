import { PullEventBuffer } from '@wharf/events';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

interface OutboxRow {
  id: string;
  event_type: string;
  project_name: string;
  payload: { repository: string; digest: string; tags: string[]; operator: string; message?: string };
  position: string | null;
}

describe('registry events: written to the outbox with the change they report', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: RegistryClient;
  let db: Client;

  const events = async (after = 0): Promise<OutboxRow[]> =>
    (await db.query<OutboxRow>(`SELECT id, event_type, project_name, payload, position FROM event_outbox WHERE id > $1 ORDER BY id`, [after])).rows;
  const lastId = async (): Promise<number> => Number((await db.query<{ id: string | null }>(`SELECT max(id) AS id FROM event_outbox`)).rows[0].id ?? 0);

  async function api2(method: string, path: string, body?: unknown): Promise<number> {
    const response = await fetch(`${api.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basicAuth(TEST_ADMIN), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    await response.text();
    return response.status;
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    expect(await api2('POST', '/projects', { project_name: 'ev' })).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('records a push with its tags and operator', async () => {
    const before = await lastId();
    const { digest } = await registry.pushImage('ev/app', 'v1');
    const rows = await events(before);
    expect(rows).toHaveLength(1);
    // no worker runs here: the event waits for the stream's sequencer to give it a position
    expect(rows[0]).toMatchObject({ event_type: 'PUSH_ARTIFACT', project_name: 'ev', position: null });
    expect(rows[0].payload).toMatchObject({ repository: 'ev/app', digest, tags: ['v1'], operator: 'admin' });
  });

  it('records pulls in batches off the request path (GET, not HEAD)', async () => {
    const before = await lastId();
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    expect((await registry.fetch('/v2/ev/app/manifests/v1', { headers: accept })).status).toBe(200);
    expect((await registry.fetch('/v2/ev/app/manifests/v1', { headers: accept })).status).toBe(200);
    expect((await registry.fetch('/v2/ev/app/manifests/v1', { method: 'HEAD', headers: accept })).status).toBe(200);
    // buffered: nothing written by the requests themselves
    expect(await events(before)).toHaveLength(0);
    await api.app.get(PullEventBuffer).flush();
    const rows = await events(before);
    expect(rows.map((r) => r.event_type)).toEqual(['PULL_ARTIFACT', 'PULL_ARTIFACT']);
    expect(rows[0].payload).toMatchObject({ repository: 'ev/app', tags: ['v1'], operator: 'admin' });
  });

  it('records a tag delete and an artifact delete, and nothing for a refused change', async () => {
    const { digest } = await registry.pushImage('ev/gone', 'a');
    await registry.pushManifest('ev/gone', 'b', (await registry.fetch(`/v2/ev/gone/manifests/a`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } }).then((r) => r.arrayBuffer()).then(Buffer.from)), 'application/vnd.oci.image.manifest.v1+json');
    await api.app.get(PullEventBuffer).flush();
    const before = await lastId();
    expect((await registry.fetch('/v2/ev/gone/manifests/a', { method: 'DELETE' })).status).toBe(202);
    expect((await registry.fetch('/v2/ev/gone/manifests/missing', { method: 'DELETE' })).status).toBe(404);
    expect((await registry.fetch(`/v2/ev/gone/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
    const rows = await events(before);
    expect(rows.map((r) => r.event_type)).toEqual(['DELETE_TAG', 'DELETE_ARTIFACT']);
    expect(rows[0].payload).toMatchObject({ repository: 'ev/gone', digest, tags: ['a'] });
    expect(rows[1].payload).toMatchObject({ repository: 'ev/gone', digest, tags: ['b'] });
  });

  it('records a manifest push refused over quota as QUOTA_EXCEED (and no push)', async () => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
    const layer = Buffer.from('quota layer');
    // room for the blobs, none for the manifest
    expect(await api2('POST', '/projects', { project_name: 'evq', storage_limit: config.length + layer.length })).toBe(201);
    const configDescriptor = { ...(await registry.pushBlob('evq/app', config)), mediaType: 'application/vnd.oci.image.config.v1+json' };
    const layerDescriptor = { ...(await registry.pushBlob('evq/app', layer)), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    const before = await lastId();
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: [layerDescriptor] };
    const response = await registry.pushManifest('evq/app', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    expect(response.status).toBe(403);
    const rows = await events(before);
    expect(rows.map((r) => r.event_type)).toEqual(['QUOTA_EXCEED']);
    expect(rows[0]).toMatchObject({ project_name: 'evq', payload: { repository: 'evq/app', operator: 'admin' } });
    expect(rows[0].payload.message).toContain('quota');
  });

  it('records a blob upload refused over quota as QUOTA_EXCEED', async () => {
    // evq is full (previous test): any new blob is refused
    const before = await lastId();
    const blob = Buffer.from('one byte too many');
    const response = await registry.fetch(`/v2/evq/app/blobs/uploads/?digest=sha256:${createHash('sha256').update(blob).digest('hex')}`, {
      method: 'POST',
      body: blob,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(403);
    const rows = await events(before);
    expect(rows.map((r) => r.event_type)).toEqual(['QUOTA_EXCEED']);
    expect(rows[0]).toMatchObject({ project_name: 'evq', payload: { repository: 'evq/app', operator: 'admin' } });
  });
});
