import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@wharf/config';
import { Logger } from 'nestjs-pino';
import { ScannerExceptionFilter } from './api/scanner-exception.filter';
import { ScannerModule, type ScanEnginesFactory } from './scanner.module';

/** A scan request is a few hundred bytes of JSON; 1 MiB leaves room and bounds what a caller makes us hold. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The scanner's HTTP app on Fastify. Bodies are taken as bytes whatever their Content-Type
 * (Harbor sends `application/vnd.scanner.adapter.scan.request+json; version=1.x`) and parsed by
 * the API, so malformed JSON is the spec's 400 in the spec's error shape.
 */
export async function createScannerApp(config: AppConfig, engines?: ScanEnginesFactory): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ exposeHeadRoutes: false, return503OnClosing: true, bodyLimit: MAX_BODY_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(ScannerModule.forRoot(config, engines), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.useGlobalFilters(new ScannerExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => done(null, body));
  return app;
}

/** Starts the scanner on SCANNER_PORT (what `npm run start:scanner` runs; a test launcher passes its own engines). */
export async function startScanner(config: AppConfig, engines?: ScanEnginesFactory): Promise<NestFastifyApplication> {
  const app = await createScannerApp(config, engines);
  await app.listen(config.SCANNER_PORT, '0.0.0.0');
  return app;
}
