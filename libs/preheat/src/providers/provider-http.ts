import type * as Undici from 'undici';
import type { ProviderConnection } from '../preheat-instance';
import { ProviderError, reasonOfStatus } from './preheat-provider';

/** undici (some 5 MB of heap) is loaded at the first provider request, not at start: most api processes never talk to a preheat provider. */
let loadedUndici: typeof Undici | undefined;
const undici = (): typeof Undici => (loadedUndici ??= require('undici') as typeof Undici);

/** Harbor's provider HTTP client: 30 s per request (CONTRACTS.md section 5). */
export const PROVIDER_TIMEOUT_MS = 30_000;
/** how much of a provider's error body the task log keeps */
const BODY_LIMIT = 2048;

export interface ProviderAnswer {
  status: number;
  body: string;
  json: unknown;
}

const agents = new Map<boolean, Undici.Agent>();
function agentFor(insecure: boolean): Undici.Agent {
  let agent = agents.get(insecure);
  if (!agent) {
    agent = new (undici().Agent)({ connect: { timeout: PROVIDER_TIMEOUT_MS, rejectUnauthorized: !insecure }, headersTimeout: PROVIDER_TIMEOUT_MS, bodyTimeout: PROVIDER_TIMEOUT_MS });
    agents.set(insecure, agent);
  }
  return agent;
}

/** The instance's credential as headers (NONE, BASIC, OAUTH bearer, CUSTOM: its one header). */
export function authHeaders(connection: ProviderConnection): Record<string, string> {
  const info = connection.authInfo;
  switch (connection.authMode) {
    case 'BASIC':
      return { authorization: `Basic ${Buffer.from(`${info.username ?? ''}:${info.password ?? ''}`).toString('base64')}` };
    case 'OAUTH':
      return { authorization: `Bearer ${info.token ?? ''}` };
    case 'CUSTOM': {
      const [key, value] = Object.entries(info)[0] ?? [];
      return key ? { [key]: value } : {};
    }
    default:
      return {};
  }
}

/**
 * One request to a provider with the instance's credential: JSON in, `Accept: application/json`,
 * no redirects followed. Non-2xx throws ProviderError with the status and body (the reason a task
 * failed); an unreachable provider throws one of reason `down`.
 */
export async function providerRequest(connection: ProviderConnection, method: 'GET' | 'POST', path: string, body?: unknown, okStatuses: number[] = []): Promise<ProviderAnswer> {
  const url = `${connection.endpoint.replace(/\/+$/, '')}${path}`;
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(connection) };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let status: number;
  let text: string;
  try {
    const response = await undici().request(url, { method, headers, body: payload, dispatcher: agentFor(connection.insecure), signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new ProviderError('down', `${method} ${url}: provider unreachable (${code})`);
  }
  const ok = (status >= 200 && status < 300) || okStatuses.includes(status);
  if (!ok) throw new ProviderError(reasonOfStatus(status), `${method} ${url} -> HTTP ${status}: ${clip(text)}`, status);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, body: text, json };
}

export function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > BODY_LIMIT ? `${oneLine.slice(0, BODY_LIMIT)}...` : oneLine || '(empty body)';
}
