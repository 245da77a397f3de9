/**
 * What a client does to its own request (going away mid-download, mid-upload, mid-body) is not a
 * fault of the api: each such request is logged as one info line, with no stack, so error-level
 * lines keep meaning that something is wrong here. (Real 5xx answers stay at error.)
 */
import { randomBytes } from 'node:crypto';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { eventually } from '../support/eventually';
import { openRawRequest, type RawRequest } from '../support/raw-http';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, s3Available, type TestEnvironment } from '../support/wharf-app';

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  client?: string;
  req?: { method?: string; url?: string };
  err?: { stack?: string };
}

const INFO = 30;
const ERROR = 50;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('requests the client aborts', () => {
  let environment: TestEnvironment;
  let api: ApiProcess;

  beforeAll(async () => {
    environment = await createTestEnvironment(s3Available() ? 's3' : 'filesystem');
    api = await startApiProcess({ ...environment.env, LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await api?.stop();
    await environment?.close();
  });

  const lines = (): LogLine[] =>
    api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  it('log one info line each, and no error, for a download, uploads and bodies broken off', async () => {
    const blob = randomBytes(16 * 1024 * 1024);
    const registry = new RegistryClient(api.url);
    const { digest } = await registry.pushBlob('library/big', blob);
    const authorization = basicAuth(TEST_ADMIN);
    const location = (await registry.fetch('/v2/library/big/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    const octets = { authorization, 'content-type': 'application/octet-stream', 'content-length': blob.length };

    const download = openRawRequest(api.url, 'GET', `/v2/library/big/blobs/${digest}`, { authorization });
    // reads no more after its first bytes: the rest of the blob waits on the server's side until the reset
    download.socket.once('data', () => download.socket.pause());
    await eventually(async () => download.received().length > 0);
    const aborted: RawRequest[] = [
      download,
      openRawRequest(api.url, 'PATCH', location, octets, blob.subarray(0, 1024 * 1024)),
      openRawRequest(api.url, 'POST', `/v2/library/big/blobs/uploads/?digest=${digest}`, octets, blob.subarray(0, 1024 * 1024)),
      openRawRequest(api.url, 'PUT', '/v2/library/big/manifests/v1', { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': 4000 }, '{"schemaVersion":2,'),
      openRawRequest(api.url, 'POST', '/api/v2.0/projects', { authorization, 'content-type': 'application/json', 'content-length': 4000 }, '{"project_name":'),
    ];
    await pause(500);
    for (const request of aborted) request.socket.resetAndDestroy();

    const requestLines = () => lines().filter((l) => l.req?.url && /^request (completed|aborted|errored)$/.test(l.msg ?? '') && l.req.url !== '/health');
    await eventually(async () => requestLines().length >= aborted.length);
    await pause(500);
    expect(lines().filter((l) => l.level >= ERROR)).toEqual([]);
    const abortedLines = requestLines().filter((l) => l.msg === 'request aborted');
    expect(abortedLines.map((l) => `${l.req!.method} ${l.level}`).sort()).toEqual(['GET', 'PATCH', 'POST', 'POST', 'PUT'].map((m) => `${m} ${INFO}`));
    expect(lines().filter((l) => l.err?.stack)).toEqual([]);
    // each names its request (the id its other lines carry) and the client
    for (const line of abortedLines) expect(line).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), client: '127.0.0.1' });
  });

  it('log a request that completes as one info line too (ACCESS_LOG is on by default), and no error', async () => {
    const answer = await fetch(`${api.url}/api/v2.0/projects`, { headers: { 'x-request-id': 'quiet-ping-1' } });
    await answer.text();
    await eventually(async () => lines().some((l) => l.requestId === 'quiet-ping-1'));
    expect(lines().filter((l) => l.requestId === 'quiet-ping-1').map((l) => `${l.level} ${l.msg}`)).toEqual([`${INFO} request completed`]);
    expect(lines().filter((l) => l.level >= ERROR)).toEqual([]);
  });
});
