import { UserService } from '@wharf/iam';
import { LabelService } from '@wharf/labels';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';


const LABEL_FIELDS = ['color', 'creation_time', 'description', 'id', 'name', 'project_id', 'scope', 'update_time'];

describe('labels: /api/v2.0/labels and the labels of an artifact', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: RegistryClient;
  const users: Record<string, Credentials> = {};
  const projectIds: Record<string, number> = {};
  let digest: string;

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> => callApi(api.url, method, path, options);

  async function createLabel(body: Record<string, unknown>, auth: Credentials = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', '/labels', { body, auth });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v2\.0\/labels\/\d+$/);
    return Number(location.split('/').pop());
  }

  const labelsPath = (project: string, repository: string, reference: string) =>
    `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts/${reference}/labels`;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    for (const name of ['pa', 'ma', 'dev', 'outsider']) {
      const password = `Pass-${name}-1A`;
      await api.app.get(UserService).create({ username: name, password });
      users[name] = { username: name, password };
    }
    for (const project of ['lab', 'other']) {
      const answer = await call('POST', '/projects', { body: { project_name: project } });
      expect(answer.status).toBe(201);
      projectIds[project] = Number(answer.headers.get('location')!.split('/').pop());
    }
    for (const [name, role] of [['pa', 1], ['ma', 4], ['dev', 2]] as const) {
      expect((await call('POST', '/projects/lab/members', { body: { role_id: role, member_user: { username: name } } })).status).toBe(201);
    }
    digest = (await registry.pushImage('lab/team/app', 'v1')).digest;
    await registry.pushImage('other/app', 'v1');
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('global labels', () => {
    it('are created by a system admin, read by any signed-in user, in Harbor shape', async () => {
      const id = await createLabel({ name: 'prod', description: 'production', color: '#FF0000', scope: 'g' });
      const answer = await call('GET', `/labels/${id}`, { auth: users.dev });
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json).sort()).toEqual(LABEL_FIELDS);
      expect(answer.json).toMatchObject({ id, name: 'prod', description: 'production', color: '#FF0000', scope: 'g', project_id: 0 });
      const list = await call('GET', '/labels?scope=g', { auth: users.outsider });
      expect(list.status).toBe(200);
      expect(list.json.map((l: { name: string }) => l.name)).toContain('prod');
      expect((await call('GET', '/labels?scope=g', { auth: null })).status).toBe(401);
    });

    it('refuses non-admins (403) and duplicate names (409)', async () => {
      expect((await call('POST', '/labels', { auth: users.pa, body: { name: 'nope', scope: 'g' } })).status).toBe(403);
      expect((await call('POST', '/labels', { body: { name: 'prod', scope: 'g' } })).status).toBe(409);
      const id = await createLabel({ name: 'stage', scope: 'g' });
      expect((await call('PUT', `/labels/${id}`, { auth: users.pa, body: { name: 'staging' } })).status).toBe(403);
      expect((await call('DELETE', `/labels/${id}`, { auth: users.pa })).status).toBe(403);
      expect((await call('PUT', `/labels/${id}`, { body: { name: 'prod' } })).status).toBe(409);
      expect((await call('PUT', `/labels/${id}`, { body: { name: 'staging', color: '#00FF00' } })).status).toBe(200);
      expect((await call('GET', `/labels/${id}`)).json).toMatchObject({ name: 'staging', color: '#00FF00', scope: 'g' });
      expect((await call('PUT', `/labels/${id}`, { body: { scope: 'p' } })).status).toBe(400);
    });

    it('filters by name and pages', async () => {
      for (const name of ['page-a', 'page-b', 'page-c']) await createLabel({ name, scope: 'g' });
      const first = await call('GET', '/labels?scope=g&name=page&page=1&page_size=2');
      expect(first.headers.get('x-total-count')).toBe('3');
      expect(first.json.map((l: { name: string }) => l.name)).toEqual(['page-a', 'page-b']);
      expect(first.headers.get('link')).toContain('rel="next"');
      const second = await call('GET', '/labels?scope=g&name=page&page=2&page_size=2');
      expect(second.json.map((l: { name: string }) => l.name)).toEqual(['page-c']);
    });
  });

  describe('project labels', () => {
    it('are managed by maintainers and project admins, not developers', async () => {
      const id = await createLabel({ name: 'team', scope: 'p', project_id: projectIds.lab }, users.ma);
      expect((await call('GET', `/labels/${id}`, { auth: users.dev })).json).toMatchObject({ scope: 'p', project_id: projectIds.lab });
      expect((await call('POST', '/labels', { auth: users.dev, body: { name: 'dev-made', scope: 'p', project_id: projectIds.lab } })).status).toBe(403);
      expect((await call('PUT', `/labels/${id}`, { auth: users.dev, body: { description: 'x' } })).status).toBe(403);
      expect((await call('PUT', `/labels/${id}`, { auth: users.pa, body: { description: 'the team' } })).status).toBe(200);
      expect((await call('GET', `/labels?scope=p&project_id=${projectIds.lab}`, { auth: users.dev })).json.map((l: { name: string }) => l.name)).toEqual(['team']);
    });

    it('are unique per project, not across projects or scopes', async () => {
      await createLabel({ name: 'shared', scope: 'p', project_id: projectIds.lab });
      await createLabel({ name: 'shared', scope: 'p', project_id: projectIds.other });
      await createLabel({ name: 'shared', scope: 'g' });
      expect((await call('POST', '/labels', { body: { name: 'shared', scope: 'p', project_id: projectIds.lab } })).status).toBe(409);
    });

    it('are hidden from callers without access to a private project (404)', async () => {
      const id = await createLabel({ name: 'secret', scope: 'p', project_id: projectIds.other });
      expect((await call('GET', `/labels/${id}`, { auth: users.outsider })).status).toBe(404);
      expect((await call('GET', `/labels?scope=p&project_id=${projectIds.other}`, { auth: users.outsider })).status).toBe(404);
      expect((await call('POST', '/labels', { auth: users.outsider, body: { name: 'x', scope: 'p', project_id: projectIds.other } })).status).toBe(404);
      expect((await call('GET', '/labels/999999')).status).toBe(404);
    });

    it('need a project id, and a scope to list', async () => {
      expect((await call('POST', '/labels', { body: { name: 'orphan', scope: 'p' } })).status).toBe(400);
      expect((await call('GET', '/labels?scope=p')).status).toBe(400);
      expect((await call('GET', '/labels')).status).toBe(400);
      expect((await call('POST', '/labels', { body: { name: 'bad', scope: 'x' } })).status).toBe(400);
    });
  });

  describe('on artifacts', () => {
    let prod: number;
    let team: number;
    let foreign: number;

    beforeAll(async () => {
      prod = (await call('GET', '/labels?scope=g&name=prod')).json[0].id;
      team = (await call('GET', `/labels?scope=p&project_id=${projectIds.lab}&name=team`)).json[0].id;
      foreign = (await call('GET', `/labels?scope=p&project_id=${projectIds.other}&name=shared`)).json[0].id;
    });

    const labelsOfArtifact = async (): Promise<string[]> => {
      const [{ id }] = await api.app.get(LabelService).findArtifact('lab/team/app', digest).then((a) => [a]);
      return ((await api.app.get(LabelService).labelsOf([id])).get(id) ?? []).map((l) => l.name);
    };

    it('attaches global and project labels by tag or digest (repository name encoded twice), once each', async () => {
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { auth: users.dev, body: { id: prod } })).status).toBe(200);
      expect((await call('POST', labelsPath('lab', 'team/app', digest), { auth: users.dev, body: { id: team, name: 'team' } })).status).toBe(200);
      expect(await labelsOfArtifact()).toEqual(['prod', 'team']);
      expect((await call('POST', labelsPath('lab', 'team/app', digest), { body: { id: prod } })).status).toBe(409);
    });

    it('keeps a project label on its own project, and answers 404 for unknown labels and artifacts', async () => {
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { body: { id: foreign } })).status).toBe(400);
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { body: { id: 999999 } })).status).toBe(404);
      expect((await call('POST', labelsPath('lab', 'team/app', 'nope'), { body: { id: prod } })).status).toBe(404);
      expect((await call('POST', labelsPath('lab', 'team/none', 'v1'), { body: { id: prod } })).status).toBe(404);
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { auth: users.outsider, body: { id: prod } })).status).toBe(404);
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { body: {} })).status).toBe(400);
    });

    it('detaches (404 when not attached)', async () => {
      expect((await call('DELETE', `${labelsPath('lab', 'team/app', 'v1')}/${team}`, { auth: users.dev })).status).toBe(200);
      expect((await call('DELETE', `${labelsPath('lab', 'team/app', 'v1')}/${team}`, { auth: users.dev })).status).toBe(404);
      expect(await labelsOfArtifact()).toEqual(['prod']);
    });

    it('takes a deleted label off every artifact', async () => {
      const temp = await createLabel({ name: 'temp', scope: 'g' });
      expect((await call('POST', labelsPath('lab', 'team/app', 'v1'), { body: { id: temp } })).status).toBe(200);
      expect(await labelsOfArtifact()).toEqual(['prod', 'temp']);
      expect((await call('DELETE', `/labels/${temp}`)).status).toBe(200);
      expect((await call('GET', `/labels/${temp}`)).status).toBe(404);
      expect(await labelsOfArtifact()).toEqual(['prod']);
    });

    it('labelsOf answers for many artifacts in one call', async () => {
      const service = api.app.get(LabelService);
      const artifact = await service.findArtifact('lab/team/app', 'v1');
      const other = await service.findArtifact('other/app', 'v1');
      const labels = await service.labelsOf([artifact.id, other.id]);
      expect(labels.get(artifact.id)?.map((l) => l.name)).toEqual(['prod']);
      expect(labels.has(other.id)).toBe(false);
      expect((await service.labelsOf([])).size).toBe(0);
    });
  });
});
