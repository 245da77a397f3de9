/**
 * Fake P2P providers that follow CONTRACTS.md section 5 to the letter, for the preheat suites:
 * a Dragonfly v2 manager (open API), a Dragonfly v1 supernode and Kraken. Each really pulls what
 * it is handed from Wharf: the manifest at the URL given and every blob it names (an index's
 * children too), with the headers given (Kraken: with the registry credentials of its own
 * configuration, as a notification carries none). Each records every request it got, raw body
 * included, and every pull it made.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PullRecord {
  url: string;
  authorization: string | undefined;
  status: number;
  digest?: string;
}

/** ok: answer as the contract says; unauthorized: 401; forbidden: 403; unprocessable: 422; rate-limited: 429; hold: accept and never finish. */
export type FakeMode = 'ok' | 'unauthorized' | 'forbidden' | 'unprocessable' | 'rate-limited' | 'hold';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
}

/**
 * Pulls the manifest at `url` and every blob (and child manifest) it names; throws with the
 * registry's answer on a refusal. `platform`: of an index, only the children of that platform
 * (what the Dragonfly manager does); without it, every child.
 */
export async function pullImage(url: string, headers: Record<string, string>, pulls: PullRecord[], platform?: Platform): Promise<string[]> {
  const digests: string[] = [];
  const base = url.replace(/\/manifests\/[^/]+$/, '');
  const authorization = headers.Authorization ?? headers.authorization;
  const fetchManifest = async (manifestUrl: string): Promise<void> => {
    const response = await fetch(manifestUrl, { headers: { ...headers, accept: MANIFEST_ACCEPT }, redirect: 'manual' });
    const bytes = Buffer.from(await response.arrayBuffer());
    pulls.push({ url: manifestUrl, authorization, status: response.status });
    if (response.status !== 200) throw new Error(`GET ${manifestUrl} -> ${response.status} ${bytes.toString('utf8')}`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    digests.push(digest);
    const manifest = JSON.parse(bytes.toString('utf8')) as { manifests?: { digest: string; platform?: Platform }[]; config?: { digest: string }; layers?: { digest: string }[] };
    const children = (manifest.manifests ?? []).filter((c) => !platform || (c.platform?.os === platform.os && c.platform?.architecture === platform.architecture));
    if (manifest.manifests && children.length === 0) throw new Error(`no manifest for ${platform?.os}/${platform?.architecture} in the index`);
    for (const child of children) await fetchManifest(`${base}/manifests/${child.digest}`);
    for (const blob of [...(manifest.config ? [manifest.config] : []), ...(manifest.layers ?? [])]) {
      const blobUrl = `${base}/blobs/${blob.digest}`;
      const blobResponse = await fetch(blobUrl, { headers, redirect: 'manual' });
      const data = Buffer.from(await blobResponse.arrayBuffer());
      const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      pulls.push({ url: blobUrl, authorization, status: blobResponse.status, digest: got });
      if (blobResponse.status !== 200 || got !== blob.digest) throw new Error(`GET ${blobUrl} -> ${blobResponse.status}`);
      digests.push(got);
    }
  };
  await fetchManifest(url);
  return digests;
}

abstract class FakeProvider {
  readonly requests: ReceivedRequest[] = [];
  readonly pulls: PullRecord[] = [];
  mode: FakeMode = 'ok';
  url = '';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  protected abstract route(request: ReceivedRequest, response: ServerResponse): Promise<void> | void;

  async start(port = 0): Promise<void> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const received = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(received);
        Promise.resolve(this.route(received, response)).catch((error: Error) => send(response, 500, { message: error.message }));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  /** Stops listening (the provider is down: connections are refused). */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Starts again on the same port. */
  async restart(): Promise<void> {
    await this.start(Number(new URL(this.url).port));
  }

  on(method: string, prefix: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix));
  }
}

function send(response: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }).end(text);
}

interface V2Job {
  id: number;
  state: 'PENDING' | 'RECEIVED' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE';
  args: { url: string; headers: Record<string, string>; scope?: string };
  polls: number;
  done?: Promise<void>;
  blobs: string[];
  error?: string;
}

