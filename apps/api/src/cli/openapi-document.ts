/**
 * `node dist/apps/api/src/cli/openapi-document.js [file]`: writes the management API's OpenAPI
 * document (what GET /api/v2.0/swagger.json serves) to `file` or stdout, without Postgres, Redis
 * or a listening socket: the app is created in Nest's preview mode, which builds the module graph
 * (controllers, routes, DTO metadata: all the document needs) and instantiates no provider.
 * `npm run portal:api-types` feeds it to openapi-typescript for the portal's typed client.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@wharf/config';
import { writeFileSync } from 'node:fs';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../openapi/openapi';

async function main(): Promise<void> {
  // defaults only: the document does not depend on the environment, and must not differ by machine
  const config = loadConfig({});
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(), { preview: true, logger: ['error'], abortOnError: false });
  const document = await buildOpenApiDocument(app);
  const json = `${JSON.stringify(document, null, 2)}\n`;
  const file = process.argv[2];
  if (file) writeFileSync(file, json);
  else process.stdout.write(json);
}

main().catch((error: Error) => {
  console.error(`openapi document: ${error.stack ?? error.message}`);
  process.exit(1);
});
