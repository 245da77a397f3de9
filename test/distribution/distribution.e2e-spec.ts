import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';
import { RegistryClient, errorCode, sha256, sha512 } from '../support/registry-client';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

const kinds: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];
if (!s3Available()) console.warn('S3 distribution tests SKIPPED: no test RadosGW (install radosgw, or set WHARF_TEST_S3_ENDPOINT)');

describe.each(kinds)('OCI distribution endpoint on %s storage', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let client: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment(storage);
    api = await startApi(environment);
    client = new RegistryClient(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('base', () => {
    it('answers /v2/ with 200 and the API version header', async () => {
      const response = await client.fetch('/v2/');
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    });

    it('answers unknown paths in the OCI error shape with the version header', async () => {
      const response = await client.fetch('/v2/library/x/nothing/here');
      expect(response.status).toBe(404);
      expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      expect(await errorCode(response)).toBe('NAME_UNKNOWN');
    });
  });

  describe('blob uploads', () => {
    const repo = 'library/uploads';

    it('accepts a monolithic POST ?digest= and serves it back with HEAD, GET and Range', async () => {
      const data = randomBytes(100_000);
      const { digest } = await client.pushBlob(repo, data);
      const head = await client.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('100000');
      expect(head.headers.get('docker-content-digest')).toBe(digest);
      const get = await client.fetch(`/v2/${repo}/blobs/${digest}`);
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
      const ranged = await client.fetch(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=10-19' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe('bytes 10-19/100000');
      expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
      const suffix = await client.fetch(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=-5' } });
      expect(Buffer.from(await suffix.arrayBuffer()).equals(data.subarray(-5))).toBe(true);
      const bad = await client.fetch(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=200000-300000' } });
      expect(bad.status).toBe(416);
      expect(bad.headers.get('content-range')).toBe('bytes */100000');
    });

    it('accepts POST then PUT with the whole body', async () => {
      const data = randomBytes(5000);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const location = start.headers.get('location')!;
      expect(start.headers.get('docker-upload-uuid')).toBeTruthy();
      const put = await client.fetch(`${location}?digest=${sha256(data)}`, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(201);
      expect(put.headers.get('location')).toBe(`/v2/${repo}/blobs/${sha256(data)}`);
      const status = await client.fetch(location);
      expect(status.status).toBe(404);
      expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('accepts chunked PATCH uploads, reports progress, and refuses out-of-order chunks with 416', async () => {
      const data = randomBytes(300_000);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      let location = start.headers.get('location')!;
      const chunks = [data.subarray(0, 100_000), data.subarray(100_000, 250_000), data.subarray(250_000)];
      let offset = 0;
      for (const chunk of chunks) {
        const patch = await client.fetch(location, {
          method: 'PATCH',
          body: chunk,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
        });
        expect(patch.status).toBe(202);
        offset += chunk.length;
        expect(patch.headers.get('range')).toBe(`0-${offset - 1}`);
        location = patch.headers.get('location')!;
        if (offset === 100_000) {
          const replay = await client.fetch(location, {
            method: 'PATCH',
            body: chunk,
            headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${chunk.length - 1}`, 'content-length': String(chunk.length) },
          });
          expect(replay.status).toBe(416);
          expect(replay.headers.get('range')).toBe('0-99999');
          const status = await client.fetch(location);
          expect(status.status).toBe(204);
          expect(status.headers.get('range')).toBe('0-99999');
        }
      }
      const put = await client.fetch(`${location}?digest=${sha256(data)}`, { method: 'PUT' });
      expect(put.status).toBe(201);
      const get = await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`);
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    });

    it('accepts a chunked upload without Content-Range (docker style) and a final chunk in the PUT', async () => {
      const data = randomBytes(70_000);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const patch = await client.fetch(start.headers.get('location')!, { method: 'PATCH', body: data.subarray(0, 50_000) });
      expect(patch.status).toBe(202);
      const put = await client.fetch(`${patch.headers.get('location')}?digest=${sha256(data)}`, {
        method: 'PUT',
        body: data.subarray(50_000),
        headers: { 'content-range': '50000-69999', 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(201);
      const get = await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`);
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    });

    it('supports sha512 digests for monolithic and chunked uploads', async () => {
      const data = randomBytes(4096);
      const digest = sha512(data);
      const post = await client.fetch(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
      expect(post.status).toBe(201);
      expect(post.headers.get('docker-content-digest')).toBe(digest);
      const other = randomBytes(3000);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const patch = await client.fetch(start.headers.get('location')!, { method: 'PATCH', body: other });
      const put = await client.fetch(`${patch.headers.get('location')}?digest=${sha512(other)}`, { method: 'PUT' });
      expect(put.status).toBe(201);
      const head = await client.fetch(`/v2/${repo}/blobs/${sha512(other)}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
    });

    it('refuses a wrong digest with DIGEST_INVALID and stores nothing', async () => {
      const data = randomBytes(2048);
      const wrong = sha256(Buffer.from('something else'));
      const post = await client.fetch(`/v2/${repo}/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
      expect(post.status).toBe(400);
      expect(await errorCode(post)).toBe('DIGEST_INVALID');
      expect((await client.fetch(`/v2/${repo}/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const patch = await client.fetch(start.headers.get('location')!, { method: 'PATCH', body: data });
      const put = await client.fetch(`${patch.headers.get('location')}?digest=${wrong}`, { method: 'PUT' });
      expect(put.status).toBe(400);
      expect(await errorCode(put)).toBe('DIGEST_INVALID');
      expect((await client.fetch(`/v2/${repo}/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
      expect((await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`, { method: 'HEAD' })).status).toBe(404);
    });

    it('refuses malformed and unsupported digests', async () => {
      const bad = await client.fetch(`/v2/${repo}/blobs/uploads/?digest=sha256:xyz`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/octet-stream' } });
      expect(bad.status).toBe(400);
      expect(await errorCode(bad)).toBe('DIGEST_INVALID');
      const md5 = await client.fetch(`/v2/${repo}/blobs/md5:0123456789abcdef0123456789abcdef`, { method: 'GET' });
      expect(md5.status).toBe(400);
    });

    it('cancels an upload with DELETE and then forgets it', async () => {
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const location = start.headers.get('location')!;
      await client.fetch(location, { method: 'PATCH', body: randomBytes(1000) });
      expect((await client.fetch(location, { method: 'DELETE' })).status).toBe(204);
      const status = await client.fetch(location);
      expect(status.status).toBe(404);
      expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('answers BLOB_UPLOAD_UNKNOWN for an unknown upload id', async () => {
      const response = await client.fetch(`/v2/${repo}/blobs/uploads/1b4a8f8e-1111-4a1a-9a1a-1a1a1a1a1a1a`, { method: 'PATCH', body: 'x' });
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UPLOAD_UNKNOWN');
      const garbage = await client.fetch(`/v2/${repo}/blobs/uploads/not-a-uuid`);
      expect(await errorCode(garbage)).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('refuses a body shorter or longer than its Content-Length range without storing anything', async () => {
      const data = randomBytes(1000);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const mismatch = await client.fetch(start.headers.get('location')!, {
        method: 'PATCH',
        body: data,
        headers: { 'content-range': '0-1999', 'content-type': 'application/octet-stream' },
      });
      expect(mismatch.status).toBe(416);
      const status = await client.fetch(start.headers.get('location')!);
      expect(status.headers.get('range')).toBe('0-0');
    });

    it('mounts a blob from another repository, and falls back to an upload when it cannot', async () => {
      const { digest } = await client.pushBlob('library/source', randomBytes(3000));
      const mount = await client.fetch(`/v2/library/target/blobs/uploads/?mount=${digest}&from=library/source`, { method: 'POST' });
      expect(mount.status).toBe(201);
      expect(mount.headers.get('docker-content-digest')).toBe(digest);
      const missing = sha256(randomBytes(10));
      const fallback = await client.fetch(`/v2/library/target/blobs/uploads/?mount=${missing}&from=library/source`, { method: 'POST' });
      expect(fallback.status).toBe(202);
      expect(fallback.headers.get('location')).toMatch(/\/v2\/library\/target\/blobs\/uploads\//);
    });

    it('deletes a blob from a repository', async () => {
      const { digest } = await client.pushBlob('library/deleting', randomBytes(500));
      expect((await client.fetch(`/v2/library/deleting/blobs/${digest}`, { method: 'DELETE' })).status).toBe(202);
      expect((await client.fetch(`/v2/library/deleting/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
      const again = await client.fetch(`/v2/library/deleting/blobs/${digest}`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(await errorCode(again)).toBe('BLOB_UNKNOWN');
    });

    it('keeps nothing from a client that disconnects mid-upload, and the upload can go on', async () => {
      const data = randomBytes(1024 * 1024);
      const start = await client.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      const location = start.headers.get('location')!;
      const abandon = async (method: string, path: string) => {
        const { port } = new URL(api.url);
        const socket = connect(Number(port), '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`);
        socket.write(data.subarray(0, 300_000));
        await sleep(200);
        socket.destroy();
        await sleep(300);
      };
      await abandon('PATCH', location);
      const status = await client.fetch(location);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe('0-0');
      await abandon('POST', `/v2/${repo}/blobs/uploads/?digest=${sha256(data)}`);
      expect((await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`, { method: 'HEAD' })).status).toBe(404);
      const patch = await client.fetch(location, { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
      expect(patch.status).toBe(202);
      expect((await client.fetch(`${location}?digest=${sha256(data)}`, { method: 'PUT' })).status).toBe(201);
      const get = await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`);
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    });

    it('lets 16 clients push the same blob at once', async () => {
      const data = randomBytes(200_000);
      const results = await Promise.all(Array.from({ length: 16 }, () => client.pushBlob('library/same', data).then(() => 'ok', (e: Error) => e.message)));
      expect(results).toEqual(Array(16).fill('ok'));
      const get = await client.fetch(`/v2/library/same/blobs/${sha256(data)}`);
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    });

    it('refuses pushes to a project that does not exist, naming it', async () => {
      const response = await client.fetch(`/v2/nosuchproject/app/blobs/uploads/`, { method: 'POST' });
      expect(response.status).toBe(404);
      const body = (await response.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0].code).toBe('NAME_UNKNOWN');
      expect(body.errors[0].message).toContain('nosuchproject');
    });

    it.each([
      ['upper case', 'library/Upper'],
      ['a double dot', 'library/a..b'],
      ['an empty segment', 'library//x'],
      ['a trailing separator', 'library/x-'],
      ['no project', 'single'],
      ['more than 255 characters', `library/${'a'.repeat(250)}`],
    ])('refuses repository names with %s with NAME_INVALID', async (_case, name) => {
      const response = await client.fetch(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('NAME_INVALID');
    });
  });

  describe('manifests', () => {
    const repo = 'library/manifests';

    it('stores an OCI image manifest by tag and serves the exact bytes by tag and digest', async () => {
      const { manifest, digest } = await client.pushImage(repo, 'v1');
      for (const reference of ['v1', digest]) {
        const get = await client.fetch(`/v2/${repo}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
        expect(get.status).toBe(200);
        expect(get.headers.get('content-type')).toBe(OCI_MANIFEST);
        expect(get.headers.get('docker-content-digest')).toBe(digest);
        expect(Buffer.from(await get.arrayBuffer()).equals(manifest)).toBe(true);
        const head = await client.fetch(`/v2/${repo}/manifests/${reference}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers.get('content-length')).toBe(String(manifest.length));
      }
    });

    it('keeps odd formatting byte-for-byte', async () => {
      const config = await client.pushBlob(repo, Buffer.from('{}'));
      const layer = await client.pushBlob(repo, randomBytes(64));
      const text = `{\n  "schemaVersion":   2,\n  "mediaType": "${DOCKER_MANIFEST}",\n  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": ${config.size}, "digest": "${config.digest}"},\n  "layers": [ {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": ${layer.size}, "digest": "${layer.digest}"} ]\n}\n\n`;
      const put = await client.pushManifest(repo, 'pretty', Buffer.from(text), DOCKER_MANIFEST);
      expect(put.status).toBe(201);
      expect(put.headers.get('docker-content-digest')).toBe(sha256(text));
      const get = await client.fetch(`/v2/${repo}/manifests/pretty`);
      expect(await get.text()).toBe(text);
    });

    it('stores manifest lists and OCI indexes whose children exist, and refuses those whose children do not', async () => {
      const amd = await client.pushImage(repo, 'amd64');
      const arm = await client.pushImage(repo, 'arm64');
      for (const mediaType of [OCI_INDEX, DOCKER_LIST]) {
        const childType = mediaType === OCI_INDEX ? OCI_MANIFEST : OCI_MANIFEST;
        const index = {
          schemaVersion: 2,
          mediaType,
          manifests: [
            { mediaType: childType, digest: amd.digest, size: amd.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
            { mediaType: childType, digest: arm.digest, size: arm.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
          ],
        };
        const put = await client.pushManifest(repo, 'multi', index, mediaType);
        expect(put.status).toBe(201);
        const get = await client.fetch(`/v2/${repo}/manifests/multi`);
        expect(get.headers.get('content-type')).toBe(mediaType);
      }
      const missing = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('nope'), size: 10 }] };
      const refused = await client.pushManifest(repo, 'broken', missing, OCI_INDEX);
      expect(refused.status).toBe(400);
      expect(await errorCode(refused)).toBe('MANIFEST_BLOB_UNKNOWN');
      const child = await client.fetch(`/v2/${repo}/manifests/${amd.digest}`, { method: 'DELETE' });
      expect(child.status).toBe(403);
    });

    it('accepts OCI artifacts with any config media type and an empty config', async () => {
      const empty = await client.pushBlob(repo, Buffer.from('{}'));
      const layer = await client.pushBlob(repo, Buffer.from('model weights'));
      const artifact = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.cncf.model.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
        layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', digest: layer.digest, size: layer.size, annotations: { 'org.cncf.model.filepath': 'model.bin' } }],
      };
      expect((await client.pushManifest(repo, 'model', artifact, OCI_MANIFEST)).status).toBe(201);
      const helm = { ...artifact, artifactType: undefined, config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: empty.digest, size: empty.size } };
      expect((await client.pushManifest(repo, 'chart', helm, OCI_MANIFEST)).status).toBe(201);
    });

    it('finds artifacts with a subject through the referrers API, filtered by artifactType', async () => {
      const subject = await client.pushImage(repo, 'signed');
      const empty = await client.pushBlob(repo, Buffer.from('{}'));
      const referrer = (artifactType: string, payload: string) => ({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: 2 },
        layers: [],
        subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length },
        annotations: { note: payload },
      });
      const sig = Buffer.from(JSON.stringify(referrer('application/vnd.dev.cosign.artifact.sig.v1+json', 'sig')));
      const sbom = Buffer.from(JSON.stringify(referrer('application/spdx+json', 'sbom')));
      const put = await client.pushManifest(repo, sha256(sig), sig, OCI_MANIFEST);
      expect(put.status).toBe(201);
      expect(put.headers.get('oci-subject')).toBe(subject.digest);
      expect((await client.pushManifest(repo, sha256(sbom), sbom, OCI_MANIFEST)).status).toBe(201);

      const all = await client.fetch(`/v2/${repo}/referrers/${subject.digest}`);
      expect(all.status).toBe(200);
      expect(all.headers.get('content-type')).toBe(OCI_INDEX);
      const index = (await all.json()) as { manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[] };
      expect(index.manifests.map((m) => m.digest).sort()).toEqual([sha256(sig), sha256(sbom)].sort());
      expect(index.manifests.find((m) => m.digest === sha256(sbom))?.annotations).toEqual({ note: 'sbom' });

      const filtered = await client.fetch(`/v2/${repo}/referrers/${subject.digest}?artifactType=application/spdx%2Bjson`);
      expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
      const only = (await filtered.json()) as { manifests: { digest: string }[] };
      expect(only.manifests.map((m) => m.digest)).toEqual([sha256(sbom)]);

      const none = await client.fetch(`/v2/${repo}/referrers/${sha256('unknown subject')}`);
      expect(none.status).toBe(200);
      expect(((await none.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    });

    it('accepts a manifest PUT by digest and refuses a digest that does not match', async () => {
      const image = await client.pushImage(repo, 'bydigest');
      const again = await client.pushManifest(repo, image.digest, image.manifest, OCI_MANIFEST);
      expect(again.status).toBe(201);
      const wrong = await client.pushManifest(repo, sha256('x'), image.manifest, OCI_MANIFEST);
      expect(wrong.status).toBe(400);
      expect(await errorCode(wrong)).toBe('DIGEST_INVALID');
    });

    it.each([
      ['not JSON', Buffer.from('{"schemaVersion": 2,'), OCI_MANIFEST, 'MANIFEST_INVALID'],
      ['a media type that disagrees with Content-Type', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] })), OCI_MANIFEST, 'MANIFEST_INVALID'],
      ['an unknown media type', Buffer.from(JSON.stringify({ schemaVersion: 2, config: {}, layers: [] })), 'application/x-unknown', 'MANIFEST_INVALID'],
      ['schema version 1', Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] })), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'MANIFEST_INVALID'],
      ['a bad descriptor', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'a/b', digest: 'sha256:zz', size: 1 }, layers: [] })), OCI_MANIFEST, 'MANIFEST_INVALID'],
      ['a missing blob', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'a/b', digest: sha256('missing'), size: 7 }, layers: [] })), OCI_MANIFEST, 'MANIFEST_BLOB_UNKNOWN'],
    ])('refuses a manifest that is %s', async (_case, body, contentType, code) => {
      const response = await client.pushManifest(repo, 'bad', body, contentType);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe(code);
      expect((await client.fetch(`/v2/${repo}/manifests/bad`)).status).toBe(404);
    });

    it('refuses a manifest over 4 MiB', async () => {
      const huge = Buffer.alloc(4 * 1024 * 1024 + 10, 0x20);
      const response = await client.pushManifest(repo, 'huge', huge, OCI_MANIFEST);
      expect(response.status).toBe(413);
      expect(await errorCode(response)).toBe('SIZE_INVALID');
    });

    it('takes 160 concurrent pushes of manifests that share blobs, some to the same tag, without a failure', async () => {
      const config = await client.pushBlob(repo, Buffer.from('{"shared":true}'));
      const layer = await client.pushBlob(repo, randomBytes(2048));
      const manifest = (i: number) => ({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
        annotations: { n: String(i) },
      });
      const statuses = await Promise.all(
        Array.from({ length: 160 }, (_, i) => client.pushManifest(repo, i % 3 === 0 ? 'contended' : `c${i}`, manifest(i), OCI_MANIFEST).then((r) => r.status)),
      );
      expect(statuses).toEqual(Array(160).fill(201));
      expect((await client.fetch(`/v2/${repo}/manifests/contended`)).status).toBe(200);
    });

    it('answers MANIFEST_UNKNOWN for unknown tags and digests', async () => {
      for (const reference of ['nope', sha256('nope')]) {
        const response = await client.fetch(`/v2/${repo}/manifests/${reference}`);
        expect(response.status).toBe(404);
        expect(await errorCode(response)).toBe('MANIFEST_UNKNOWN');
      }
    });

    it('deletes a tag alone, and a manifest by digest with its tags', async () => {
      const image = await client.pushImage('library/deletions', 'one');
      await client.pushManifest('library/deletions', 'two', image.manifest, OCI_MANIFEST);
      expect((await client.fetch(`/v2/library/deletions/manifests/one`, { method: 'DELETE' })).status).toBe(202);
      expect((await client.fetch(`/v2/library/deletions/manifests/one`)).status).toBe(404);
      expect((await client.fetch(`/v2/library/deletions/manifests/two`)).status).toBe(200);
      expect((await client.fetch(`/v2/library/deletions/manifests/${image.digest}`, { method: 'DELETE' })).status).toBe(202);
      expect((await client.fetch(`/v2/library/deletions/manifests/two`)).status).toBe(404);
      expect((await client.fetch(`/v2/library/deletions/manifests/${image.digest}`)).status).toBe(404);
    });
  });

  describe('listings', () => {
    it('lists tags in lexical order with n/last pagination and a Link header', async () => {
      const image = await client.pushImage('library/tagged', 'seed');
      for (const tag of ['b', 'a', 'c', 'd', 'e']) await client.pushManifest('library/tagged', tag, image.manifest, OCI_MANIFEST);
      const first = await client.fetch('/v2/library/tagged/tags/list?n=2');
      expect(await first.json()).toEqual({ name: 'library/tagged', tags: ['a', 'b'] });
      expect(first.headers.get('link')).toBe('</v2/library/tagged/tags/list?n=2&last=b>; rel="next"');
      const next = await client.fetch('/v2/library/tagged/tags/list?n=2&last=b');
      expect(((await next.json()) as { tags: string[] }).tags).toEqual(['c', 'd']);
      const all = await client.fetch('/v2/library/tagged/tags/list');
      expect(((await all.json()) as { tags: string[] }).tags).toEqual(['a', 'b', 'c', 'd', 'e', 'seed']);
      expect(all.headers.get('link')).toBeNull();
      const unknown = await client.fetch('/v2/library/never-pushed/tags/list');
      expect(unknown.status).toBe(404);
      expect(await errorCode(unknown)).toBe('NAME_UNKNOWN');
    });

    it('lists the catalog with pagination', async () => {
      await client.pushImage('library/cat-a', 'x');
      await client.pushImage('library/cat-b', 'x');
      const first = await client.fetch('/v2/_catalog?n=1&last=library/cat-');
      expect(await first.json()).toEqual({ repositories: ['library/cat-a'] });
      expect(first.headers.get('link')).toContain('last=library%2Fcat-a');
      const all = (await (await client.fetch('/v2/_catalog')).json()) as { repositories: string[] };
      expect(all.repositories).toEqual(expect.arrayContaining(['library/cat-a', 'library/cat-b']));
      expect([...all.repositories].sort()).toEqual(all.repositories);
    });
  });
});
