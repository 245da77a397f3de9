#!/usr/bin/env node
/**
 * Writes apps/api/src/openapi/metadata.generated.ts: what the @nestjs/swagger CLI plugin would
 * inject at compile time (DTO properties with their types, optionality, class-validator
 * constraints and doc comments; controller return types), which swc cannot do. The api loads it
 * with SwaggerModule.loadPluginMetadata() before building its OpenAPI document. Runs before swc
 * in `npm run build` (the "SWC builder" recipe of the Nest OpenAPI docs).
 *
 * Only the *.controller.ts and *.dto.ts files are program roots (their imports are pulled in by
 * the compiler as needed) and nothing is type-checked up front: `npm run typecheck` does that.
 */
'use strict';
const { readdirSync } = require('node:fs');
const { join, resolve } = require('node:path');
const ts = require('typescript');
const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');

const root = resolve(__dirname, '..');
const outputDir = join(root, 'apps/api/src/openapi');
const filename = 'metadata.generated.ts';
// PageQuery (page, page_size, q of every list endpoint) lives outside the *.dto.ts files
const dtoFileNameSuffix = ['.dto.ts', '/management/pagination.ts'];
const controllerFileNameSuffix = ['.controller.ts'];

const started = Date.now();
const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  },
});
// the api's own controllers and DTOs (and the libs they use): the other apps' controllers (the
// scanner's API) are not in the api's document, and naming them here made the api load them
const rootNames = ['apps/api', 'libs']
  .flatMap((dir) => readdirSync(join(root, dir), { recursive: true }).map((file) => join(root, dir, String(file))))
  .filter((file) => [...dtoFileNameSuffix, ...controllerFileNameSuffix].some((suffix) => file.endsWith(suffix)));
const program = ts.createProgram({ rootNames, options: { ...parsed.options, noEmit: true } });

new PluginMetadataGenerator().generate({
  tsProgramRef: program,
  outputDir,
  filename,
  visitors: [
    new ReadonlyVisitor({
      pathToSource: outputDir,
      introspectComments: true,
      classValidatorShim: true,
      dtoFileNameSuffix,
      controllerFileNameSuffix,
    }),
  ],
});
console.log(`openapi metadata: ${rootNames.length} files -> ${join('apps/api/src/openapi', filename)} (${Date.now() - started} ms)`);
