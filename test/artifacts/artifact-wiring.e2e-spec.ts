import { Client } from 'pg';
import { callApi, errorCodeOf, type ApiAnswer } from '../support/management-api';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';

const immutableRule = (pattern: string) => ({
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  disabled: false,
  priority: 0,
  action: 'immutable',
  template: 'immutable_template',
});

interface OutboxRow {
  event_type: string;
  project_name: string;
  payload: { repository: string; digest: string; tags: string[]; operator: string };
}

/**
 * The artifacts API wired to labels (with_label, q=label), tag immutability (immutable flags,
 * 412 on deletes and tag moves) and the event outbox (push and delete events in the change's transaction).
 */
describe('management API: artifacts with labels, immutable tags and events', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let registry: RegistryClient;

  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> => callApi(api.url, method, path, { body });
  const artifacts = (repository: string) => `/projects/wire/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts`;

  /** Pushes a small image (its digest follows `seed`) under `tag`; returns its digest and size. */
  async function push(repository: string, tag: string, seed: string, extra: Record<string, unknown> = {}): Promise<{ digest: string; size: number }> {
    const config = await registry.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })));
    const layer = await registry.pushBlob(repository, Buffer.from(`layer ${seed}`));
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
        ...extra,
      }),
    );
    expect((await registry.pushManifest(repository, tag || sha256(body), body, OCI_MANIFEST)).status).toBe(201);
    return { digest: sha256(body), size: body.length };
  }

  const lastEventId = async (): Promise<number> => Number((await db.query<{ id: string | null }>(`SELECT max(id) AS id FROM event_outbox`)).rows[0].id ?? 0);
  const eventsAfter = async (id: number): Promise<OutboxRow[]> =>
    (await db.query<OutboxRow>(`SELECT event_type, project_name, payload FROM event_outbox WHERE id > $1 ORDER BY id`, [id])).rows;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    expect((await call('POST', '/projects', { project_name: 'wire' })).status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('shows labels with with_label=true and filters by q=label=<id>', async () => {
    const one = await push('wire/app', 'v1', 'app-1');
    const two = await push('wire/app', 'v2', 'app-2');
    const created = await call('POST', '/labels', { name: 'prod', scope: 'g', color: '#00ff00' });
    expect(created.status).toBe(201);
    const prod = Number(created.headers.get('location')!.split('/').pop());
    expect((await call('POST', `${artifacts('app')}/v1/labels`, { id: prod })).status).toBe(200);
    const label = (await call('GET', `/labels/${prod}`)).json;

    const listed = await call('GET', `${artifacts('app')}?with_label=true`);
    expect(listed.status).toBe(200);
    const byDigest = new Map<string, any>(listed.json.map((a: any) => [a.digest, a]));
    expect(byDigest.get(one.digest).labels).toEqual([label]);
    expect(label).toMatchObject({ id: prod, name: 'prod', scope: 'g', project_id: 0, color: '#00ff00' });
    expect(byDigest.get(two.digest).labels).toEqual([]);
    // without the flag, no labels
    expect((await call('GET', artifacts('app'))).json.every((a: any) => a.labels.length === 0)).toBe(true);
    expect((await call('GET', `${artifacts('app')}/v1?with_label=true`)).json.labels).toEqual([label]);
    expect((await call('GET', `${artifacts('app')}/v1`)).json.labels).toEqual([]);

    const filtered = await call('GET', `${artifacts('app')}?q=${encodeURIComponent(`label=${prod}`)}`);
    expect(filtered.status).toBe(200);
    expect(filtered.json.map((a: any) => a.digest)).toEqual([one.digest]);
    expect(filtered.headers.get('x-total-count')).toBe('1');
    expect((await call('GET', `${artifacts('app')}?q=${encodeURIComponent('label=999999')}`)).json).toEqual([]);
    for (const q of ['label=prod', 'label=~1', 'label=0']) {
      const refused = await call('GET', `${artifacts('app')}?q=${encodeURIComponent(q)}`);
      expect(refused.status).toBe(400);
      expect(refused.json.errors[0].message).toMatch(/label/);
    }
  });

  it('marks immutable tags and refuses to delete or move them with 412', async () => {
    const kept = await push('wire/locked', 'keep-1', 'locked-1');
    const free = await push('wire/locked', 'free', 'locked-2');
    expect((await call('POST', '/projects/wire/immutabletagrules', immutableRule('keep-*'))).status).toBe(201);

    const tags = await call('GET', `${artifacts('locked')}/${kept.digest}/tags`);
    expect(tags.json).toEqual([expect.objectContaining({ name: 'keep-1', immutable: true })]);
    expect((await call('GET', `${artifacts('locked')}/free/tags`)).json).toEqual([expect.objectContaining({ name: 'free', immutable: false })]);
    const listed = (await call('GET', artifacts('locked'))).json as any[];
    expect(listed.find((a) => a.digest === kept.digest).tags).toEqual([expect.objectContaining({ name: 'keep-1', immutable: true })]);

    const before = await lastEventId();
    for (const answer of [
      await call('DELETE', `${artifacts('locked')}/keep-1/tags/keep-1`),
      await call('DELETE', `${artifacts('locked')}/keep-1`),
      await call('DELETE', `${artifacts('locked')}/${kept.digest}`),
      // moving the immutable tag onto another artifact
      await call('POST', `${artifacts('locked')}/free/tags`, { name: 'keep-1' }),
      await call('DELETE', `/projects/wire/repositories/locked`),
    ]) {
      expect(answer.status).toBe(412);
      expect(errorCodeOf(answer)).toBe('PRECONDITION');
      expect(answer.json.errors[0].message).toMatch(/keep-1.*immutable/);
    }
    expect(await eventsAfter(before)).toEqual([]);
    expect((await call('GET', `${artifacts('locked')}/keep-1`)).json.digest).toBe(kept.digest);

    // a new immutable tag may be created; a mutable one still goes
    expect((await call('POST', `${artifacts('locked')}/free/tags`, { name: 'keep-2' })).status).toBe(201);
    expect((await call('DELETE', `${artifacts('locked')}/free/tags/free`)).status).toBe(200);
    expect((await call('DELETE', `${artifacts('locked')}/${free.digest}`)).status).toBe(412);
  });

  it('writes push, tag delete and artifact delete events in the transactions of API changes', async () => {
    const subject = await push('wire/events', 'a', 'events-1');
    const signature = await push('wire/events', '', 'events-sig', { artifactType: COSIGN, subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size } });
    const operator = TEST_ADMIN.username;

    let after = await lastEventId();
    expect((await call('POST', `${artifacts('events')}/a/tags`, { name: 'b' })).status).toBe(201);
    expect((await call('DELETE', `${artifacts('events')}/a/tags/b`)).status).toBe(200);
    expect(await eventsAfter(after)).toEqual([
      { event_type: 'PUSH_ARTIFACT', project_name: 'wire', payload: expect.objectContaining({ repository: 'wire/events', digest: subject.digest, tags: ['b'], operator }) },
      { event_type: 'DELETE_TAG', project_name: 'wire', payload: expect.objectContaining({ repository: 'wire/events', digest: subject.digest, tags: ['b'], operator }) },
    ]);

    after = await lastEventId();
    expect((await call('POST', `${artifacts('copied')}?from=${encodeURIComponent('wire/events:a')}`)).status).toBe(201);
    expect(await eventsAfter(after)).toEqual([
      { event_type: 'PUSH_ARTIFACT', project_name: 'wire', payload: expect.objectContaining({ repository: 'wire/copied', digest: subject.digest, tags: ['a'], operator }) },
    ]);

    // the artifact goes with its signature: one event each
    after = await lastEventId();
    expect((await call('DELETE', `${artifacts('events')}/a`)).status).toBe(200);
    const deleted = await eventsAfter(after);
    expect(deleted.map((e) => e.event_type)).toEqual(['DELETE_ARTIFACT', 'DELETE_ARTIFACT']);
    expect(deleted.map((e) => e.payload.digest).sort()).toEqual([subject.digest, signature.digest].sort());
    expect(deleted.find((e) => e.payload.digest === subject.digest)!.payload).toMatchObject({ repository: 'wire/events', tags: ['a'], operator });

    // a repository delete: one artifact delete per artifact (the copy brought the signature along)
    after = await lastEventId();
    expect((await call('DELETE', `/projects/wire/repositories/copied`)).status).toBe(200);
    expect(await eventsAfter(after)).toEqual(
      expect.arrayContaining([
        { event_type: 'DELETE_ARTIFACT', project_name: 'wire', payload: expect.objectContaining({ repository: 'wire/copied', digest: subject.digest, tags: ['a'], operator }) },
        { event_type: 'DELETE_ARTIFACT', project_name: 'wire', payload: expect.objectContaining({ repository: 'wire/copied', digest: signature.digest, tags: [], operator }) },
      ]),
    );
    expect(await eventsAfter(after)).toHaveLength(2);

    // a refused change writes nothing
    after = await lastEventId();
    expect((await call('DELETE', `${artifacts('events')}/nope/tags/nope`)).status).toBe(404);
    expect(await eventsAfter(after)).toEqual([]);
  });
});
