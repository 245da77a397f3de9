/**
 * The portal's one way to the api: an openapi-fetch client typed by `paths` (generated from the api's
 * own OpenAPI document by `npm run portal:api-types`), so a renamed path, parameter or request field
 * fails the portal's typecheck instead of a page at run time. The document types request bodies and
 * query parameters; its answers are untyped objects, so answer shapes live in ./models.ts.
 *
 * Sign-in is the session cookie (`sid`, HttpOnly) set by POST /c/login; every state-changing call sends
 * the double-submit CSRF header the api checks, read from the readable `__csrf` cookie.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

const CSRF_COOKIE = '__csrf';
const CSRF_HEADER = 'X-Harbor-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  const entry = document.cookie.split('; ').find((part) => part.startsWith(prefix));
  return entry === undefined ? undefined : decodeURIComponent(entry.slice(prefix.length));
}

/** Headers every state-changing request made with the session cookie carries. */
export function csrfHeaders(): Record<string, string> {
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

/** Where the login page sends the user back to after signing in. */
export function loginPathFor(location: Pick<Location, 'pathname' | 'search'>): string {
  const back = `${location.pathname}${location.search}`;
  return back === '/' || back.startsWith('/login') ? '/login' : `/login?redirect=${encodeURIComponent(back)}`;
}

const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      for (const [name, value] of Object.entries(csrfHeaders())) request.headers.set(name, value);
    }
    return request;
  },
};

/**
 * A 401 means the session ended (logged out elsewhere, password changed, user disabled): sign in again.
 * The current-user probe is left to RequireSession, which routes to /login without reloading the page.
 */
const sessionEndedMiddleware: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/users/current') && !window.location.pathname.startsWith('/login')) {
      window.location.assign(loginPathFor(window.location));
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrfMiddleware, sessionEndedMiddleware);

/** The Harbor error body `{"errors":[{"code","message"}]}` as one readable line. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const errors = (error as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length) return errors.map((entry) => entry.message ?? entry.code).join('; ');
  return 'the request failed';
}

/**
 * Unwraps an openapi-fetch result: the data, or a thrown Error carrying the api's message, so
 * react-query's error state and the notifications show what the api said.
 */
export function unwrap<T>(result: { data?: unknown; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw new ApiRequestError(result.response.status, errorMessage(result.error));
  return result.data as T;
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** X-Total-Count, the total a paginated Harbor list answer carries beside its page. */
export function totalCountOf(response: Response): number {
  const header = response.headers.get('X-Total-Count');
  return header === null ? 0 : Number(header);
}

/** One page of a Harbor list answer: its rows and the X-Total-Count total. */
export function pageOf<Row>(result: { data?: unknown; error?: unknown; response: Response }): { rows: Row[]; total: number } {
  const rows = unwrap<Row[]>(result) ?? [];
  return { rows, total: totalCountOf(result.response) || rows.length };
}
