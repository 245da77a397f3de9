import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestOf } from './digest';
import { VerifyingStream } from './verifying-stream';

async function consume(source: Readable, verifier: VerifyingStream): Promise<Buffer[]> {
  const received: Buffer[] = [];
  await pipeline(source, verifier, new Writable({ write: (chunk: Buffer, _e, done) => (received.push(chunk), done()) }));
  return received;
}

describe('VerifyingStream', () => {
  const chunks = [Buffer.from('hello '), Buffer.from('wide '), Buffer.from('world')];
  const whole = Buffer.concat(chunks);

  it('passes every byte through when digest and size match', async () => {
    const received = await consume(Readable.from(chunks), new VerifyingStream({ algorithm: 'sha256', expectedDigest: digestOf(whole), expectedSize: whole.length }));
    expect(Buffer.concat(received).equals(whole)).toBe(true);
  });

  it('never releases the last chunk of a body with the wrong digest', async () => {
    const received: Buffer[] = [];
    const verifier = new VerifyingStream({ algorithm: 'sha256', expectedDigest: digestOf(Buffer.from('other')) });
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (received.push(chunk), done()) });
    await expect(pipeline(Readable.from(chunks), verifier, sink)).rejects.toMatchObject({ kind: 'invalid', reason: 'digest' });
    expect(Buffer.concat(received).length).toBeLessThan(whole.length);
  });

  it('fails a body shorter or longer than declared', async () => {
    await expect(consume(Readable.from(chunks), new VerifyingStream({ algorithm: 'sha256', expectedSize: whole.length + 1 }))).rejects.toMatchObject({ kind: 'invalid', reason: 'size' });
    await expect(consume(Readable.from(chunks), new VerifyingStream({ algorithm: 'sha256', expectedSize: 3 }))).rejects.toMatchObject({ kind: 'invalid', reason: 'size' });
  });

  it('continues a running hash across streams', async () => {
    const first = new VerifyingStream({ algorithm: 'sha256' });
    await consume(Readable.from(chunks.slice(0, 1)), first);
    const second = new VerifyingStream({ algorithm: 'sha256', hash: first.hash, expectedDigest: digestOf(whole) });
    await consume(Readable.from(chunks.slice(1)), second);
    expect(second.digest()).toBe(digestOf(whole));
  });

  it('errors downstream when the source is destroyed mid-body', async () => {
    const source = new PassThrough();
    const verifier = new VerifyingStream({ algorithm: 'sha256' });
    const done = consume(source, verifier);
    source.write('partial');
    source.destroy(new Error('client went away'));
    await expect(done).rejects.toThrow('client went away');
  });

  it('stops a body at the first byte past its budget, whatever its declared length', async () => {
    const received: Buffer[] = [];
    const verifier = new VerifyingStream({ algorithm: 'sha256', budget: { bytes: 8, exceeded: (bytes) => new Error(`over budget at ${bytes}`) } });
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (received.push(chunk), done()) });
    await expect(pipeline(Readable.from(chunks), verifier, sink)).rejects.toThrow('over budget at 11');
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(8);
    await expect(consume(Readable.from(chunks), new VerifyingStream({ algorithm: 'sha256', budget: { bytes: whole.length, exceeded: () => new Error('no') } }))).resolves.toBeDefined();
  });
});
