import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { freePort } from './api-process';
import { RegistryClient, sha256, type Descriptor } from './registry-client';
import type { Credentials } from './test-credentials';

/**
 * Debian's CNCF reference registry (`docker-registry`, distribution 2.8) as a real upstream:
 * filesystem storage in a temp dir, optionally htpasswd Basic auth. Its access log (Apache
 * combined format, on stdout) is parsed so tests can count what a client asked upstream.
 */

const BINARY = '/usr/bin/docker-registry';

export interface UpstreamRequest {
  method: string;
  /** path and query, as the request line had it */
  path: string;
  status: number;
}

export interface UpstreamRegistryProcess {
  url: string;
  port: number;
  /** ends the process (the storage stays until the suite's temp dir is removed by stop) */
  stop(): Promise<void>;
  /** stops and starts again on the same port with the same storage */
  restart(): Promise<void>;
  /** ends the process without removing the storage: the port refuses connections until restart() */
  kill(): Promise<void>;
  /** every request the registry logged since start (or clearRequests), oldest first */
  requests(): UpstreamRequest[];
  /**
   * requests() once the log has caught up: the registry writes a line after the response, so
   * a client can see its answer before the line reaches us. A marker request is sent and
   * waited for; it is left out of the result.
   */
  settledRequests(): Promise<UpstreamRequest[]>;
  clearRequests(): void;
}

export interface UpstreamRegistryOptions {
  auth?: Credentials;
  /** serve https with a fresh self-signed certificate for 127.0.0.1 */
  tls?: boolean;
}

/** `127.0.0.1 - user [28/Nov/2026:12:00:41 +0000] "GET /v2/ HTTP/1.1" 200 2 "referer" "agent"` */
const ACCESS_LOG_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

const MARKER_PATH = '/wharf-test-log-marker/';

export function parseAccessLogLine(line: string): UpstreamRequest | null {
  const match = ACCESS_LOG_LINE.exec(line);
  return match ? { method: match[1], path: match[2], status: Number(match[3]) } : null;
}

export async function startUpstreamRegistry(options: UpstreamRegistryOptions = {}): Promise<UpstreamRegistryProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-upstream-registry-'));
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    // a fixed secret: uploads started before restart() stay valid after it
    '  secret: wharf-test-upstream',
  ];
  if (options.tls) {
    const certificate = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', certificate], { stdio: 'ignore' });
    config.push('  tls:', `    certificate: ${certificate}`, `    key: ${key}`);
  }
  if (options.auth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', options.auth.username, options.auth.password]));
    config.push('auth:', '  htpasswd:', '    realm: wharf-test-upstream', `    path: ${htpasswd}`);
  }
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, config.join('\n') + '\n');

  let requests: UpstreamRequest[] = [];
  let markers = 0;
  let output = '';
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const started = spawn(BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    for (const stream of [started.stdout!, started.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (data: string) => {
        output += data;
        const lines = (partial + data).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const request = parseAccessLogLine(line);
          if (request) requests.push(request);
        }
      });
    }
    await waitForPort(port, started, () => output);
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };

  await launch();
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  // the marker request trusts the registry's own self-signed certificate
  const markerAgent = new Agent({ connect: { rejectUnauthorized: false } });
  return {
    url,
    port,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      await markerAgent.close();
      rmSync(dir, { recursive: true, force: true });
    },
    requests: () => requests.filter((r) => !r.path.startsWith(MARKER_PATH)),
    settledRequests: async () => {
      const marker = `${MARKER_PATH}${(markers += 1)}`;
      const answer = await request(`${url}${marker}`, { dispatcher: markerAgent });
      await answer.body.dump();
      const deadline = Date.now() + 5_000;
      while (!requests.some((r) => r.path === marker)) {
        if (Date.now() > deadline) throw new Error(`docker-registry did not log ${marker}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return requests.filter((r) => !r.path.startsWith(MARKER_PATH));
    },
    clearRequests: () => {
      requests = [];
    },
  };
}

/**
 * Ready = the port accepts connections. A TCP probe rather than an HTTP one, so readiness
 * checks never show up in the access log the tests count.
 */
async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not listen on ${port}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface PushedImage {
  manifest: Buffer;
  digest: string;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  /** blob bytes by digest, to compare what comes back */
  blobs: Map<string, Buffer>;
}

export interface PushedIndex {
  index: Buffer;
  digest: string;
  mediaType: string;
  images: PushedImage[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes a small OCI image (a config and `layers` random layers) over plain HTTP and tags it. */
export async function pushTestImage(
  registryUrl: string,
  repository: string,
  tag: string,
  credentials: Credentials | null = null,
  options: { layers?: number; layerSize?: number; arch?: string } = {},
): Promise<PushedImage> {
  const client = new RegistryClient(registryUrl, credentials);
  const blobs = new Map<string, Buffer>();
  const push = async (data: Buffer, mediaType: string): Promise<Descriptor> => {
    blobs.set(sha256(data), data);
    return { ...(await pushBlobInTwoSteps(client, repository, data)), mediaType };
  };
  const arch = options.arch ?? 'amd64';
  const config = await push(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })), 'application/vnd.oci.image.config.v1+json');
  const layers: Descriptor[] = [];
  for (let i = 0; i < (options.layers ?? 2); i += 1) {
    const layer = Buffer.alloc(options.layerSize ?? 2048);
    for (let j = 0; j < layer.length; j += 1) layer[j] = Math.floor(Math.random() * 256);
    layers.push(await push(layer, 'application/vnd.oci.image.layer.v1.tar+gzip'));
  }
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
  const response = await client.pushManifest(repository, tag, manifest, OCI_MANIFEST);
  if (response.status !== 201) throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
  return { manifest, digest: sha256(manifest), mediaType: OCI_MANIFEST, config, layers, blobs };
}

/**
 * POST to open an upload, PUT ?digest= with the bytes: distribution 2.8 has no monolithic
 * POST ?digest= (it answers 202 and waits for the bytes), Wharf accepts both.
 */
async function pushBlobInTwoSteps(client: RegistryClient, repository: string, data: Buffer): Promise<Descriptor> {
  const digest = sha256(data);
  const opened = await client.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (opened.status !== 202) throw new Error(`upload open failed: ${opened.status} ${await opened.text()}`);
  const location = new URL(opened.headers.get('location')!, client.baseUrl);
  location.searchParams.set('digest', digest);
  const completed = await client.fetch(location.pathname + location.search, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  if (completed.status !== 201) throw new Error(`upload failed: ${completed.status} ${await completed.text()}`);
  return { mediaType: 'application/octet-stream', digest, size: data.length };
}

/** Pushes one image per architecture (by digest) and an OCI index over them, tagged `tag`. */
export async function pushTestIndex(registryUrl: string, repository: string, tag: string, credentials: Credentials | null = null, architectures = ['amd64', 'arm64']): Promise<PushedIndex> {
  const images: PushedImage[] = [];
  for (const arch of architectures) {
    const image = await pushTestImage(registryUrl, repository, `${tag}-${arch}`, credentials, { layers: 1, arch });
    images.push(image);
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((image, i) => ({ mediaType: image.mediaType, digest: image.digest, size: image.manifest.length, platform: { architecture: architectures[i], os: 'linux' } })),
    }),
  );
  const response = await new RegistryClient(registryUrl, credentials).pushManifest(repository, tag, index, OCI_INDEX);
  if (response.status !== 201) throw new Error(`index push failed: ${response.status} ${await response.text()}`);
  return { index, digest: sha256(index), mediaType: OCI_INDEX, images };
}
