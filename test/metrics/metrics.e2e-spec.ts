import type { INestApplicationContext } from '@nestjs/common';
import { QueueName } from '@wharf/jobs';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, startApiProcess, type ApiProcess } from '../support/api-process';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { familiesOf, scrape, valueOf, type Sample } from '../support/prometheus-text';
import { RegistryClient, sha256 } from '../support/registry-client';
import { toolAvailable } from '../support/oci-layout';
import { pushTestImage, startUpstreamRegistry } from '../support/upstream-registry';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';
import { startWorker, waitForExecutionEnd } from '../support/worker-context';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const DASHBOARD = join(__dirname, '..', '..', 'deploy', 'grafana', 'wharf-dashboard.json');

/**
 * Prometheus metrics as an operator scrapes them: a real api process serving /metrics on its own
 * port (and not on the public one), a worker beside it on another, a push and a pull through /v2
 * moving the route and byte counters by exactly what went over the wire, Harbor's exporter gauges
 * equal to what Postgres holds, a GC run counted by the worker, and the Grafana dashboard naming
 * only metrics that a scrape of both processes shows.
 */
describe('metrics', () => {
  let environment: TestEnvironment;
  let api: ApiProcess;
  let worker: INestApplicationContext;
  let db: Client;
  let apiMetrics: string;
  let workerMetrics: string;
  let client: RegistryClient;

  beforeAll(async () => {
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    apiMetrics = `http://127.0.0.1:${apiPort}/metrics`;
    workerMetrics = `http://127.0.0.1:${workerPort}/metrics`;
    // GC may collect what was uploaded a moment ago
    environment = await createTestEnvironment('filesystem', { METRICS_PORT: String(apiPort), WORKER_METRICS_PORT: String(workerPort), GC_TIME_WINDOW_HOURS: '0' });
    api = await startApiProcess(environment.env);
    worker = await startWorker(environment);
    client = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.stop();
    await environment?.close();
  });

  describe('where metrics are served', () => {
    it('serves /metrics on METRICS_PORT and WORKER_METRICS_PORT, in Prometheus text format', async () => {
      for (const url of [apiMetrics, workerMetrics]) {
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const text = await response.text();
        // the default process metrics are there
        expect(familiesOf(text).get('process_cpu_seconds_total')).toBe('counter');
        expect(familiesOf(text).get('nodejs_heap_size_used_bytes')).toBe('gauge');
      }
    });

    it('never on the public port: GET /metrics there is a 404, and the metrics port serves nothing else', async () => {
      expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${api.url}/api/v2.0/metrics`)).status).toBe(404);
      expect((await fetch(apiMetrics.replace('/metrics', '/health'))).status).toBe(404);
      expect((await fetch(apiMetrics, { method: 'POST' })).status).toBe(404);
    });
  });

  describe('a push and a pull through /v2', () => {
    it('move the route counters and the byte counters by exactly what crossed the wire', async () => {
      const repository = 'library/metrics-bytes';
      const before = (await scrape(apiMetrics)).samples;
      let sent = 0;
      let received = 0;
      const exchange = async (path: string, init: RequestInit & { bodyBytes?: number } = {}): Promise<Response> => {
        const response = await client.fetch(path, init);
        received += (await response.clone().arrayBuffer()).byteLength;
        sent += init.bodyBytes ?? 0;
        return response;
      };

      // a monolithic upload (Content-Length)...
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(8).toString('hex') }));
      expect((await exchange(`/v2/${repository}/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', body: config, bodyBytes: config.length })).status).toBe(201);
      // ...and a chunked one whose PATCH body has no length (Transfer-Encoding: chunked)
      const layer = randomBytes(300_000);
      const started = await exchange(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
      expect(started.status).toBe(202);
      const location = new URL(started.headers.get('location')!, api.url);
      const stream = new ReadableStream({
        start(controller) {
          for (let at = 0; at < layer.length; at += 64 * 1024) controller.enqueue(layer.subarray(at, at + 64 * 1024));
          controller.close();
        },
      });
      const patched = await exchange(`${location.pathname}${location.search}`, { method: 'PATCH', body: stream, duplex: 'half', bodyBytes: layer.length } as RequestInit);
      expect(patched.status).toBe(202);
      expect(patched.headers.get('transfer-encoding')).toBeNull();
      const next = new URL(patched.headers.get('location')!, api.url);
      next.searchParams.set('digest', sha256(layer));
      expect((await exchange(`${next.pathname}${next.search}`, { method: 'PUT' })).status).toBe(201);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST_TYPE,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
        }),
      );
      expect((await exchange(`/v2/${repository}/manifests/v1`, { method: 'PUT', body: manifest, headers: { 'content-type': MANIFEST_TYPE }, bodyBytes: manifest.length })).status).toBe(201);

      // the pull: the manifest twice (the manifest cache is asked each time), the layer, a HEAD
      for (let i = 0; i < 2; i += 1) {
        const pulled = await exchange(`/v2/${repository}/manifests/v1`, { headers: { accept: MANIFEST_TYPE } });
        expect(pulled.status).toBe(200);
      }
      const blob = await exchange(`/v2/${repository}/blobs/${sha256(layer)}`);
      expect(blob.status).toBe(200);
      expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true);
      expect((await exchange(`/v2/${repository}/blobs/${sha256(layer)}`, { method: 'HEAD' })).status).toBe(200);

      const after = (await scrape(apiMetrics)).samples;
      const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

      expect(delta('wharf_registry_bytes_total', { direction: 'in' })).toBe(config.length + layer.length + manifest.length);
      expect(delta('wharf_registry_bytes_total', { direction: 'in' })).toBe(sent);
      expect(delta('wharf_registry_bytes_total', { direction: 'out' })).toBe(received);
      expect(received).toBe(2 * manifest.length + layer.length);

      const requests = (method: string, operation: string, code: string) => delta('harbor_core_http_request_total', { method, operation, code });
      expect(requests('POST', '/v2/{name}/blobs/uploads/', '201')).toBe(1);
      expect(requests('POST', '/v2/{name}/blobs/uploads/', '202')).toBe(1);
      expect(requests('PATCH', '/v2/{name}/blobs/uploads/{uuid}', '202')).toBe(1);
      expect(requests('PUT', '/v2/{name}/blobs/uploads/{uuid}', '201')).toBe(1);
      expect(requests('PUT', '/v2/{name}/manifests/{reference}', '201')).toBe(1);
      expect(requests('GET', '/v2/{name}/manifests/{reference}', '200')).toBe(2);
      expect(requests('GET', '/v2/{name}/blobs/{digest}', '200')).toBe(1);
      expect(requests('HEAD', '/v2/{name}/blobs/{digest}', '200')).toBe(1);
      // the latency histogram saw each of them
      expect(delta('harbor_core_http_request_duration_seconds_count', { method: 'GET', operation: '/v2/{name}/manifests/{reference}', code: '200' })).toBe(2);
      expect(delta('harbor_core_http_request_duration_seconds_bucket', { method: 'GET', operation: '/v2/{name}/blobs/{digest}', code: '200', le: '+Inf' })).toBe(1);
      // both manifest GETs asked the cache
      expect(delta('wharf_manifest_cache_requests_total')).toBe(2);
      expect(delta('wharf_manifest_cache_requests_total', { result: 'hit' }) + delta('wharf_manifest_cache_requests_total', { result: 'miss' })).toBe(2);
      // route templates, never URLs: the repository name and digests are in no label
      const labelValues = after.flatMap((s) => Object.values(s.labels));
      expect(labelValues.filter((v) => v.includes('metrics-bytes') || v.includes('sha256:'))).toEqual([]);
    });

    it('labels management API requests with their route template and a path no route serves as unmatched', async () => {
      expect((await callApi(api.url, 'GET', '/projects/library')).status).toBe(200);
      expect((await fetch(`${api.url}/no/such/path/${randomBytes(4).toString('hex')}`)).status).toBe(404);
      const { samples } = await scrape(apiMetrics);
      const operations = samples.filter((s) => s.name === 'harbor_core_http_request_total').map((s) => s.labels.operation);
      expect(operations).toContain('unmatched');
      const projectRoutes = operations.filter((o) => o.startsWith('/api/v2.0/projects/'));
      expect(projectRoutes.length).toBeGreaterThan(0);
      expect(projectRoutes.every((o) => !o.includes('library') && o.includes(':'))).toBe(true);
      expect(operations.some((o) => o.includes('/no/such/path'))).toBe(false);
    });
  });

  describe("Harbor's exporter gauges", () => {
    it('equal what Postgres holds for every project', async () => {
      const created = await callApi(api.url, 'POST', '/projects', { body: { project_name: 'metrics-private', public: false, storage_limit: 50_000_000 } });
      expect(created.status).toBe(201);
      await new RegistryClient(api.url).pushImage('metrics-private/app', 'v1', { layers: 2, layerSize: 4096 });
      expect((await client.fetch('/v2/metrics-private/app/manifests/v1', { headers: { accept: MANIFEST_TYPE } })).status).toBe(200);

      const expected = async (): Promise<Sample[]> => {
        const { rows } = await db.query<{ name: string; public: boolean; storage_used: string; storage_limit: string; repos: string; members: string; pulls: string }>(
          `SELECT p.name, COALESCE((SELECT value FROM project_metadata m WHERE m.project_id = p.project_id AND m.name = 'public'), 'false') = 'true' AS public,
                  p.storage_used, p.storage_limit,
                  (SELECT count(*) FROM repository r WHERE r.project_id = p.project_id) AS repos,
                  (SELECT count(*) FROM project_member m WHERE m.project_id = p.project_id) AS members,
                  (SELECT COALESCE(sum(pull_count), 0) FROM repository r WHERE r.project_id = p.project_id) AS pulls
             FROM project p`,
        );
        const artifacts = await db.query<{ name: string; public: boolean; type: string; n: string }>(
          `SELECT p.name, COALESCE((SELECT value FROM project_metadata m WHERE m.project_id = p.project_id AND m.name = 'public'), 'false') = 'true' AS public, a.type, count(*) AS n
             FROM artifact a JOIN project p ON p.project_id = a.project_id GROUP BY 1, 2, 3`,
        );
        return [
          { name: 'harbor_project_total', labels: { public: 'true' }, value: rows.filter((r) => r.public).length },
          { name: 'harbor_project_total', labels: { public: 'false' }, value: rows.filter((r) => !r.public).length },
          ...rows.flatMap((r): Sample[] => [
            { name: 'harbor_project_repo_total', labels: { public: String(r.public), project_name: r.name }, value: Number(r.repos) },
            { name: 'harbor_project_member_total', labels: { project_name: r.name }, value: Number(r.members) },
            { name: 'harbor_project_quota_usage_byte', labels: { project_name: r.name }, value: Number(r.storage_used) },
            { name: 'harbor_project_quota_byte', labels: { project_name: r.name }, value: Number(r.storage_limit) },
            { name: 'harbor_artifact_pulled', labels: { project_name: r.name }, value: Number(r.pulls) },
          ]),
          ...artifacts.rows.map((a) => ({ name: 'harbor_project_artifact_total', labels: { artifact_type: a.type, project_name: a.name, public: String(a.public) }, value: Number(a.n) })),
        ];
      };
      const names = ['harbor_project_total', 'harbor_project_repo_total', 'harbor_project_member_total', 'harbor_project_quota_usage_byte', 'harbor_project_quota_byte', 'harbor_artifact_pulled', 'harbor_project_artifact_total'];
      const sorted = (samples: Sample[]) => samples.map((s) => JSON.stringify([s.name, Object.entries(s.labels).sort(), s.value])).sort();
      let last: { scraped: string[]; stored: string[] } = { scraped: [], stored: [] };
      // the gauges are cached briefly (a scrape stays cheap) and the pull count is written in batches
      await eventually(async () => {
        const stored = await expected();
        const scraped = (await scrape(apiMetrics)).samples.filter((s) => names.includes(s.name));
        last = { scraped: sorted(scraped), stored: sorted(stored) };
        return JSON.stringify(last.scraped) === JSON.stringify(last.stored) && valueOf(scraped, 'harbor_artifact_pulled', { project_name: 'metrics-private' }) === 1;
      }, 60_000).catch(() => undefined);
      expect(last.scraped).toEqual(last.stored);
      expect(last.stored).toContainEqual(JSON.stringify(['harbor_project_quota_byte', [['project_name', 'metrics-private']], 50_000_000]));
      expect(last.stored).toContainEqual(JSON.stringify(['harbor_artifact_pulled', [['project_name', 'metrics-private']], 1]));
      const usage = (await db.query<{ storage_used: string }>(`SELECT storage_used FROM project WHERE name = 'metrics-private'`)).rows[0].storage_used;
      expect(Number(usage)).toBeGreaterThan(8192);
    });

    it('and the open upload sessions and the pool of the api', async () => {
      const started = await client.fetch('/v2/library/metrics-open/blobs/uploads/', { method: 'POST' });
      expect(started.status).toBe(202);
      const open = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM upload_session`)).rows[0].n);
      expect(open).toBeGreaterThan(0);
      await eventually(async () => valueOf((await scrape(apiMetrics)).samples, 'wharf_upload_sessions_open') === open, 30_000);
      const { samples } = await scrape(apiMetrics);
      expect(valueOf(samples, 'wharf_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'wharf_db_pool_connections' && s.labels.state === 'waiting')).toBe(true);
    });
  });

  describe('the worker', () => {
    it('counts a GC run by kind and outcome, with its duration and the bytes it freed', async () => {
      const orphan = randomBytes(12_345);
      await client.pushBlob('library/metrics-gc', orphan);
      const before = (await scrape(workerMetrics)).samples;
      const launched = await callApi(api.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: false, workers: 1 } } });
      expect(launched.status).toBe(201);
      const executionId = Number(launched.headers.get('location')!.split('/').pop());
      const execution = await waitForExecutionEnd(db, executionId);
      expect(execution.status).toBe('Success');
      const freed = Number(execution.progress.bytes_freed);
      expect(freed).toBeGreaterThanOrEqual(orphan.length);

      // the job's outcome is counted as its handler returns, a moment after the task ended
      let after: Sample[] = [];
      await eventually(async () => {
        after = (await scrape(workerMetrics)).samples;
        return valueOf(after, 'harbor_jobservice_task_total', { type: 'garbage-collection' }) > valueOf(before, 'harbor_jobservice_task_total', { type: 'garbage-collection' });
      });
      const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
      expect(delta('harbor_jobservice_task_total', { type: 'garbage-collection', status: 'success' })).toBe(1);
      expect(delta('harbor_jobservice_task_total', { type: 'garbage-collection', status: 'error' })).toBe(0);
      expect(delta('harbor_jobservice_task_process_time_seconds_count', { type: 'garbage-collection', status: 'success' })).toBe(1);
      expect(delta('harbor_jobservice_task_process_time_seconds_sum', { type: 'garbage-collection', status: 'success' })).toBeGreaterThan(0);
      expect(delta('wharf_gc_freed_bytes_total')).toBe(freed);
      // the repeating jobs are counted too (the event relay runs every second)
      expect(valueOf(after, 'harbor_jobservice_task_total', { type: 'relay-events', status: 'success' })).toBeGreaterThan(0);
    });

    it('reports every queue, every event consumer and its pool', async () => {
      const { samples } = await scrape(workerMetrics);
      for (const queue of Object.values(QueueName)) {
        expect(samples.some((s) => s.name === 'harbor_task_queue_size' && s.labels.type === queue)).toBe(true);
        expect(samples.some((s) => s.name === 'harbor_task_concurrency' && s.labels.type === queue)).toBe(true);
      }
      const consumers = (await db.query<{ name: string }>(`SELECT name FROM event_consumer ORDER BY name`)).rows.map((r) => r.name);
      expect(consumers.length).toBeGreaterThan(0);
      expect(samples.filter((s) => s.name === 'wharf_event_consumer_lag_events').map((s) => s.labels.consumer).sort()).toEqual(consumers);
      expect(samples.filter((s) => s.name === 'wharf_event_consumer_lag_seconds').map((s) => s.labels.consumer).sort()).toEqual(consumers);
      expect(valueOf(samples, 'wharf_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    });
  });

  (toolAvailable('docker-registry') ? describe : describe.skip)('a proxy-cache project', () => {
    it('counts its hits and misses, and the requests it sent upstream by endpoint, as the upstream saw them', async () => {
      const upstream = await startUpstreamRegistry();
      try {
        const endpoint = await callApi(api.url, 'POST', '/registries', { body: { name: 'metrics-upstream', type: 'docker-registry', url: upstream.url, insecure: false } });
        expect(endpoint.status).toBe(201);
        const registryId = endpoint.headers.get('location')!.split('/').pop()!;
        expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'metrics-hub', registry_id: Number(registryId), metadata: { public: 'false' } } })).status).toBe(201);
        // a config of its own: one other tests stored already would be adopted, not fetched
        const pushed = await pushTestImage(upstream.url, 'library/app', 'v1', null, { layers: 1, layerSize: 2048, arch: `metrics-${randomBytes(4).toString('hex')}` });
        upstream.clearRequests();
        const before = (await scrape(apiMetrics)).samples;

        const pull = async () => {
          expect((await client.fetch('/v2/metrics-hub/library/app/manifests/v1', { headers: { accept: pushed.mediaType } })).status).toBe(200);
          for (const digest of [pushed.config.digest, ...pushed.layers.map((l) => l.digest)]) {
            const blob = await client.fetch(`/v2/metrics-hub/library/app/blobs/${digest}`);
            expect(blob.status).toBe(200);
            await blob.arrayBuffer();
          }
        };
        await pull(); // cold: everything comes from the upstream
        // the blobs stream to the client and to storage at once: the second pull must find them stored
        await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM project_blob pb JOIN project p ON p.project_id = pb.project_id WHERE p.name = 'metrics-hub'`)).rows[0].n >= 3);
        await pull(); // warm: the manifest's tag is checked upstream (a HEAD), the rest is local

        const after = (await scrape(apiMetrics)).samples;
        const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
        expect(delta('wharf_proxy_cache_requests_total', { kind: 'manifest', result: 'miss' })).toBe(1);
        expect(delta('wharf_proxy_cache_requests_total', { kind: 'manifest', result: 'hit' })).toBe(1);
        expect(delta('wharf_proxy_cache_requests_total', { kind: 'blob', result: 'miss' })).toBe(2);
        expect(delta('wharf_proxy_cache_requests_total', { kind: 'blob', result: 'hit' })).toBe(2);

        const seen = (await upstream.settledRequests()).filter((r) => /\/(manifests|blobs)\//.test(r.path));
        const upstreamCount = (operation: string) => delta('wharf_proxy_cache_upstream_requests_total', { endpoint: registryId, operation });
        expect(upstreamCount('manifest_head')).toBe(seen.filter((r) => r.method === 'HEAD' && r.path.includes('/manifests/')).length);
        expect(upstreamCount('manifest_get')).toBe(seen.filter((r) => r.method === 'GET' && r.path.includes('/manifests/')).length);
        expect(upstreamCount('blob_get')).toBe(seen.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length);
        expect(upstreamCount('blob_head')).toBe(seen.filter((r) => r.method === 'HEAD' && r.path.includes('/blobs/')).length);
        expect([upstreamCount('manifest_head'), upstreamCount('manifest_get'), upstreamCount('blob_get')]).toEqual([2, 1, 2]);
      } finally {
        await upstream.stop();
      }
    });
  });

  describe('the Grafana dashboard', () => {
    it('is valid JSON whose every panel query names only metrics the api and worker export', async () => {
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { title: string; panels: { title: string; targets?: { expr: string }[] }[] };
      expect(dashboard.title).toBe('Wharf');
      expect(dashboard.panels.length).toBeGreaterThan(10);
      const exported = new Set<string>();
      for (const url of [apiMetrics, workerMetrics]) {
        const { text, samples } = await scrape(url);
        for (const name of familiesOf(text).keys()) exported.add(name);
        for (const sample of samples) exported.add(sample.name);
      }
      const unknown: string[] = [];
      for (const panel of dashboard.panels) {
        expect(panel.targets?.length).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          const metrics = [...target.expr.matchAll(/\b(?:harbor|wharf|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);
          expect(metrics.length).toBeGreaterThan(0);
          unknown.push(...metrics.filter((m) => !exported.has(m)).map((m) => `${panel.title}: ${m}`));
        }
      }
      expect(unknown).toEqual([]);
    });
  });
});
