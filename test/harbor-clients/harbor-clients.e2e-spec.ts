/**
 * The calls two Harbor clients make, read from their sources, replayed against Wharf with the
 * exact paths, methods, query strings and bodies they send, checking the fields they read back.
 *
 * - goharbor/terraform-provider-harbor (client/*.go, provider/resource_*.go, models/*.go): a
 *   plain HTTP client; ids are the Location header minus `/api/v2.0` (`/projects/5`), reads go
 *   to that path; Go's encoding/json leaves out `omitempty` zero values but always writes
 *   nested structs (`"cve_allowlist":{}`) and non-omitempty fields (`"read_only":false`).
 * - goharbor/harbor-cli (pkg/api/*_handler.go) through goharbor/go-client (go-swagger): a query
 *   parameter is sent when its pointer is set, unless it is an empty string (`q=` and `sort=`
 *   are left out, `public=false` and `page_size=` are not); robot lists send
 *   `q=Level%3Dproject%2CProjectID%3D<id>` already URL-encoded, so it arrives encoded twice.
 *
 * Scanners: harbor-cli `scanner` (pkg/api/scanner_handler.go) against a strict fake adapter
 * (go-client's ScannerRegistrationReq: `name` and `url` always, `auth`/`description`/
 * `access_credential` left out when empty — harbor-cli turns "None" into "" —, the three booleans
 * always written).
 */
import { FakeAdapter } from '../scanning/fake-adapter';
import { callApi, type ApiAnswer } from '../support/management-api';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const GiB = 1073741824;

