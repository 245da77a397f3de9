import type { FastifyRequest } from 'fastify';

/** Harbor's portal cookie names: the session id (HttpOnly) and the CSRF token the portal's script reads. */
export const SESSION_COOKIE = 'sid';
export const CSRF_COOKIE = '__csrf';
/** The header a cookie-authenticated state-changing call echoes the CSRF token in (Harbor's name). */
export const CSRF_HEADER = 'x-harbor-csrf-token';

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The two cookies of a login. `sid` is HttpOnly (no script, and so no injected script, can read
 * it) and SameSite=Lax (a link from elsewhere still opens the portal logged in); `__csrf` is
 * readable by the portal's script, which echoes it in X-Harbor-CSRF-Token, and SameSite=Strict.
 * Both are Secure when the caller reached the api over TLS (served by it, or by a trusted proxy).
 */
export function sessionCookies(request: FastifyRequest, sid: string, csrfToken: string): string[] {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return [`${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax${secure}`, `${CSRF_COOKIE}=${csrfToken}; Path=/; SameSite=Strict${secure}`];
}

/** Cookies that replace and expire both (logout). */
export function clearedSessionCookies(request: FastifyRequest): string[] {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const expired = '; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  return [`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax${expired}${secure}`, `${CSRF_COOKIE}=; Path=/; SameSite=Strict${expired}${secure}`];
}
