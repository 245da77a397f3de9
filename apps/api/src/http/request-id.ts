import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const requestIdKey = Symbol('wharfRequestId');
/** what a client or a proxy may pass as its own request id (anything else is replaced) */
const ACCEPTED_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The request's id: the one a client or proxy sent in X-Request-Id when it looks like an id, else
 * a fresh UUID. One value per request, whoever asks first (Fastify's request.id, pino-http's
 * req.id), so log lines, error answers and the X-Request-Id answer header all name the same id.
 */
export function requestIdOf(request: IncomingMessage): string {
  const known = (request as { [requestIdKey]?: string })[requestIdKey];
  if (known) return known;
  const sent = request.headers['x-request-id'];
  const id = typeof sent === 'string' && ACCEPTED_ID.test(sent) ? sent : randomUUID();
  (request as { [requestIdKey]?: string })[requestIdKey] = id;
  return id;
}
