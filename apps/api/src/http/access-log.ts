import { principalName, type Principal } from '@wharf/iam';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findRegistryCaller } from '../distribution/registry-caller';

const accessKey = Symbol('wharfAccess');

/** What the access-log line says about a request beyond pino-http's own fields. */
export interface AccessFacts {
  /** the route template (`/v2/*`, `/api/v2.0/projects/:project_name_or_id`), or none for an unknown path */
  route?: string;
  user: string;
  /** the client's address: the peer, or what a trusted proxy says (TRUSTED_PROXIES) */
  client: string;
  bytesIn?: number;
  /** the answer's body: its bytes as sent, else its Content-Length (a stream) */
  bytesOut?: number;
}

/**
 * Collects, as the answer is sent, what the access-log line needs that only Fastify and the guards
 * know (route template, who called, the client's address as the trusted proxies tell it), on the
 * raw request pino-http logs at the end.
 */
export function collectAccessFacts(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const length = Number(request.headers['content-length']);
    const declared = Number(reply.getHeader('content-length'));
    const facts: AccessFacts = {
      route: request.routeOptions?.url,
      user: userOf(request),
      client: request.ip,
      bytesIn: Number.isFinite(length) ? length : undefined,
      bytesOut:
        typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : payload == null ? 0 : Number.isFinite(declared) ? declared : undefined,
    };
    (request.raw as { [accessKey]?: AccessFacts })[accessKey] = facts;
    done(null, payload);
  });
}

export function accessFactsOf(request: IncomingMessage): AccessFacts | undefined {
  return (request as { [accessKey]?: AccessFacts })[accessKey];
}

/** Bytes of the answer's body: its Content-Length, else what went out on the socket for it. */
export function bytesOut(response: ServerResponse): number | undefined {
  const length = Number(response.getHeader('content-length'));
  return Number.isFinite(length) ? length : undefined;
}

function userOf(request: FastifyRequest): string {
  const principal = (request as { principal?: Principal }).principal;
  if (principal) return principalName(principal);
  return findRegistryCaller(request)?.name ?? 'anonymous';
}
