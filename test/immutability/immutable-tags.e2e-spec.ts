import { UserService } from '@wharf/iam';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';


const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const rule = (tag: { decoration: string; pattern: string }, repository: { decoration: string; pattern: string } = { decoration: 'repoMatches', pattern: '**' }) => ({
  tag_selectors: [{ kind: 'doublestar', ...tag }],
  scope_selectors: { repository: [{ kind: 'doublestar', ...repository }] },
  disabled: false,
  priority: 0,
  action: 'immutable',
  template: 'immutable_template',
});

describe('tag immutability: /projects/{p}/immutabletagrules and its enforcement on /v2', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: RegistryClient;
  const users: Record<string, Credentials> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> => callApi(api.url, method, path, options);

  async function createRule(project: string, body: unknown, auth: Credentials = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', `/projects/${project}/immutabletagrules`, { body, auth });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/\d+\/immutabletagrules\/\d+$/);
    return Number(location.split('/').pop());
  }

  /** A manifest over the config of `seed` (a different seed gives a different digest). */
  async function manifestFor(repository: string, seed: string): Promise<Buffer> {
    const config = await registry.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })));
    const layer = await registry.pushBlob(repository, Buffer.from(`layer ${seed}`));
    return Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }),
    );
  }

  async function push(repository: string, tag: string, manifest: Buffer): Promise<Response> {
    return registry.pushManifest(repository, tag, manifest, OCI_MANIFEST);
  }

  async function digestOfTag(repository: string, tag: string): Promise<string | null> {
    const response = await registry.fetch(`/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
    return response.status === 200 ? response.headers.get('docker-content-digest') : null;
  }

  async function expectImmutable(response: Response, tag: string): Promise<void> {
    expect(response.status).toBe(412);
    const body = (await response.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0].code).toBe('DENIED');
    expect(body.errors[0].message).toContain(`tag ${tag} in`);
    expect(body.errors[0].message).toContain('immutable');
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    for (const name of ['pa', 'ma', 'dev', 'outsider']) {
      const password = `Pass-${name}-1A`;
      await api.app.get(UserService).create({ username: name, password });
      users[name] = { username: name, password };
    }
    for (const project of ['imm', 'imm2']) expect((await call('POST', '/projects', { body: { project_name: project } })).status).toBe(201);
    for (const [name, role] of [['pa', 1], ['ma', 4], ['dev', 2]] as const) {
      expect((await call('POST', '/projects/imm/members', { body: { role_id: role, member_user: { username: name } } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('rules API', () => {
    it('creates, lists, updates and deletes a rule in Harbor shape', async () => {
      const id = await createRule('imm', rule({ decoration: 'matches', pattern: 'tmp-*' }));
      const list = await call('GET', '/projects/imm/immutabletagrules');
      expect(list.status).toBe(200);
      expect(list.headers.get('x-total-count')).toBe('1');
      expect(list.json[0]).toMatchObject({
        id,
        disabled: false,
        action: 'immutable',
        template: 'immutable_template',
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'tmp-*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      });
      expect((await call('PUT', `/projects/imm/immutabletagrules/${id}`, { body: { disabled: true } })).status).toBe(200);
      expect((await call('GET', '/projects/imm/immutabletagrules')).json[0]).toMatchObject({ id, disabled: true, tag_selectors: [{ pattern: 'tmp-*' }] });
      expect((await call('DELETE', `/projects/imm/immutabletagrules/${id}`)).status).toBe(200);
      expect((await call('DELETE', `/projects/imm/immutabletagrules/${id}`)).status).toBe(404);
      expect((await call('GET', '/projects/imm/immutabletagrules')).json).toEqual([]);
    });

    it('refuses selectors Harbor does not know', async () => {
      expect((await call('POST', '/projects/imm/immutabletagrules', { body: rule({ decoration: 'repoMatches', pattern: 'x' }) })).status).toBe(400);
      expect((await call('POST', '/projects/imm/immutabletagrules', { body: { ...rule({ decoration: 'matches', pattern: 'x' }), tag_selectors: [] } })).status).toBe(400);
      expect((await call('POST', '/projects/imm/immutabletagrules', { body: { ...rule({ decoration: 'matches', pattern: 'x' }), action: 'retain' } })).status).toBe(400);
    });

    it('lets project admins manage rules, maintainers only list them, and hides private projects from outsiders', async () => {
      const body = rule({ decoration: 'matches', pattern: 'perm-*' });
      const id = await createRule('imm', body, users.pa);
      expect((await call('GET', '/projects/imm/immutabletagrules', { auth: users.ma })).status).toBe(200);
      expect((await call('POST', '/projects/imm/immutabletagrules', { auth: users.ma, body })).status).toBe(403);
      expect((await call('DELETE', `/projects/imm/immutabletagrules/${id}`, { auth: users.ma })).status).toBe(403);
      expect((await call('GET', '/projects/imm/immutabletagrules', { auth: users.dev })).status).toBe(403);
      expect((await call('GET', '/projects/imm/immutabletagrules', { auth: users.outsider })).status).toBe(404);
      // anonymous callers see a private project no more than outsiders do
      expect((await call('POST', '/projects/imm/immutabletagrules', { auth: null, body })).status).toBe(404);
      expect((await call('PUT', `/projects/imm/immutabletagrules/${id}`, { auth: users.pa, body: { disabled: true } })).status).toBe(200);
      expect((await call('DELETE', `/projects/imm/immutabletagrules/${id}`, { auth: users.pa })).status).toBe(200);
    });
  });

  describe('enforcement on /v2', () => {
    let ruleId: number;

    beforeAll(async () => {
      ruleId = await createRule('imm', rule({ decoration: 'matches', pattern: 'v1.*' }));
    });

    it('creates an immutable tag, refuses to move it (412) and accepts the same digest again', async () => {
      const first = await manifestFor('imm/app', 'one');
      expect((await push('imm/app', 'v1.0', first)).status).toBe(201);
      const second = await manifestFor('imm/app', 'two');
      const refused = await push('imm/app', 'v1.0', second);
      await expectImmutable(refused, 'v1.0');
      expect(await digestOfTag('imm/app', 'v1.0')).toBe(sha256(first));
      expect((await push('imm/app', 'v1.0', first)).status).toBe(201);
      // pushing the new manifest by digest with the immutable tag as ?tag= is refused too
      const byDigest = await registry.fetch(`/v2/imm/app/manifests/${sha256(second)}?tag=v1.0`, { method: 'PUT', body: second, headers: { 'content-type': OCI_MANIFEST } });
      expect(byDigest.status).toBe(412);
      // a tag no rule matches moves freely
      expect((await push('imm/app', 'latest', first)).status).toBe(201);
      expect((await push('imm/app', 'latest', second)).status).toBe(201);
      expect(await digestOfTag('imm/app', 'latest')).toBe(sha256(second));
    });

    it('names the rule in the refusal', async () => {
      const response = await push('imm/app', 'v1.0', await manifestFor('imm/app', 'three'));
      const body = (await response.json()) as { errors: { message: string }[] };
      expect(body.errors[0].message).toContain(`rule ${ruleId}`);
    });

    it('refuses to delete an immutable tag, or an artifact that carries one (412)', async () => {
      const first = await manifestFor('imm/app', 'one');
      await expectImmutable(await registry.fetch('/v2/imm/app/manifests/v1.0', { method: 'DELETE' }), 'v1.0');
      await expectImmutable(await registry.fetch(`/v2/imm/app/manifests/${sha256(first)}`, { method: 'DELETE' }), 'v1.0');
      expect(await digestOfTag('imm/app', 'v1.0')).toBe(sha256(first));
      // a mutable tag, and an artifact with only mutable tags, go
      expect((await registry.fetch('/v2/imm/app/manifests/latest', { method: 'DELETE' })).status).toBe(202);
      const other = await manifestFor('imm/app', 'other');
      expect((await push('imm/app', 'scratch', other)).status).toBe(201);
      expect((await registry.fetch(`/v2/imm/app/manifests/${sha256(other)}`, { method: 'DELETE' })).status).toBe(202);
    });

    it('applies a disabled or deleted rule no more, at once', async () => {
      const moved = await manifestFor('imm/app', 'moved');
      expect((await call('PUT', `/projects/imm/immutabletagrules/${ruleId}`, { body: { disabled: true } })).status).toBe(200);
      expect((await push('imm/app', 'v1.0', moved)).status).toBe(201);
      expect((await call('PUT', `/projects/imm/immutabletagrules/${ruleId}`, { body: { disabled: false } })).status).toBe(200);
      await expectImmutable(await push('imm/app', 'v1.0', await manifestFor('imm/app', 'again')), 'v1.0');
      expect((await call('DELETE', `/projects/imm/immutabletagrules/${ruleId}`)).status).toBe(200);
      expect((await registry.fetch('/v2/imm/app/manifests/v1.0', { method: 'DELETE' })).status).toBe(202);
    });

    it('honours excludes on tags and repositories', async () => {
      await createRule('imm2', rule({ decoration: 'excludes', pattern: 'dev-*' }, { decoration: 'repoExcludes', pattern: 'scratch/**' }));
      const [a, b] = [await manifestFor('imm2/app', 'a'), await manifestFor('imm2/app', 'b')];
      expect((await push('imm2/app', 'prod', a)).status).toBe(201);
      await expectImmutable(await push('imm2/app', 'prod', b), 'prod');
      expect((await push('imm2/app', 'dev-1', a)).status).toBe(201);
      expect((await push('imm2/app', 'dev-1', b)).status).toBe(201);
      const [c, d] = [await manifestFor('imm2/scratch/x', 'c'), await manifestFor('imm2/scratch/x', 'd')];
      expect((await push('imm2/scratch/x', 'prod', c)).status).toBe(201);
      expect((await push('imm2/scratch/x', 'prod', d)).status).toBe(201);
      expect((await registry.fetch('/v2/imm2/scratch/x/manifests/prod', { method: 'DELETE' })).status).toBe(202);
    });
  });
});
