import { createHash } from 'node:crypto';
import { OffThreadDigests } from './off-thread-digests';

/** the worker's port, as the event loop counts what keeps it alive */
const heldPorts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'MessagePort').length;

describe('OffThreadDigests', () => {
  const digests = new OffThreadDigests();
  afterAll(() => digests.onModuleDestroy());

  it('hashes a range of shared memory at an offset', async () => {
    const bytes = Buffer.from(new SharedArrayBuffer(64));
    bytes.write('....hello world');
    const digest = digests.start('sha256');
    await digest.update(bytes.buffer as SharedArrayBuffer, 11, 4);
    expect(await digest.finish()).toBe(`sha256:${createHash('sha256').update('hello world').digest('hex')}`);
  });

  it('holds the process open only while an answer is awaited (an idle hashing thread lets it exit)', async () => {
    // started and idle (the test above)
    const idle = heldPorts();
    const digest = digests.start('sha256');
    const hashed = digest.update(new SharedArrayBuffer(8), 8);
    expect(heldPorts()).toBe(idle + 1);
    await hashed;
    expect(heldPorts()).toBe(idle);
    const finished = digest.finish();
    expect(heldPorts()).toBe(idle + 1);
    await finished;
    expect(heldPorts()).toBe(idle);
  });
});
