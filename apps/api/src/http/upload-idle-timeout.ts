import { OciError } from '../distribution/oci-error';
import type { FastifyInstance } from 'fastify';
import { isDistributionPath } from './request-paths';

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);

/**
 * Cuts off a /v2 push whose body stops arriving: once `idleMs` pass without a byte, the request
 * stream is destroyed with an error, so whatever reads it (a storage driver's append, a
 * manifest read) fails instead of waiting forever, and the connection closes. A chunked upload
 * keeps its session and resumes from its last complete chunk. The timer only runs while the
 * body arrives: a long upload is fine as long as bytes keep coming, and a long finish after the
 * last byte (digest, publish) is never cut.
 */
export function abortIdleUploads(fastify: FastifyInstance, idleMs: number): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    if (!BODY_METHODS.has(request.method) || !isDistributionPath(request.url) || raw.complete) return done();
    const onIdle = (): void => {
      raw.destroy(new OciError('BLOB_UPLOAD_INVALID', `no data received for ${idleMs / 1000} seconds; the upload can be resumed`, undefined, 408));
    };
    // the socket's idle timer, seen by the request only while its body is incomplete (Node's
    // server emits 'timeout' on the request then); reset once the body has ended
    raw.setTimeout(idleMs, onIdle);
    raw.once('end', () => {
      raw.off('timeout', onIdle);
      raw.socket?.setTimeout(0);
    });
    done();
  });
}
