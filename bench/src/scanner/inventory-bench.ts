/**
 * Inventory figures for issue 13 (`npm run bench:scanner-inventory -- [--keep DIR]`): builds a
 * ~200 MB (uncompressed) image out of this
 * machine's own files, gzipped layers in a temp dir: the dpkg database (every package of the
 * machine) with 40 MB of shared libraries, Python's dist-packages, an app with the repo's
 * package-lock.json and 60 MB of its node_modules folders, and two Go binaries. Then lists its
 * packages with the built-in detectors, reading the layers from disk (no registry: the pull is
 * the API's part), and prints wall time, peak RSS (VmHWM) and the packages found per ecosystem.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { collectInventory } from '../../../apps/scanner/src/inventory/collect-inventory';
import type { ImageLayer } from '../../../apps/scanner/src/registry/pulled-image';

const repoRoot = join(__dirname, '../../../..');

function tarFrom(root: string, paths: string[], out: string): void {
  const list = `${out}.list`;
  writeFileSync(list, paths.join('\n'));
  execFileSync('tar', ['-cf', out, '-C', root, '--ignore-failed-read', '-T', list], { stdio: ['ignore', 'ignore', 'ignore'] });
  rmSync(list);
}

/** The first paths (files or folders) whose sizes add up to at most `mb` MiB. */
function underBudget(paths: string[], mb: number): string[] {
  const picked: string[] = [];
  let total = 0;
  for (const path of paths) {
    const size = Number(execFileSync('du', ['-sbL', path], { encoding: 'utf8' }).split('\t')[0]);
    if (total + size > mb * 1048576) continue;
    total += size;
    picked.push(path);
  }
  return picked;
}

async function gzipTo(source: string, target: string): Promise<void> {
  await pipeline(createReadStream(source), createGzip({ level: 1 }), createWriteStream(target));
  rmSync(source);
}

async function buildLayers(dir: string): Promise<string[]> {
  const libs = underBudget(
    readdirSync('/usr/lib/x86_64-linux-gnu')
      .filter((name) => name.includes('.so'))
      .map((name) => `/usr/lib/x86_64-linux-gnu/${name}`),
    40,
  ).map((path) => path.slice(1));
  tarFrom('/', ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'var/lib/dpkg/status', ...libs], join(dir, 'l1.tar'));
  tarFrom('/', ['usr/lib/python3/dist-packages'], join(dir, 'l2.tar'));
  const app = join(dir, 'app-root');
  mkdirSync(join(app, 'app/node_modules'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) writeFileSync(join(app, 'app', file), readFileSync(join(repoRoot, file)));
  const modules = underBudget(
    readdirSync(join(repoRoot, 'node_modules'))
      .filter((name) => !name.startsWith('.'))
      .map((name) => join(repoRoot, 'node_modules', name)),
    60,
  ).map((path) => path.slice(path.lastIndexOf('/') + 1));
  execFileSync('cp', ['-rL', ...modules.map((name) => join(repoRoot, 'node_modules', name)), join(app, 'app/node_modules/')], { stdio: 'ignore' });
  tarFrom(app, ['app'], join(dir, 'l3.tar'));
  rmSync(app, { recursive: true, force: true });
  const go = join(dir, 'go-root');
  mkdirSync(join(go, 'usr/local/bin'), { recursive: true });
  for (const binary of ['/usr/bin/skopeo', '/usr/bin/docker-registry']) if (existsSync(binary)) execFileSync('cp', [binary, join(go, 'usr/local/bin/')]);
  tarFrom(go, ['usr'], join(dir, 'l4.tar'));
  rmSync(go, { recursive: true, force: true });
  const layers: string[] = [];
  for (const name of ['l1', 'l2', 'l3', 'l4']) {
    const tar = join(dir, `${name}.tar`);
    console.log(`layer ${name}: ${(statSync(tar).size / 1048576).toFixed(0)} MB uncompressed`);
    await gzipTo(tar, `${tar}.gz`);
    layers.push(`${tar}.gz`);
  }
  return layers;
}

const vmHwmMb = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  const keep = process.argv.indexOf('--keep');
  const dir = keep > 0 ? process.argv[keep + 1] : mkdtempSync(join(tmpdir(), 'wharf-inventory-bench-'));
  mkdirSync(dir, { recursive: true });
  try {
    const files = existsSync(join(dir, 'l1.tar.gz')) ? ['l1', 'l2', 'l3', 'l4'].map((n) => join(dir, `${n}.tar.gz`)) : await buildLayers(dir);
    const layers: ImageLayer[] = files.map((file, i) => ({
      digest: `sha256:${String(i).repeat(64)}`,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: statSync(file).size,
      open: async () => createReadStream(file).pipe(createGunzip()),
    }));
    console.log(`image: ${(layers.reduce((sum, l) => sum + l.size, 0) / 1048576).toFixed(0)} MB compressed in ${layers.length} layers`);
    // reset the high-water mark: only the inventory counts, not the layer building
    writeFileSync('/proc/self/clear_refs', '5');
    const before = vmHwmMb();
    const started = process.hrtime.bigint();
    const inventory = await collectInventory({ registryUrl: 'file://', repository: 'bench', digest: 'sha256:bench', config: {}, layers });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const byEcosystem: Record<string, number> = {};
    for (const pkg of inventory.packages) byEcosystem[pkg.ecosystem] = (byEcosystem[pkg.ecosystem] ?? 0) + 1;
    console.log(JSON.stringify({ ms: Math.round(ms), peakRssMb: Math.round(vmHwmMb()), rssBeforeMb: Math.round(before), os: inventory.os, packages: inventory.packages.length, byEcosystem }));
  } finally {
    if (keep < 0) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
