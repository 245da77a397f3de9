import type * as Undici from 'undici';
import { HARBOR_VULNERABILITY_REPORT_V10, SBOM_REPORT, VULNERABILITY_REPORT_V11 } from '../scan-report';

/** undici (some 5 MB of heap) is loaded at the first request to a scanner adapter, not at start: most api processes never talk to one. */
let loadedUndici: typeof Undici | undefined;
const undici = (): typeof Undici => (loadedUndici ??= require('undici') as typeof Undici);

/** Harbor's timeout of one request to an adapter (CONTRACTS.md section 4). */
export const ADAPTER_REQUEST_TIMEOUT_MS = 5_000;
/** how long a report is waited for in all */
export const ADAPTER_SCAN_TIMEOUT_MS = 30 * 60_000;
/** the wait between two report polls when the adapter's 302 has no Refresh-After */
export const DEFAULT_REFRESH_AFTER_S = 5;

export const METADATA_MIME = 'application/vnd.scanner.adapter.metadata+json; version=1.0';
export const SCAN_REQUEST_MIME = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
export const SCAN_RESPONSE_MIME = 'application/vnd.scanner.adapter.scan.response+json; version=1.0';
/** what an adapter must consume for Harbor to accept it */
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const KNOWN_REPORT_MIMES = [VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10, SBOM_REPORT] as const;
export const REGISTRY_AUTHORIZATION_TYPE = 'harbor.scanner-adapter/registry-authorization-type';

/** Harbor's auth of a registration, as stored ('' = None; `APIKey` is Harbor's code's spelling). */
export type AdapterAuth = '' | 'Basic' | 'Bearer' | 'X-ScannerAdapter-API-Key';

/** How Wharf reaches one adapter. */
export interface AdapterConnection {
  url: string;
  auth: AdapterAuth;
  /** in clear: `user:password` for Basic (base64-encoded when sent, as Harbor does), the token or key otherwise */
  credential: string | null;
  skipCertVerify: boolean;
}

export interface AdapterCapability {
  type: 'vulnerability' | 'sbom';
  consumes_mime_types: string[];
  produces_mime_types: string[];
  additional_attributes?: { sbom_media_types?: string[] } & Record<string, unknown>;
}

export interface AdapterMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: AdapterCapability[];
  properties: Record<string, string>;
}

export interface ScanRequest {
  registry: { url: string; authorization: string };
  artifact: { repository: string; tag?: string; digest: string; mime_type: string };
  enabled_capabilities?: { type: 'vulnerability' | 'sbom'; produces_mime_types: string[]; parameters?: { sbom_media_types?: string[] } }[];
}

/** An adapter refused or failed; `status` is its HTTP status (0 when unreachable or timed out). */
export class AdapterError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AdapterError';
  }
}

const agents = new Map<boolean, Undici.Agent>();
function agentFor(skipCertVerify: boolean): Undici.Agent {
  let agent = agents.get(skipCertVerify);
  if (!agent) {
    // redirects are never followed: undici's request follows none unless a redirect interceptor is composed in
    agent = new (undici().Agent)({
      connect: { timeout: ADAPTER_REQUEST_TIMEOUT_MS, rejectUnauthorized: !skipCertVerify },
      headersTimeout: ADAPTER_REQUEST_TIMEOUT_MS,
      bodyTimeout: ADAPTER_REQUEST_TIMEOUT_MS,
    });
    agents.set(skipCertVerify, agent);
  }
  return agent;
}

/** Accepts Harbor's spellings of an auth type; null when unknown. */
export function normaliseAdapterAuth(auth: string | undefined | null): AdapterAuth | null {
  switch ((auth ?? '').trim()) {
    case '':
    case 'None':
      return '';
    case 'Basic':
      return 'Basic';
    case 'Bearer':
      return 'Bearer';
    case 'X-ScannerAdapter-API-Key':
    case 'APIKey':
      return 'X-ScannerAdapter-API-Key';
    default:
      return null;
  }
}

