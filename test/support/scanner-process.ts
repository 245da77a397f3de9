import { transformFileSync } from '@swc/core';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry, freePort } from './api-process';

const ROOT = join(__dirname, '..', '..');

export interface ScannerProcess {
  /** base URL, e.g. http://127.0.0.1:41234 (the API is under /api/v1) */
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface ScannerProcessOptions {
  /**
   * Run the built scanner (dist/apps/scanner/src/create-scanner-app.js) with the TEST-ONLY
   * engines of test/support/scanner-test-engines.ts instead of its default ones; the matcher reads
   * its advisories from the SCANNER_TEST_ADVISORIES file in `env`. False: `npm run start:scanner`.
   */
  testEngines?: boolean;
}

/** Compiles the test engines for the launcher (once per process). */
let compiled: { dir: string; engines: string } | undefined;
function testEnginesModule(): string {
  if (compiled) return compiled.engines;
  const dir = mkdtempSync(join(tmpdir(), 'wharf-scanner-engines-'));
  const swc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8')) as { $schema?: string; jsc: Record<string, unknown> };
  delete swc.$schema;
  // swc wants an absolute base directory when called outside its CLI
  const { code } = transformFileSync(join(__dirname, 'scanner-test-engines.ts'), { ...swc, jsc: { ...swc.jsc, baseUrl: ROOT }, swcrc: false, sourceMaps: false });
  const engines = join(dir, 'scanner-test-engines.js');
  writeFileSync(engines, code);
  compiled = { dir, engines };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return engines;
}

/**
 * A real scanner process with the given environment (a Wharf test environment's, plus
 * SCANNER_* settings), ready when /probe/healthy answers. With `testEngines` a small launcher
 * starts the built scanner with the test engines (see ScannerProcessOptions).
 */
export async function startScannerProcess(env: Record<string, string>, options: ScannerProcessOptions = {}): Promise<ScannerProcess> {
  const port = await freePort();
  const main = builtEntry('scanner');
  let args = [main];
  if (options.testEngines) {
    const launcher = join(mkdtempSync(join(tmpdir(), 'wharf-scanner-launcher-')), 'launcher.js');
    const dist = join(ROOT, 'dist');
    writeFileSync(
      launcher,
      [
        `require(${JSON.stringify(require.resolve('reflect-metadata'))});`,
        `const { loadConfig } = require(${JSON.stringify(join(dist, 'libs/config/src/index.js'))});`,
        `const { startScanner } = require(${JSON.stringify(join(dist, 'apps/scanner/src/create-scanner-app.js'))});`,
        `const { createTestEngines } = require(${JSON.stringify(testEnginesModule())});`,
        "startScanner(loadConfig(), () => createTestEngines()).catch((error) => { console.error(`scanner failed to start: ${error.message}`); process.exit(1); });",
      ].join('\n'),
    );
    args = [launcher];
  }
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, SCANNER_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scanner exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/probe/healthy`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`scanner did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        // a process killed by a signal has no exit code, only a signalCode
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
