import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layering rule (eslint.layers.mjs) through eslint's own CLI, as `npm run lint` runs it: an upward
 * import is reported, the real tree is clean. Also: no lib or app has an import cycle among its own
 * files (eslint's built-in rules cannot see cycles, so this spec walks the relative imports itself).
 */
const root = resolve(__dirname, '../..');
const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');

interface LintMessage { ruleId: string | null; message: string; line: number }

function runEslint(args: string[], stdin?: string): Promise<{ code: number; results: { filePath: string; messages: LintMessage[] }[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(process.execPath, [eslintBin, '--format', 'json', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      if (code !== 0 && code !== 1) return reject(new Error(`eslint exited ${code}: ${stderr}`));
      resolvePromise({ code, results: JSON.parse(stdout) });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** Lints `source` as if it were the file at `path` (which need not exist). */
async function layeringErrors(path: string, source: string, rule = 'no-restricted-imports'): Promise<LintMessage[]> {
  const { results } = await runEslint(['--stdin', '--stdin-filename', path], source);
  return results[0].messages.filter((m) => m.ruleId === rule);
}

describe('layers (eslint no-restricted-imports)', () => {
  it('reports a platform lib importing a domain lib', async () => {
    const errors = await layeringErrors('libs/storage/src/probe.ts', "import { ManifestService } from '@wharf/artifacts';\nexport const probe = ManifestService;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('@wharf/artifacts');
    // deep paths and type-only imports are the same edge
    expect(await layeringErrors('libs/db/src/probe.ts', "import type { Project } from '@wharf/projects/project.entity';\nexport type Probe = Project;\n")).toHaveLength(1);
  });

  it('reports a lib importing an app, by path', async () => {
    const errors = await layeringErrors('libs/registry-core/src/probe.ts', "import { AppModule } from '../../../apps/api/src/app.module';\nexport const probe = AppModule;\n");
    expect(errors).toHaveLength(1);
  });

  it('reports a lib reaching into another lib by relative path', async () => {
    expect(await layeringErrors('libs/artifacts/src/probe.ts', "import { BlobStore } from '../../registry-core/src/blob-store';\nexport const probe = BlobStore;\n")).toHaveLength(1);
  });

  it('reports an edge the domain DAG does not have (a lower domain lib importing a higher one)', async () => {
    expect(await layeringErrors('libs/artifacts/src/probe.ts', "import { GcService } from '@wharf/gc';\nexport const probe = GcService;\n")).toHaveLength(1);
    expect(await layeringErrors('libs/iam/src/probe.ts', "import { ProjectService } from '@wharf/projects';\nexport const probe = ProjectService;\n")).toHaveLength(1);
  });

  it('reports apps/api importing @wharf/storage; the same import from registry-core is allowed', async () => {
    const source = "import { BLOB_DRIVER } from '@wharf/storage';\nexport const probe = BLOB_DRIVER;\n";
    const errors = await layeringErrors('apps/api/src/distribution/probe.ts', source);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('registry-core');
    expect(await layeringErrors('libs/registry-core/src/probe.ts', source)).toEqual([]);
    expect(await layeringErrors('apps/api/src/probe.ts', "import { BlobStore } from '@wharf/registry-core';\nexport const probe = BlobStore;\n")).toEqual([]);
  });

  it('reports apps/scanner importing a Wharf domain lib or storage; its distribution client (@wharf/registries) is allowed', async () => {
    const artifacts = await layeringErrors('apps/scanner/src/probe.ts', "import { ArtifactQueries } from '@wharf/artifacts';\nexport const probe = ArtifactQueries;\n");
    expect(artifacts).toHaveLength(1);
    expect(artifacts[0].message).toContain('adapter beside Wharf');
    expect(await layeringErrors('apps/scanner/src/probe.ts', "import { BLOB_DRIVER } from '@wharf/storage';\nexport const probe = BLOB_DRIVER;\n")).toHaveLength(1);
    expect(await layeringErrors('apps/scanner/src/probe.ts', "import { createUpstreamRegistry } from '@wharf/registries';\nexport const probe = createUpstreamRegistry;\n")).toEqual([]);
  });

  it("reports a lib importing Nest's HTTP exceptions; the rest of @nestjs/common, and the same import in an app, are allowed", async () => {
    const errors = await layeringErrors('libs/artifacts/src/probe.ts', "import { Injectable, NotFoundException } from '@nestjs/common';\nexport const probe = [Injectable, NotFoundException];\n");
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('@wharf/errors');
    expect(await layeringErrors('libs/registry-core/src/probe.ts', "import { HttpException } from '@nestjs/common';\nexport const probe = HttpException;\n")).toHaveLength(1);
    expect(await layeringErrors('libs/artifacts/src/probe.ts', "import { Injectable } from '@nestjs/common';\nexport const probe = Injectable;\n")).toEqual([]);
    expect(await layeringErrors('apps/api/src/probe.ts', "import { NotFoundException } from '@nestjs/common';\nexport const probe = NotFoundException;\n")).toEqual([]);
  });

  it('reports a lib importing or declaring a protocol-shaped error (OciError, ApiError), wherever it comes from', async () => {
    const syntax = (path: string, source: string) => layeringErrors(path, source, 'no-restricted-syntax');
    expect(await syntax('libs/registry-core/src/probe.ts', "import { OciError } from './oci-error';\nexport const probe = OciError;\n")).toHaveLength(1);
    expect(await syntax('libs/projects/src/probe.ts', "import { ApiError as E } from '@wharf/errors';\nexport const probe = E;\n")).toHaveLength(1);
    expect(await syntax('libs/proxy-cache/src/probe.ts', 'export class OciError extends Error {}\n')).toHaveLength(1);
    expect(await syntax('libs/artifacts/src/probe.ts', "import { NotFoundError } from '@wharf/errors';\nexport const probe = NotFoundError;\n")).toEqual([]);
    expect(await syntax('apps/api/src/distribution/probe.ts', "import { OciError } from './oci-error';\nexport const probe = OciError;\n")).toEqual([]);
  });

  it('finds no layering violation in the real tree', async () => {
    const { results } = await runEslint(['apps', 'libs']);
    const violations = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${relative(root, r.filePath)}:${m.line} ${m.message}`));
    expect(violations).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Relative imports of one file (value and type-only, import and export-from), resolved to files. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier);
    return [`${base}.ts`, join(base, 'index.ts')].filter((candidate) => {
      try { return statSync(candidate).isFile(); } catch { return false; }
    }).slice(0, 1);
  });
}

function findCycle(files: string[]): string[] | undefined {
  const graph = new Map(files.map((f) => [f, relativeImports(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next, [...path, file]);
      if (cycle) return cycle;
    }
    state.set(file, 'done');
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file, []);
    if (cycle) return cycle.map((f) => relative(root, f));
  }
  return undefined;
}

describe('no import cycle inside a package', () => {
  const packages = ['apps', 'libs'].flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name, 'src')));

  it.each(packages.map((p) => [relative(root, p)]))('%s', (dir) => {
    expect(findCycle(sourceFiles(join(root, dir)))).toBeUndefined();
  });
});