/** The headers carrying a registration's credential (Harbor's authorizers). */
export function adapterAuthHeaders(connection: Pick<AdapterConnection, 'auth' | 'credential'>): Record<string, string> {
  const credential = connection.credential;
  if (!credential) return {};
  switch (connection.auth) {
    case 'Basic':
      return { authorization: `Basic ${Buffer.from(credential).toString('base64')}` };
    case 'Bearer':
      return { authorization: `Bearer ${credential}` };
    case 'X-ScannerAdapter-API-Key':
      return { 'x-scanneradapter-api-key': credential };
    default:
      return {};
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function call(connection: AdapterConnection, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = `${connection.url.replace(/\/+$/, '')}/api/v1${path}`;
  try {
    const response = await undici().request(url, {
      method,
      headers: { ...headers, ...adapterAuthHeaders(connection) },
      body,
      dispatcher: agentFor(connection.skipCertVerify),
      signal: AbortSignal.timeout(ADAPTER_REQUEST_TIMEOUT_MS),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  } catch (error) {
    const name = (error as Error).name;
    const code = name === 'TimeoutError' || name === 'AbortError' ? name : String((error as { code?: string }).code ?? name);
    const timedOut = code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
    throw new AdapterError(`${method} ${url}: ${timedOut ? `no answer within ${ADAPTER_REQUEST_TIMEOUT_MS / 1000} s` : `unreachable (${code})`}`, 0);
  }
}

function adapterMessage(answer: Answer): string {
  try {
    const parsed = JSON.parse(answer.text) as { error?: { message?: string } };
    if (parsed?.error?.message) return parsed.error.message;
  } catch {
    // not JSON
  }
  const oneLine = answer.text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 512 ? `${oneLine.slice(0, 512)}...` : oneLine || '(empty body)';
}

function parseJson(answer: Answer, what: string): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new AdapterError(`the adapter's ${what} is not JSON`, answer.status);
  }
}

/**
 * GET /metadata, validated as Harbor does: a scanner name, vendor and version, at least one
 * capability, each consuming Docker's (or OCI's) image manifest and producing a report type Wharf knows.
 */
export async function fetchAdapterMetadata(connection: AdapterConnection): Promise<AdapterMetadata> {
  const answer = await call(connection, 'GET', '/metadata', { accept: METADATA_MIME });
  if (answer.status === 401 || answer.status === 403) throw new AdapterError(`the adapter refused the credential (HTTP ${answer.status})`, answer.status);
  if (answer.status !== 200) throw new AdapterError(`the adapter's metadata answered HTTP ${answer.status}: ${adapterMessage(answer)}`, answer.status);
  return validateMetadata(parseJson(answer, 'metadata'));
}

export function validateMetadata(raw: unknown): AdapterMetadata {
  const m = raw as Partial<AdapterMetadata> | null;
  const scanner = m?.scanner;
  if (!scanner || typeof scanner.name !== 'string' || !scanner.name || typeof scanner.vendor !== 'string' || typeof scanner.version !== 'string') {
    throw new AdapterError('invalid adapter metadata: scanner name, vendor and version are required', 200);
  }
  if (!Array.isArray(m.capabilities) || m.capabilities.length === 0) throw new AdapterError('invalid adapter metadata: no capabilities', 200);
  const capabilities: AdapterCapability[] = m.capabilities.map((c) => {
    const consumes = Array.isArray(c?.consumes_mime_types) ? c.consumes_mime_types.filter((x): x is string => typeof x === 'string') : [];
    const produces = Array.isArray(c?.produces_mime_types) ? c.produces_mime_types.filter((x): x is string => typeof x === 'string') : [];
    if (!consumes.includes(DOCKER_MANIFEST_V2) && !consumes.includes(OCI_MANIFEST)) {
      throw new AdapterError(`invalid adapter metadata: a capability does not consume ${DOCKER_MANIFEST_V2}`, 200);
    }
    if (!produces.some((p) => (KNOWN_REPORT_MIMES as readonly string[]).includes(p))) {
      throw new AdapterError(`invalid adapter metadata: a capability produces none of ${KNOWN_REPORT_MIMES.join(', ')}`, 200);
    }
    return { ...c, type: c.type === 'sbom' ? 'sbom' : 'vulnerability', consumes_mime_types: consumes, produces_mime_types: produces };
  });
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.properties ?? {})) if (typeof v === 'string') properties[k] = v;
  return { scanner: { name: scanner.name, vendor: scanner.vendor, version: scanner.version }, capabilities, properties };
}

