/**
 * S3 part uploads are signed with a payload SHA-256 computed on the hashing thread
 * (OffThreadDigests), not by the SDK on the event loop: every part of a multipart write and of an
 * append goes through it, and the server checks the bytes against it (a wrong hash fails the
 * write and leaves nothing).
 */
import { OffThreadDigests, S3BlobDriver, type OffThreadDigest } from '@wharf/storage';
import { randomBytes } from 'node:crypto';
import { readAll, socketChunks as chunked } from '../support/byte-streams';
import { s3DriverConnection, s3TestConfig } from '../support/s3-env';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const s3 = s3TestConfig();
const describeS3 = s3 ? describe : describe.skip;

/** Counts the digests started; `wrong` makes every one answer a hash of other bytes. */
class CountingDigests extends OffThreadDigests {
  started = 0;
  constructor(private readonly wrong = false) {
    super();
  }

  override start(algorithm: string): OffThreadDigest {
    this.started += 1;
    const real = super.start(algorithm);
    if (!this.wrong) return real;
    return { update: real.update, finish: async () => `sha256:${'0'.repeat(64)}` };
  }
}

function driverWith(digests: OffThreadDigests): S3BlobDriver {
  return new S3BlobDriver({
    ...s3DriverConnection(s3!),
    partSize: PART,
    digests,
  });
}

describeS3('S3 part payload hashes on the hashing thread', () => {
  const digests = new CountingDigests();
  const driver = driverWith(digests);

  beforeAll(() => driver.ensureBucket());
  afterAll(async () => {
    driver.destroy();
    await digests.onModuleDestroy();
  });

  it('hashes every part of a multipart write there, and the object reads back whole', async () => {
    const bytes = randomBytes(2 * PART + 3 * MiB);
    digests.started = 0;
    await driver.write('parts/written', chunked(bytes), bytes.length);
    // two full parts and the last, shorter one
    expect(digests.started).toBe(3);
    expect((await readAll(await driver.read('parts/written'))).equals(bytes)).toBe(true);
  });

  it('hashes the parts an append completes there, the tail included', async () => {
    const first = randomBytes(3 * MiB);
    const second = randomBytes(PART + 4 * MiB);
    digests.started = 0;
    let object = await driver.createAppendable('parts/appended');
    object = await driver.append(object, chunked(first));
    // under one part: kept as the tail, no part uploaded
    expect(digests.started).toBe(0);
    object = await driver.append(object, chunked(second));
    // the tail and the second body make two full parts; the rest (2 MiB) is the new tail
    expect(digests.started).toBe(2);
    await driver.seal(object);
    expect((await readAll(await driver.read('parts/appended'))).equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('signs with that hash: a part whose hash does not match its bytes is refused and nothing is stored', async () => {
    const lying = new CountingDigests(true);
    const liar = driverWith(lying);
    try {
      const bytes = randomBytes(PART + MiB);
      await expect(liar.write('parts/refused', chunked(bytes), bytes.length)).rejects.toThrow();
      expect(lying.started).toBeGreaterThan(0);
      expect(await driver.stat('parts/refused')).toBeNull();
    } finally {
      liar.destroy();
      await lying.onModuleDestroy();
    }
  });
});
