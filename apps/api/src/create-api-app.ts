import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@wharf/config';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiExceptionFilter } from './management/api-exception.filter';
import { HarborValidationPipe } from './management/harbor-validation-pipe';
import { trackRoutes } from './http/method-not-allowed';
import { setupOpenApi } from './openapi/openapi';
import { deferBodies } from './http/deferred-body';
import { EventOriginInterceptor } from './http/event-origin.interceptor';
import { ReadBodyAfterAuthInterceptor, type ManagementBodyLimits } from './http/read-body-after-auth.interceptor';
import { RefuseNulBytesGuard } from './http/refuse-nul-bytes.guard';
import { isDistributionPath } from './http/request-paths';
import { abortIdleUploads } from './http/upload-idle-timeout';
import { releaseHeapWhenIdle } from './http/idle-heap-release';
import { collectAccessFacts } from './http/access-log';
import { requestIdOf } from './http/request-id';
import { readFileSync } from 'node:fs';
import { WharfMetrics } from '@wharf/metrics';
import { instrumentHttp } from './metrics/http-metrics';
import { portalDirectory, servePortal } from './portal/serve-portal';
import { DistributionRoutes } from './distribution/distribution.routes';

/**
 * Builds the api on Fastify (the HTTP layer's own cost matters on the manifest hot path).
 * /v2 bodies are never parsed: uploads stream from the socket to storage, and manifests are
 * read as raw bytes so they are stored and served byte-for-byte. No body is read before the
 * caller has been authenticated (see http/deferred-body.ts).
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 1024 },
    return503OnClosing: true,
    // X-Forwarded-For/-Proto/-Host count only from TRUSTED_PROXIES (request.ip, .protocol, .host)
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    genReqId: requestIdOf,
    // a trailing slash on an /api/v2.0 path is ignored, as Harbor's router does
    rewriteUrl: withoutTrailingSlash,
    ...(config.TLS_CERT_FILE ? { https: { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) } } : {}),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // management API bodies and queries: unknown fields are refused, values converted to their declared types;
  // the query parameters Harbor defines and Wharf does not implement are accepted and ignored
  app.useGlobalPipes(new HarborValidationPipe());
  // Harbor's error shape for everything outside /v2 (whose routes render OCI errors themselves),
  // failures before any route runs included
  app.useGlobalFilters(new ApiExceptionFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // a known path asked with a method it does not take answers 405 with Allow (ApiExceptionFilter)
  trackRoutes(fastify);
  // request counts, latency and /v2 bytes, served on METRICS_PORT (never on this one)
  instrumentHttp(fastify, app.get(WharfMetrics));
  // bodies are read after authentication, bounded in size, depth and time; /v2 ones are streamed
  deferBodies(fastify);
  app.useGlobalInterceptors(new ReadBodyAfterAuthInterceptor(fastify.getDefaultJsonParser('error', 'ignore'), managementBodyLimits(config)));
  // the artifact events a request writes carry where it came from (the audit log derives from them)
  app.useGlobalInterceptors(new EventOriginInterceptor());
  // the access-log line's route template, user and client address
  collectAccessFacts(fastify);
  abortIdleUploads(fastify, config.UPLOAD_IDLE_TIMEOUT_SECONDS * 1000);
  // the garbage a load left behind is collected at the first idle second (docs/architecture.md, Memory)
  releaseHeapWhenIdle(fastify);
  app.useGlobalGuards(new RefuseNulBytesGuard());
  fastify.addHook('onRequest', (request, reply, done) => {
    // every answer names its request id (the one on its log lines and in a 5xx's message)
    void reply.header('x-request-id', requestIdOf(request.raw));
    if (isDistributionPath(request.url)) void reply.header('docker-distribution-api-version', 'registry/2.0');
    done();
  });
  // /v2, the registry's hot path, as plain Fastify routes outside Nest's guard/interceptor pipeline
  app.get(DistributionRoutes).register(fastify);
  // the built web portal at / (GET and HEAD requests no route answers)
  servePortal(fastify, portalDirectory(config));
  // GET /api/v2.0/swagger.json (and /swagger.json): the management API's OpenAPI document, built on first request
  setupOpenApi(app);
  return app;
}

/**
 * `/api/v2.0/quotas/?page=1`, as Harbor's clients write some paths (the terraform provider does),
 * is `/api/v2.0/quotas?page=1`: Harbor's router ignores the trailing slash; /v2 paths are left alone.
 */
export function withoutTrailingSlash(request: { url?: string }): string {
  const url = request.url ?? '/';
  const [path, query] = url.split(/\?(.*)/s, 2);
  if (!path.startsWith('/api/v2.0/') || !path.endsWith('/')) return url;
  return `${path.replace(/\/+$/, '')}${query === undefined ? '' : `?${query}`}`;
}

/**
 * Management API and token bodies are small JSON documents (the largest, a project or a policy,
 * is a few KiB): 256 KiB and 32 levels leave ample room while bounding what an anonymous sender
 * can make the api hold and parse.
 */
function managementBodyLimits(config: AppConfig): ManagementBodyLimits {
  return { maxBytes: 256 * 1024, maxDepth: 32, timeoutMs: config.REQUEST_BODY_TIMEOUT_SECONDS * 1000 };
}
