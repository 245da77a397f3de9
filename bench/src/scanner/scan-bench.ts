/**
 * `npm run bench:scanner`: how long the scanner takes on a ~200 MB image with a few hundred
 * packages, and how much memory it holds meanwhile (the issue's goals: under 10 s, RSS under
 * 250 MB). Starts its own database, a Wharf api and a scanner process, pushes the image, asks for
 * a vulnerability report (and, with --sbom, an SBOM) and times POST /scan to the 200 report,
 * sampling the scanner's RSS; then removes everything it created.
 *
 *   npm run bench:scanner                       # the scanner's default engines
 *   npm run bench:scanner -- --test-engines     # the TEST-ONLY engines of test/support (until the real ones are merged)
 *   npm run bench:scanner -- --sbom-only            # an SBOM scan only (the inventory without the vulnerability database)
 *   npm run bench:scanner -- --size-mb 400 --packages 800 --runs 3
 */
import 'reflect-metadata';
import { loadConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { transformFileSync } from '@swc/core';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Cleanup } from '../cleanup';
import { createBenchDatabase } from '../database';
import { peakRssDuring, procStatusBytes } from '../memory';
import { BUILD_ROOT, repositoryRoot } from '../paths';
import { deleteRedisKeys } from '../redis-keys';

const REDIS_URL = process.env.WHARF_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_PASSWORD = 'Wharf-Bench-Admin-1';
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Options {
  sizeMb: number;
  packages: number;
  runs: number;
  testEngines: boolean;
  sbom: boolean;
  sbomOnly: boolean;
}

