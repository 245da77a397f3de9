/**
 * A tiny, network-free test image: `FROM scratch` + Debian's statically linked /bin/busybox
 * (package busybox-static) with a few applet symlinks. No base image is pulled, so it builds
 * with no registry and no network in about half a second.
 *
 *   await buildBusyboxImage(dockerHost, 'wharf-test/busybox:1');
 *   await docker(dockerHost, ['run', '--rm', '--network', 'none', 'wharf-test/busybox:1', 'echo', 'hello']);
 *
 * ENTRYPOINT is /bin/busybox, so the command's first word is the applet (`echo hello`, `sh -c ...`).
 * `files` adds content (path inside the image -> content), e.g. to make images with distinct digests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { docker } from './docker-env';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
const APPLETS = ['sh', 'echo', 'cat', 'ls', 'true', 'false', 'sleep', 'env', 'id', 'uname', 'wc', 'sha256sum'];

export interface BusyboxImageOptions {
  /** extra files: path inside the image (e.g. 'etc/marker') -> content */
  files?: Record<string, string | Buffer>;
  labels?: Record<string, string>;
  /** default CMD (after ENTRYPOINT /bin/busybox); default ['sh'] */
  cmd?: string[];
}

/** true when the ELF file has no PT_INTERP program header, i.e. runs without a dynamic loader */
function isStaticElf(file: string): boolean {
  const buf = fs.readFileSync(file);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return false; // ELF64 LE only
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (buf.readUInt32LE(phoff + i * phentsize) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

export function findStaticBusybox(): string {
  for (const candidate of BUSYBOX_CANDIDATES) {
    if (fs.existsSync(candidate) && isStaticElf(fs.realpathSync(candidate))) return candidate;
  }
  throw new Error(
    `no statically linked busybox at ${BUSYBOX_CANDIDATES.join(' or ')}: apt-get install -y busybox-static ` +
      '(the dynamically linked package "busybox" cannot run in a FROM scratch image)',
  );
}

/** Writes the build context (Dockerfile + rootfs/) into a new temp dir and returns its path. */
export function writeBusyboxContext(options: BusyboxImageOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-busybox-'));
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.copyFileSync(findStaticBusybox(), path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  for (const [file, content] of Object.entries(options.files ?? {})) {
    const target = path.join(rootfs, file.replace(/^\/+/, ''));
    if (!target.startsWith(rootfs + path.sep)) throw new Error(`file outside the image root: ${file}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const labels = Object.entries(options.labels ?? {}).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/bin',
      ...labels,
      'ENTRYPOINT ["/bin/busybox"]',
      `CMD ${JSON.stringify(options.cmd ?? ['sh'])}`,
      '',
    ].join('\n'),
  );
  return dir;
}

/** Builds the busybox test image with `docker build` and tags it as `tag`; returns the image id. */
export async function buildBusyboxImage(dockerHost: string, tag: string, options: BusyboxImageOptions = {}): Promise<string> {
  const context = writeBusyboxContext(options);
  try {
    await docker(dockerHost, ['build', '--network', 'none', '-q', '-t', tag, context], { timeoutMs: 180_000 });
    const { stdout } = await docker(dockerHost, ['image', 'inspect', '--format', '{{.Id}}', tag]);
    return stdout.trim();
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}
