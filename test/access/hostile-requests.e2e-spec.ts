/**
 * Requests shaped to hurt the api rather than use it: bodies that dribble in or never end, bodies
 * from callers with bad credentials, JSON nested to overflow a stack, NUL characters where
 * Postgres refuses them. Each is answered quickly, in the error shape of its API, never with a
 * 500, and none makes the api hold memory or a connection for long.
 */
import { createHash, randomBytes } from 'node:crypto';
import { callApi, errorCodeOf } from '../support/management-api';
import { closedWithin, openRawRequest, statusOf } from '../support/raw-http';
import { eventually } from '../support/eventually';
import { RegistryClient, errorCode, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';

const BODY_TIMEOUT_SECONDS = 1;
const UPLOAD_IDLE_SECONDS = 2;
const ADMIN = basicAuth(TEST_ADMIN);
const WRONG = basicAuth({ username: 'admin', password: 'Not-The-Password-1' });

describe('hostile management API requests', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { REQUEST_BODY_TIMEOUT_SECONDS: String(BODY_TIMEOUT_SECONDS) });
    api = await startApi(environment);
  });
  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('refuses a body from bad credentials with 401 before the body has been sent', async () => {
    const headers = { authorization: WRONG, 'content-type': 'application/json', 'content-length': 1024 * 1024 };
    const request = openRawRequest(api.url, 'POST', '/api/v2.0/projects', headers, `{"project_name":"p","padding":"${'a'.repeat(64 * 1024)}`);
    try {
      // the rest of the megabyte is never sent: the answer cannot wait for it
      expect(await statusOf(request)).toBe(401);
      expect(request.received()).toContain('"UNAUTHORIZED"');
    } finally {
      request.socket.destroy();
    }
  });

  it('refuses a /v2 push from bad credentials with 401 before its body has been sent', async () => {
    const headers = { authorization: WRONG, 'content-type': 'application/octet-stream', 'content-length': 16 * 1024 * 1024 };
    const request = openRawRequest(api.url, 'POST', `/v2/library/app/blobs/uploads/?digest=${sha256('x')}`, headers, randomBytes(64 * 1024));
    try {
      expect(await statusOf(request)).toBe(401);
    } finally {
      request.socket.destroy();
    }
  });

  it('refuses a declared body over the limit with 413 before reading it, even from an anonymous caller', async () => {
    const headers = { 'content-type': 'application/json', 'content-length': 1024 * 1024 };
    const request = openRawRequest(api.url, 'POST', '/api/v2.0/projects', headers, '{"project_name":');
    try {
      expect(await statusOf(request)).toBe(413);
      expect(request.received()).toContain('"PAYLOAD_TOO_LARGE"');
    } finally {
      request.socket.destroy();
    }
  });

  it('answers 408 and closes the connection when an authenticated body stalls', async () => {
    const headers = { authorization: ADMIN, 'content-type': 'application/json', 'content-length': 1000 };
    const request = openRawRequest(api.url, 'POST', '/api/v2.0/projects', headers, '{"project_name":"slow');
    const started = Date.now();
    try {
      expect(await statusOf(request)).toBe(408);
      expect(request.received()).toContain('"REQUEST_TIMEOUT"');
      expect(await closedWithin(request, 10_000)).toBe(true);
      // not before the configured deadline (a lower bound cannot flake)
      expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_SECONDS * 1000 - 50);
    } finally {
      request.socket.destroy();
    }
    // a body that keeps dribbling is cut just the same: the deadline is on the whole body
    const dribbling = openRawRequest(api.url, 'POST', '/api/v2.0/projects', headers, '{');
    const drip = setInterval(() => dribbling.send(' '), 200);
    try {
      expect(await statusOf(dribbling)).toBe(408);
    } finally {
      clearInterval(drip);
      dribbling.socket.destroy();
    }
  });

  it('answers deeply nested JSON with a quick 400, anonymous or not', async () => {
    const nested = `{"project_name":"deep","metadata":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}`;
    const arrays = `{"project_name":"deep","metadata":${'['.repeat(200_000)}`;
    for (const auth of [null, TEST_ADMIN]) {
      for (const rawBody of [nested, arrays]) {
        const answer = await callApi(api.url, 'POST', '/projects', { auth, rawBody });
        expect(answer.status).toBe(400);
        expect(errorCodeOf(answer)).toBe('BAD_REQUEST');
      }
    }
    // a sensible document still goes through, and the api is still answering
    const created = await callApi(api.url, 'POST', '/projects', { body: { project_name: 'shallow', metadata: { public: 'false' } } });
    expect(created.status).toBe(201);
  });

  it('refuses NUL characters in names, filters and credentials with 400 or 401, never a 500', async () => {
    for (const path of ['/projects?q=name%3D~a%00b', '/projects?name=a%00b', '/projects/a%00b', '/projects/library/repositories?q=name%3D~x%00', '/users/search?username=ad%00min']) {
      for (const auth of [null, TEST_ADMIN]) {
        const answer = await callApi(api.url, 'GET', path, { auth });
        expect({ path, status: answer.status, code: errorCodeOf(answer) }).toEqual({ path, status: 400, code: 'BAD_REQUEST' });
      }
    }
    const created = await callApi(api.url, 'POST', '/projects', { rawBody: '{"project_name":"a\\u0000b"}' });
    expect(created.status).toBe(400);
    expect(errorCodeOf(created)).toBe('BAD_REQUEST');

    const nulUser = { username: 'ad\0min', password: TEST_ADMIN.password };
    expect((await callApi(api.url, 'GET', '/projects', { auth: nulUser })).status).toBe(401);
    expect((await callApi(api.url, 'GET', '/service/token?service=wharf-registry&scope=repository:library/app:pull', { auth: nulUser })).status).toBe(401);
    const registry = new RegistryClient(api.url, nulUser);
    expect((await registry.fetch('/v2/')).status).toBe(401);
    expect((await registry.fetch('/v2/library/app/tags/list')).status).toBe(401);

    const admin = new RegistryClient(api.url);
    const image = await admin.pushImage('library/nul', 'v1', { layers: 1 });
    const annotated = Buffer.from(image.manifest.toString().replace(/}$/, ',"annotations":{"note":"a\\u0000b"}}'));
    const refused = await admin.pushManifest('library/nul', 'v2', annotated, 'application/vnd.oci.image.manifest.v1+json');
    expect(refused.status).toBe(400);
    expect(await errorCode(refused)).toBe('MANIFEST_INVALID');
    for (const path of ['/v2/_catalog?last=a%00b', '/v2/library/app/tags/list?last=%00', '/v2/library/a%00b/manifests/latest']) {
      const response = await admin.fetch(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(await errorCode(response)).toBe('UNSUPPORTED');
    }
  });
});

