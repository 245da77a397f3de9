/**
 * Any number of scanner replicas share one queue: a scan whose replica dies mid-pull (SIGKILL)
 * is taken over by another once BullMQ sees the job stalled (its lock lapses within 30 s), and
 * finishes there. The registry is reached through a relay that holds the first replica's
 * request, so the kill happens while that replica is surely working on the scan.
 */
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { DEBIAN_11_OS_RELEASE, dpkgEntry, pushTestImage } from '../support/scanner-images';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

jest.setTimeout(240_000);

let environment: TestEnvironment;
let wharf: RunningApi;
let relay: Server;
const scanners: ScannerProcess[] = [];

afterAll(async () => {
  await Promise.all(scanners.map((scanner) => scanner.stop()));
  relay?.closeAllConnections();
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  await wharf?.close();
  await environment?.close();
});

it('finishes on another replica a scan whose replica was killed mid-scan', async () => {
  environment = await createTestEnvironment();
  wharf = await startApi(environment);
  expect((await callApi(wharf.url, 'POST', '/projects', { body: { project_name: 'replicas', public: false } })).status).toBe(201);
  const image = await pushTestImage(new RegistryClient(wharf.url), 'replicas/app', '1', [
    { compression: 'gzip', files: { 'etc/os-release': DEBIAN_11_OS_RELEASE, 'var/lib/dpkg/status': `${dpkgEntry('openssl', '1.1.1n-0+deb11u3')}\n` } },
  ]);

  // holds the first request it gets (the first replica's), relays every later one to Wharf
  let held: IncomingMessage | undefined;
  let firstRequest: () => void = () => undefined;
  const sawFirst = new Promise<void>((resolve) => (firstRequest = resolve));
  const target = new URL(wharf.url);
  relay = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (!held) {
      held = incoming;
      firstRequest();
      return;
    }
    const upstream = forward({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;

  const env = { ...environment.env, SCANNER_TEST_ADVISORIES: join(__dirname, 'fixtures', 'advisories.json') };
  const first = await startScannerProcess(env, { testEngines: true });
  scanners.push(first);
  const accepted = await fetch(`${first.url}/api/v1/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.scanner.adapter.scan.request+json; version=1.0' },
    body: JSON.stringify({ registry: { url: relayUrl, authorization: basicAuth(TEST_ADMIN) }, artifact: { repository: 'replicas/app', digest: image.digest } }),
  });
  expect(accepted.status).toBe(202);
  const { id } = (await accepted.json()) as { id: string };
  await sawFirst;
  process.kill(first.pid, 'SIGKILL');
  await first.stop();

  const second = await startScannerProcess(env, { testEngines: true });
  scanners.push(second);
  const deadline = Date.now() + 180_000;
  let report: Response;
  for (;;) {
    report = await fetch(`${second.url}/api/v1/scan/${id}/report`, { redirect: 'manual' });
    if (report.status !== 302) break;
    await report.arrayBuffer();
    if (Date.now() > deadline) throw new Error(`the scan was not taken over:\n${second.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(report.status).toBe(200);
  const body = (await report.json()) as { vulnerabilities: { id: string; package: string }[] };
  expect(body.vulnerabilities.map((v) => [v.id, v.package])).toEqual([['CVE-2023-0286', 'openssl']]);
});
