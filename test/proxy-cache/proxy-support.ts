import { Client } from 'pg';
import { callApi } from '../support/management-api';
import type { RunningApi, TestEnvironment } from '../support/wharf-app';

export interface ProxyProjectOptions {
  /** project metadata (proxy_freshness_seconds, proxy_keep_on_upstream_404, proxy_speed_kb, max_upstream_conn, ...) */
  metadata?: Record<string, string>;
  credential?: { type: 'basic' | 'oauth'; access_key: string; access_secret: string };
  type?: string;
}

/** A registry endpoint for `upstreamUrl` and a proxy-cache project on it, made through the management API as an administrator would. */
export async function createProxyProject(api: RunningApi, name: string, upstreamUrl: string, options: ProxyProjectOptions = {}): Promise<number> {
  const endpoint = await callApi(api.url, 'POST', '/registries', {
    body: { name: `${name}-upstream`, type: options.type ?? 'docker-registry', url: upstreamUrl, insecure: false, ...(options.credential ? { credential: options.credential } : {}) },
  });
  if (endpoint.status !== 201) throw new Error(`creating the endpoint failed: ${endpoint.status} ${endpoint.text}`);
  const registryId = Number(endpoint.headers.get('location')?.split('/').pop());
  const project = await callApi(api.url, 'POST', '/projects', {
    body: { project_name: name, registry_id: registryId, metadata: { public: 'false', ...(options.metadata ?? {}) } },
  });
  if (project.status !== 201) throw new Error(`creating the proxy project failed: ${project.status} ${project.text}`);
  return registryId;
}

/** A direct connection to the suite's database, for what the API does not show (blob rows, pull times). */
export async function connectDatabase(environment: TestEnvironment): Promise<Client> {
  const db = new Client({ connectionString: environment.config.DATABASE_URL });
  await db.connect();
  return db;
}
