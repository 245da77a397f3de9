import { createApiApp } from '../../apps/api/src/create-api-app';
import { createTestEnvironment, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/**
 * The OpenAPI document of the management API, generated from the code: every route the api serves
 * outside /v2 is in it, DTO classes become schemas with their properties, /v2 is not in it.
 */
describe('management API: OpenAPI document', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  /** every route Fastify registered, as `METHOD /path/{param}` */
  const routes = new Set<string>();
  let document: any;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    // startApi(), plus an onRoute hook: Nest registers its routes when the app initializes (listen)
    const app = await createApiApp(environment.config);
    app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    api = { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };

    const response = await fetch(`${api.url}/api/v2.0/swagger.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = await response.json();
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  const operations = (): string[] =>
    Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );

  it('is an OpenAPI 3 document, served without credentials at /api/v2.0/swagger.json and /swagger.json', async () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toMatchObject({ title: 'Wharf management API', version: expect.any(String) });
    expect(document.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
    const root = await fetch(`${api.url}/swagger.json`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(document);
  });

  it('describes the management endpoints, the token service and health', () => {
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v2.0/projects', '/api/v2.0/users', '/api/v2.0/users/{user_id}', '/api/v2.0/robots', '/service/token', '/api/v2.0/health', '/health']),
    );
    expect(document.paths['/api/v2.0/users'].post.tags).toEqual(['users']);
    expect(document.paths['/service/token'].get.tags).toEqual(['token']);
    expect(document.paths['/health'].get.security).toEqual([]);
  });

  it('holds every route the api serves outside /v2, and nothing else', () => {
    // (HEAD routes are only the declared ones: the adapter runs with exposeHeadRoutes: false)
    const served = [...routes].filter((route) => !/^\w+ \/v2(\/|$)/.test(route) && !/\/swagger\.json$/.test(route));
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((route) => route.includes(' /api/v2.0/'))).not.toHaveLength(0);
    expect(operations().sort()).toEqual(served.sort());
  });

  it('has no /v2 route', () => {
    expect(Object.keys(document.paths).filter((path) => path === '/v2' || path.startsWith('/v2/'))).toEqual([]);
    expect(JSON.stringify(document)).not.toMatch(/"\/v2[/"]/);
  });

  it('describes request bodies by the properties of their DTO classes', () => {
    const schemas = document.components.schemas as Record<string, { type?: string; properties?: Record<string, any>; required?: string[] }>;
    const bodies = Object.values(document.paths as Record<string, Record<string, any>>)
      .flatMap((item) => Object.values(item))
      .map((operation) => operation.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined)
      .filter((ref): ref is string => Boolean(ref));
    expect(bodies.length).toBeGreaterThan(0);
    for (const ref of bodies) {
      const schema = schemas[ref.replace('#/components/schemas/', '')];
      expect({ ref, properties: Object.keys(schema?.properties ?? {}).length > 0 }).toEqual({ ref, properties: true });
    }
    // Harbor's field names (snake_case) come straight from the classes
    const fields = bodies.flatMap((ref) => Object.keys(schemas[ref.replace('#/components/schemas/', '')].properties!));
    expect(fields.some((field) => /^[a-z]+(_[a-z]+)+$/.test(field))).toBe(true);

    // POST /users: types, optionality and class-validator constraints
    const createUser = schemas[document.paths['/api/v2.0/users'].post.requestBody.content['application/json'].schema.$ref.split('/').pop()];
    expect(createUser.properties).toMatchObject({ username: { type: 'string' }, password: { type: 'string' }, email: { type: 'string', format: 'email' } });
    expect(createUser.required).toEqual(expect.arrayContaining(['username', 'password']));
    expect(createUser.required).not.toContain('email');
  });

  it('lists the paging query parameters of list endpoints, optional', () => {
    const parameters = document.paths['/api/v2.0/users'].get.parameters as { name: string; in: string; required: boolean }[];
    expect(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.required])).toEqual(
      expect.arrayContaining([
        ['page', false],
        ['page_size', false],
      ]),
    );
  });

  it('declares every {parameter} of every path on each of its operations (generated clients fill them in)', () => {
    const undeclared: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>>)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        const declared = new Set((operation.parameters ?? []).filter((p) => p.in === 'path' && p.required).map((p) => p.name));
        undeclared.push(...templated.filter((name) => !declared.has(name)).map((name) => `${method} ${path} {${name}}`));
      }
    }
    expect(undeclared).toEqual([]);
    expect(document.paths['/api/v2.0/projects/{project_name_or_id}/summary'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'project_name_or_id', in: 'path', required: true })]));
  });
});