/** How the adapter wants the registry credential: Basic (the default) or Bearer. */
export function registryAuthorizationType(metadata: AdapterMetadata): 'Basic' | 'Bearer' {
  return metadata.properties[REGISTRY_AUTHORIZATION_TYPE] === 'Bearer' ? 'Bearer' : 'Basic';
}

/** POST /scan: the adapter's scan request id (202). */
export async function submitScan(connection: AdapterConnection, scan: ScanRequest): Promise<string> {
  const answer = await call(connection, 'POST', '/scan', { 'content-type': SCAN_REQUEST_MIME, accept: SCAN_RESPONSE_MIME }, JSON.stringify(scan));
  if (answer.status !== 202 && answer.status !== 200) throw new AdapterError(`the adapter refused the scan (HTTP ${answer.status}): ${adapterMessage(answer)}`, answer.status);
  const id = (parseJson(answer, 'scan response') as { id?: unknown })?.id;
  if (typeof id !== 'string' || !id) throw new AdapterError('the adapter accepted the scan without an id', answer.status);
  return id;
}

export type ReportPoll =
  | { state: 'ready'; report: string }
  | { state: 'running'; refreshAfterS: number }
  | { state: 'unknown' };

/** GET /scan/{id}/report once: the report, "running" with the wait asked for, or "unknown" (404). */
export async function pollReport(connection: AdapterConnection, scanId: string, mime: string, sbomMediaType?: string): Promise<ReportPoll> {
  const query = sbomMediaType ? `?sbom_media_type=${encodeURIComponent(sbomMediaType)}` : '';
  const answer = await call(connection, 'GET', `/scan/${encodeURIComponent(scanId)}/report${query}`, { accept: mime });
  if (answer.status === 200) return { state: 'ready', report: answer.text };
  if (answer.status === 302) {
    const header = answer.headers['refresh-after'];
    const value = Number(Array.isArray(header) ? header[0] : header);
    return { state: 'running', refreshAfterS: Number.isFinite(value) && value > 0 ? value : DEFAULT_REFRESH_AFTER_S };
  }
  if (answer.status === 404) return { state: 'unknown' };
  throw new AdapterError(`the adapter's report answered HTTP ${answer.status}: ${adapterMessage(answer)}`, answer.status);
}

export interface ScanRunOptions {
  mime: string;
  sbomMediaType?: string;
  /** overall limit (30 min by default) */
  timeoutMs?: number;
  /** stops the wait (a stopped task) */
  signal?: AbortSignal;
  /** a line for the task log */
  log?: (line: string) => void;
  /** the wait between polls; tests may shorten it */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new AdapterError('the scan was stopped', 0));
    }, { once: true });
  });

/**
 * Submits the scan and polls its report, honouring Refresh-After (5 s when absent), until the
 * report, a failure, or the overall limit; a 404 (the adapter forgot the request, e.g. restarted)
 * resubmits once, a second one fails.
 */
export async function runScan(connection: AdapterConnection, scan: ScanRequest, options: ScanRunOptions): Promise<{ report: string; scanId: string }> {
  const log = options.log ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? ADAPTER_SCAN_TIMEOUT_MS);
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal));
  let scanId = await submitScan(connection, scan);
  log(`the adapter accepted the scan as ${scanId}`);
  let resubmitted = false;
  for (;;) {
    if (options.signal?.aborted) throw new AdapterError('the scan was stopped', 0);
    const poll = await pollReport(connection, scanId, options.mime, options.sbomMediaType);
    if (poll.state === 'ready') return { report: poll.report, scanId };
    if (poll.state === 'unknown') {
      if (resubmitted) throw new AdapterError(`the adapter does not know scan ${scanId} (HTTP 404), even after a resubmission`, 404);
      resubmitted = true;
      scanId = await submitScan(connection, scan);
      log(`the adapter did not know the scan (404): resubmitted as ${scanId}`);
      continue;
    }
    const waitMs = poll.refreshAfterS * 1000;
    if (Date.now() + waitMs > deadline) throw new AdapterError(`no report within ${Math.round((options.timeoutMs ?? ADAPTER_SCAN_TIMEOUT_MS) / 1000)} s`, 0);
    await sleep(waitMs);
  }
}