/**
 * Dragonfly v2 manager: GET /healthy; POST /oapi/v1/jobs with `Authorization: Bearer <personal
 * access token>` (401/403 `{"message"}`, 422 `{"errors"}`, 429 text `rate limit exceeded`); the
 * manifest is fetched while answering the POST, so a bad URL or token fails the POST (422); then
 * the blobs are pulled and GET /oapi/v1/jobs/{id} moves PENDING -> STARTED -> SUCCESS. An index
 * is resolved to the manifest of the manager's platform (linux/amd64 here) and its layers.
 */
export class FakeDragonflyManager extends FakeProvider {
  readonly jobs = new Map<number, V2Job>();
  private nextId = 41;

  constructor(readonly personalAccessToken: string) {
    super();
  }

  protected async route(request: ReceivedRequest, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.path === '/healthy') return send(response, 200, 'OK', 'text/plain');
    if (!request.path.startsWith('/oapi/v1/jobs')) return send(response, 404, { message: 'not found' });
    if (this.mode === 'rate-limited') return send(response, 429, 'rate limit exceeded', 'text/plain');
    if (this.mode === 'unauthorized' || request.headers.authorization !== `Bearer ${this.personalAccessToken}`) return send(response, 401, { message: 'invalid personal access token' });
    if (this.mode === 'forbidden') return send(response, 403, { message: 'permission deny' });
    if (this.mode === 'unprocessable' && request.method === 'POST') return send(response, 422, { errors: 'scheduler cluster 7 not found' });
    if (request.method === 'GET') {
      const job = this.jobs.get(Number(request.path.split('/').pop()));
      if (!job) return send(response, 404, { message: 'job not found' });
      job.polls += 1;
      if (job.state === 'PENDING') job.state = 'STARTED';
      return send(response, 200, this.render(job));
    }
    const body = JSON.parse(request.body) as { type?: string; args?: { type?: string; url?: string; headers?: Record<string, string>; scope?: string }; scheduler_cluster_ids?: number[] };
    if (body.type !== 'preheat' || body.args?.type !== 'image' || typeof body.args.url !== 'string' || typeof body.args.headers !== 'object') {
      return send(response, 422, { errors: 'Key: \'CreatePreheatJobRequest.Args\' Error:Field validation failed' });
    }
    const pulls: string[] = [];
    let manifestDone: Promise<void>;
    try {
      // the manager resolves the manifest before it answers
      const manifest = await fetch(body.args.url, { headers: { ...body.args.headers, accept: MANIFEST_ACCEPT } });
      this.pulls.push({ url: body.args.url, authorization: body.args.headers.Authorization, status: manifest.status });
      if (manifest.status !== 200) return send(response, 422, { errors: `get manifest ${body.args.url}: unexpected status code ${manifest.status}: ${await manifest.text()}` });
      await manifest.arrayBuffer();
      manifestDone = pullImage(body.args.url, body.args.headers, this.pulls, { os: 'linux', architecture: 'amd64' }).then((d) => void pulls.push(...d));
    } catch (error) {
      return send(response, 422, { errors: (error as Error).message });
    }
    const job: V2Job = { id: this.nextId++, state: 'PENDING', args: body.args as V2Job['args'], polls: 0, blobs: pulls };
    job.done = manifestDone.then(
      () => {
        if (this.mode !== 'hold') job.state = 'SUCCESS';
      },
      (error: Error) => {
        job.state = 'FAILURE';
        job.error = error.message;
      },
    );
    this.jobs.set(job.id, job);
    send(response, 200, this.render(job));
  }

  private render(job: V2Job): unknown {
    // hold: the pulls are done but the job never ends
    const state = this.mode === 'hold' && job.state === 'SUCCESS' ? 'STARTED' : job.state;
    return {
      id: job.id,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      task_id: `group_${job.id}`,
      type: 'preheat',
      state,
      args: job.args,
      result:
        state === 'SUCCESS' || state === 'FAILURE'
          ? {
              job_states: [
                {
                  state,
                  error: job.error ?? '',
                  results: [{ success_tasks: state === 'SUCCESS' ? job.blobs.map((d) => ({ url: d, hostname: 'seed-1', ip: '10.0.0.1' })) : [], failure_tasks: [], scheduler_cluster_id: 1 }],
                },
              ],
            }
          : null,
    };
  }
}

