/**
 * Harbor's system endpoints and the Harbor v2.0 paths its clients call, with Harbor's field
 * names: ping, systeminfo (+ volumes), statistics, health, quotas, project robots (robot v1),
 * /users/current/permissions, /search, /repositories, /configurations, registries?name=; and the
 * HTTP contract around them: 405 with Allow, 415 for a body that is not JSON, a malformed q is a
 * 400 naming it, the query parameters Harbor knows are accepted.
 */
import { MemberService, ProjectRole, UserService } from '@wharf/iam';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WHARF_VERSION } from '../../apps/api/src/system/system-info.service';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const PASSWORD = 'System-Test-Pass-1';
const DEV: Credentials = { username: 'sysdev', password: PASSWORD };
const OUTSIDER: Credentials = { username: 'sysoutsider', password: PASSWORD };

describe('Harbor system endpoints and client paths', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let privateId: number;
  let publicId: number;

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    const users = api.app.get(UserService);
    const dev = await users.create({ username: DEV.username, password: PASSWORD, email: 'sysdev@example.com' });
    await users.create({ username: OUTSIDER.username, password: PASSWORD, email: 'sysoutsider@example.com' });
    expect((await call('POST', '/projects', { body: { project_name: 'sys-private', storage_limit: 1 << 30 } })).status).toBe(201);
    expect((await call('POST', '/projects', { body: { project_name: 'sys-public', metadata: { public: 'true' } } })).status).toBe(201);
    expect((await call('POST', '/projects', { body: { project_name: 'sys-hidden' } })).status).toBe(201);
    privateId = (await call('GET', '/projects/sys-private')).json.project_id;
    publicId = (await call('GET', '/projects/sys-public')).json.project_id;
    await api.app.get(MemberService).add(privateId, dev.user_id, ProjectRole.Developer);
    const registry = new RegistryClient(api.url);
    await registry.pushImage('sys-private/app', 'v1', { layers: 1 });
    await registry.pushImage('sys-private/tool', 'v1', { layers: 1 });
    await registry.pushImage('sys-public/web', 'v1', { layers: 1 });
    await registry.pushImage('sys-hidden/secret-app', 'v1', { layers: 1 });
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('ping and systeminfo', () => {
    it('GET /ping answers Pong in plain text, to anyone', async () => {
      const answer = await call('GET', '/ping', { auth: null });
      expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: 'Pong' });
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    });

    it('GET /systeminfo gives anonymous callers Harbor reduced set, logged-in ones the rest', async () => {
      const anonymous = await call('GET', '/systeminfo', { auth: null });
      expect(anonymous.status).toBe(200);
      expect(Object.keys(anonymous.json).sort()).toEqual(['auth_mode', 'authproxy_settings', 'banner_message', 'harbor_version', 'oidc_provider_name', 'primary_auth_mode', 'self_registration']);
      expect(anonymous.json).toMatchObject({ auth_mode: 'db_auth', primary_auth_mode: false, self_registration: false, harbor_version: `v${WHARF_VERSION}-wharf` });

      const full = await call('GET', '/systeminfo', { auth: DEV });
      expect(full.status).toBe(200);
      expect(full.json).toMatchObject({
        auth_mode: 'db_auth',
        external_url: api.url.replace(/:\d+$/, `:${environment.config.PORT}`),
        registry_url: `127.0.0.1:${environment.config.PORT}`,
        project_creation_restriction: 'everyone',
        has_ca_root: false,
        read_only: false,
        with_chartmuseum: false,
        with_notary: false,
        notification_enable: true,
        registry_storage_provider_name: 'filesystem',
      });
      expect(Math.abs(Date.parse(full.json.current_time) - Date.now())).toBeLessThan(60_000);
    });

    it('harbor_version carries the version of package.json', () => {
      expect(WHARF_VERSION).toBe(JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version);
    });

    it('GET /systeminfo/volumes gives system admins the storage filesystem total and free bytes', async () => {
      const answer = await call('GET', '/systeminfo/volumes');
      expect(answer.status).toBe(200);
      const [volume] = answer.json.storage;
      expect(volume.total).toBeGreaterThan(0);
      expect(volume.free).toBeGreaterThan(0);
      expect(volume.free).toBeLessThanOrEqual(volume.total);
      expect((await call('GET', '/systeminfo/volumes', { auth: DEV })).status).toBe(403);
      expect((await call('GET', '/systeminfo/volumes', { auth: null })).status).toBe(401);
    });
  });

  describe('statistics', () => {
    // library (public, empty) is there from the start
    it('counts public projects for everyone, private ones the caller is a member of, and storage for admins', async () => {
      const admin = await call('GET', '/statistics');
      expect(admin.status).toBe(200);
      expect(admin.json).toMatchObject({
        public_project_count: 2,
        public_repo_count: 1,
        private_project_count: 2,
        private_repo_count: 3,
        total_project_count: 4,
        total_repo_count: 4,
      });
      expect(admin.json.total_storage_consumption).toBeGreaterThan(0);

      const dev = await call('GET', '/statistics', { auth: DEV });
      expect(dev.json).toEqual({ public_project_count: 2, public_repo_count: 1, private_project_count: 1, private_repo_count: 2, total_project_count: 3, total_repo_count: 3 });
      const outsider = await call('GET', '/statistics', { auth: OUTSIDER });
      expect(outsider.json).toEqual({ public_project_count: 2, public_repo_count: 1, private_project_count: 0, private_repo_count: 0, total_project_count: 2, total_repo_count: 1 });
      expect((await call('GET', '/statistics', { auth: null })).status).toBe(401);
    });
  });

  describe('health', () => {
    it('lists database, redis, storage, worker and the event stream; no worker runs here, which does not make the api unhealthy', async () => {
      const answer = await call('GET', '/health', { auth: null });
      expect(answer.status).toBe(200);
      const byName = Object.fromEntries((answer.json.components as { name: string; status: string }[]).map((c) => [c.name, c]));
      expect(Object.keys(byName)).toEqual(['database', 'redis', 'storage', 'worker', 'event_stream']);
      expect([byName.database.status, byName.redis.status, byName.storage.status, byName.event_stream.status]).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
      expect(byName.worker).toMatchObject({ status: 'unhealthy', error: 'no worker is connected to the job queues' });
      expect(answer.json.status).toBe('healthy');
    });
  });

  describe('quotas', () => {
    it('lists one quota per project with Harbor fields, filtered by reference_id and sorted', async () => {
      const all = await call('GET', '/quotas?page=1&page_size=100&sort=-hard.storage,id');
      expect(all.status).toBe(200);
      expect(all.headers.get('x-total-count')).toBe('4');
      expect(Object.keys(all.json[0]).sort()).toEqual(['creation_time', 'hard', 'id', 'ref', 'update_time', 'used']);
      // the 1 GiB limit first, then the unlimited ones (-1) by id
      expect(all.json.map((q: { ref: { name: string } }) => q.ref.name)).toEqual(['sys-private', 'library', 'sys-public', 'sys-hidden']);
      const one = await call('GET', `/quotas?reference=project&reference_id=${privateId}`);
      expect(one.json).toHaveLength(1);
      expect(one.json[0]).toMatchObject({ id: privateId, ref: { id: privateId, name: 'sys-private', owner_name: 'admin' }, hard: { storage: 1 << 30 } });
      expect(one.json[0].used.storage).toBeGreaterThan(0);
      // trailing slash, as the terraform provider asks
      expect((await call('GET', '/quotas/?page=1&page_size=100')).status).toBe(200);
      expect(errorCodeOf(await call('GET', '/quotas?sort=bogus'))).toBe('BAD_REQUEST');
    });

    it('reads and sets a hard limit by quota id (system admins only)', async () => {
      expect((await call('PUT', `/quotas/${publicId}`, { body: { hard: { storage: 5 * 1024 * 1024 } } })).status).toBe(200);
      expect((await call('GET', `/quotas/${publicId}`)).json.hard).toEqual({ storage: 5 * 1024 * 1024 });
      expect((await call('GET', `/projects/sys-public/summary`)).json.quota.hard).toEqual({ storage: 5 * 1024 * 1024 });
      expect((await call('PUT', `/quotas/${publicId}`, { body: { hard: { storage: 0 } } })).status).toBe(400);
      expect((await call('PUT', `/quotas/${publicId}`, { body: { hard: { storage: -1 } } })).status).toBe(200);
      expect((await call('GET', '/quotas/999999')).status).toBe(404);
      expect((await call('GET', `/quotas/${privateId}`, { auth: DEV })).status).toBe(403);
      expect((await call('PUT', `/quotas/${privateId}`, { auth: DEV, body: { hard: { storage: -1 } } })).status).toBe(403);
      expect((await call('GET', '/quotas', { auth: null })).status).toBe(401);
    });
  });

  describe('project robots (Harbor 2.0 robot v1)', () => {
    it('creates, lists, reads, disables and deletes a project robot by Harbor 2.0 shape; the robot pulls', async () => {
      const created = await call('POST', `/projects/${privateId}/robots`, {
        body: { name: 'v1bot', description: 'v1', expires_at: -1, access: [{ resource: `/project/${privateId}/repository`, action: 'pull' }] },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'robot$sys-private+v1bot' });
      expect(created.json.token).toBe(created.json.secret);
      expect(created.headers.get('location')).toBe(`/api/v2.0/projects/${privateId}/robots/${created.json.id}`);
      const robot: Credentials = { username: created.json.name, password: created.json.token };
      // it holds repository:pull only: the project shows, listing it does not
      expect((await call('GET', '/projects/sys-private/repositories', { auth: robot })).status).toBe(403);
      const token = await fetch(`${api.url}/service/token?service=wharf&scope=repository:sys-private/app:pull`, { headers: { authorization: basicAuth(robot) } });
      expect(token.status).toBe(200);

      const list = await call('GET', '/projects/sys-private/robots');
      expect(list.status).toBe(200);
      expect(Object.keys(list.json[0]).sort()).toEqual(['access', 'creation_time', 'description', 'disabled', 'expires_at', 'id', 'name', 'project_id', 'update_time']);
      expect(list.json[0]).toMatchObject({ name: 'robot$sys-private+v1bot', project_id: privateId, disabled: false, expires_at: -1, access: [{ resource: `/project/${privateId}/repository`, action: 'pull' }] });
      const path = `/projects/sys-private/robots/${created.json.id}`;
      expect((await call('PUT', path, { body: { disabled: true } })).status).toBe(200);
      expect((await call('GET', path)).json.disabled).toBe(true);
      expect((await call('GET', `/projects/sys-public/robots/${created.json.id}`)).status).toBe(404);
      expect((await call('DELETE', path)).status).toBe(200);
      expect((await call('GET', path)).status).toBe(404);
    });

    it('refuses access naming another project, and callers without robot rights', async () => {
      const other = await call('POST', '/projects/sys-private/robots', { body: { name: 'bad', access: [{ resource: `/project/${publicId}/repository`, action: 'pull' }] } });
      expect(other.status).toBe(400);
      const dev = await call('POST', '/projects/sys-private/robots', { auth: DEV, body: { name: 'devbot', access: [{ resource: `/project/${privateId}/repository`, action: 'pull' }] } });
      expect(dev.status).toBe(403);
      expect((await call('GET', '/projects/sys-private/robots', { auth: OUTSIDER })).status).toBe(404);
    });
  });

  describe('users/current/permissions, search, repositories', () => {
    it('lists the caller permissions in a project scope, relative or absolute', async () => {
      const relative = await call('GET', `/users/current/permissions?scope=/project/${privateId}&relative=true`, { auth: DEV });
      expect(relative.status).toBe(200);
      expect(relative.json).toContainEqual({ resource: 'repository', action: 'push' });
      expect(relative.json).not.toContainEqual({ resource: 'repository', action: 'delete' });
      const absolute = await call('GET', `/users/current/permissions?scope=/project/${privateId}`, { auth: DEV });
      expect(absolute.json).toContainEqual({ resource: `/project/${privateId}/repository`, action: 'pull' });
      expect((await call('GET', `/users/current/permissions?scope=/project/${privateId}`, { auth: OUTSIDER })).json).toEqual([]);
      expect((await call('GET', '/users/current/permissions?scope=/system&relative=true', { auth: DEV })).json).toEqual([]);
      expect((await call('GET', '/users/current/permissions?scope=/system&relative=true')).json).toContainEqual({ resource: 'project', action: 'delete' });
      expect((await call('GET', '/users/current/permissions?scope=/nowhere', { auth: DEV })).status).toBe(400);
    });

    it('GET /search finds projects and repositories by name among those the caller may see', async () => {
      const dev = await call('GET', '/search?q=app', { auth: DEV });
      expect(dev.status).toBe(200);
      expect(dev.json.project).toEqual([]);
      expect(dev.json.repository).toEqual([{ project_id: privateId, project_name: 'sys-private', project_public: false, repository_name: 'sys-private/app', pull_count: 0, artifact_count: 1 }]);
      const admin = await call('GET', '/search?q=app');
      expect(admin.json.repository.map((r: { repository_name: string }) => r.repository_name)).toEqual(['sys-hidden/secret-app', 'sys-private/app']);
      const projects = await call('GET', '/search?q=sys-p', { auth: OUTSIDER });
      expect(projects.json.project.map((p: { name: string }) => p.name)).toEqual(['sys-public']);
      expect(projects.json.project[0]).toMatchObject({ project_id: publicId, metadata: { public: 'true' } });
    });

    it('GET /repositories lists every repository for admins, the visible ones for others, sorted', async () => {
      const admin = await call('GET', '/repositories?sort=name&page_size=100');
      expect(admin.status).toBe(200);
      expect(admin.headers.get('x-total-count')).toBe('4');
      expect(admin.json.map((r: { name: string }) => r.name)).toEqual(['sys-hidden/secret-app', 'sys-private/app', 'sys-private/tool', 'sys-public/web']);
      expect(Object.keys(admin.json[0]).sort()).toEqual(['artifact_count', 'creation_time', 'description', 'id', 'name', 'project_id', 'pull_count', 'update_time']);
      const dev = await call('GET', '/repositories?sort=-name', { auth: DEV });
      expect(dev.json.map((r: { name: string }) => r.name)).toEqual(['sys-public/web', 'sys-private/tool', 'sys-private/app']);
      expect((await call('GET', '/repositories?q=name%3D~tool', { auth: DEV })).json.map((r: { name: string }) => r.name)).toEqual(['sys-private/tool']);
      expect((await call('GET', '/repositories', { auth: OUTSIDER })).json.map((r: { name: string }) => r.name)).toEqual(['sys-public/web']);
      expect((await call('GET', '/repositories', { auth: null })).json.map((r: { name: string }) => r.name)).toEqual(['sys-public/web']);
    });

    it('GET /projects/{p}/_deletable says why a project cannot go', async () => {
      expect((await call('GET', '/projects/sys-private/_deletable')).json).toEqual({ deletable: false, message: 'the project contains 2 repositories; delete them first' });
      expect((await call('GET', '/projects/sys-private/_deletable', { auth: DEV })).status).toBe(403);
    });

    it('sorts projects as Harbor does (sort=-creation_time,name)', async () => {
      const answer = await call('GET', '/projects?sort=-creation_time,name&with_detail=true');
      expect(answer.json.map((p: { name: string }) => p.name)).toEqual(['sys-hidden', 'sys-public', 'sys-private', 'library']);
      expect((await call('GET', '/projects?sort=name')).json.map((p: { name: string }) => p.name)).toEqual(['library', 'sys-hidden', 'sys-private', 'sys-public']);
      const bad = await call('GET', '/projects?sort=size');
      expect({ status: bad.status, message: bad.json.errors[0].message }).toEqual({ status: 400, message: 'cannot sort by "size"; sortable: name, project_id, creation_time, update_time' });
    });
  });

  describe('sort on Harbor lists', () => {
    it('orders users, robots and registries by Harbor keys, and names the sortable keys otherwise', async () => {
      const users = await call('GET', '/users?sort=-username');
      expect(users.json.map((u: { username: string }) => u.username)).toEqual(['sysoutsider', 'sysdev', 'admin']);
      for (const name of ['b-bot', 'a-bot']) {
        expect((await call('POST', '/robots', { body: { name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'sys-public', access: [{ resource: 'repository', action: 'pull' }] }] } })).status).toBe(201);
      }
      expect((await call('GET', '/robots?sort=name')).json.map((r: { name: string }) => r.name)).toEqual(['robot$a-bot', 'robot$b-bot']);
      expect((await call('GET', '/robots?sort=-creation_time')).json.map((r: { name: string }) => r.name)).toEqual(['robot$a-bot', 'robot$b-bot']);
      const bad = await call('GET', '/users?sort=password');
      expect({ status: bad.status, message: bad.json.errors[0].message }).toEqual({ status: 400, message: 'cannot sort by "password"; sortable: user_id, username, email, creation_time, update_time' });
      expect((await call('GET', '/registries?sort=bogus')).status).toBe(400);
    });
  });

  describe('configurations', () => {
    it('shows Harbor keys, the fixed ones as not editable, and takes back what it showed', async () => {
      const read = await call('GET', '/configurations');
      expect(read.status).toBe(200);
      expect(read.json).toMatchObject({
        auth_mode: { value: 'db_auth', editable: false },
        self_registration: { value: false, editable: false },
        project_creation_restriction: { value: 'everyone', editable: true },
        quota_per_project_enable: { value: true, editable: false },
        robot_name_prefix: { value: 'robot$', editable: false },
        storage_per_project: { value: -1, editable: true },
      });
      const echoed = Object.fromEntries(Object.entries(read.json as Record<string, { value: unknown }>).map(([key, item]) => [key, item.value]));
      expect((await call('PUT', '/configurations', { body: echoed })).status).toBe(200);
    });

    it('refuses what Wharf does not do, naming the key', async () => {
      for (const [body, key] of [[{ self_registration: true }, 'self_registration'], [{ auth_mode: 'ldap_auth' }, 'auth_mode'], [{ ldap_url: 'ldap://x' }, 'ldap_url'], [{ token_expiration: 5 }, 'token_expiration']] as const) {
        const answer = await call('PUT', '/configurations', { body });
        expect(answer.status).toBe(400);
        expect(answer.json.errors[0].message).toContain(key);
      }
    });

    it('applies project_creation_restriction and banner_message', async () => {
      expect((await call('PUT', '/configurations', { body: { project_creation_restriction: 'adminonly', banner_message: 'maintenance at 9' } })).status).toBe(200);
      const refused = await call('POST', '/projects', { auth: DEV, body: { project_name: 'dev-own' } });
      expect(refused.status).toBe(403);
      expect((await call('GET', '/systeminfo', { auth: DEV })).json).toMatchObject({ project_creation_restriction: 'adminonly', banner_message: 'maintenance at 9' });
      expect((await call('PUT', '/configurations', { body: { project_creation_restriction: 'everyone', banner_message: '' } })).status).toBe(200);
      expect((await call('POST', '/projects', { auth: DEV, body: { project_name: 'dev-own' } })).status).toBe(201);
      expect((await call('DELETE', '/projects/dev-own')).status).toBe(200);
    });
  });

  describe('registries?name=', () => {
    it('filters registries by a name substring (Harbor 2.0 parameter)', async () => {
      for (const name of ['hub-mirror', 'quay-mirror']) {
        expect((await call('POST', '/registries', { body: { name, type: 'docker-registry', url: 'http://127.0.0.1:5999' } })).status).toBe(201);
      }
      expect((await call('GET', '/registries?name=quay')).json.map((r: { name: string }) => r.name)).toEqual(['quay-mirror']);
      expect((await call('GET', '/registries?q=name%3Dhub-mirror')).json.map((r: { name: string }) => r.name)).toEqual(['hub-mirror']);
      expect((await call('GET', '/registries?sort=-name')).json.map((r: { name: string }) => r.name)).toEqual(['quay-mirror', 'hub-mirror']);
    });
  });

  describe('HTTP', () => {
    it('answers 405 with Allow for a known path asked with another method', async () => {
      const answer = await call('DELETE', '/systeminfo');
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET, HEAD');
      expect(errorCodeOf(answer)).toBe('METHOD_NOT_ALLOWED');
      const robots = await call('PATCH', '/projects/sys-private/robots');
      expect({ status: robots.status, allow: robots.headers.get('allow') }).toEqual({ status: 405, allow: 'GET, HEAD, POST' });
      const quota = await call('POST', '/quotas/1');
      expect({ status: quota.status, allow: quota.headers.get('allow') }).toEqual({ status: 405, allow: 'GET, HEAD, PUT' });
      // an unknown path stays a 404
      expect((await call('GET', '/no-such-thing')).status).toBe(404);
    });

    it('refuses a body that is not JSON, or has no content type, with 415 saying so', async () => {
      const headers = { authorization: basicAuth(TEST_ADMIN) };
      const plain = await fetch(`${api.url}/api/v2.0/quotas/${publicId}`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/plain' }, body: '{"hard":{"storage":-1}}' });
      expect(plain.status).toBe(415);
      expect(await plain.json()).toEqual({ errors: [{ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body must be JSON (Content-Type: application/json), not text/plain' }] });
      const none = await fetch(`${api.url}/api/v2.0/quotas/${publicId}`, { method: 'PUT', headers, body: new Blob(['{"hard":{"storage":-1}}']) });
      expect(none.status).toBe(415);
      expect(((await none.json()) as { errors: { message: string }[] }).errors[0].message).toContain('no Content-Type');
      const charset = await fetch(`${api.url}/api/v2.0/quotas/${publicId}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: '{"hard":{"storage":-1}}' });
      expect(charset.status).toBe(200);
    });

    it('answers a malformed q with a 400 naming q, on lists that use q and on those that ignore it', async () => {
      for (const path of ['/projects?q=name~foo', '/projects/sys-private/webhook/policies?q=name=[a', '/labels?scope=g&q=%3Dx', '/repositories?q=bogus']) {
        const answer = await call('GET', path);
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
        expect(answer.json.errors[0].message).toMatch(/^q is malformed/);
      }
      expect((await call('GET', '/projects?q=')).status).toBe(200);
    });

    it('accepts the query parameters Harbor knows and ignores them; an unknown one is still a 400 naming it', async () => {
      const known = '?with_signature=true&with_immutable_status=true&with_label=true&with_scan_overview=true&with_tag=true&with_accessory=false&page_size=10&with_detail=true';
      expect((await call('GET', `/projects/sys-private/repositories/app/artifacts${known}`)).status).toBe(200);
      expect((await call('GET', `/projects/sys-private${known}`)).status).toBe(200);
      expect((await call('GET', `/robots?with_signature=true&sort=name`)).status).toBe(200);
      const unknown = await call('GET', '/projects?frobnicate=1');
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors[0].message).toContain('frobnicate');
    });

    it('answers 412 PRECONDITION, one code, when a project still holds repositories', async () => {
      const answer = await call('DELETE', '/projects/sys-private');
      expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status: 412, code: 'PRECONDITION' });
    });
  });
});

(s3Available() ? describe : describe.skip)('systeminfo on S3 storage', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    environment = await createTestEnvironment('s3');
    api = await startApi(environment);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('names the provider s3, reports 0 total and free bytes (a bucket has no capacity), and probes the bucket for health', async () => {
    expect((await callApi(api.url, 'GET', '/systeminfo')).json.registry_storage_provider_name).toBe('s3');
    expect((await callApi(api.url, 'GET', '/systeminfo/volumes')).json).toEqual({ storage: [{ total: 0, free: 0 }] });
    const health = await callApi(api.url, 'GET', '/health', { auth: null });
    expect(health.json.components.find((c: { name: string }) => c.name === 'storage')).toEqual({ name: 'storage', status: 'healthy' });
  });
});
