import { randomBytes } from 'node:crypto';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

if (!s3Available()) console.warn('STORAGE_REDIRECT tests SKIPPED: no test RadosGW');

(s3Available() ? describe : describe.skip)('blob GET with STORAGE_REDIRECT on S3', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    environment = await createTestEnvironment('s3', { STORAGE_REDIRECT: 'true' });
    api = await startApi(environment);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('answers 307 to a presigned storage URL that serves the bytes, while HEAD and Range stay local', async () => {
    const client = new RegistryClient(api.url);
    const data = randomBytes(50_000);
    const { digest } = await client.pushBlob('library/redirected', data);

    const get = await client.fetch(`/v2/library/redirected/blobs/${digest}`);
    expect(get.status).toBe(307);
    expect(get.headers.get('docker-content-digest')).toBe(digest);
    const location = get.headers.get('location')!;
    expect(location.startsWith(environment.env.S3_ENDPOINT)).toBe(true);
    const direct = await fetch(location);
    expect(Buffer.from(await direct.arrayBuffer()).equals(data)).toBe(true);

    const head = await client.fetch(`/v2/library/redirected/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const ranged = await client.fetch(`/v2/library/redirected/blobs/${digest}`, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(0, 10))).toBe(true);
  });
});
