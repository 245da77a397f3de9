/**
 * The BlobDriver contract (libs/storage/src/blob-driver.ts), one suite run against both adapters:
 * the filesystem adapter in a fresh temp dir, and the S3 adapter on a fresh bucket of the test
 * S3 server (RadosGW, see test/support/global-setup.ts) with 5 MiB parts, so part boundaries
 * are crossed with modest data. After every test nothing may be left in staging (filesystem temp
 * and staging files; S3 multipart uploads in progress and appendable tails).
 */
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  BlobNotFoundError,
  BlobSizeMismatchError,
  FilesystemBlobDriver,
  InvalidBlobKeyError,
  S3BlobDriver,
  type AppendableObject,
  type BlobDriver,
} from '@wharf/storage';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { s3DriverConnection, s3TestConfig, type S3TestConfig } from '../support/s3-env';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

interface Fixture {
  driver: BlobDriver;
  /** what the adapter keeps outside the visible objects, e.g. "multipart:<key>" */
  staged(): Promise<string[]>;
  close(): Promise<void>;
}

async function filesystemFixture(): Promise<Fixture> {
  const root = mkdtempSync(path.join(tmpdir(), 'wharf-blob-contract-'));
  const list = async (dir: string) => (await fsp.readdir(path.join(root, dir)).catch(() => [])).map((name) => `${dir}/${name}`);
  return {
    driver: new FilesystemBlobDriver(root),
    staged: async () => [...(await list('_tmp')), ...(await list('_staging'))],
    close: () => fsp.rm(root, { recursive: true, force: true }),
  };
}

async function s3Fixture(config: S3TestConfig): Promise<Fixture> {
  const driver = new S3BlobDriver({
    ...s3DriverConnection(config),
    partSize: PART,
    // objects over 5 MiB are moved part by part, so the 12 MiB move below takes that path
    copyPartSize: PART,
  });
  await driver.ensureBucket();
  const client = new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.S3_BUCKET;
  const allKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  };
  const uploads = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? [];
  return {
    driver,
    staged: async () => [
      ...(await uploads()).map((u) => `multipart:${u.Key}`),
      ...(await allKeys()).filter((key) => key.includes('.tail.')).map((key) => `tail:${key}`),
    ],
    close: async () => {
      for (const u of await uploads()) await client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
      const keys = await allKeys();
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket }));
      client.destroy();
      driver.destroy();
    },
  };
}

// ---- bodies

/** `data` as a stream of randomly sized chunks (1 B to `maxChunk`), like a network body */
function chunked(data: Buffer, maxChunk = 256 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; ) {
        const n = Math.min(data.length - offset, 1 + Math.floor(Math.random() * maxChunk));
        yield data.subarray(offset, offset + n);
        offset += n;
      }
    })(),
  );
}

/** sends `data`, then fails like a client that went away */
function failingAfter(data: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield* chunked(data);
      throw new Error('client went away');
    })(),
  );
}

