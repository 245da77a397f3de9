import { Client } from 'pg';
import { ADMIN_PASSWORD, TOKEN_SERVICE } from '../targets/wharf';

const adminBasic = (): string => `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

async function callManagementApi(baseUrl: string, method: string, path: string, body: unknown): Promise<{ status: number; location: string; text: string }> {
  const response = await fetch(new URL(`/api/v2.0${path}`, baseUrl), {
    method,
    headers: { authorization: adminBasic(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get('location') ?? '', text: await response.text() };
}

/** How the endpoint came to exist: through the management API, or (while it is missing) a row written by the bench. */
export type EndpointOrigin = 'api' | 'database row (POST /api/v2.0/registries answered 404)';

/**
 * A `docker-registry` endpoint for the upstream, made as an administrator would (POST
 * /api/v2.0/registries). Until that API exists on the branch measured (404), the bench writes
 * the registry row itself, so the proxy path can be measured before the management API lands.
 */
export async function createEndpoint(baseUrl: string, databaseUrl: string, name: string, upstreamUrl: string): Promise<{ id: number; origin: EndpointOrigin }> {
  const answer = await callManagementApi(baseUrl, 'POST', '/registries', { name, type: 'docker-registry', url: upstreamUrl, insecure: false });
  const id = /\/api\/v2\.0\/registries\/(\d+)$/.exec(answer.location)?.[1];
  if (answer.status === 201 && id) return { id: Number(id), origin: 'api' };
  if (answer.status !== 404) throw new Error(`POST /api/v2.0/registries: expected 201 with a Location, got ${answer.status} ${answer.location} ${answer.text.slice(0, 300)}`);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: number }>(`INSERT INTO registry (name, type, url, insecure) VALUES ($1, 'docker-registry', $2, false) RETURNING id`, [name, upstreamUrl]);
    return { id: rows[0].id, origin: 'database row (POST /api/v2.0/registries answered 404)' };
  } finally {
    await db.end();
  }
}

/** A public proxy-cache project on the endpoint (POST /api/v2.0/projects with registry_id). */
export async function createProxyProject(baseUrl: string, name: string, registryId: number): Promise<void> {
  const answer = await callManagementApi(baseUrl, 'POST', '/projects', { project_name: name, registry_id: registryId, metadata: { public: 'true' } });
  if (answer.status !== 201) throw new Error(`POST /api/v2.0/projects ${name}: expected 201, got ${answer.status} ${answer.text.slice(0, 300)}`);
}

/**
 * One docker bearer token (as `admin`) with pull on every repository the scenario pulls
 * through Wharf: the scenario's token, fetched once when it starts, as the other scenarios do.
 */
export async function pullToken(baseUrl: string, repositories: string[]): Promise<string> {
  const url = new URL('/service/token', baseUrl);
  url.searchParams.set('service', TOKEN_SERVICE);
  for (const repository of repositories) url.searchParams.append('scope', `repository:${repository}:pull`);
  const response = await fetch(url, { headers: { authorization: adminBasic() } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /service/token: expected 200, got ${response.status} ${text.slice(0, 300)}`);
  return `Bearer ${(JSON.parse(text) as { token: string }).token}`;
}
