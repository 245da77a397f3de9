import { TEST_ADMIN, basicAuth, type Credentials } from './test-credentials';

/** One answer of the management API, its body both as text and parsed (undefined when not JSON). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface ApiCallOptions {
  /** Basic credentials; the test admin unless given, null for anonymous */
  auth?: Credentials | null;
  /** sent as JSON */
  body?: unknown;
  /** sent as is, with content-type application/json (malformed-body tests) */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A call to `<baseUrl>/api/v2.0<path>` (or `<baseUrl><path>` for /service/ paths). */
export async function callApi(baseUrl: string, method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> {
  const auth = options.auth === undefined ? TEST_ADMIN : options.auth;
  const headers: Record<string, string> = { ...options.headers };
  if (auth) headers.authorization = basicAuth(auth);
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const prefix = path.startsWith('/service/') ? '' : '/api/v2.0';
  const response = await fetch(`${baseUrl}${prefix}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The `code` of the first error of a Harbor-shaped error answer. */
export const errorCodeOf = (answer: ApiAnswer): string | undefined => answer.json?.errors?.[0]?.code;
