import { InvalidError, type DomainError } from '@wharf/errors';
import { digestOf } from './digest';
import { parseManifest } from './manifest-parser';
import { MediaType } from './media-types';

const blob = (s: string, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') => ({ mediaType, digest: digestOf(Buffer.from(s)), size: s.length });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof InvalidError ? `invalid ${error.reason}` : (error as DomainError).kind;
  }
  return 'accepted';
};

describe('parseManifest', () => {
  const image = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: blob('{}', 'application/vnd.oci.image.config.v1+json'), layers: [blob('a'), blob('b')] };

  it('lists config and layers as required blobs and the config type as artifact type', () => {
    const parsed = parseManifest(json(image), MediaType.OciManifest);
    expect(parsed.kind).toBe('image');
    expect(parsed.blobs.map((b) => b.digest)).toEqual([image.config.digest, image.layers[0].digest, image.layers[1].digest]);
    expect(parsed.artifactType).toBe('application/vnd.oci.image.config.v1+json');
  });

  it('refuses a NUL character anywhere (annotations are kept as jsonb, which cannot hold one)', () => {
    expect(codeOf(() => parseManifest(json({ ...image, annotations: { note: 'a\u0000b' } }), MediaType.OciManifest))).toBe('invalid manifest');
    expect(codeOf(() => parseManifest(json({ ...image, annotations: { note: 'a\\u0000b' } }), MediaType.OciManifest))).toBe('accepted');
  });

  it('takes the media type from Content-Type when the manifest has none', () => {
    const { mediaType: _omit, ...bare } = image;
    expect(parseManifest(json(bare), MediaType.OciManifest).mediaType).toBe(MediaType.OciManifest);
  });

  it('skips foreign layers that live elsewhere', () => {
    const foreign = { ...blob('f', MediaType.DockerForeignLayer), urls: ['https://example.invalid/layer'] };
    const parsed = parseManifest(json({ ...image, mediaType: MediaType.DockerManifest, layers: [foreign, blob('a')] }), MediaType.DockerManifest);
    expect(parsed.blobs).toHaveLength(2);
  });

  it('reads an index: children, subject and artifactType', () => {
    const subject = blob('s', MediaType.OciManifest);
    const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, artifactType: 'application/x-thing', manifests: [blob('m', MediaType.OciManifest)], subject };
    const parsed = parseManifest(json(index), MediaType.OciIndex);
    expect(parsed.kind).toBe('index');
    expect(parsed.manifests).toHaveLength(1);
    expect(parsed.subject?.digest).toBe(subject.digest);
    expect(parsed.artifactType).toBe('application/x-thing');
  });

  it.each([
    ['invalid JSON', Buffer.from('{'), MediaType.OciManifest, 'invalid manifest'],
    ['a JSON array', json([]), MediaType.OciManifest, 'invalid manifest'],
    ['a mismatched Content-Type', json(image), MediaType.OciIndex, 'invalid manifest'],
    ['schema 1', json({ schemaVersion: 1 }), MediaType.DockerSchema1Signed, 'invalid manifest'],
    ['a negative size', json({ ...image, layers: [{ ...blob('a'), size: -1 }] }), MediaType.OciManifest, 'invalid manifest'],
    ['a bad digest', json({ ...image, layers: [{ ...blob('a'), digest: 'sha256:nothex' }] }), MediaType.OciManifest, 'invalid manifest'],
    ['layers missing', json({ ...image, layers: undefined }), MediaType.OciManifest, 'invalid manifest'],
    ['an unknown type', json({ ...image, mediaType: 'application/x-other' }), 'application/x-other', 'invalid manifest'],
    ['more than 4 MiB', Buffer.alloc(4 * 1024 * 1024 + 1, 32), MediaType.OciManifest, 'too-large'],
  ])('refuses %s', (_case, body, contentType, code) => {
    expect(codeOf(() => parseManifest(body, contentType))).toBe(code);
  });
});
