import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds OCI image layouts on disk with Debian's umoci, for real-client tests (no network needed). */

export const toolAvailable = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A layout holding one image `tag` with `layers` layers of random content, for `arch`. */
export function buildImageLayout(layout: string, tag: string, layers: number, arch = 'amd64'): void {
  run('umoci', ['init', '--layout', layout]);
  addImage(layout, tag, layers, arch);
}

export function addImage(layout: string, tag: string, layers: number, arch: string): void {
  run('umoci', ['new', '--image', `${layout}:${tag}`]);
  run('umoci', ['config', '--image', `${layout}:${tag}`, '--architecture', arch, '--os', 'linux', '--config.cmd', '/bin/sh']);
  for (let i = 0; i < layers; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-layer-'));
    mkdirSync(join(dir, `layer${i}`));
    writeFileSync(join(dir, `layer${i}`, 'data.bin'), randomBytes(64 * 1024 + i));
    run('umoci', ['insert', '--image', `${layout}:${tag}`, join(dir, `layer${i}`), `/layer${i}`]);
  }
}

interface OciIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: Record<string, string> }[];
}

/**
 * A layout whose tag `tag` is a multi-arch OCI index over an amd64 and an arm64 image
 * (written by hand: umoci builds single images only).
 */
export function buildMultiArchLayout(layout: string, tag: string): string {
  run('umoci', ['init', '--layout', layout]);
  addImage(layout, 'amd64', 1, 'amd64');
  addImage(layout, 'arm64', 1, 'arm64');
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as OciIndex;
  const platformOf = (ref: string) => ({ architecture: ref, os: 'linux' });
  const children = index.manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: platformOf(m.annotations!['org.opencontainers.image.ref.name']) }));
  const inner = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: children }));
  const digest = createHash('sha256').update(inner).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', digest), inner);
  index.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${digest}`, size: inner.length, annotations: { 'org.opencontainers.image.ref.name': tag } });
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  return `sha256:${digest}`;
}

const execFileAsync = promisify(execFile);

/** Async on purpose: the registry under test may run in this very process, so the event loop must keep turning. */
export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The digest of the manifest a skopeo reference resolves to (of the raw bytes). */
export async function rawManifestDigest(reference: string, tlsVerifyFlag: string[] = []): Promise<string> {
  const { stdout } = await execFileAsync('skopeo', ['--insecure-policy', 'inspect', ...tlsVerifyFlag, '--raw', reference], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
}
