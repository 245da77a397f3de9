import { Logger, type INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** Where the document is served (Harbor serves its own at /swagger.json too). */
export const OPENAPI_JSON_PATHS = ['/api/v2.0/swagger.json', '/swagger.json'] as const;

const logger = new Logger('OpenApi');

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Serves the OpenAPI document of the management API (/api/v2.0/..., /service/token, health),
 * built from the controllers and their DTO classes. /v2 (OCI distribution) is not part of it:
 * its routes are plain Fastify routes (DistributionRoutes), which Swagger does not see, and any
 * /v2 path is dropped anyway.
 * No Swagger UI (it would need @fastify/static), only the JSON, unauthenticated like Harbor's.
 *
 * The document is built on its first request, not at start: building it loads the plugin
 * metadata and walks every controller, and few api processes are ever asked for it, so it should
 * cost none of them memory until then. Only its JSON text is kept afterwards.
 *
 * DTO properties come from the @nestjs/swagger plugin metadata that scripts/generate-openapi-metadata.js
 * writes to metadata.generated.ts before swc runs (`npm run build`; swc has no TS plugins).
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  let json: Promise<string> | undefined;
  const documentJson = (): Promise<string> =>
    (json ??= buildOpenApiDocument(app)
      .then((document) => JSON.stringify(document))
      .catch((error: unknown) => {
        // the next request tries again
        json = undefined;
        throw error;
      }));
  const fastify = app.getHttpAdapter().getInstance();
  for (const url of OPENAPI_JSON_PATHS) {
    fastify.get(url, async (_request, reply) => {
      const body = await documentJson();
      return reply.header('content-type', 'application/json; charset=utf-8').send(body);
    });
  }
}

/**
 * The document itself, from the app's modules (it needs no provider instantiated: the portal's
 * typed client is generated from an app created in Nest's preview mode, see cli/openapi-document.ts).
 * Callers authenticate with Basic credentials or the portal's session cookie (`sid`).
 */
export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  await SwaggerModule.loadPluginMetadata(loadGeneratedMetadata);
  const config = new DocumentBuilder()
    .setTitle('Wharf management API')
    .setDescription('The Harbor-compatible management API of Wharf. The OCI distribution API (/v2) is described by the OCI distribution specification.')
    .setVersion('2.0')
    .addBasicAuth(undefined, 'basic')
    .addCookieAuth('sid', { type: 'apiKey', in: 'cookie', description: "the web portal's session (POST /c/login); state-changing calls echo the __csrf cookie in X-Harbor-CSRF-Token" }, 'session')
    .addSecurityRequirements('basic')
    .addSecurityRequirements('session')
    .build();
  return postProcess(
    SwaggerModule.createDocument(app, config, {
      // tags come from the path (postProcess), not from the controller's class name
      autoTagControllers: false,
      operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
    }),
  );
}

type PluginMetadata = Record<string, { models?: MetadataEntry[]; controllers?: MetadataEntry[] } | undefined>;
type MetadataEntry = [Promise<Record<string, unknown>> | Record<string, unknown>, Record<string, unknown>];

/**
 * The generated file exists once `npm run build` (or the script alone) ran; it is not in git, so
 * it is loaded by a computed path (typechecking a fresh clone does not need it). Missing, or
 * naming a class that no longer exists (a jest run after a DTO was renamed, without a build): the
 * document lacks those properties and a warning says why, rather than the api failing to start.
 */
async function loadGeneratedMetadata(): Promise<PluginMetadata> {
  const file = './metadata.generated';
  let generated: { default: () => Promise<PluginMetadata> };
  try {
    generated = require(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes(file)) throw error;
    logger.warn('apps/api/src/openapi/metadata.generated.ts is missing (run `npm run build`): the OpenAPI document has no DTO properties');
    return {};
  }
  const metadata = await generated.default();
  const swagger = metadata['@nestjs/swagger'];
  if (!swagger) return metadata;
  const stale: string[] = [];
  const present = async (entries: MetadataEntry[] = []): Promise<MetadataEntry[]> =>
    Promise.all(
      entries.map(async ([fileImport, classes]): Promise<MetadataEntry> => {
        const exported = await fileImport;
        stale.push(...Object.keys(classes).filter((name) => typeof exported[name] !== 'function'));
        return [exported, Object.fromEntries(Object.entries(classes).filter(([name]) => typeof exported[name] === 'function'))];
      }),
    );
  const result = { ...metadata, '@nestjs/swagger': { models: await present(swagger.models), controllers: await present(swagger.controllers) } };
  if (stale.length) logger.warn(`apps/api/src/openapi/metadata.generated.ts is stale (run \`npm run build\`): no class ${stale.join(', ')}`);
  return result;
}

/**
 * Drops /v2, tags each operation by its resource (/api/v2.0/projects/{name}/... -> projects,
 * /service/token -> token, health -> health), makes health anonymous, makes query parameters
 * that have a default optional (the plugin marks a field required unless it is declared `x?:`), and
 * declares every `{name}` of a path that its operation does not (routes whose params DTO is not read
 * by the plugin), so generated clients (the portal's) can fill them in.
 */
function postProcess(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    if (path === '/v2' || path.startsWith('/v2/')) continue;
    const tag = tagOf(path);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (!operation.tags?.length) operation.tags = [tag];
      operation.tags.forEach((t) => tags.add(t));
      if (tag === 'health') operation.security = [];
      for (const parameter of operation.parameters ?? []) {
        if ('in' in parameter && parameter.in === 'query' && parameter.schema && 'default' in parameter.schema) parameter.required = false;
      }
      operation.parameters = [...(operation.parameters ?? []), ...undeclaredPathParameters(path, operation.parameters ?? [])];
    }
    paths[path] = item;
  }
  const known = new Set((document.tags ?? []).map((t) => t.name));
  return {
    ...document,
    paths,
    tags: [...(document.tags ?? []), ...[...tags].sort().filter((t) => !known.has(t)).map((name) => ({ name }))],
  };
}

type Parameters = NonNullable<OpenAPIObject['paths'][string]['get']>['parameters'];

function undeclaredPathParameters(path: string, declared: NonNullable<Parameters>): NonNullable<Parameters> {
  const names = new Set(declared.filter((parameter) => 'in' in parameter && parameter.in === 'path').map((parameter) => ('name' in parameter ? parameter.name : '')));
  return [...path.matchAll(/\{(\w+)\}/g)]
    .map((match) => match[1])
    .filter((name) => !names.has(name))
    .map((name) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' as const } }));
}

function tagOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'api' && segments[1] === 'v2.0') return segments[2] ?? 'api';
  if (segments[0] === 'service') return segments[1] ?? 'service';
  return segments[0] ?? 'root';
}