describe.each<StorageKind>(['filesystem', 's3'])('a stalled /v2 upload (%s)', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  const run = storage === 's3' && !s3Available() ? it.skip : it;

  beforeAll(async () => {
    if (storage === 's3' && !s3Available()) return;
    environment = await createTestEnvironment(storage, { UPLOAD_IDLE_TIMEOUT_SECONDS: String(UPLOAD_IDLE_SECONDS) });
    api = await startApi(environment);
  });
  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  run('is cut off after the idle timeout, and the upload resumes where its last chunk ended', async () => {
    const registry = new RegistryClient(api.url);
    const blob = randomBytes(3 * 1024 * 1024 + 123);
    const first = blob.subarray(0, 1024 * 1024);
    const rest = blob.subarray(first.length);
    const started = await registry.fetch('/v2/library/stalled/blobs/uploads/', { method: 'POST' });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    const chunk1 = await registry.fetch(location, { method: 'PATCH', body: first, headers: { 'content-range': `0-${first.length - 1}`, 'content-type': 'application/octet-stream' } });
    expect(chunk1.status).toBe(202);

    // the next chunk sends half of itself, then nothing
    const headers = { authorization: ADMIN, 'content-type': 'application/octet-stream', 'content-length': rest.length, 'content-range': `${first.length}-${blob.length - 1}` };
    const stalled = openRawRequest(api.url, 'PATCH', location, headers, rest.subarray(0, 512 * 1024));
    const since = Date.now();
    try {
      expect(await closedWithin(stalled, 30_000)).toBe(true);
      expect(Date.now() - since).toBeGreaterThanOrEqual(UPLOAD_IDLE_SECONDS * 1000 - 50);
    } finally {
      stalled.socket.destroy();
    }

    // the session is still there, at the end of the first chunk, and takes the rest
    const status = await registry.fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${first.length - 1}`);
    let resumed: Response | undefined;
    // the aborted request gives up its hold on the session just after the connection closed
    await eventually(async () => {
      resumed = await registry.fetch(location, { method: 'PATCH', body: rest, headers: { 'content-range': `${first.length}-${blob.length - 1}`, 'content-type': 'application/octet-stream' } });
      return resumed.status !== 416;
    });
    expect(resumed!.status).toBe(202);
    const digest = sha256(blob);
    const finished = await registry.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT' });
    expect(finished.status).toBe(201);
    const pulled = Buffer.from(await (await registry.fetch(`/v2/library/stalled/blobs/${digest}`)).arrayBuffer());
    expect(createHash('sha256').update(pulled).digest('hex')).toBe(digest.slice('sha256:'.length));
  });

  run('keeps a slow upload that never goes silent for the idle timeout', async () => {
    const blob = randomBytes(64 * 1024);
    const digest = sha256(blob);
    const headers = { authorization: ADMIN, 'content-type': 'application/octet-stream', 'content-length': blob.length };
    const request = openRawRequest(api.url, 'POST', `/v2/library/slow/blobs/uploads/?digest=${digest}`, headers);
    // longer in all than the idle timeout, never silent for as long
    const pieces = 6;
    const size = Math.ceil(blob.length / pieces);
    for (let i = 0; i < pieces; i++) {
      request.send(blob.subarray(i * size, (i + 1) * size));
      await new Promise((resolve) => setTimeout(resolve, (UPLOAD_IDLE_SECONDS * 1000) / 3));
    }
    try {
      expect(await statusOf(request)).toBe(201);
    } finally {
      request.socket.destroy();
    }
  });
});
