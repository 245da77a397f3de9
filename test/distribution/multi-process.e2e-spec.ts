import { randomBytes } from 'node:crypto';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { RegistryClient, sha256 } from '../support/registry-client';
import { createTestEnvironment, s3Available, type StorageKind, type TestEnvironment } from '../support/wharf-app';

const kinds: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];

describe.each(kinds)('uploads across api processes on %s storage', (storage) => {
  let environment: TestEnvironment;
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    environment = await createTestEnvironment(storage);
    [a, b] = await Promise.all([startApiProcess(environment.env), startApiProcess(environment.env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await environment?.close();
  });

  const patch = (client: RegistryClient, location: string, chunk: Buffer, offset: number) =>
    client.fetch(location, {
      method: 'PATCH',
      body: chunk,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
    });

  it('continues an upload started on one process on the other, chunk by chunk, and verifies the digest', async () => {
    const clients = [new RegistryClient(a.url), new RegistryClient(b.url)];
    // 6 MiB chunks: on S3 these cross multipart part boundaries on different processes
    const data = randomBytes(3 * 6 * 1024 * 1024 + 12345);
    const start = await clients[0].fetch('/v2/library/relay/blobs/uploads/', { method: 'POST' });
    let location = start.headers.get('location')!;
    const chunkSize = 6 * 1024 * 1024;
    for (let offset = 0, i = 0; offset < data.length; offset += chunkSize, i += 1) {
      const response = await patch(clients[i % 2], location, data.subarray(offset, offset + chunkSize), offset);
      expect(response.status).toBe(202);
      location = response.headers.get('location')!;
    }
    const wrong = await clients[0].fetch(`${location}?digest=${sha256('wrong')}`, { method: 'PUT' });
    expect(wrong.status).toBe(400);

    const again = await clients[1].fetch('/v2/library/relay/blobs/uploads/', { method: 'POST' });
    location = again.headers.get('location')!;
    expect((await patch(clients[1], location, data.subarray(0, 1000), 0)).status).toBe(202);
    expect((await patch(clients[0], location, data.subarray(1000), 1000)).status).toBe(202);
    const put = await clients[1].fetch(`${location}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    for (const client of clients) {
      const get = await client.fetch(`/v2/library/relay/blobs/${sha256(data)}`);
      expect(sha256(Buffer.from(await get.arrayBuffer()))).toBe(sha256(data));
    }
  });

  it('serves a moved or deleted tag correctly from the other process at once (shared manifest cache)', async () => {
    const [viaA, viaB] = [new RegistryClient(a.url), new RegistryClient(b.url)];
    const first = await viaA.pushImage('library/moving', 'latest');
    for (let i = 0; i < 3; i += 1) {
      const get = await viaB.fetch('/v2/library/moving/manifests/latest');
      expect(get.headers.get('docker-content-digest')).toBe(first.digest);
      await get.arrayBuffer();
    }
    const second = await viaA.pushImage('library/moving', 'latest');
    const moved = await viaB.fetch('/v2/library/moving/manifests/latest', { method: 'HEAD' });
    expect(moved.headers.get('docker-content-digest')).toBe(second.digest);
    const body = await viaB.fetch('/v2/library/moving/manifests/latest');
    expect(Buffer.from(await body.arrayBuffer()).equals(second.manifest)).toBe(true);
    expect((await viaA.fetch('/v2/library/moving/manifests/latest', { method: 'DELETE' })).status).toBe(202);
    expect((await viaB.fetch('/v2/library/moving/manifests/latest')).status).toBe(404);
    expect((await viaA.fetch(`/v2/library/moving/manifests/${first.digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await viaB.fetch(`/v2/library/moving/manifests/${first.digest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('finishes an upload after the process that started it was restarted', async () => {
    const client = new RegistryClient(a.url);
    const data = randomBytes(2 * 1024 * 1024);
    const start = await client.fetch('/v2/library/restart/blobs/uploads/', { method: 'POST' });
    const first = await patch(client, start.headers.get('location')!, data.subarray(0, 1024 * 1024), 0);
    expect(first.status).toBe(202);
    await a.stop();
    a = await startApiProcess(environment.env);
    const restarted = new RegistryClient(a.url);
    const location = first.headers.get('location')!;
    const status = await restarted.fetch(location);
    expect(status.headers.get('range')).toBe(`0-${1024 * 1024 - 1}`);
    expect((await patch(restarted, location, data.subarray(1024 * 1024), 1024 * 1024)).status).toBe(202);
    const wrong = await restarted.fetch(`${location}?digest=${sha256(data.subarray(1))}`, { method: 'PUT' });
    expect(wrong.status).toBe(400);
    const start2 = await restarted.fetch('/v2/library/restart/blobs/uploads/', { method: 'POST' });
    await patch(restarted, start2.headers.get('location')!, data, 0);
    const put = await restarted.fetch(`${start2.headers.get('location')}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
  });
});