function parse(argv: string[]): Options {
  const options: Options = { sizeMb: 200, packages: 400, runs: 2, testEngines: false, sbom: false, sbomOnly: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--test-engines') options.testEngines = true;
    else if (arg === '--sbom') options.sbom = true;
    else if (arg === '--sbom-only') options.sbomOnly = true;
    else if (arg === '--size-mb') options.sizeMb = Number(argv[++i]);
    else if (arg === '--packages') options.packages = Number(argv[++i]);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function tarOf(files: [string, Buffer][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of files) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A dpkg status of `count` packages: this machine's real entries first, then made-up ones. */
function dpkgStatus(count: number): string {
  const real = existsSync('/var/lib/dpkg/status') ? readFileSync('/var/lib/dpkg/status', 'utf8').split(/\n\s*\n/).filter((p) => /^Package: /m.test(p)) : [];
  const entries = real.slice(0, count);
  for (let i = entries.length; i < count; i += 1) entries.push(`Package: bench-package-${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${i}-1\nDescription: bench`);
  entries.push('Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 1.1.1n-0+deb11u3\nDescription: SSL');
  return `${entries.join('\n\n')}\n`;
}

/** Half random, half text: compresses about 2:1, like real layers. */
function fileContent(bytes: number): Buffer {
  const random = randomBytes(Math.floor(bytes / 2));
  const text = Buffer.alloc(bytes - random.length, 'usr/lib/x86_64-linux-gnu/libexample.so.1 ');
  return Buffer.concat([random, text]);
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited:\n${output()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startProcess(args: string[], env: Record<string, string>, cleanup: Cleanup): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  cleanup.add(`stop ${args[0]}`, () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))));
  cleanup.addOnExit(() => child.kill('SIGKILL'));
  return { child, output: () => output };
}

/** The launcher that runs the built scanner with the test engines (as test/support/scanner-process.ts does). */
function testEnginesLauncher(workDir: string): string {
  const root = repositoryRoot();
  const swc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8')) as { $schema?: string; jsc: Record<string, unknown> };
  delete swc.$schema;
  const { code } = transformFileSync(join(root, 'test', 'support', 'scanner-test-engines.ts'), { ...swc, jsc: { ...swc.jsc, baseUrl: root }, swcrc: false, sourceMaps: false });
  const engines = join(workDir, 'scanner-test-engines.js');
  writeFileSync(engines, code);
  const launcher = join(workDir, 'launcher.js');
  writeFileSync(
    launcher,
    [
      `require(${JSON.stringify(require.resolve('reflect-metadata'))});`,
      `const { loadConfig } = require(${JSON.stringify(join(BUILD_ROOT, 'libs/config/src/index.js'))});`,
      `const { startScanner } = require(${JSON.stringify(join(BUILD_ROOT, 'apps/scanner/src/create-scanner-app.js'))});`,
      `const { createTestEngines } = require(${JSON.stringify(engines)});`,
      'startScanner(loadConfig(), () => createTestEngines()).catch((error) => { console.error(error.message); process.exit(1); });',
    ].join('\n'),
  );
  return launcher;
}

async function main(options: Options): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  try {
    const runId = randomBytes(5).toString('hex');
    const workDir = mkdtempSync(join(tmpdir(), `wharf-scanner-bench-${runId}-`));
    cleanup.add(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
    const database = await createBenchDatabase(`wharf_scanner_bench_${runId}`);
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const redisPrefix = `wharf-scanner-bench-${runId}`;
    cleanup.add(`delete Redis keys ${redisPrefix}*`, () => deleteRedisKeys(REDIS_URL, redisPrefix).then(() => undefined));
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'warn',
      STORAGE_DRIVER: 'filesystem',
      STORAGE_FS_ROOT: join(workDir, 'storage'),
      ADMIN_PASSWORD,
      SCANNER_TEST_ADVISORIES: join(repositoryRoot(), 'test', 'scanner', 'fixtures', 'advisories.json'),
    };
    await runMigrations(loadConfig(env));
    if (!options.testEngines) {
      // a few real OSV records (the database suite's fixtures), loaded as an operator does, so the matcher has work
      execFileSync(process.execPath, [join(BUILD_ROOT, 'apps/scanner/src/cli/db-import.js'), join(repositoryRoot(), 'test', 'scanner-db', 'fixtures', 'osv')], { env: { ...process.env, ...env }, stdio: 'ignore' });
    }

    const apiPort = await freePort();
    const api = startProcess([join(BUILD_ROOT, 'apps/api/src/main.js')], { ...env, PORT: String(apiPort) }, cleanup);
    const wharf = `http://127.0.0.1:${apiPort}`;
    await waitFor(`${wharf}/health`, api.child, api.output);
    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const created = await fetch(`${wharf}/api/v2.0/projects`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ project_name: 'bench', public: false }) });
    if (created.status !== 201) throw new Error(`project: ${created.status} ${await created.text()}`);

    // the image: a base layer with os-release and the dpkg database, then content layers up to the size
    console.error(`building a ~${options.sizeMb} MB image with ${options.packages} packages...`);
    const layers: { blob: Buffer; diffId: string; mediaType: string }[] = [];
    const base = tarOf([
      ['etc/os-release', Buffer.from('ID=debian\nVERSION_ID="11"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n')],
      ['var/lib/dpkg/status', Buffer.from(dpkgStatus(options.packages))],
    ]);
    layers.push({ blob: gzipSync(base), diffId: sha256(base), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    const contentLayers = 8;
    const perLayer = Math.ceil((options.sizeMb * 1024 * 1024) / contentLayers);
    for (let i = 0; i < contentLayers; i += 1) {
      const files: [string, Buffer][] = [];
      for (let written = 0, n = 0; written < perLayer * 2; n += 1) {
        const size = Math.min(1024 * 1024, perLayer * 2 - written);
        files.push([`usr/share/bench/${i}/file-${n}.bin`, fileContent(size)]);
        written += size;
      }
      const tar = tarOf(files);
      // one layer in three is zstd, the rest gzip
      const zstd = i % 3 === 2;
      const blob = zstd ? execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 2 ** 31 }) : gzipSync(tar, { level: 1 });
      layers.push({ blob, diffId: sha256(tar), mediaType: zstd ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar+gzip' });
    }
    const push = async (data: Buffer) => {
      const digest = sha256(data);
      const response = await fetch(`${wharf}/v2/bench/big/blobs/uploads/?digest=${digest}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/octet-stream' }, body: data });
      if (response.status !== 201) throw new Error(`blob push: ${response.status} ${await response.text()}`);
      return { digest, size: data.length };
    };
    const descriptors = [];
    for (const layer of layers) descriptors.push({ mediaType: layer.mediaType, ...(await push(layer.blob)) });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await push(config)) }, layers: descriptors }),
    );
    const put = await fetch(`${wharf}/v2/bench/big/manifests/latest`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
    if (put.status !== 201) throw new Error(`manifest push: ${put.status}`);
    const compressedBytes = layers.reduce((sum, l) => sum + l.blob.length, 0);
    layers.length = 0; // let the image's bytes go before the scanner is measured

    const scannerPort = await freePort();
    const args = options.testEngines ? [testEnginesLauncher(workDir)] : [join(BUILD_ROOT, 'apps/scanner/src/main.js')];
    const scanner = startProcess(args, { ...env, SCANNER_PORT: String(scannerPort), SCANNER_CONCURRENCY: '1' }, cleanup);
    const scannerUrl = `http://127.0.0.1:${scannerPort}`;
    await waitFor(`${scannerUrl}/probe/healthy`, scanner.child, scanner.output);
    const idleRss = procStatusBytes(scanner.child.pid!, 'VmRSS');

    const results = [];
    for (let run = 0; run < options.runs; run += 1) {
      const { result, peakBytes } = await peakRssDuring(scanner.child.pid!, async () => {
        const started = performance.now();
        const body = {
          registry: { url: wharf, authorization: auth },
          artifact: { repository: 'bench/big', digest: sha256(manifest), mime_type: 'application/vnd.oci.image.manifest.v1+json' },
          ...(options.sbomOnly
            ? { enabled_capabilities: [{ type: 'sbom', parameters: { sbom_media_types: ['application/vnd.cyclonedx+json'] } }] }
            : options.sbom
            ? { enabled_capabilities: [{ type: 'vulnerability' }, { type: 'sbom', parameters: { sbom_media_types: ['application/vnd.cyclonedx+json'] } }] }
            : {}),
        };
        const accepted = await fetch(`${scannerUrl}/api/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/vnd.scanner.adapter.scan.request+json; version=1.1' }, body: JSON.stringify(body) });
        const { id } = (await accepted.json()) as { id: string };
        for (;;) {
          const report = options.sbomOnly
            ? await fetch(`${scannerUrl}/api/v1/scan/${id}/report?sbom_media_type=application%2Fvnd.cyclonedx%2Bjson`, { headers: { accept: 'application/vnd.security.sbom.report+json; version=1.0' }, redirect: 'manual' })
            : await fetch(`${scannerUrl}/api/v1/scan/${id}/report`, { redirect: 'manual' });
          if (report.status === 302) {
            await report.arrayBuffer();
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          const text = await report.text();
          if (report.status !== 200) throw new Error(`scan failed: ${report.status} ${text}`);
          const parsed = JSON.parse(text) as { vulnerabilities?: unknown[]; sbom?: { components?: unknown[] } };
          return { seconds: (performance.now() - started) / 1000, vulnerabilities: parsed.vulnerabilities?.length ?? 0, components: parsed.sbom?.components?.length };
        }
      });
      results.push({ run, seconds: Number(result.seconds.toFixed(2)), peakRssMb: Math.round(peakBytes / 1e6), vulnerabilities: result.vulnerabilities, sbomComponents: result.components });
      console.error(`run ${run}: ${result.seconds.toFixed(2)} s, peak RSS ${Math.round(peakBytes / 1e6)} MB, ${result.vulnerabilities} vulnerabilities${result.components !== undefined ? `, ${result.components} SBOM components` : ''}`);
    }
    console.log(
      JSON.stringify(
        {
          image: { compressedMb: Math.round(compressedBytes / 1e6), uncompressedMb: Math.round((perLayer * 2 * contentLayers) / 1e6), layers: contentLayers + 1, packages: options.packages + 1 },
          engines: options.testEngines ? 'test (test/support/scanner-test-engines.ts)' : 'default',
          scan: options.sbomOnly ? 'sbom (CycloneDX) only' : options.sbom ? 'vulnerability + sbom' : 'vulnerability',
          idleRssMb: Math.round(idleRss / 1e6),
          runs: results,
        },
        null,
        2,
      ),
    );
  } finally {
    await cleanup.run();
  }
}

main(parse(process.argv.slice(2))).catch((error: Error) => {
  console.error(`scanner bench failed: ${error.message}`);
  process.exitCode = 1;
});
