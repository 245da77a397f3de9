import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDistributionPath } from './request-paths';

const deferred = Symbol('deferredBody');
type MaybeDeferred = FastifyRequest & { [deferred]?: true };

/**
 * Leaves every request body on the socket when Fastify would parse it. /v2 handlers stream
 * theirs (uploads go from the socket to storage, manifests are kept byte for byte); any other
 * body is marked, and read by ReadBodyAfterAuthInterceptor once the guards have accepted the
 * caller, so bad credentials cost no body read and no buffered memory.
 */
export function deferBodies(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('*', (request: MaybeDeferred, _payload, done) => {
    if (!isDistributionPath(request.url)) request[deferred] = true;
    done(null, undefined);
  });
}

/** Whether the request has a body that deferBodies left to be read (and nobody read yet). */
export function takeDeferredBody(request: FastifyRequest): boolean {
  const marked = (request as MaybeDeferred)[deferred] === true;
  delete (request as MaybeDeferred)[deferred];
  return marked;
}
