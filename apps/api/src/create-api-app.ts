import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@wharf/config';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiExceptionFilter } from './management/api-exception.filter';
import { setupOpenApi } from './openapi/openapi';

/**
 * Builds the api on Fastify (the HTTP layer's own cost matters on the manifest hot path).
 * /v2 bodies are never parsed: uploads stream from the socket to storage, and manifests are
 * read as raw bytes so they are stored and served byte-for-byte.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ exposeHeadRoutes: false, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 1024 }, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // management API bodies and queries: unknown fields are refused, values converted to their declared types
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // Harbor's error shape for everything outside /v2 (whose controller renders OCI errors itself),
  // bodies refused before any route runs (malformed JSON, too large) included
  app.useGlobalFilters(new ApiExceptionFilter());

  const fastify = app.getHttpAdapter().getInstance();
  const jsonParser = fastify.getDefaultJsonParser('error', 'ignore');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('*', (request, payload, done) => {
    if (isDistributionPath(request.url)) return done(null, undefined);
    collect(payload, 1024 * 1024)
      // an empty body with a JSON content type (a DELETE from some clients) is no body, not malformed JSON
      .then((text) => (text !== '' && /^application\/json\b/.test(request.headers['content-type'] ?? '') ? jsonParser(request, text, done) : done(null, text || undefined)))
      .catch((error: Error) => done(error, undefined));
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isDistributionPath(request.url)) void reply.header('docker-distribution-api-version', 'registry/2.0');
    done();
  });
  // GET /api/v2.0/swagger.json (and /swagger.json): the management API's OpenAPI document
  await setupOpenApi(app);
  return app;
}

function isDistributionPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

async function collect(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error('request body is too large'), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
