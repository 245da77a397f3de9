/**
 * Many uploads at once share one budget of parts in flight (beyond each upload's first): with a
 * budget of a single part, concurrent multipart writes and appends on RadosGW still store every
 * byte in order, and a lone write still completes.
 */
import { S3BlobDriver } from '@wharf/storage';
import { randomBytes } from 'node:crypto';
import { readAll, socketChunks as chunked } from '../support/byte-streams';
import { s3DriverConnection, s3TestConfig } from '../support/s3-env';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const s3 = s3TestConfig();
const describeS3 = s3 ? describe : describe.skip;

describeS3('S3 parts in flight, shared by concurrent uploads', () => {
  const driver = new S3BlobDriver({
    ...s3DriverConnection(s3!),
    partSize: PART,
    partsInFlightBudgetBytes: PART,
  });

  beforeAll(() => driver.ensureBucket());
  afterAll(() => driver.destroy());

  it('stores every concurrent multipart write whole', async () => {
    const bodies = Array.from({ length: 5 }, () => randomBytes(3 * PART + MiB + 17));
    await Promise.all(bodies.map((bytes, i) => driver.write(`in-flight/write-${i}`, chunked(bytes), bytes.length)));
    for (const [i, bytes] of bodies.entries()) expect((await readAll(await driver.read(`in-flight/write-${i}`))).equals(bytes)).toBe(true);
  });

  it('stores every concurrent append (parts, then tails) whole', async () => {
    const firsts = Array.from({ length: 4 }, () => randomBytes(2 * PART + 3 * MiB));
    const seconds = Array.from({ length: 4 }, () => randomBytes(PART + MiB));
    await Promise.all(
      firsts.map(async (first, i) => {
        let object = await driver.createAppendable(`in-flight/append-${i}`);
        object = await driver.append(object, chunked(first));
        object = await driver.append(object, chunked(seconds[i]));
        await driver.seal(object);
      }),
    );
    for (const [i, first] of firsts.entries()) {
      expect((await readAll(await driver.read(`in-flight/append-${i}`))).equals(Buffer.concat([first, seconds[i]]))).toBe(true);
    }
  });

  it('completes a write larger than the budget on its own', async () => {
    const bytes = randomBytes(6 * PART);
    await driver.write('in-flight/alone', chunked(bytes), bytes.length);
    expect((await readAll(await driver.read('in-flight/alone'))).equals(bytes)).toBe(true);
  });
});
