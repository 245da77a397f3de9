/**
 * The portal's typed API client cannot drift from the api: apps/portal/src/api/schema.d.ts must
 * be exactly what `npm run portal:api-types` generates from the api's OpenAPI document now, and
 * the document that command builds (without Postgres, Redis or a socket) must be the one the
 * running api serves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const root = resolve(__dirname, '../..');
const COMMITTED = join(root, 'apps/portal/src/api/schema.d.ts');

describe('the portal API types', () => {
  let dir: string;
  let generatedDocument: unknown;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-api-types-'));
    // the built CLI (npm test builds dist first), with no database or Redis in its environment
    execFileSync(process.execPath, [join(root, 'dist/apps/api/src/cli/openapi-document.js'), join(dir, 'openapi.json')], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    generatedDocument = JSON.parse(readFileSync(join(dir, 'openapi.json'), 'utf8'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has committed schema.d.ts equal to a fresh generation (run `npm run portal:api-types` when this fails)', () => {
    execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'schema.d.ts')], { stdio: 'ignore' });
    const fresh = readFileSync(join(dir, 'schema.d.ts'), 'utf8');
    expect(fresh).toContain('"/c/login"');
    expect(fresh).toContain('"/api/v2.0/projects"');
    expect(readFileSync(COMMITTED, 'utf8') === fresh ? 'up to date' : 'stale: run npm run portal:api-types and commit apps/portal/src/api/schema.d.ts').toBe('up to date');
  });

  it('describes what a typed client needs: path and paging parameters, bodies and answers by their properties, the session endpoints', () => {
    const document = generatedDocument as any;
    const schemaOf = (schema: any): any => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema);
    const answer = (path: string, method: string, status = '200') => document.paths[path][method].responses[status].content['application/json'].schema;
    const projects = document.paths['/api/v2.0/projects'].get;
    expect(projects.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['page', 'page_size', 'q', 'name']));
    expect(Object.keys(schemaOf(answer('/api/v2.0/projects', 'get').items).properties)).toEqual(expect.arrayContaining(['project_id', 'name', 'metadata', 'repo_count']));
    const artifacts = '/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts';
    expect(document.paths[artifacts].get.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name).sort()).toEqual(['project_name', 'repository_name']);
    const artifact = schemaOf(answer(artifacts, 'get').items);
    expect(Object.keys(artifact.properties)).toEqual(expect.arrayContaining(['digest', 'size', 'tags', 'references', 'push_time', 'pull_time']));
    expect(Object.keys(schemaOf(answer('/api/v2.0/users/current', 'get')).properties)).toEqual(expect.arrayContaining(['user_id', 'username', 'sysadmin_flag']));
    expect(Object.keys(schemaOf(answer('/api/v2.0/projects/{project_name_or_id}/members', 'get').items).properties)).toEqual(expect.arrayContaining(['entity_name', 'role_id']));
    expect(Object.keys(schemaOf(answer('/api/v2.0/robots', 'post', '201')).properties)).toEqual(expect.arrayContaining(['name', 'secret']));
    expect(Object.keys(schemaOf(answer('/api/v2.0/systeminfo', 'get')).properties)).toEqual(expect.arrayContaining(['harbor_version', 'banner_message']));

    const login = document.paths['/c/login'].post;
    expect(Object.keys(schemaOf(login.requestBody.content['application/x-www-form-urlencoded'].schema).properties).sort()).toEqual(['password', 'principal']);
    expect(login.security).toEqual([]);
    expect(document.paths['/c/log_out'].get).toBeDefined();
    expect(document.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'sid' });
  });

  describe('against the running api', () => {
    let environment: TestEnvironment;
    let api: RunningApi;
    beforeAll(async () => {
      environment = await createTestEnvironment();
      api = await startApi(environment);
    });
    afterAll(async () => {
      await api?.close();
      await environment?.close();
    });

    it('is generated from the very document the api serves', async () => {
      const served = await (await fetch(`${api.url}/api/v2.0/swagger.json`)).json();
      expect(generatedDocument).toEqual(served);
    });
  });
});