interface V1Task {
  ID: string;
  status: 'WAITING' | 'RUNNING' | 'SUCCESS' | 'FAILED';
  startTime: string;
  finishTime: string;
  errorMsg: string;
}

/**
 * Dragonfly v1 supernode: GET /_ping -> 200 OK; POST /preheats {"type":"image","url","headers"}
 * -> 201 {"ID"} (derived from the URL and a fixed key, so a repeat while running gives the same
 * ID), 208 {"code":208,"message":"preheat task already exists, id:<id>"} once that one finished;
 * GET /preheats/{id} -> WAITING, RUNNING, SUCCESS or FAILED. It pulls what it is given.
 */
export class FakeDragonflySupernode extends FakeProvider {
  readonly tasks = new Map<string, V1Task>();

  protected route(request: ReceivedRequest, response: ServerResponse): void {
    if (request.method === 'GET' && request.path === '/_ping') return send(response, 200, 'OK', 'text/plain');
    if (request.method === 'GET' && request.path.startsWith('/preheats/')) {
      const task = this.tasks.get(request.path.slice('/preheats/'.length));
      return task ? send(response, 200, task) : send(response, 404, { code: 404, message: 'preheat task not found' });
    }
    if (request.method !== 'POST' || request.path !== '/preheats') return send(response, 404, { code: 404, message: 'not found' });
    const body = JSON.parse(request.body) as { type?: string; url?: string; headers?: Record<string, string> };
    if (body.type !== 'image' || !body.url) return send(response, 400, { code: 400, message: 'invalid preheat request' });
    const id = createHash('sha256').update(`${body.url}preheat-supernode-key`).digest('hex');
    const existing = this.tasks.get(id);
    if (existing?.status === 'SUCCESS') return send(response, 208, { code: 208, message: `preheat task already exists, id:${id}` });
    if (existing && existing.status !== 'FAILED') return send(response, 201, { ID: id });
    const task: V1Task = { ID: id, status: 'WAITING', startTime: new Date().toISOString(), finishTime: '', errorMsg: '' };
    this.tasks.set(id, task);
    task.status = 'RUNNING';
    void pullImage(body.url, body.headers ?? {}, this.pulls).then(
      () => {
        task.status = 'SUCCESS';
        task.finishTime = new Date().toISOString();
      },
      (error: Error) => {
        task.status = 'FAILED';
        task.errorMsg = error.message;
      },
    );
    send(response, 201, { ID: id });
  }
}

/**
 * Kraken: GET /health; POST /registry/notifications with the registry's push notification
 * (PascalCase: Events[].Id, TimeStamp, Action, Target.{MediaType, Digest, Repository, Url, Tag})
 * -> 200, then its build-index pulls Target.Url with the registry credentials of its own
 * configuration (`credentials`).
 */
export class FakeKraken extends FakeProvider {
  readonly pulled: Promise<string[]>[] = [];

  constructor(private readonly credentials: string) {
    super();
  }

  protected route(request: ReceivedRequest, response: ServerResponse): void {
    if (request.method === 'GET' && request.path === '/health') return send(response, 200, 'OK', 'text/plain');
    if (request.method !== 'POST' || request.path !== '/registry/notifications') return send(response, 404, 'not found', 'text/plain');
    if (this.mode === 'rate-limited') return send(response, 429, 'rate limit exceeded', 'text/plain');
    const body = JSON.parse(request.body) as { Events?: { Action?: string; Target?: { Url?: string } }[] };
    for (const event of body.Events ?? []) {
      if (event.Action === 'push' && event.Target?.Url) this.pulled.push(pullImage(event.Target.Url, { Authorization: this.credentials }, this.pulls));
    }
    send(response, 200, '', 'text/plain');
  }
}