/** passes every byte through, then fails in flush: a digest check that fails at the very end */
function failingInFlush(data: Buffer): Readable {
  const verifier = new Transform({
    transform: (chunk, _encoding, done) => done(null, chunk),
    flush: (done) => done(new Error('digest mismatch')),
  });
  return chunked(data).pipe(verifier);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** JSON through a string: the state as another process reads it from the database */
const viaDatabase = (object: AppendableObject): AppendableObject => JSON.parse(JSON.stringify(object));

// ---- the contract

const s3 = s3TestConfig();
const adapters: [string, () => Promise<Fixture>][] = [['filesystem', filesystemFixture]];
if (s3) {
  adapters.push(['s3', () => s3Fixture(s3)]);
} else {
  console.warn('!! no S3 server (WHARF_TEST_S3_ENDPOINT unset): the S3 half of the blob driver contract is SKIPPED');
  describe.skip('s3 adapter: no S3 server here, see test/support/global-setup.ts', () => {
    it('runs the blob driver contract', () => undefined);
  });
}

describe.each(adapters)('BlobDriver contract: %s adapter', (name, makeFixture) => {
  let fixture: Fixture;
  let driver: BlobDriver;

  beforeAll(async () => {
    fixture = await makeFixture();
    driver = fixture.driver;
  });
  afterAll(async () => {
    await fixture?.close();
  });
  afterEach(async () => {
    expect(await fixture.staged()).toEqual([]);
  });

  const expectContent = async (key: string, data: Buffer) => {
    expect(await driver.stat(key)).toEqual({ size: data.length });
    const stored = await readAll(await driver.read(key));
    expect(stored.length).toBe(data.length);
    expect(sha256(stored)).toBe(sha256(data));
  };

  describe('write, read, stat', () => {
    it('round-trips small and empty objects, from buffers and streams', async () => {
      const small = Buffer.from('hello, wharf');
      await driver.write('rt/buffer', small);
      await expectContent('rt/buffer', small);
      await driver.write('rt/stream-sized', chunked(small, 3), small.length);
      await expectContent('rt/stream-sized', small);
      await driver.write('rt/stream-unsized', chunked(small, 3));
      await expectContent('rt/stream-unsized', small);
      await driver.write('rt/empty', Readable.from([]), 0);
      await expectContent('rt/empty', Buffer.alloc(0));
    });

    it('round-trips a 20 MiB random blob streamed with and without a declared size', async () => {
      const data = randomBytes(20 * MiB);
      await driver.write('rt/big-sized', chunked(data), data.length);
      await expectContent('rt/big-sized', data);
      await driver.write('rt/big-unsized', chunked(data));
      await expectContent('rt/big-unsized', data);
      await driver.write('rt/big-buffer', data, data.length);
      await expectContent('rt/big-buffer', data);
    });

    it('overwrites an existing object', async () => {
      await driver.write('rt/overwrite', Buffer.from('first version'));
      await driver.write('rt/overwrite', chunked(Buffer.from('second')), 6);
      await expectContent('rt/overwrite', Buffer.from('second'));
    });

    it('reads byte ranges, inclusive, across part boundaries', async () => {
      const data = randomBytes(12 * MiB + 7);
      await driver.write('range/blob', chunked(data), data.length);
      const read = async (start: number, end: number) => readAll(await driver.read('range/blob', { start, end }));
      expect(await read(0, 0)).toEqual(data.subarray(0, 1));
      expect(await read(5, 104)).toEqual(data.subarray(5, 105));
      expect(await read(PART - 3, PART + 2)).toEqual(data.subarray(PART - 3, PART + 3));
      expect(await read(data.length - 10, data.length - 1)).toEqual(data.subarray(data.length - 10));
      // as in HTTP, an end past the object is cut to its last byte
      expect(await read(data.length - 4, data.length + 100)).toEqual(data.subarray(data.length - 4));
      expect(sha256(await read(3 * MiB, 11 * MiB - 1))).toBe(sha256(data.subarray(3 * MiB, 11 * MiB)));
    });

    it('refuses malformed ranges and ranges that start past the end', async () => {
      await driver.write('range/small', Buffer.from('0123456789'));
      await driver.write('range/empty', Buffer.alloc(0));
      for (const range of [{ start: 5, end: 4 }, { start: -1, end: 3 }, { start: 1.5, end: 3 }]) {
        await expect(driver.read('range/small', range)).rejects.toThrow(/invalid byte range/);
      }
      await expect(driver.read('range/small', { start: 10, end: 20 })).rejects.toThrow(/starts past the end/);
      await expect(driver.read('range/empty', { start: 0, end: 0 })).rejects.toThrow(/starts past the end/);
      expect(await readAll(await driver.read('range/small', { start: 9, end: 9 }))).toEqual(Buffer.from('9'));
    });
  });

  describe('missing and invalid keys', () => {
    it('reports missing objects', async () => {
      expect(await driver.stat('missing/key')).toBeNull();
      await expect(driver.read('missing/key')).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(driver.read('missing/key', { start: 0, end: 10 })).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(driver.move('missing/key', 'missing/other')).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await driver.stat('missing/other')).toBeNull();
    });

    it('treats a key prefix as no object', async () => {
      await driver.write('prefix/a/b', Buffer.from('x'));
      expect(await driver.stat('prefix/a')).toBeNull();
      await expect(driver.read('prefix/a')).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await driver.stat('prefix/a/b/c')).toBeNull();
    });

    it.each(['../escape', 'a/../../escape', '/absolute', 'a//b', 'a/./b', 'a/', '', 'a\\b', '_tmp/x', '_staging/x'])(
      'refuses the key %j',
      async (key) => {
        await expect(driver.write(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(driver.stat(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(driver.read(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(driver.createAppendable(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      },
    );
  });

  describe('failed writes leave nothing', () => {
    it.each([
      ['a short small body', 10, 11],
      ['a long small body', 12, 11],
      ['a short multipart body', 11 * MiB, 12 * MiB],
      ['a long multipart body', 12 * MiB + 1, 12 * MiB],
    ])('rejects %s with BlobSizeMismatchError', async (_label, sent, declared) => {
      const key = `short/${sent}-${declared}`;
      await expect(driver.write(key, chunked(randomBytes(sent)), declared)).rejects.toBeInstanceOf(BlobSizeMismatchError);
      expect(await driver.stat(key)).toBeNull();
    });

    it('rejects a buffer that does not match its declared size', async () => {
      await expect(driver.write('short/buffer', Buffer.from('abc'), 4)).rejects.toBeInstanceOf(BlobSizeMismatchError);
      expect(await driver.stat('short/buffer')).toBeNull();
    });

    const failures: [string, (data: Buffer) => Readable, number, boolean][] = [
      ['fails midway, small, sized', failingAfter, 1000, true],
      ['fails midway, large, sized', failingAfter, 11 * MiB, true],
      ['fails midway, large, unsized', failingAfter, 11 * MiB, false],
      ['fails in flush after every byte, small, sized', failingInFlush, 1000, true],
      ['fails in flush after every byte, large, sized', failingInFlush, 11 * MiB, true],
      ['fails in flush after every byte, small, unsized', failingInFlush, 1000, false],
      ['fails in flush after every byte, large, unsized', failingInFlush, 11 * MiB, false],
    ];
    it.each(failures)('a body that %s stores nothing and keeps the existing object', async (label, body, length, sized) => {
      const key = `failing/${label.replace(/\W+/g, '-')}`;
      const existing = Buffer.from('the previous, complete object');
      await driver.write(`${key}/existing`, existing);
      const data = randomBytes(length);
      // the bytes sent before the failure are exactly the declared size: only the error says no
      await expect(driver.write(`${key}/existing`, body(data), sized ? length : undefined)).rejects.toThrow(/client went away|digest mismatch/);
      await expect(driver.write(`${key}/new`, body(data), sized ? length : undefined)).rejects.toThrow(/client went away|digest mismatch/);
      await expectContent(`${key}/existing`, existing);
      expect(await driver.stat(`${key}/new`)).toBeNull();
    });
  });

  describe('move and delete', () => {
    it('moves small and multipart-sized objects, replacing the target', async () => {
      const small = Buffer.from('moving');
      await driver.write('move/a', small);
      await driver.write('move/b', Buffer.from('to be replaced'));
      await driver.move('move/a', 'move/b');
      expect(await driver.stat('move/a')).toBeNull();
      await expectContent('move/b', small);

      const big = randomBytes(12 * MiB + 5);
      await driver.write('move/big', big);
      await driver.move('move/big', 'move/elsewhere/deeper/big');
      expect(await driver.stat('move/big')).toBeNull();
      await expectContent('move/elsewhere/deeper/big', big);

      await driver.move('move/b', 'move/b');
      await expectContent('move/b', small);
    });

    it('deletes idempotently', async () => {
      await driver.write('delete/one', Buffer.from('x'));
      await driver.delete('delete/one');
      expect(await driver.stat('delete/one')).toBeNull();
      await driver.delete('delete/one');
      await driver.delete('delete/never-existed');
    });

    it('deletes many keys (more than one S3 batch) and reports the ones it could not delete', async () => {
      const keys = Array.from({ length: 1003 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((key) => driver.write(key, Buffer.from(key))));
      }
      await driver.write('many-kept/survivor', Buffer.from('kept'));
      const { failed } = await driver.deleteMany([...keys, 'many/missing', '../bad-key']);
      expect(failed.map((f) => f.key)).toEqual(['../bad-key']);
      expect(failed[0].reason).toMatch(/invalid blob key/);
      for (const key of [keys[0], keys[999], keys[1000], keys[1002]]) expect(await driver.stat(key)).toBeNull();
      await expectContent('many-kept/survivor', Buffer.from('kept'));
      expect(await driver.deleteMany([])).toEqual({ failed: [] });
    });
  });

  describe('appendable objects', () => {
    /** appends `data` and checks the new size; the state goes through JSON before and after */
    const append = async (object: AppendableObject, data: Buffer): Promise<AppendableObject> => {
      const next = await driver.append(viaDatabase(object), chunked(data, 64 * 1024));
      expect(next.size).toBe(object.size + data.length);
      expect(next.key).toBe(object.key);
      return viaDatabase(next);
    };

    it('grows by tiny and big appends across part boundaries, invisible until sealed', async () => {
      const key = 'append/growing/data';
      let object = await driver.createAppendable(key);
      expect(object.size).toBe(0);
      const written: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        const data = randomBytes(1 + Math.floor(Math.random() * 200));
        object = await append(object, data);
        written.push(data);
      }
      for (const size of [1, 3 * MiB, 7 * MiB, 1, 13 * MiB, PART]) {
        const data = randomBytes(size);
        object = await append(object, data);
        written.push(data);
        expect(await driver.stat(key)).toBeNull();
      }
      // an empty append changes nothing
      const unchanged = await driver.append(viaDatabase(object), Readable.from([]));
      expect(unchanged).toEqual(object);

      await driver.seal(viaDatabase(object));
      await expectContent(key, Buffer.concat(written));
    });

    it('seals an appendable that received nothing as an empty object', async () => {
      const object = await driver.createAppendable('append/empty/data');
      expect(await driver.stat('append/empty/data')).toBeNull();
      await driver.seal(viaDatabase(object));
      await expectContent('append/empty/data', Buffer.alloc(0));
    });

    it.each([
      ['tail only', 100],
      ['whole parts only', 2 * PART],
      ['parts and a tail', 2 * PART + 100],
    ])('seals (and a retried seal is harmless) with %s', async (_label, size) => {
      const key = `append/seal-${size}/data`;
      const data = randomBytes(size);
      const object = await append(await driver.createAppendable(key), data);
      await driver.seal(viaDatabase(object));
      await driver.seal(viaDatabase(object));
      await expectContent(key, data);
    });

    it.each([
      ['an empty appendable', 0],
      ['an appendable with a tail', 3 * MiB],
      ['an appendable with parts and a tail', 2 * PART + 3],
    ])('aborts %s, leaving nothing', async (_label, size) => {
      const key = `append/abort-${size}/data`;
      let object = await driver.createAppendable(key);
      if (size > 0) object = await append(object, randomBytes(size));
      await driver.abort(viaDatabase(object));
      expect(await driver.stat(key)).toBeNull();
      // a retried abort (a purge after a crash) is harmless too
      await driver.abort(viaDatabase(object));
    });

    it.each([
      ['from an empty appendable', 0],
      ['from a tail', 3 * MiB],
      ['from whole parts', PART],
      ['from parts and a tail', PART + 4 * MiB],
    ])('recovers from an append whose body fails midway, %s', async (_label, before) => {
      const key = `append/retry-${before}/data`;
      const head = randomBytes(before);
      let object = await driver.createAppendable(key);
      if (before > 0) object = await append(object, head);
      const saved = viaDatabase(object);

      // 9 MiB of garbage cross at least one part boundary before the body fails
      await expect(driver.append(viaDatabase(saved), failingAfter(randomBytes(9 * MiB)))).rejects.toThrow('client went away');
      await expect(driver.append(viaDatabase(saved), failingInFlush(randomBytes(6 * MiB)))).rejects.toThrow('digest mismatch');

      const rest = randomBytes(8 * MiB + 11);
      object = await append(saved, rest);
      await driver.seal(object);
      await expectContent(key, Buffer.concat([head, rest]));
    });

    it('seals only the bytes of its state after a failed append', async () => {
      const key = 'append/seal-after-failure/data';
      const head = randomBytes(PART + 10);
      const object = await append(await driver.createAppendable(key), head);
      await expect(driver.append(viaDatabase(object), failingAfter(randomBytes(7 * MiB)))).rejects.toThrow('client went away');
      await driver.seal(viaDatabase(object));
      await expectContent(key, head);
    });

    it('lists the leftover an appendable holds (older than asked) until it is removed', async () => {
      const object = await append(await driver.createAppendable('append/leftover/data'), randomBytes(PART + 10));
      const held = driver.leftoversOf(viaDatabase(object));
      // filesystem: the staging file; S3: the multipart upload and the tail
      expect(held).toHaveLength(name === 'filesystem' ? 1 : 2);
      const ahead = new Date(Date.now() + 60_000);
      const listed = async (before: Date) => {
        const found = [];
        for await (const leftover of driver.listLeftovers(before)) found.push(leftover);
        return found;
      };
      expect((await listed(ahead)).map((l) => l.id)).toEqual(expect.arrayContaining(held));
      expect(await listed(new Date(0))).toEqual([]);
      for (const leftover of await listed(ahead)) if (held.includes(leftover.id)) await driver.removeLeftover(leftover);
      expect((await listed(ahead)).filter((l) => held.includes(l.id))).toEqual([]);
      expect(await driver.stat('append/leftover/data')).toBeNull();
      // removed twice, or aborted after (a purge racing a cancel): harmless
      for (const leftover of await listed(ahead)) await driver.removeLeftover(leftover);
      await driver.abort(viaDatabase(object));
    });

    it('keeps two appendables apart', async () => {
      const a = randomBytes(PART + 1);
      const b = randomBytes(PART + 2);
      let first = await driver.createAppendable('append/pair/a');
      let second = await driver.createAppendable('append/pair/b');
      first = await append(first, a.subarray(0, 1000));
      second = await append(second, b.subarray(0, PART));
      first = await append(first, a.subarray(1000));
      second = await append(second, b.subarray(PART));
      await driver.seal(first);
      await driver.seal(second);
      await expectContent('append/pair/a', a);
      await expectContent('append/pair/b', b);
    });
  });

  describe('presigned read URLs', () => {
    if (name === 'filesystem') {
      it('has none', async () => {
        await driver.write('presigned/fs', Buffer.from('x'));
        expect(await driver.presignedReadUrl('presigned/fs', 60)).toBeNull();
      });
    } else {
      it('serves the object to a plain HTTP client', async () => {
        const data = randomBytes(3 * MiB);
        await driver.write('presigned/some blob+name', data);
        const url = await driver.presignedReadUrl('presigned/some blob+name', 60);
        expect(url).toEqual(expect.stringMatching(/^http/));
        const response = await fetch(url!);
        expect(response.status).toBe(200);
        expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(data));

        const ranged = await fetch(url!, { headers: { Range: 'bytes=10-19' } });
        expect(ranged.status).toBe(206);
        expect(Buffer.from(await ranged.arrayBuffer())).toEqual(data.subarray(10, 20));
      });
    }
  });
});