describe('Harbor clients replayed', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  /** A call as Go's net/http makes it: JSON body with Content-Type application/json, Basic auth, the path under /api/v2.0. */
  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    return callApi(api.url, method, path, { body, headers: { accept: 'application/json', ...headers } });
  }
  /** terraform's client.GetID: the Location header without /api and /v2.0. */
  const idOf = (answer: ApiAnswer): string => answer.headers.get('location')!.replace('/api', '').replace('/v2.0', '');

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('terraform-provider-harbor', () => {
    let projectPath: string;

    it('harbor_project: create (POST /projects), read (GET <id>), update (PUT <id>), delete (DELETE <id>)', async () => {
      // client.ProjectBody with storage_quota = 10, no cve_allowlist, no deployment_security
      const body = {
        project_name: 'tf-project',
        cve_allowlist: {},
        storage_limit: 10 * GiB,
        metadata: {
          enable_content_trust: 'false',
          enable_content_trust_cosign: 'false',
          auto_scan: 'false',
          severity: 'low',
          reuse_sys_cve_allowlist: 'true',
          public: 'false',
          prevent_vul: 'false',
          auto_sbom_generation: 'false',
          proxy_speed_kb: '0',
          proxy_cache_local_on_not_found: 'false',
        },
      };
      const created = await send('POST', '/projects', body);
      expect(created.status).toBe(201);
      projectPath = idOf(created);
      expect(projectPath).toMatch(/^\/projects\/\d+$/);

      const read = await send('GET', projectPath);
      expect(read.status).toBe(200);
      // the fields resourceProjectRead reads
      expect(read.json).toMatchObject({ name: 'tf-project', project_id: Number(projectPath.split('/')[2]), metadata: { public: 'false', auto_scan: 'false', prevent_vul: 'false', severity: 'low' } });
      expect(typeof read.json.owner_name).toBe('string');
      expect('registry_id' in read.json).toBe(true);

      // UpdateStorageQuota: GET /configurations, then page through /quotas/ to find the project's, then PUT it
      const config = await send('GET', '/configurations');
      expect(config.json.quota_per_project_enable.value).toBe(true);
      let quotaId: number | undefined;
      for (let page = 1; quotaId === undefined; page += 1) {
        const quotas = await send('GET', `/quotas/?page=${page}&page_size=100`);
        expect(quotas.status).toBe(200);
        expect(quotas.json.length).toBeGreaterThan(0);
        quotaId = (quotas.json as { id: number; ref: { id: number } }[]).find((q) => String(q.ref.id) === projectPath.split('/')[2])?.id;
      }
      expect((await send('PUT', `/quotas/${quotaId}`, { hard: { storage: 20 * GiB } })).status).toBe(200);
      expect((await send('GET', `${projectPath}/summary`)).json.quota.hard.storage).toBe(20 * GiB);

      // resourceProjectUpdate: PUT <id> with the same body shape (public turned on)
      expect((await send('PUT', projectPath, { ...body, metadata: { ...body.metadata, public: 'true' } })).status).toBe(200);
      expect((await send('GET', projectPath)).json.metadata.public).toBe('true');
    });

    it('harbor_robot_account: create (POST /robots), set its secret (PATCH), read, update (PUT <id>), delete', async () => {
      // client.RobotBody: duration -1 kept, disable false left out
      const body = { name: 'tf-bot', level: 'project', description: 'terraform', duration: -1, permissions: [{ access: [{ action: 'pull', resource: 'repository' }], kind: 'project', namespace: 'tf-project' }] };
      const created = await send('POST', '/robots', body);
      expect(created.status).toBe(201);
      // RobotBodyResponse
      expect(created.json).toMatchObject({ id: expect.any(Number), name: 'robot$tf-project+tf-bot', secret: expect.any(String), expires_at: -1 });
      const robotPath = idOf(created);
      expect(robotPath).toBe(`/robots/${created.json.id}`);
      expect((await send('PATCH', `/robots/${created.json.id}`, { secret: 'Terraform-Chosen-1' })).status).toBe(200);
      const token = await fetch(`${api.url}/service/token?service=wharf&scope=repository:tf-project/x:pull`, { headers: { authorization: basicAuth({ username: 'robot$tf-project+tf-bot', password: 'Terraform-Chosen-1' }) } });
      expect(token.status).toBe(200);

      // resourceRobotAccountRead: name, level, description, duration, disable, permissions[0].namespace
      const read = await send('GET', robotPath);
      expect(read.json).toMatchObject({ id: created.json.id, name: 'robot$tf-project+tf-bot', level: 'project', description: 'terraform', duration: -1, disable: false });
      expect(read.json.name.split(`${read.json.permissions[0].namespace}+`)[1]).toBe('tf-bot');
      // a system robot's short name needs the prefix from /configurations
      expect((await send('GET', '/configurations')).json.robot_name_prefix.value).toBe('robot$');

      expect((await send('PUT', robotPath, { ...body, id: created.json.id, name: 'tf-bot', description: 'changed' })).status).toBe(200);
      expect((await send('GET', robotPath)).json.description).toBe('changed');
      expect((await send('DELETE', robotPath)).status).toBe(200);
      expect((await send('GET', robotPath)).status).toBe(404);
    });

    it('harbor_registry: create (POST /registries), read, update (PUT <id> with the flat RegistryUpdate), delete', async () => {
      // GetRegistryBody: credential always written, insecure false and empty strings left out
      const created = await send('POST', '/registries', { credential: { type: 'basic' }, name: 'tf-registry', url: 'https://registry.example.com', type: 'docker-registry' });
      expect(created.status).toBe(201);
      const registryPath = idOf(created);
      const read = await send('GET', registryPath);
      expect(read.json).toMatchObject({ name: 'tf-registry', url: 'https://registry.example.com', type: 'docker-registry', insecure: false, description: '' });
      expect(typeof read.json.status).toBe('string');
      // GetRegistryUpdateBody: no omitempty on access_key, access_secret, insecure, description, ca_certificate
      const update = { access_key: 'user', name: 'tf-registry', access_secret: 'secret', url: 'https://registry2.example.com', insecure: true, description: 'updated', ca_certificate: '' };
      const updated = await send('PUT', registryPath, update);
      expect(updated.status).toBe(200);
      const reread = await send('GET', registryPath);
      expect(reread.json).toMatchObject({ url: 'https://registry2.example.com', insecure: true, description: 'updated', credential: { access_key: 'user', access_secret: '*****' } });
      expect((await send('DELETE', registryPath)).status).toBe(200);
    });

    it('harbor_config_system: PUT /configurations with ConfigBodySystemPost, then GET it back', async () => {
      const body = {
        project_creation_restriction: 'adminonly',
        read_only: false,
        quota_per_project_enable: true,
        robot_name_prefix: 'robot$',
        storage_per_project: 50 * GiB,
        scanner_skip_update_pulltime: false,
        skip_audit_log_database: false,
        banner_message: '',
        notification_enable: true,
      };
      expect((await send('PUT', '/configurations', body)).status).toBe(200);
      const read = await send('GET', '/configurations');
      expect(read.json).toMatchObject({ project_creation_restriction: { value: 'adminonly' }, storage_per_project: { value: 50 * GiB }, read_only: { value: false } });
      expect((await send('PUT', '/configurations', { ...body, project_creation_restriction: 'everyone', storage_per_project: -1 })).status).toBe(200);
    });

    it('deletes the project once empty (DELETE <id>)', async () => {
      expect((await send('DELETE', projectPath)).status).toBe(200);
      expect((await send('GET', projectPath)).status).toBe(404);
    });
  });

  describe('harbor-cli (go-client)', () => {
    let projectId: number;

    it('project create/list/view/summary/delete', async () => {
      // CreateProject: ProjectReq with registry_id null, storage_limit, public and metadata.public
      expect((await send('POST', '/projects', { project_name: 'cli-project', registry_id: null, storage_limit: -1, public: false, metadata: { public: 'false' } })).status).toBe(201);
      // ListProjects: page, page_size, public (a bool is always sent), with empty q, sort and name left out
      const list = await send('GET', '/projects?page=1&page_size=10&public=false');
      expect(list.status).toBe(200);
      const listed = (list.json as { name: string; project_id: number; owner_name: string; repo_count: number; creation_time: string; metadata: { public: string } }[]).find((p) => p.name === 'cli-project')!;
      expect(listed).toMatchObject({ owner_name: 'admin', repo_count: 0, metadata: { public: 'false' } });
      projectId = listed.project_id;
      // `project list --sort`
      expect((await send('GET', '/projects?page=1&page_size=10&public=false&sort=-creation_time')).status).toBe(200);
      // GetProject by name, and by id with X-Is-Resource-Name: false
      expect((await send('GET', '/projects/cli-project', undefined, { 'x-is-resource-name': 'true' })).json.project_id).toBe(projectId);
      expect((await send('GET', `/projects/${projectId}`, undefined, { 'x-is-resource-name': 'false' })).json.name).toBe('cli-project');
      const summary = await send('GET', '/projects/cli-project/summary', undefined, { 'x-is-resource-name': 'true' });
      expect(summary.json).toMatchObject({ repo_count: 0, quota: { hard: { storage: -1 }, used: { storage: 0 } } });
      // SearchProject
      expect((await send('GET', '/search?q=cli-proj')).json.project.map((p: { name: string }) => p.name)).toEqual(['cli-project']);
    });

    it('robot create/list/view/update/refresh/delete, with the permissions list', async () => {
      const grantable = await send('GET', '/permissions');
      expect(grantable.json.project).toContainEqual({ resource: 'repository', action: 'push' });
      const created = await send('POST', '/robots', { description: 'cli', disable: false, duration: 30, level: 'project', name: 'cli-bot', permissions: [{ access: [{ action: 'pull', resource: 'repository', effect: 'allow' }], kind: 'project', namespace: 'cli-project' }] });
      expect(created.status).toBe(201);
      // ListRobot: q as harbor-cli builds it (ProjectQString, URL-encoded before go-swagger encodes it again)
      const q = encodeURIComponent(`Level%3Dproject%2CProjectID%3D${projectId}`);
      const list = await send('GET', `/robots?page=1&page_size=10&q=${q}`);
      expect(list.status).toBe(200);
      expect(list.json.map((r: { name: string }) => r.name)).toEqual(['robot$cli-project+cli-bot']);
      const robot = (await send('GET', `/robots/${created.json.id}`)).json;
      expect(robot).toMatchObject({ id: created.json.id, level: 'project', duration: 30, editable: true, disable: false });
      // UpdateRobot: the models.Robot it read back, changed
      expect((await send('PUT', `/robots/${robot.id}`, { description: 'cli changed', duration: 30, editable: true, disable: true, id: robot.id, level: 'project', name: robot.name, permissions: robot.permissions })).status).toBe(200);
      expect((await send('GET', `/robots/${robot.id}`)).json).toMatchObject({ description: 'cli changed', disable: true });
      // RefreshSec: a generated secret comes back
      const refreshed = await send('PATCH', `/robots/${robot.id}`, {});
      expect(typeof refreshed.json.secret).toBe('string');
      expect((await send('DELETE', `/robots/${robot.id}`)).status).toBe(200);
    });

    it('registry create/list/view/update/delete', async () => {
      const created = await send('POST', '/registries', { credential: { access_key: '', access_secret: '', type: 'basic' }, description: '', insecure: false, name: 'cli-registry', type: 'docker-hub', url: 'https://hub.docker.com' });
      expect(created.status).toBe(201);
      // ListRegistries: page, page_size, and name when given
      const list = await send('GET', '/registries?page=1&page_size=10&name=cli-reg');
      expect(list.json.map((r: { name: string }) => r.name)).toEqual(['cli-registry']);
      const id = list.json[0].id;
      // an empty key and secret are no credential: Wharf shows `credential: null` (Harbor would show an empty basic one)
      expect((await send('GET', `/registries/${id}`)).json).toMatchObject({ id, name: 'cli-registry', type: 'docker-hub', url: 'https://hub.docker.com', credential: null });
      // UpdateRegistry: RegistryUpdate with every pointer set
      const update = { name: 'cli-registry', description: 'cli', url: 'https://hub.docker.com', access_key: '', access_secret: '', credential_type: 'basic', insecure: false };
      expect((await send('PUT', `/registries/${id}`, update)).status).toBe(200);
      expect((await send('GET', `/registries/${id}`)).json.description).toBe('cli');
      expect((await send('DELETE', `/registries/${id}`)).status).toBe(200);
    });

    it('quota list (reference, reference_id, sort), view and update', async () => {
      // GetAllQuotas: page_size 100 from page 1 until a short page; empty sort/reference left out
      const all = await send('GET', '/quotas?page=1&page_size=100');
      const mine = (all.json as { id: number; ref: { id: number } }[]).find((q) => q.ref.id === projectId)!;
      expect(mine).toBeDefined();
      const filtered = await send('GET', `/quotas?page=1&page_size=10&reference=project&reference_id=${projectId}&sort=-creation_time`);
      expect(filtered.json.map((q: { id: number }) => q.id)).toEqual([mine.id]);
      expect((await send('GET', `/quotas/${mine.id}`)).json).toMatchObject({ id: mine.id, ref: { id: projectId, name: 'cli-project' }, hard: { storage: -1 }, used: { storage: 0 } });
      // UpdateQuota: QuotaUpdateReq
      expect((await send('PUT', `/quotas/${mine.id}`, { hard: { storage: GiB } })).status).toBe(200);
      expect((await send('GET', `/quotas/${mine.id}`)).json.hard.storage).toBe(GiB);
    });

    it('info, health, ping, user', async () => {
      const [statistics, info, volumes, health, ping, user] = await Promise.all([
        send('GET', '/statistics'),
        send('GET', '/systeminfo'),
        send('GET', '/systeminfo/volumes'),
        send('GET', '/health'),
        send('GET', '/ping'),
        send('GET', '/users/current'),
      ]);
      expect(Object.keys(statistics.json)).toEqual(expect.arrayContaining(['private_project_count', 'private_repo_count', 'public_project_count', 'public_repo_count', 'total_project_count', 'total_repo_count', 'total_storage_consumption']));
      expect(info.json).toMatchObject({ harbor_version: expect.any(String), auth_mode: 'db_auth', external_url: expect.any(String), registry_url: expect.any(String) });
      expect(volumes.json.storage[0]).toEqual({ total: expect.any(Number), free: expect.any(Number) });
      expect(health.json).toMatchObject({ status: 'healthy' });
      expect(ping.text).toBe('Pong');
      expect(user.json).toMatchObject({ username: TEST_ADMIN.username, sysadmin_flag: true });
    });

    it('scanner ping/create/list/view/metadata/set-default/update/delete', async () => {
      const adapter = await new FakeAdapter().start();
      try {
        const settings = { name: 'cli-scanner', url: adapter.url };
        expect((await send('POST', '/scanners/ping', settings)).status).toBe(200);
        const registration = { name: 'cli-scanner', url: adapter.url, disabled: false, skip_certVerify: false, use_internal_addr: false };
        const created = await send('POST', '/scanners', registration);
        expect(created.status).toBe(201);
        const uuid = created.headers.get('location')!.split('/').pop()!;
        const listed = await send('GET', '/scanners');
        expect(listed.status).toBe(200);
        expect((listed.json as { uuid: string }[]).find((r) => r.uuid === uuid)).toMatchObject({ name: 'cli-scanner', url: adapter.url, disabled: false, skip_certVerify: false, use_internal_addr: false });
        const viewed = await send('GET', `/scanners/${uuid}`);
        expect(viewed.json).toMatchObject({ uuid, name: 'cli-scanner', url: adapter.url, auth: expect.any(String) });
        expect(viewed.json).not.toHaveProperty('access_credential');
        const metadata = await send('GET', `/scanners/${uuid}/metadata`);
        expect(metadata.json).toMatchObject({ scanner: { name: 'Fake', vendor: 'Wharf tests', version: '1.2.3' } });
        expect((await send('PATCH', `/scanners/${uuid}`, { is_default: true })).status).toBe(200);
        expect((await send('GET', `/scanners/${uuid}`)).json).toMatchObject({ is_default: true });
        expect((await send('PUT', `/scanners/${uuid}`, { ...registration, name: 'cli-scanner-renamed', description: 'from harbor-cli' })).status).toBe(200);
        expect((await send('GET', `/scanners/${uuid}`)).json).toMatchObject({ name: 'cli-scanner-renamed', description: 'from harbor-cli' });
        expect((await send('DELETE', `/scanners/${uuid}`)).status).toBe(200);
        expect((await send('GET', `/scanners/${uuid}`)).status).toBe(404);
      } finally {
        await adapter.stop();
      }
    });

    it('project delete', async () => {
      expect((await send('DELETE', '/projects/cli-project', undefined, { 'x-is-resource-name': 'true' })).status).toBe(200);
    });
  });
});
